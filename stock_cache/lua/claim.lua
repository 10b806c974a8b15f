-- Claim an idempotency key for one reserve before anything is held: only the call holding
-- the claim may hold stock for the key, so retries of one key never hold units twice.
-- KEYS: idempotency, pending (one bucket).
-- ARGV: now_ms, fingerprint, allocation_id, deadline_ms (when the claim counts as abandoned),
--       lines_json, capacity_json ('' for none), idempotency_ttl_ms.
-- Returns {'claimed'} | {'replay', allocation_id} | {'conflict'} | {'busy'} (another call
-- holds a live claim) | {'taken_over', old allocation_id, lines_json, capacity_json}: the
-- claim's owner passed its deadline; the caller gives back what the old id may hold.
local now = tonumber(ARGV[1])
local seen = redis.call('HMGET', KEYS[1], 'fingerprint', 'allocation_id', 'state', 'deadline',
  'lines', 'capacity')
if seen[1] then
  if seen[1] ~= ARGV[2] then
    return {'conflict'}
  end
  if seen[3] ~= 'pending' then
    return {'replay', seen[2]}
  end
  if tonumber(seen[4]) > now then
    return {'busy'}
  end
  redis.call('HSET', KEYS[1], 'allocation_id', ARGV[3], 'deadline', ARGV[4], 'lines', ARGV[5],
    'capacity', ARGV[6])
  redis.call('ZADD', KEYS[2], ARGV[4], KEYS[1])
  return {'taken_over', seen[2], seen[5] or '[]', seen[6] or ''}
end
redis.call('HSET', KEYS[1], 'fingerprint', ARGV[2], 'allocation_id', ARGV[3], 'state', 'pending',
  'deadline', ARGV[4], 'lines', ARGV[5], 'capacity', ARGV[6])
redis.call('PEXPIRE', KEYS[1], ARGV[7])
redis.call('ZADD', KEYS[2], ARGV[4], KEYS[1])
return {'claimed'}
