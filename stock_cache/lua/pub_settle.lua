-- Forget noted members once recomputed, unless noted again since they were read.
-- KEYS: noted. ARGV: per member: member, the note number read.
local settled = 0
for i = 1, #ARGV, 2 do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) == tonumber(ARGV[i + 1]) then
    redis.call('ZREM', KEYS[1], ARGV[i])
    settled = settled + 1
  end
end
return settled
