-- ATP of one SKU at the nodes asked, after freeing the SKU's expired holds.
-- KEYS: onhand, reserved, allocs, holds of the SKU (one hash slot).
-- ARGV: now_ms, then node_1, safety_1, node_2, safety_2, ...
-- Returns the ATP per node, in the order asked.
sweep(KEYS[2], KEYS[3], KEYS[4], ARGV[1])
local nodes = {}
for i = 2, #ARGV, 2 do
  nodes[#nodes + 1] = ARGV[i]
end
if #nodes == 0 then
  return {}
end
local on_hand = redis.call('HMGET', KEYS[1], unpack(nodes))
local reserved = redis.call('HMGET', KEYS[2], unpack(nodes))
local atp = {}
for i = 1, #nodes do
  local left = (tonumber(on_hand[i]) or 0) - tonumber(ARGV[2 * i + 1]) - (tonumber(reserved[i]) or 0)
  atp[i] = math.max(0, left)
end
return atp
