-- Open a snapshot of one node: a new generation, unless its watermark is not newer.
-- KEYS: gens (committed generation per node), gens:marks (watermark per node), gens:next
--       (last generation handed out per node), all in the {gens} slot.
-- ARGV: node, the node's field in gens, watermark ('' for none).
-- Returns {'stale', watermark} | {'open', gen, committed gen}.
local current = tonumber(redis.call('HGET', KEYS[2], ARGV[1]))
if ARGV[3] ~= '' and current and tonumber(ARGV[3]) <= current then
  return {'stale', current}
end
local gen = redis.call('HINCRBY', KEYS[3], ARGV[1], 1)
return {'open', gen, tonumber(redis.call('HGET', KEYS[1], ARGV[2])) or 0}
