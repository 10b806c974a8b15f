-- Keep a promise watch unless its client holds as many as allowed already.
-- KEYS: watches (hash id -> JSON), the client's watches (set of ids).
-- ARGV: id, JSON, most. Returns 1 if it kept it.
if redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[3]) then
  return 0
end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
