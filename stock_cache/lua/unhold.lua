-- Give back what one allocation holds of one SKU (a no-op when it holds nothing).
-- KEYS: reserved, allocs, holds of the SKU. ARGV: allocation_id.
free_units(KEYS[1], KEYS[2], KEYS[3], ARGV[1])
return 1
