-- Save the publisher's marks (its basis and outbox positions) if the worker holds the lease.
-- KEYS: lease (hash 'publisher' -> 'worker|until_ms'), marks (hash). ARGV: worker, then
-- field, value pairs. Returns 1 if it saved them.
local held = redis.call('HGET', KEYS[1], 'publisher')
if not held or string.match(held, '^(.*)|%d+$') ~= ARGV[1] then
  return 0
end
for i = 2, #ARGV, 2 do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
end
return 1
