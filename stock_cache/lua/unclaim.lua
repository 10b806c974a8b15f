-- Let go of an idempotency key's claim that held nothing for good (stock short, or its call
-- failed): the key is free again, unless it was committed meanwhile.
-- KEYS: idempotency, pending (one bucket). ARGV: allocation_id.
-- Returns {'released'} (the claim was this allocation's, now gone) | {'committed',
-- allocation_id, fingerprint} (the key holds an allocation) | {'other'} (no claim of this id).
local seen = redis.call('HMGET', KEYS[1], 'fingerprint', 'allocation_id', 'state')
if seen[1] and seen[3] ~= 'pending' then
  return {'committed', seen[2], seen[1]}
end
if seen[1] and seen[2] == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], KEYS[1])
  return {'released'}
end
return {'other'}
