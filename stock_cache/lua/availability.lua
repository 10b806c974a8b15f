-- ATP of one SKU at the nodes asked and its exact total over a network, the total from a
-- cache when it holds (see stock_cache/redis_reads.py for the design). A total is stored
-- under '*' when no node of the network holds a snapshot entry newer than the generation it
-- was read at (no flip can change it), else under the epoch of those generations.
-- KEYS: stock, reserved, allocs, holds, totals of the SKU (one hash slot), and on a standalone
--       Redis the generations hash, for a 'read' to check its block's generations or read
--       them (see generations_source).
-- ARGV: now_ms, the cache field (channel, rules and network), epoch (of the generations the
--       caller sends; '' for none), mode, totals_ttl_ms, then blocks of nodes (see
--       add_block).
-- mode 'read': one block, the nodes asked; the total if the cache has one of this epoch, or
--   one under '*' while no node asked holds a snapshot entry newer than the generation read
--   there (else the ATP asked and that total could be of two snapshots).
--   Returns {'hit', total, epoch, atp, ...} | {'miss', 0, epoch, atp, ...}, ATP at every node
--   asked, then their generations if they were read here.
-- mode 'fill': ARGV[6] the JSON positions (1-based, over both blocks) of the nodes asked,
--   then the block of the network's nodes, whose ATP sums to the total stored in the cache
--   under the epoch, and the block of the nodes asked outside the network.
--   Returns {'filled', total, epoch, atp, ...}, ATP at the positions asked only.
-- The sweep comes first: a hold that expired by the caller's clock is freed here, which
-- forgets the cached totals, so a cached total never counts an expired hold.
sweep_sku(KEYS[2], KEYS[3], KEYS[4], KEYS[5], ARGV[1])
local field, epoch = ARGV[2], ARGV[3]
if ARGV[4] == 'fill' then
  local found, atp = available_block(KEYS[1], KEYS[2], nil, ARGV[7], ARGV[8])
  local total = 0
  for k = 1, found.ends[1] do
    total = total + atp[k]
  end
  local tag = epoch
  if found.first_pending == nil or found.first_pending > found.ends[1] then
    tag = '*'
  end
  redis.call('HSET', KEYS[5], field, tag .. ':' .. total)
  -- Fields of networks, channels or rules no longer asked about go with the key.
  redis.call('PEXPIRE', KEYS[5], ARGV[5])
  local reply = {'filled', total, epoch}
  for _, position in ipairs(cjson.decode(ARGV[6])) do
    reply[#reply + 1] = atp[position]
  end
  return reply
end
local gens_key = nil
if KEYS[6] then
  gens_key, epoch = generations_source(KEYS[6], epoch)
end
local found, atp = available_block(KEYS[1], KEYS[2], gens_key, ARGV[6])
local reply = {'miss', 0, epoch}
local cached = redis.call('HGET', KEYS[5], field)
if cached then
  local colon = string.find(cached, ':', 1, true)
  local tag = string.sub(cached, 1, colon - 1)
  if tag == epoch or (tag == '*' and found.first_pending == nil) then
    reply = {'hit', tonumber(string.sub(cached, colon + 1)), epoch}
  end
end
for k = 1, #atp do
  reply[#reply + 1] = atp[k]
end
return append_generations(reply, found, gens_key)
