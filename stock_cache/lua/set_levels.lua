-- Replace every on-hand level of one node at once; reservations are not touched.
-- KEYS: the node's SKU index (set of SKUs with a level there), then the onhand hash of each
--       SKU named in ARGV, in the same order.
-- ARGV: node_id, then sku_1, qty_1, sku_2, qty_2, ...; a quantity of 0 clears the level.
-- The caller must name every SKU the index holds, so that every key written is declared. If
-- the index names a SKU the caller left out, nothing changes and the missing SKUs are
-- returned for a second try (with quantity 0); an empty reply means done.
-- Standalone Redis: the index and the SKUs' keys sit in different hash slots. The Redis
-- Cluster change will split this by slot.
local index, node = KEYS[1], ARGV[1]
local named = {}
for i = 2, #ARGV, 2 do
  named[ARGV[i]] = true
end
local missing = {}
for _, sku in ipairs(redis.call('SMEMBERS', index)) do
  if not named[sku] then
    missing[#missing + 1] = sku
  end
end
if #missing > 0 then
  return missing
end
for i = 2, #ARGV, 2 do
  local on_hand_key, sku, qty = KEYS[i / 2 + 1], ARGV[i], ARGV[i + 1]
  if tonumber(qty) == 0 then
    redis.call('HDEL', on_hand_key, node)
    redis.call('SREM', index, sku)
  else
    redis.call('HSET', on_hand_key, node, qty)
    redis.call('SADD', index, sku)
  end
end
return {}
