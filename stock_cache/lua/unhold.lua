-- Give back what one allocation holds of one SKU (a no-op when it holds nothing).
-- KEYS: reserved, allocs, holds of the SKU, then its totals (none for a node's capacity,
--       which this serves too). ARGV: allocation_id, then on a standalone Redis the capacity
--       epoch's key, bumped when anything was given back.
local units = free_units(KEYS[1], KEYS[2], KEYS[3], ARGV[1])
if units and KEYS[4] then
  forget_totals(KEYS[4], units)
end
if units and ARGV[2] then
  bump_epoch(ARGV[2])
end
return 1
