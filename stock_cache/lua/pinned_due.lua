-- Confirmed allocations of one order bucket whose confirm may have died before it took their
-- holds out of the SKUs' expiry sets (each still carries the confirm's pin, a day ahead): the
-- caller takes them out, then out of `pinned`. A few at a time: every call helps.
-- KEYS: pinned (one bucket). ARGV: now_ms, limit, record_prefix.
-- Returns {allocation_id, lines_json, capacity_json ('' for none), ...} of those due and still CONFIRMED; forgets the
-- others (released or fulfilled since: their own second step frees the holds).
local reply = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])) do
  local found = redis.call('HMGET', ARGV[3] .. id, 'status', 'lines', 'capacity')
  if found[1] == 'CONFIRMED' then
    reply[#reply + 1] = id
    reply[#reply + 1] = found[2]
    reply[#reply + 1] = found[3] or ''
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return reply
