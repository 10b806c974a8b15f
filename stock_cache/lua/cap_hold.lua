-- Hold one order of a node's daily capacity for one allocation, unless the day is full.
-- The capacity keys mirror a SKU's reservation keys, a day standing for a node, so that
-- unhold.lua, pin.lua and the sweep serve both.
-- KEYS: reserved (day -> orders), allocs (allocation id -> JSON {day: 1}), holds (allocation
--       id -> expiry ms) of the node's capacity (one hash slot, tag {n:NODE}).
-- ARGV: now_ms, expires_at_ms, allocation_id, day, limit (-1 for no bound), the oldest day
--       kept: the counters of ISO days before it are forgotten (a past day takes no orders;
--       giving back an order of a forgotten day leaves nothing below zero, see free_units),
--       then on a standalone Redis the capacity epoch's key, bumped on any change here.
-- Returns {'held'} (also when this allocation already holds here) or {'short', used}.
local now, expires_at, id, day, limit = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
if redis.call('HEXISTS', KEYS[2], id) == 1 then
  return {'held'}
end
local changed = next(sweep(KEYS[1], KEYS[2], KEYS[3], now)) ~= nil
for _, past in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.match(past, '^%d%d%d%d%-%d%d%-%d%d$') and past < ARGV[6] then
    redis.call('HDEL', KEYS[1], past)
    changed = true
  end
end
local used = tonumber(redis.call('HGET', KEYS[1], day)) or 0
if limit >= 0 and used >= limit then
  if changed and ARGV[7] then
    bump_epoch(ARGV[7])
  end
  return {'short', used}
end
redis.call('HINCRBY', KEYS[1], day, 1)
redis.call('HSET', KEYS[2], id, cjson.encode({[day] = 1}))
redis.call('ZADD', KEYS[3], expires_at, id)
if ARGV[7] then
  bump_epoch(ARGV[7])
end
return {'held'}
