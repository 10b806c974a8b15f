-- Apply one stock event to one SKU at one node (see stock_cache/_ledger.py).
-- KEYS: stock, seen, totals of the SKU.
-- ARGV: now_ms, id_ttl_ms, node, event_id, sequence, kind, quantity, resellable (0 | 1),
--       node watermark (-1 for none).
-- Returns {'APPLIED'} | {'DUPLICATE'} | {'STALE', covering sequence}.
local now, node, seq = tonumber(ARGV[1]), ARGV[3], tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[2]))
local member = node .. '\n' .. ARGV[4]
if redis.call('ZSCORE', KEYS[2], member) then
  return {'DUPLICATE'}
end
local l = ledger_get(KEYS[1], node)
local covered = math.max(ledger_covered(l), tonumber(ARGV[9]))
if seq <= covered then
  return {'STALE', covered}
end
local kind, qty = ARGV[6], tonumber(ARGV[7])
if kind == 'COUNT' then
  l.b, l.s = qty, seq
elseif kind == 'ADJUSTMENT' or ARGV[8] == '1' then
  l.a[#l.a + 1] = {seq, qty}
end
ledger_prune(l)
ledger_fold(l)
ledger_put(KEYS[1], node, l)
redis.call('ZADD', KEYS[2], now, member)
forget_totals(KEYS[3], {[node] = true})
return {'APPLIED'}
