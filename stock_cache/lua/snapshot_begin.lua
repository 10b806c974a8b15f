-- Open a snapshot of one node: a new generation, unless its watermark is not newer.
-- KEYS: the node's snap hash {gen, next, watermark}. ARGV: watermark ('' for none).
-- Returns {'stale', watermark} | {'open', gen, committed gen}.
local current = tonumber(redis.call('HGET', KEYS[1], 'watermark'))
if ARGV[1] ~= '' and current and tonumber(ARGV[1]) <= current then
  return {'stale', current}
end
local gen = redis.call('HINCRBY', KEYS[1], 'next', 1)
return {'open', gen, tonumber(redis.call('HGET', KEYS[1], 'gen')) or 0}
