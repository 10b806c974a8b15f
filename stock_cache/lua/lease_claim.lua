-- Take or keep the lease of a webhook lane. KEYS: leases (hash lane -> 'worker|until_ms').
-- ARGV: lane, worker, now_ms, ttl_ms. Returns 1 if the worker holds it now, else 0.
local held = redis.call('HGET', KEYS[1], ARGV[1])
if held then
  local worker, until_ms = string.match(held, '^(.*)|(%d+)$')
  if worker ~= ARGV[2] and tonumber(until_ms) > tonumber(ARGV[3]) then
    return 0
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '|' .. (tonumber(ARGV[3]) + tonumber(ARGV[4])))
return 1
