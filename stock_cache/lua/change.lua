-- Change the status of one allocation of one client, and publish the change.
-- KEYS: record, outbox, held, pinned (one bucket).
-- ARGV: action ('confirm' | 'release' | 'fulfil' | 'expire'), client_id, allocation_id,
--       now_ms, retention_ms, order_reference (confirm only), outbox_maxlen, record_prefix,
--       repair_at_ms (confirm only: from when a confirm that never finished is repaired).
-- A confirm enters the allocation in `pinned` in the same step as it confirms the record:
-- its holds still carry the pin until the caller takes them out of the expiry sets and
-- then out of `pinned` (see pinned_due.lua, which finishes it should the caller die).
-- Returns {'not_found'} | {'refused', status} | {'ok', field, value, ...} (the record after).
local record, outbox, held, pinned = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local action, id, now, retention, maxlen = ARGV[1], ARGV[3], ARGV[4], ARGV[5], ARGV[7]
expire_due(held, outbox, ARGV[8], now, retention, maxlen)
local fields = record_fields(record)
if fields.client_id ~= ARGV[2] then
  return {'not_found'}
end

local function become(status, at)
  redis.call('HSET', record, 'status', status)
  fields.status = status
  publish(outbox, maxlen, id, fields, status, at or now)
end

local status = fields.status
if status == 'HELD' and (action == 'expire' or tonumber(fields.expires_at_ms) <= tonumber(now)) then
  become('EXPIRED', math.min(tonumber(now), tonumber(fields.expires_at_ms)))
  redis.call('ZREM', held, id)
  redis.call('PEXPIRE', record, retention)
  status = 'EXPIRED'
end

if action == 'confirm' then
  if status == 'HELD' then
    redis.call('HSET', record, 'order_reference', ARGV[6])
    redis.call('HDEL', record, 'expires_at_ms')
    redis.call('PERSIST', record)
    redis.call('ZREM', held, id)
    redis.call('ZADD', pinned, ARGV[9], id)
    fields.order_reference = ARGV[6]
    become('CONFIRMED')
  elseif not (status == 'CONFIRMED' and fields.order_reference == ARGV[6]) then
    return {'refused', status}
  end
elseif action == 'release' then
  if status == 'HELD' or status == 'CONFIRMED' then
    redis.call('ZREM', held, id)
    redis.call('ZREM', pinned, id)
    become('RELEASED')
    redis.call('PEXPIRE', record, retention)
  elseif status ~= 'RELEASED' then
    return {'refused', status}
  end
elseif action == 'fulfil' then
  if status == 'CONFIRMED' then
    redis.call('ZREM', pinned, id)
    become('FULFILLED')
    redis.call('PEXPIRE', record, retention)
  elseif status ~= 'FULFILLED' then
    return {'refused', status}
  end
end

local reply = redis.call('HGETALL', record)
table.insert(reply, 1, 'ok')
return reply
