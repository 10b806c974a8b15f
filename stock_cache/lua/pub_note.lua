-- Note SKUs (or nodes) whose publication must be recomputed, before their stock changes.
-- KEYS: noted (sorted set member -> note number), counter. ARGV: the members.
-- Each call takes a new note number, so that a member noted again after it was read keeps
-- a number its reader does not settle.
local n = redis.call('INCR', KEYS[2])
for i = 1, #ARGV do
  redis.call('ZADD', KEYS[1], n, ARGV[i])
end
return n
