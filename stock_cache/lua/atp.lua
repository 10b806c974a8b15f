-- ATP (and inbound stock) of one SKU at the nodes asked, after freeing expired holds.
-- KEYS: stock, reserved, allocs, holds, inbound of the SKU (one hash slot).
-- ARGV: now_ms, with_inbound (0 | 1), then per node: node, gen, safety units, safety share
--       (basis points), cap (-1 none, -2 outside the channel), future (0 | 1).
-- Returns per node its ATP, followed by its inbound JSON ('' for none) with_inbound.
sweep(KEYS[2], KEYS[3], KEYS[4], ARGV[1])
local with_inbound = ARGV[2] == '1'
local reply = {}
for i = 3, #ARGV, 6 do
  local node, cap = ARGV[i], tonumber(ARGV[i + 4])
  reply[#reply + 1] = available(KEYS[1], KEYS[2], node, tonumber(ARGV[i + 1]),
    tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3]), cap)
  if with_inbound then
    local inbound = false
    if ARGV[i + 5] == '1' and cap ~= -2 then
      inbound = redis.call('HGET', KEYS[5], node)
    end
    reply[#reply + 1] = inbound or ''
  end
end
return reply
