-- Write a new allocation once every SKU holds its units: record, idempotency key and outbox
-- entry together, in the allocation's bucket, if the key's claim (claim.lua) is still this
-- allocation's. A key committed meanwhile wins: replay or conflict.
-- KEYS: idempotency, record, outbox, held, pending (one bucket).
-- ARGV: now_ms, expires_at_ms, allocation_id, client_id, fingerprint, lines_json, payload,
--       idempotency_ttl_ms, record_ttl_ms, retention_ms, outbox_maxlen, record_prefix,
--       capacity (JSON list of the nodes whose daily capacity it holds, '' for none),
--       limits (JSON list of the holders whose caps of held units it counts against, '').
-- Returns {'held'} | {'replay', allocation_id} | {'conflict'} | {'lost'} (the claim is gone
-- or another call's: this allocation must give back its holds).
local now, id = ARGV[1], ARGV[3]
expire_due(KEYS[4], KEYS[3], ARGV[12], now, ARGV[10], ARGV[11])
local seen = redis.call('HMGET', KEYS[1], 'fingerprint', 'allocation_id', 'state')
if seen[1] and seen[3] ~= 'pending' then
  if seen[1] == ARGV[5] then
    return {'replay', seen[2]}
  end
  return {'conflict'}
end
if seen[2] ~= id then
  return {'lost'}
end
redis.call('HDEL', KEYS[1], 'state', 'deadline', 'lines', 'capacity')
redis.call('ZREM', KEYS[5], KEYS[1])
redis.call('HSET', KEYS[2], 'client_id', ARGV[4], 'status', 'HELD', 'lines', ARGV[6],
  'created_at_ms', now, 'expires_at_ms', ARGV[2], 'payload', ARGV[7])
if ARGV[13] ~= '' then
  redis.call('HSET', KEYS[2], 'capacity', ARGV[13])
end
if ARGV[14] ~= '' then
  redis.call('HSET', KEYS[2], 'limits', ARGV[14])
end
redis.call('PEXPIRE', KEYS[2], ARGV[9])
redis.call('HSET', KEYS[1], 'fingerprint', ARGV[5], 'allocation_id', id)
redis.call('PEXPIRE', KEYS[1], ARGV[8])
redis.call('ZADD', KEYS[4], ARGV[2], id)
publish(KEYS[3], ARGV[11], id, {client_id = ARGV[4], lines = ARGV[6]}, 'HELD', now)
return {'held'}
