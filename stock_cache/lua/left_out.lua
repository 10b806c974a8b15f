-- A page of a node's SKU index that a snapshot being written has not named.
-- KEYS: the node's SKU index, the set of SKUs the snapshot named. ARGV: cursor, count.
-- Returns {next cursor, sku, ...}.
local page = redis.call('SSCAN', KEYS[1], ARGV[1], 'COUNT', ARGV[2])
local reply = {page[1]}
for _, sku in ipairs(page[2]) do
  if redis.call('SISMEMBER', KEYS[2], sku) == 0 then
    reply[#reply + 1] = sku
  end
end
return reply
