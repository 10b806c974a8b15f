-- Hold units of one SKU for one allocation, all of them or none.
-- KEYS: stock, reserved, allocs, holds, totals of the SKU (one hash slot).
-- ARGV: now_ms, expires_at_ms, allocation_id, then per node: node, qty, gen, safety units,
--       safety share (basis points), cap.
-- Returns {'held'} (also when this allocation already holds here: a retry is harmless) or
-- {'short', unit index (0-based), available, ...}.
local now, expires_at, id = ARGV[1], ARGV[2], ARGV[3]
if redis.call('HEXISTS', KEYS[3], id) == 1 then
  return {'held'}
end
sweep_sku(KEYS[2], KEYS[3], KEYS[4], KEYS[5], now)
local shortages = {}
for i = 4, #ARGV, 6 do
  local qty = tonumber(ARGV[i + 1])
  local left = available(KEYS[1], KEYS[2], ARGV[i], tonumber(ARGV[i + 2]),
    tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4]), tonumber(ARGV[i + 5]))
  if qty > left then
    shortages[#shortages + 1] = (i - 4) / 6
    shortages[#shortages + 1] = left
  end
end
if #shortages > 0 then
  return {'short', unpack(shortages)}
end
local units = {}
for i = 4, #ARGV, 6 do
  redis.call('HINCRBY', KEYS[2], ARGV[i], ARGV[i + 1])
  units[ARGV[i]] = tonumber(ARGV[i + 1])
end
redis.call('HSET', KEYS[3], id, cjson.encode(units))
redis.call('ZADD', KEYS[4], expires_at, id)
forget_totals(KEYS[5], units)
return {'held'}
