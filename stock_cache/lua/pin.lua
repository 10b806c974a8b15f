-- Before a confirm: keep one SKU's hold of an allocation from being swept while the record
-- changes, by moving its expiry to `pin_until` (a grace period: if the confirm never ends,
-- the hold still expires then). Refuses a hold that is gone or already past its expiry.
-- KEYS: reserved, allocs, holds of the SKU (then its totals, left alone: a pin changes no
--       ATP). ARGV: allocation_id, now_ms, pin_until_ms.
-- Returns 1 if pinned (or already confirmed here), 0 if the hold is gone.
local score = redis.call('ZSCORE', KEYS[3], ARGV[1])
if score then
  if tonumber(score) <= tonumber(ARGV[2]) then
    return 0
  end
  redis.call('ZADD', KEYS[3], 'XX', ARGV[3], ARGV[1])
  return 1
end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then
  return 1
end
return 0
