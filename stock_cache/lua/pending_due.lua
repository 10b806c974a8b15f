-- Claims of one order bucket past their deadline: their reserve died between its claim and
-- its commit (a crash, or a store that stopped answering). Each is let go here; the caller
-- gives back what its allocation id may hold. A few at a time: every call helps.
-- KEYS: pending (one bucket). ARGV: now_ms, limit.
-- Returns {allocation_id, lines_json, capacity_json ('' for none), ...} of the claims let go.
local reply = {}
local now = tonumber(ARGV[1])
for _, key in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, ARGV[2])) do
  local found = redis.call('HMGET', key, 'state', 'allocation_id', 'deadline', 'lines',
    'capacity')
  if found[1] == 'pending' and tonumber(found[3]) <= now then
    redis.call('DEL', key)
    reply[#reply + 1] = found[2]
    reply[#reply + 1] = found[4]
    reply[#reply + 1] = found[5] or ''
  end
  if found[1] ~= 'pending' or tonumber(found[3]) <= now then
    redis.call('ZREM', KEYS[1], key)
  end
end
return reply
