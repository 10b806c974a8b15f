-- ATP (and inbound stock) of one SKU at the nodes asked, after freeing expired holds.
-- KEYS: stock, reserved, allocs, holds, inbound, totals of the SKU (one hash slot), and on a
--   standalone Redis the generations hash, for a block whose generations are read here.
-- ARGV: now_ms, with_inbound (0 | 1), the block of the nodes (see add_block).
-- Returns per node its ATP, followed by its inbound JSON ('' for none) with_inbound.
sweep_sku(KEYS[2], KEYS[3], KEYS[4], KEYS[6], ARGV[1])
local found, atp = available_block(KEYS[1], KEYS[2], KEYS[7], ARGV[3])
if ARGV[2] ~= '1' then
  return atp
end
local reply = {}
for k = 1, #found.nodes do
  local p = found.profiles[k]
  local inbound = false
  if p[4] == 1 and p[3] ~= -2 then
    inbound = redis.call('HGET', KEYS[5], found.nodes[k])
  end
  reply[#reply + 1] = atp[k]
  reply[#reply + 1] = inbound or ''
end
return reply
