-- ATP (and inbound stock) of one SKU at the nodes asked, after freeing expired holds.
-- KEYS: stock, reserved, allocs, holds, inbound, totals of the SKU (one hash slot).
-- ARGV: now_ms, with_inbound (0 | 1), then per node: node, gen, safety units, safety share
--       (basis points), cap (-1 none, -2 outside the channel), future (0 | 1).
-- Returns per node its ATP, followed by its inbound JSON ('' for none) with_inbound.
sweep_sku(KEYS[2], KEYS[3], KEYS[4], KEYS[6], ARGV[1])
local with_inbound = ARGV[2] == '1'
local nodes, atp = available_block(KEYS[1], KEYS[2], 3, 6)
if not with_inbound then
  return atp
end
local reply = {}
for k = 1, #nodes do
  local i = 3 + (k - 1) * 6
  local inbound = false
  if ARGV[i + 5] == '1' and ARGV[i + 4] ~= '-2' then
    inbound = redis.call('HGET', KEYS[5], nodes[k])
  end
  reply[#reply + 1] = atp[k]
  reply[#reply + 1] = inbound or ''
end
return reply
