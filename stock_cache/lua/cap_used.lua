-- Orders a node has taken on one day, after freeing its expired holds.
-- KEYS: reserved, allocs, holds of the node's capacity. ARGV: now_ms, day.
sweep(KEYS[1], KEYS[2], KEYS[3], ARGV[1])
return tonumber(redis.call('HGET', KEYS[1], ARGV[2])) or 0
