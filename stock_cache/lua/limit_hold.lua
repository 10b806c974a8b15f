-- Count an allocation's units against every cap of held units its request names (a client's,
-- a shopper's), all or none: refused if any would pass its cap. The caps of a request share
-- its client's slot, so that racing requests are weighed against all of them in one order (a
-- cap weighed apart from the others could refuse a request that another cap has already
-- refused, and both stay under their limits). Each holder's keys mirror a SKU's reservation
-- keys, the field 'units' standing for a node, so that unhold.lua and the sweep serve them; a
-- confirm gives them back (the caps count HELD units only) and an expired hold is swept here,
-- by its expiry instant.
-- KEYS: per holder, reserved ('units' -> units held), allocs (allocation id -> JSON
--       {units = n}), holds (allocation id -> expiry ms).
-- ARGV: now_ms, expires_at_ms, allocation_id, units, keep_ms (how long the keys outlive their
--       newest hold), then the limit of each holder, in the order of KEYS.
-- Returns {'held'} (a holder that already counts this allocation stays as it is) or
-- {'short', index, held}, index counting the holders from 0.
local now, expires_at, id = ARGV[1], ARGV[2], ARGV[3]
local units, keep = tonumber(ARGV[4]), ARGV[5]
local fresh = {}
for h = 1, #KEYS / 3 do
  local reserved, allocs, holds = KEYS[3 * h - 2], KEYS[3 * h - 1], KEYS[3 * h]
  if redis.call('HEXISTS', allocs, id) == 0 then
    sweep(reserved, allocs, holds, now)
    local held = tonumber(redis.call('HGET', reserved, 'units')) or 0
    if held + units > tonumber(ARGV[5 + h]) then
      return {'short', h - 1, held}
    end
    fresh[#fresh + 1] = h
  end
end
for _, h in ipairs(fresh) do
  local reserved, allocs, holds = KEYS[3 * h - 2], KEYS[3 * h - 1], KEYS[3 * h]
  redis.call('HINCRBY', reserved, 'units', units)
  redis.call('HSET', allocs, id, cjson.encode({units = units}))
  redis.call('ZADD', holds, expires_at, id)
  redis.call('PEXPIRE', reserved, keep)
  redis.call('PEXPIRE', allocs, keep)
  redis.call('PEXPIRE', holds, keep)
end
return {'held'}
