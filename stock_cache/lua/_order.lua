-- Prepended to the scripts of an order bucket (tag {o:B}): allocation records
-- (`alloc:ID`, a hash), idempotency keys (`idem:CLIENT:KEY`, a hash), the allocation outbox
-- (`outbox`, a stream), `held`, a zset of HELD allocation ids by expiry instant, and `pinned`,
-- a zset of CONFIRMED ids whose holds may still carry the confirm's pin (see change.lua).

local function publish(outbox, maxlen, id, fields, status, at_ms)
  redis.call('XADD', outbox, 'MAXLEN', '~', maxlen, '*',
    'allocation_id', id, 'client_id', fields.client_id, 'status', status,
    'lines', fields.lines, 'at_ms', at_ms, 'order_reference', fields.order_reference or '')
end

local function record_fields(key)
  local flat = redis.call('HGETALL', key)
  local fields = {}
  for i = 1, #flat, 2 do
    fields[flat[i]] = flat[i + 1]
  end
  return fields
end

-- Mark EXPIRED (and publish it) the holds of this bucket past their expiry instant; their
-- units are freed by the SKU scripts' own sweeps. A few at a time: every call helps.
local function expire_due(held, outbox, record_prefix, now, retention, maxlen, limit)
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', held, '-inf', now, 'LIMIT', 0, limit or 20)) do
    local key = record_prefix .. id
    local fields = record_fields(key)
    if fields.status == 'HELD' then
      redis.call('HSET', key, 'status', 'EXPIRED')
      redis.call('PEXPIRE', key, retention)
      publish(outbox, maxlen, id, fields, 'EXPIRED', fields.expires_at_ms)
    end
    redis.call('ZREM', held, id)
  end
end
