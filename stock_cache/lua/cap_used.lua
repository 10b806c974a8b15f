-- Orders some nodes have taken on one day, after freeing their expired holds.
-- KEYS: reserved, allocs, holds of each node's capacity, three per node (one slot on a
-- cluster; a standalone server takes any). ARGV: now_ms, day. Returns a count per node.
local used = {}
for i = 1, #KEYS, 3 do
  sweep(KEYS[i], KEYS[i + 1], KEYS[i + 2], ARGV[1])
  used[#used + 1] = tonumber(redis.call('HGET', KEYS[i], ARGV[2])) or 0
end
return used
