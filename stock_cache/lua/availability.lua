-- ATP of one SKU at the nodes asked and its exact total over a network, the total from a
-- cache when it holds (see stock_cache/redis_reads.py for the design).
-- KEYS: stock, reserved, allocs, holds, totals of the SKU (one hash slot).
-- ARGV: now_ms, the cache field (channel, rules and network), epoch (of the generations the
--       caller read), mode, totals_ttl_ms, then per node: node, gen, safety units, safety
--       share (basis points), cap (-1 none, -2 outside the channel), counted (1: a node of
--       the network).
-- mode 'read': ATP at the nodes; the total if the cache has one of this epoch.
--   Returns {'hit', total, atp, ...} | {'miss', 0, atp, ...}.
-- mode 'fill': the nodes are the whole network (counted) and maybe a few more; the total is
--   the sum over the counted ones, stored in the cache under the epoch.
--   Returns {'filled', total, atp, ...}.
-- The sweep comes first: a hold that expired by the caller's clock is freed here, which
-- forgets the cached totals, so a cached total never counts an expired hold.
sweep_sku(KEYS[2], KEYS[3], KEYS[4], KEYS[5], ARGV[1])
local field, epoch = ARGV[2], ARGV[3]
local _, atp = available_block(KEYS[1], KEYS[2], 6, 6)
local reply = {'miss', 0}
if ARGV[4] == 'fill' then
  local total = 0
  for k = 1, #atp do
    if ARGV[6 + (k - 1) * 6 + 5] == '1' then
      total = total + atp[k]
    end
  end
  redis.call('HSET', KEYS[5], field, epoch .. ':' .. total)
  -- Fields of networks, channels or rules no longer asked about go with the key.
  redis.call('PEXPIRE', KEYS[5], ARGV[5])
  reply = {'filled', total}
else
  local cached = redis.call('HGET', KEYS[5], field)
  if cached then
    local colon = string.find(cached, ':', 1, true)
    if string.sub(cached, 1, colon - 1) == epoch then
      reply = {'hit', tonumber(string.sub(cached, colon + 1))}
    end
  end
end
for k = 1, #atp do
  reply[#reply + 1] = atp[k]
end
return reply
