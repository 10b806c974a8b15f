-- Count an allocation's units against a holder's cap of held units (a client's, a shopper's),
-- unless they would pass it. The keys mirror a SKU's reservation keys, the field 'units'
-- standing for a node, so that unhold.lua and the sweep serve them; a confirm gives them back
-- (the cap counts HELD units only) and an expired hold is swept here, by its expiry instant.
-- KEYS: reserved ('units' -> units held), allocs (allocation id -> JSON {units = n}), holds
--       (allocation id -> expiry ms) of the holder (one hash slot, tag {h:HOLDER}).
-- ARGV: now_ms, expires_at_ms, allocation_id, units, limit, keep_ms (how long the keys
--       outlive their newest hold).
-- Returns {'held'} (also when this allocation already counts here) or {'short', held}.
local now, expires_at, id = ARGV[1], ARGV[2], ARGV[3]
local units, limit = tonumber(ARGV[4]), tonumber(ARGV[5])
if redis.call('HEXISTS', KEYS[2], id) == 1 then
  return {'held'}
end
sweep(KEYS[1], KEYS[2], KEYS[3], now)
local held = tonumber(redis.call('HGET', KEYS[1], 'units')) or 0
if held + units > limit then
  return {'short', held}
end
redis.call('HINCRBY', KEYS[1], 'units', units)
redis.call('HSET', KEYS[2], id, cjson.encode({units = units}))
redis.call('ZADD', KEYS[3], expires_at, id)
for i = 1, 3 do
  redis.call('PEXPIRE', KEYS[i], ARGV[6])
end
return {'held'}
