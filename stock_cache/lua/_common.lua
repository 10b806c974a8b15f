-- Prepended by redis_store.py to every script that touches a SKU's reservations.
--
-- Per SKU (all keys tagged by the SKU, so one SKU's keys share a Redis Cluster slot):
--   reserved  hash  node -> units held by live allocations (HELD and CONFIRMED)
--   allocs    hash  allocation id -> JSON {node: units} of this SKU, while live
--   holds     zset  allocation id scored by its expiry instant (epoch ms), HELD only

-- Give back the units one allocation holds of one SKU, and forget its hold.
local function free_units(reserved_key, allocs_key, holds_key, allocation_id)
  local encoded = redis.call('HGET', allocs_key, allocation_id)
  if encoded then
    for node, qty in pairs(cjson.decode(encoded)) do
      -- Drop the field at zero so that the hash only names nodes with live units.
      if redis.call('HINCRBY', reserved_key, node, -qty) <= 0 then
        redis.call('HDEL', reserved_key, node)
      end
    end
    redis.call('HDEL', allocs_key, allocation_id)
  end
  redis.call('ZREM', holds_key, allocation_id)
end

-- Free every hold of one SKU whose expiry instant is at or before now_ms (the caller's clock,
-- never the server's, so that every gateway process and the tests agree on what expired).
local function sweep(reserved_key, allocs_key, holds_key, now_ms)
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', holds_key, '-inf', now_ms)) do
    free_units(reserved_key, allocs_key, holds_key, id)
  end
end
