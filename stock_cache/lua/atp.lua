-- ATP (and inbound stock) of one SKU at the nodes asked, after freeing expired holds.
-- KEYS: stock, reserved, allocs, holds, inbound, totals of the SKU (one hash slot), and on a
--   standalone Redis the generations hash, to check the block's generations or read them.
-- ARGV: now_ms, with_inbound (0 | 1), the block of the nodes (see add_block), the epoch its
--   generations were read at ('' for none; see generations_source).
-- Returns the epoch of the generations used, then per node its ATP, followed by its inbound
-- JSON ('' for none) with_inbound, then the generations if they were read here.
sweep_sku(KEYS[2], KEYS[3], KEYS[4], KEYS[6], ARGV[1])
local gens_key, epoch = nil, ARGV[4]
if KEYS[7] then
  gens_key, epoch = generations_source(KEYS[7], ARGV[4])
end
local found, atp = available_block(KEYS[1], KEYS[2], gens_key, ARGV[3])
return atp_reply(epoch, found, atp, ARGV[2] == '1', KEYS[5], gens_key)
