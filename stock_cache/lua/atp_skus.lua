-- atp.lua for several SKUs in one script, on a standalone Redis: one command rather than a
-- MULTI/EXEC around one per SKU (every SKU is read at the same generations all the same).
-- KEYS: per SKU its stock, reserved, allocs, holds, inbound and totals keys, then the
--   generations hash.
-- ARGV: now_ms, with_inbound (0 | 1), the epoch the blocks' generations were read at ('' for
--   none), then per SKU the block of its nodes (see add_block).
-- Returns per SKU what atp.lua returns.
local per_sku = 6
local count = (#KEYS - 1) / per_sku
local gens_key, epoch = generations_source(KEYS[#KEYS], ARGV[3])
local replies = {}
for s = 0, count - 1 do
  local k = s * per_sku
  sweep_sku(KEYS[k + 2], KEYS[k + 3], KEYS[k + 4], KEYS[k + 6], ARGV[1])
  local found, atp = available_block(KEYS[k + 1], KEYS[k + 2], gens_key, ARGV[4 + s])
  replies[s + 1] = atp_reply(epoch, found, atp, ARGV[2] == '1', KEYS[k + 5], gens_key)
end
return replies
