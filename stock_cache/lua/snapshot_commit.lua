-- Flip a node to a snapshot's generation: from now on readers see its levels, all at once.
-- KEYS: the node's snap hash, its SKU index, the set of SKUs the snapshot zeroed.
-- ARGV: gen, watermark ('' for none).
-- Returns {'committed'} | {'stale', watermark or gen that won meanwhile}.
local gen = tonumber(ARGV[1])
local committed = tonumber(redis.call('HGET', KEYS[1], 'gen')) or 0
local current = tonumber(redis.call('HGET', KEYS[1], 'watermark'))
if committed > gen then
  redis.call('DEL', KEYS[3])
  return {'stale', committed}
end
if ARGV[2] ~= '' and current and tonumber(ARGV[2]) <= current then
  redis.call('DEL', KEYS[3])
  return {'stale', current}
end
redis.call('HSET', KEYS[1], 'gen', gen)
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[1], 'watermark', ARGV[2])
end
if redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('SDIFFSTORE', KEYS[2], KEYS[2], KEYS[3])
  redis.call('DEL', KEYS[3])
end
return {'committed'}
