-- Flip a node to a snapshot's generation: from now on readers see its levels, all at once.
-- It runs in the {gens} slot, where every reader reads the generations of the nodes it needs
-- in one HMGET, so a reader gets this node's old or new generation, never a mix of its levels.
-- The flip also bumps the epoch: a cached network-wide total that a flip could change (a
-- snapshot entry of its SKU was staged and not yet seen when it was computed) is tagged with
-- the epoch it was computed at, and stops matching (see availability.lua).
-- KEYS: gens, gens:marks ({gens} slot).
-- ARGV: node, the node's field in gens, gen, watermark ('' for none).
-- Returns {'committed'} | {'stale', watermark or gen that won meanwhile}.
local gen = tonumber(ARGV[3])
local committed = tonumber(redis.call('HGET', KEYS[1], ARGV[2])) or 0
if committed > gen then
  return {'stale', committed}
end
local current = tonumber(redis.call('HGET', KEYS[2], ARGV[1]))
if ARGV[4] ~= '' and current and tonumber(ARGV[4]) <= current then
  return {'stale', current}
end
redis.call('HSET', KEYS[1], ARGV[2], gen)
redis.call('HINCRBY', KEYS[1], 'epoch', 1)
if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
end
return {'committed'}
