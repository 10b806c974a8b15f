-- parts: _common _ledger _blocks
-- ATP (and inbound stock) of one SKU at the nodes asked, after freeing expired holds, on a
-- cluster (a standalone Redis reads every SKU with atp_skus.lua).
-- KEYS: stock, reserved, allocs, holds, inbound, totals of the SKU (one hash slot).
-- ARGV: now_ms, with_inbound (0 | 1), the block of the nodes (see add_block), the epoch its
--   generations were read at.
-- Returns the epoch, then per node its ATP, followed by its inbound JSON ('' for none)
-- with_inbound.
sweep_sku(KEYS[2], KEYS[3], KEYS[4], KEYS[6], ARGV[1])
local found, atp = available_block(KEYS[1], KEYS[2], nil, ARGV[3])
return atp_reply(ARGV[4], found, atp, ARGV[2] == '1', KEYS[5], nil)
