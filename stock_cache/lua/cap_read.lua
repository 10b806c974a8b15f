-- parts: _common
-- Orders some nodes have taken on one day, on a standalone Redis (a cluster runs
-- cap_used.lua): nothing but 'same' when the capacity epoch is still the one the caller's
-- counts are of (stock_cache/capacity_counts.py), else the epoch, the first expiry among the
-- nodes' holds (-1: none) and a count per node, after freeing their expired holds.
-- KEYS: the capacity epoch. ARGV: now_ms, day, the caller's epoch ('' for none), the name of
-- the list of nodes (a digest of it), then the list, or '' to use the one this server was sent
-- under that name (kept_argument): a JSON list of the prefix of each node's capacity keys
-- (the keys are the prefix .. 'reserved', 'allocs' and 'holds', which a standalone server
-- reads in any slot), which the caller encodes once per list of nodes and sends once, as most
-- reads answer 'same' without it. {'again'} when the list is needed, not sent and not kept:
-- nothing was done, and the caller sends it.
local epoch = redis.call('GET', KEYS[1])
local list = kept_argument(ARGV[4], ARGV[5])
if epoch and epoch == ARGV[3] then
  return {'same'}
end
if list == nil then
  return {'again'}
end
local reply = {'counts', '', -1}
local freed = false
for _, prefix in ipairs(cjson.decode(list)) do
  local reserved, holds = prefix .. 'reserved', prefix .. 'holds'
  if next(sweep(reserved, prefix .. 'allocs', holds, ARGV[1])) ~= nil then
    freed = true
  end
  reply[#reply + 1] = tonumber(redis.call('HGET', reserved, ARGV[2])) or 0
  local first = redis.call('ZRANGE', holds, 0, 0, 'WITHSCORES')
  if first[2] then
    local at = tonumber(first[2])
    if reply[3] < 0 or at < reply[3] then
      reply[3] = at
    end
  end
end
if freed or not epoch then
  -- Orders freed here change what other processes may have kept.
  epoch = bump_epoch(KEYS[1])
end
reply[2] = epoch
return reply
