-- Record a channel's published quantities and append the changes to its feed.
-- KEYS: pub (hash SKU -> 'quantity|version|at_ms|entry id'), feed (stream) of one channel.
-- ARGV: at_ms, then per SKU: sku, quantity, version.
-- A quantity whose version is older than the SKU's last is dropped; one that moved is
-- appended to the feed and the SKU's earlier entry deleted from it, so that the feed holds
-- each SKU once, at its latest change. Returns how many moved.
local moved = 0
for i = 2, #ARGV, 3 do
  local sku, quantity, version = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  local last = redis.call('HGET', KEYS[1], sku)
  local kept_q, kept_v, kept_at, kept_id
  if last then
    kept_q, kept_v, kept_at, kept_id = string.match(last, '^(%d+)|(%d+)|(%d+)|(.+)$')
    kept_q, kept_v = tonumber(kept_q), tonumber(kept_v)
  end
  if last and (version < kept_v or quantity == kept_q) then
    if version > kept_v then
      redis.call('HSET', KEYS[1], sku,
        kept_q .. '|' .. version .. '|' .. kept_at .. '|' .. kept_id)
    end
  else
    local id = redis.call('XADD', KEYS[2], '*', 'sku', sku, 'q', quantity, 'at', ARGV[1])
    if kept_id then
      redis.call('XDEL', KEYS[2], kept_id)
    end
    redis.call('HSET', KEYS[1], sku, quantity .. '|' .. version .. '|' .. ARGV[1] .. '|' .. id)
    moved = moved + 1
  end
end
return moved
