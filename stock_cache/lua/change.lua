-- Confirm or release one allocation of one client.
-- KEYS: allocation record, then reserved, allocs, holds of each SKU of the allocation.
-- ARGV: action ('confirm' | 'release'), client_id, allocation_id, now_ms, retention_ms,
--       order_reference (confirm only).
-- Returns {'not_found'} | {'refused', status} | {'ok', field, value, ...} (the record after).
-- Standalone Redis: the record and the SKUs' keys sit in different hash slots. The Redis
-- Cluster change will split this by slot.
local record = KEYS[1]
local action, client_id, id, now, retention = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local fields = redis.call('HMGET', record, 'client_id', 'status', 'expires_at_ms',
  'order_reference')
if fields[1] ~= client_id then
  return {'not_found'}
end

local function free_all()
  for i = 2, #KEYS, 3 do
    free_units(KEYS[i], KEYS[i + 1], KEYS[i + 2], id)
  end
end

local status = fields[2]
if status == 'HELD' then
  local expired = tonumber(fields[3]) <= tonumber(now)
  for i = 2, #KEYS, 3 do
    -- A process whose clock runs ahead may already have swept this hold from some SKU.
    if not redis.call('ZSCORE', KEYS[i + 2], id) then
      expired = true
    end
  end
  if expired then
    free_all()
    redis.call('HSET', record, 'status', 'EXPIRED')
    redis.call('PEXPIRE', record, retention)
    status = 'EXPIRED'
  end
end

if action == 'confirm' then
  if status == 'HELD' then
    -- Out of the holds: a confirmed allocation keeps its units until it is released.
    for i = 2, #KEYS, 3 do
      redis.call('ZREM', KEYS[i + 2], id)
    end
    redis.call('HSET', record, 'status', 'CONFIRMED', 'order_reference', ARGV[6])
    redis.call('HDEL', record, 'expires_at_ms')
    redis.call('PERSIST', record)
  elseif not (status == 'CONFIRMED' and fields[4] == ARGV[6]) then
    return {'refused', status}
  end
else
  if status == 'HELD' or status == 'CONFIRMED' then
    free_all()
    redis.call('HSET', record, 'status', 'RELEASED')
    redis.call('PEXPIRE', record, retention)
  elseif status ~= 'RELEASED' then
    return {'refused', status}
  end
end

local reply = redis.call('HGETALL', record)
table.insert(reply, 1, 'ok')
return reply
