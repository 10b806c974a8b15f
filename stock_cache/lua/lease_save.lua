-- Save a webhook lane's progress if the worker still holds its lease, or let the lease go.
-- KEYS: leases, progress (hash lane -> JSON). ARGV: lane, worker, JSON ('' to let go).
-- Returns 1 if it did.
local held = redis.call('HGET', KEYS[1], ARGV[1])
if not held or string.match(held, '^(.*)|%d+$') ~= ARGV[2] then
  return 0
end
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
end
return 1
