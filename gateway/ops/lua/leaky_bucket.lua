-- A leaky bucket of query points for one client, on Redis's own clock so that every gateway
-- process sees the same level. A gateway worker may take more than the request's cost (a
-- lease): the bucket grants min(lease, capacity - level) points provided the cost fits, and
-- the worker spends the rest locally (gateway/state.py).
-- KEYS[1]: the bucket (a hash: level, at_ms)
-- ARGV[1]: the request's cost; ARGV[2]: capacity; ARGV[3]: points leaked per second;
-- ARGV[4] (optional): the points wanted, at least the cost (default: the cost)
-- Returns {admitted (1/0), level after (x1000, integer), retry after (ms), granted (x1000)}.
local cost = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local rate = tonumber(ARGV[3])
local wanted = math.max(cost, tonumber(ARGV[4]) or cost)
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'level', 'at_ms')
local level = tonumber(state[1]) or 0
local at = tonumber(state[2]) or now
level = math.max(0, level - (now - at) * rate / 1000)
if level + cost > capacity then
  local retry = math.ceil((level + cost - capacity) * 1000 / rate)
  return {0, math.floor(level * 1000), retry, 0}
end
local grant = math.min(wanted, capacity - level)
level = level + grant
redis.call('HSET', KEYS[1], 'level', tostring(level), 'at_ms', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity * 1000 / rate) + 1000)
return {1, math.floor(level * 1000), 0, math.floor(grant * 1000)}
