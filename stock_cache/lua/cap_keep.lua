-- A fulfilled allocation's order stays counted on its day: forget which allocation it was.
-- KEYS: allocs, holds of the node's capacity. ARGV: allocation_id.
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
return 1
