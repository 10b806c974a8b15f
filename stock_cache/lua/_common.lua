-- Prepended by redis_scripts.py to every script. Every script touches one hash slot only.
--
-- Per SKU (tag {s:SKU}):
--   stock     hash  node -> JSON ledger of on hand (below)
--   reserved  hash  node -> units held by live allocations (HELD and CONFIRMED)
--   allocs    hash  allocation id -> JSON {node: units} of this SKU, while live
--   holds     zset  allocation id scored by its expiry instant (epoch ms), HELD only
--   seen      zset  node .. '\n' .. event id, scored by when it was taken (kept 24 h)
--   inbound   hash  node -> JSON [[quantity, eta_ms], ...]
--   totals    hash  cache field -> 'tag:total', network-wide ATP totals, and section .. '|'
--                   .. cache field -> 'tag:subtotal', over the network's nodes of one
--                   section (section_of), the tag '*' or an epoch (availability.lua); every
--                   script that may change the SKU's ATP at some nodes deletes the totals
--                   and the subtotals of those nodes' sections (forget_totals)
--
-- A ledger (see stock_cache/_ledger.py, which this mirrors) is
--   {b = base units, s = base sequence, a = {{seq, units}, ...} adjustments newer than the
--    base, f = {{after, -units}, ...} fulfilments, g = {{gen, units, watermark}, ...}
--    snapshot levels per snapshot generation of the node}.
-- A reader passes the node's committed generation: it sees the snapshot entry of the newest
-- generation at or below it, so levels of a snapshot being written stay invisible until
-- the node's generation flips to theirs.

-- Returns the nodes where the allocation held units here, {node = units} (their ATP
-- changed), or false.
local function free_units(reserved_key, allocs_key, holds_key, allocation_id)
  local encoded = redis.call('HGET', allocs_key, allocation_id)
  local units = false
  if encoded then
    units = cjson.decode(encoded)
    for node, qty in pairs(units) do
      -- Drop the field at zero so that the hash only names nodes with live units.
      if redis.call('HINCRBY', reserved_key, node, -qty) <= 0 then
        redis.call('HDEL', reserved_key, node)
      end
    end
    redis.call('HDEL', allocs_key, allocation_id)
  end
  redis.call('ZREM', holds_key, allocation_id)
  return units
end

-- Free every hold of one SKU whose expiry instant is at or before now_ms (the caller's clock,
-- never the server's, so that every gateway process and the tests agree on what expired).
-- Returns the nodes where they held units, {node = true}.
local function sweep(reserved_key, allocs_key, holds_key, now_ms)
  local nodes = {}
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', holds_key, '-inf', now_ms)) do
    local units = free_units(reserved_key, allocs_key, holds_key, id)
    if units then
      for node in pairs(units) do
        nodes[node] = true
      end
    end
  end
  return nodes
end

-- The nodes of a network are split into SECTIONS by their id (the same split as
-- stock_cache/_script_args.py's section_of, which tests check against this one): a SKU's
-- cached total is the sum of one subtotal per section, so that a change at a node costs the
-- next reader a read of its section's nodes, not of the whole network.
local SECTIONS = 32

local function section_of(node)
  return tonumber(string.sub(redis.sha1hex(node), 1, 8), 16) % SECTIONS
end

-- A SKU's cached totals are exact only while nothing changes its ATP: every script that may
-- change it at some nodes ({node = anything}) calls this, in the same step as the change.
-- Every total goes (its network may hold the nodes), and the subtotals of their sections.
local function forget_totals(totals_key, nodes)
  local sections = {}
  for node in pairs(nodes) do
    sections[section_of(node) .. '|'] = true
  end
  local gone = {}
  for _, field in ipairs(redis.call('HKEYS', totals_key)) do
    local bar = string.find(field, '|', 1, true)
    if bar == nil or sections[string.sub(field, 1, bar)] then
      gone[#gone + 1] = field
    end
  end
  for first = 1, #gone, 1000 do
    redis.call('HDEL', totals_key, unpack(gone, first, math.min(first + 999, #gone)))
  end
end

-- The SKU scripts that may find expired holds sweep through this: freeing a hold raises ATP
-- with no write by anyone, so the sweep itself forgets the totals.
local function sweep_sku(reserved_key, allocs_key, holds_key, totals_key, now_ms)
  local nodes = sweep(reserved_key, allocs_key, holds_key, now_ms)
  if next(nodes) ~= nil then
    forget_totals(totals_key, nodes)
  end
end

-- A standalone Redis keeps one capacity epoch (stock_cache/capacity_counts.py): every
-- script that may change some node's orders bumps it, so that a process may keep the
-- counts it read while the epoch is the same. A missing epoch starts at the server's time
-- in microseconds, so that one lost (a restart without persistence) never comes back.
local function bump_epoch(key)
  if redis.call('EXISTS', key) == 0 then
    local t = redis.call('TIME')
    redis.call('SET', key, t[1] .. string.format('%06d', tonumber(t[2])))
    return redis.call('GET', key)
  end
  return tostring(redis.call('INCR', key))
end

local function ledger_decode(raw)
  local l = raw and cjson.decode(raw) or {}
  l.b = l.b or 0
  l.s = l.s or -1
  l.a = l.a or {}
  l.f = l.f or {}
  l.g = l.g or {}
  return l
end

local function ledger_get(stock_key, node)
  return ledger_decode(redis.call('HGET', stock_key, node))
end

-- A stock hash with more fields than this is made a hash table (see ledger_put).
local TABLE_PAST_FIELDS = 64
-- A field no node id of a network can be (ids are [A-Z0-9-]), with a value longer than a
-- listpack holds. The value is an empty ledger all the same: read as a node, it holds none.
local TABLE_FIELD = '~layout'
local TABLE_VALUE = '{"b":0,"s":-1,"why":"a value past hash-max-listpack-value: this hash '
  .. 'stays a hash table, where HMGET finds each node at once"}'

local function ledger_put(stock_key, node, l)
  local function list(t)
    -- cjson writes an empty table as {}; keep it small and decodable either way.
    if #t == 0 then return nil end
    return t
  end
  redis.call('HSET', stock_key, node,
    cjson.encode({b = l.b, s = l.s, a = list(l.a), f = list(l.f), g = list(l.g)}))
  -- Redis keeps a hash of up to hash-max-listpack-entries fields (512 by default) as one
  -- list, where HMGET scans every node for each node asked: a checkout's 50 nodes of a SKU
  -- held at 350 cost 65 us there, 7 us in a hash table. One value longer than
  -- hash-max-listpack-value (64) turns the hash into a table for good, whatever its size.
  if redis.call('HLEN', stock_key) > TABLE_PAST_FIELDS then
    redis.call('HSETNX', stock_key, TABLE_FIELD, TABLE_VALUE)
  end
end

-- Whether a snapshot entry of this watermark and operator flag beats the count base of
-- sequence s: it is newer, or as new and an operator's level (flag 1), which is true now
-- whatever its sequence.
local function watermark_wins(watermark, operator, s)
  return watermark > s or (operator == 1 and watermark >= s)
end

local function entry_wins(e, s)
  return watermark_wins(e[3], e[4], s)
end

-- The base (units, sequence) a reader at generation `gen` sees; gen nil: the newest entry.
local function ledger_base(l, gen)
  local best = nil
  for _, e in ipairs(l.g) do
    if (gen == nil or e[1] <= gen) and (best == nil or e[1] > best[1]) then
      best = e
    end
  end
  if best and entry_wins(best, l.s) then
    return best[2], best[3]
  end
  return l.b, l.s
end

local function ledger_on_hand(l, gen)
  local q, s = ledger_base(l, gen)
  for _, e in ipairs(l.a) do
    if e[1] > s then q = q + e[2] end
  end
  for _, e in ipairs(l.f) do
    if e[1] >= s then q = q + e[2] end
  end
  return q
end

-- The newest sequence a count or snapshot (written or being written) covers.
local function ledger_covered(l)
  local k = l.s
  for _, e in ipairs(l.g) do
    if e[3] > k then k = e[3] end
  end
  return k
end

-- The newest sequence the ledger has seen.
local function ledger_known(l)
  local k = ledger_covered(l)
  for _, e in ipairs(l.a) do
    if e[1] > k then k = e[1] end
  end
  return k
end

-- Forget what no reader can need any more: adjustments and fulfilments that every base a
-- reader may pick already covers, and snapshot entries that lose to the count base.
local function ledger_prune(l)
  local kept = {}
  for _, e in ipairs(l.g) do
    if entry_wins(e, l.s) then kept[#kept + 1] = e end
  end
  l.g = kept
  local floor = l.s
  if #l.g > 0 then
    floor = nil
    for _, e in ipairs(l.g) do
      if floor == nil or e[3] < floor then floor = e[3] end
    end
  end
  local a, f = {}, {}
  for _, e in ipairs(l.a) do
    if e[1] > floor then a[#a + 1] = e end
  end
  for _, e in ipairs(l.f) do
    if e[1] >= floor then f[#f + 1] = e end
  end
  l.a, l.f = a, f
end

-- A ledger keeps at most MAX_ADJUSTMENTS adjustments (stock_cache/_ledger.py, Ledger.fold):
-- past it, while no snapshot entry wins over the count base, the older half and the
-- fulfilments before them go into the base, as a count at the newest folded sequence would.
local MAX_ADJUSTMENTS = 100

local function ledger_fold(l)
  if #l.a <= MAX_ADJUSTMENTS or #l.g > 0 then
    return
  end
  table.sort(l.a, function(x, y) return x[1] < y[1] or (x[1] == y[1] and x[2] < y[2]) end)
  local upto = l.a[math.floor(#l.a / 2)][1]
  local a, f = {}, {}
  for _, e in ipairs(l.a) do
    if e[1] <= upto then
      if e[1] > l.s then l.b = l.b + e[2] end
    else
      a[#a + 1] = e
    end
  end
  for _, e in ipairs(l.f) do
    if e[1] < upto then
      if e[1] >= l.s then l.b = l.b + e[2] end
    else
      f[#f + 1] = e
    end
  end
  l.s, l.a, l.f = upto, a, f
end

-- Most ledgers hold a count base and one snapshot entry, nothing else, as ledger_put writes
-- them (cjson puts the keys in this order): read by a pattern, not decoded into tables.
local BASE_AND_SNAPSHOT =
  '^{"s":(%-?%d+),"b":(%-?%d+),"g":%[%[(%-?%d+),(%-?%d+),(%-?%d+),([01])%]%]}$'

-- The ledger of a SKU a node's snapshot brought and nothing changed since: BASE_AND_SNAPSHOT
-- with its sequence, base, watermark and operator flag fixed, read for two captures, not six.
local SNAPSHOT_ONLY = '^{"s":%-1,"b":0,"g":%[%[(%d+),(%d+),%-1,1%]%]}$'

-- Whether a ledger holds a snapshot entry newer than the generation a reader sees (gen nil:
-- the newest, so none): a flip of the node may change what the reader sees there without any
-- write to the SKU. Levels read with no such entry at any node hold through every flip.
local function ledger_pending(l, gen)
  if gen == nil then return false end
  for _, e in ipairs(l.g) do
    if e[1] > gen then return true end
  end
  return false
end

-- What raw_on_hand needs of each ledger text matching BASE_AND_SNAPSHOT (false: another
-- text), per call: a read of many SKUs at the same nodes meets the same texts again.
local parsed_ledgers = {}

-- ledger_on_hand of an encoded ledger, and ledger_pending: a reader of hundreds of nodes pays
-- 0.4 us for the common ledger rather than cjson's 0.9 us; any other text (another key
-- order, numbers cjson writes with an exponent, adjustments) is decoded whole.
local function raw_on_hand(raw, gen)
  local m = parsed_ledgers[raw]
  if m == nil then
    local g, units = string.match(raw, SNAPSHOT_ONLY)
    if g ~= nil then
      -- No count base (sequence -1, 0 units) and a snapshot entry whose watermark (-1) and
      -- operator flag (1) make it win: watermark_wins(-1, 1, -1).
      m = {tonumber(g), true, tonumber(units), 0}
    else
      local s, b, mark, operator
      s, b, g, units, mark, operator = string.match(raw, BASE_AND_SNAPSHOT)
      -- The snapshot entry's generation, whether it beats the count base (whatever the
      -- reader's generation), then the units each side gives.
      m = s ~= nil and {tonumber(g), watermark_wins(tonumber(mark), tonumber(operator),
        tonumber(s)), tonumber(units), tonumber(b)}
    end
    parsed_ledgers[raw] = m
  end
  if not m then
    local l = ledger_decode(raw)
    return ledger_on_hand(l, gen), ledger_pending(l, gen)
  end
  local pending = gen ~= nil and m[1] > gen
  if not pending and m[2] then
    return m[3], false
  end
  return m[4], pending
end

-- What one caller sees at one node, from the node's raw ledger and reserved units (false for
-- none): cap -1 means no cap, -2 a node outside the channel. Then whether a flip of the node
-- could change it (ledger_pending; never outside the channel, where ATP is 0 whatever).
local function atp_of(raw_ledger, raw_reserved, gen, units, share_bp, cap)
  if cap == -2 then return 0, false end
  local on_hand, pending = 0, false
  if raw_ledger then
    on_hand, pending = raw_on_hand(raw_ledger, gen)
  end
  -- Units held back: whole units, or basis points of on hand rounded up.
  local kept = units
  if share_bp > 0 then
    kept = math.max(0, math.floor((on_hand * share_bp + 9999) / 10000))
  end
  local left = on_hand - kept - (raw_reserved and tonumber(raw_reserved) or 0)
  if left < 0 then left = 0 end
  if cap >= 0 and cap < left then return cap, pending end
  return left, pending
end

local function available(stock_key, reserved_key, node, gen, units, share_bp, cap)
  if cap == -2 then return 0 end
  return atp_of(redis.call('HGET', stock_key, node), redis.call('HGET', reserved_key, node),
    gen, units, share_bp, cap)
end

-- HMGET a chunk at a time: unpack() of thousands of fields would overflow Lua's C stack.
local function hmget_many(key, fields)
  if #fields == 0 then
    return {}
  elseif #fields <= 1000 then
    return redis.call('HMGET', key, unpack(fields))
  end
  local values = {}
  for first = 1, #fields, 1000 do
    local part = redis.call('HMGET', key, unpack(fields, first, math.min(first + 999, #fields)))
    for i = 1, #part do
      values[first + i - 1] = part[i]
    end
  end
  return values
end

-- The values of many fields of a hash (false for none), as hmget_many gives them. A hash of up
-- to 512 fields is a listpack, where HMGET scans the list once per field: for a network's
-- 1,000 nodes that was most of a fill's server time. When the hash has no more fields than
-- asked, one HGETALL and a Lua table cost less; for a few fields HMGET does.
local function hash_values(key, fields)
  if #fields < 64 or redis.call('HLEN', key) > #fields then
    return hmget_many(key, fields)
  end
  local all = redis.call('HGETALL', key)
  local by_field = {}
  for i = 1, #all, 2 do
    by_field[all[i]] = all[i + 1]
  end
  local values = {}
  for k = 1, #fields do
    values[k] = by_field[fields[k]] or false
  end
  return values
end

-- The nodes a reader asks about come in blocks, one argument each (6 per node cost the client
-- more to encode than the read itself, see stock_cache/_node_blocks.py): the JSON
--   [node ids, profiles, the profile of each node (1-based), generations of each node],
-- a profile being {safety units, safety share (basis points), cap (-1 none, -2 outside the
-- channel), future (0 | 1)}, shared by the nodes under the same rules. A generation is the
-- node's committed snapshot generation as the reader read it; on a standalone Redis they
-- may be read here instead, from `gens_key`, in the same step as the levels (fields
-- 'n:' .. node, see stock_cache/redis_keys.py): the block's own, 0 or a list, then go unused.
-- Appends the block's nodes, their profiles and generations to `into`.
local decoded_blocks = {}
-- The generations a call read for a block (the hash can't change while a script runs).
local read_generations = {}

local function add_block(into, encoded, gens_key)
  -- A request's SKUs are mostly asked at the same nodes: one block, decoded once a call.
  local block = decoded_blocks[encoded]
  if block == nil then
    block = cjson.decode(encoded)
    decoded_blocks[encoded] = block
  end
  local ids, profiles, which, gens = block[1], block[2], block[3], block[4]
  if gens_key then
    gens = read_generations[encoded]
    if gens == nil then
      local fields = {}
      for k = 1, #ids do
        fields[k] = 'n:' .. ids[k]
      end
      local values = #ids > 0 and redis.call('HMGET', gens_key, unpack(fields)) or {}
      gens = {}
      for k = 1, #ids do
        gens[k] = tonumber(values[k]) or 0
      end
      read_generations[encoded] = gens
    end
  end
  local n = #into.nodes
  for k = 1, #ids do
    into.nodes[n + k] = ids[k]
    into.profiles[n + k] = profiles[which[k]]
    into.gens[n + k] = gens[k]
  end
end

-- Where a reader on a standalone Redis takes its generations, and the epoch they are of. The
-- caller's block carries generations it read at `epoch` ('' for none): every flip bumps the
-- epoch in the step that changes a generation, so while the epoch is still theirs they hold
-- and the HMGET of them is saved; else they are read here (`gens_key` is returned).
local function generations_source(gens_key, epoch)
  local now = redis.call('HGET', gens_key, 'epoch') or '0'
  if epoch == now then
    return nil, now
  end
  return gens_key, now
end

-- After a reply's ATP, the generations read here (for the caller to send next time), if any.
local function append_generations(reply, found, gens_key)
  if gens_key then
    for k = 1, #found.gens do
      reply[#reply + 1] = found.gens[k]
    end
  end
  return reply
end

-- A SKU's reply in atp.lua and atp_skus.lua: the epoch, then per node its ATP, followed by
-- its inbound JSON ('' for none) with_inbound, then the generations if they were read here.
local function atp_reply(epoch, found, atp, with_inbound, inbound_key, gens_key)
  local reply = {epoch}
  for k = 1, #found.nodes do
    reply[#reply + 1] = atp[k]
    if with_inbound then
      local p = found.profiles[k]
      local inbound = false
      if p[4] == 1 and p[3] ~= -2 then
        inbound = redis.call('HGET', inbound_key, found.nodes[k])
      end
      reply[#reply + 1] = inbound or ''
    end
  end
  return append_generations(reply, found, gens_key)
end

-- ATP at every node of some blocks (add_block), in order: one read of each SKU hash for all
-- the nodes, not two per node. Returns the nodes (with their profiles, in `ends` where each
-- block ends, in `pending` the positions of the nodes a flip could change, see atp_of) and
-- their ATP. `gens_key`: the generations hash, to read the blocks' generations here (nil
-- when the blocks' own hold, always on a cluster).
local function available_block(stock_key, reserved_key, gens_key, ...)
  local found, atp = {nodes = {}, profiles = {}, gens = {}, ends = {}, pending = {}}, {}
  for i = 1, select('#', ...) do
    add_block(found, (select(i, ...)), gens_key)
    found.ends[i] = #found.nodes
  end
  if #found.nodes == 0 then
    return found, atp
  end
  local ledgers = hash_values(stock_key, found.nodes)
  local reserved = hash_values(reserved_key, found.nodes)
  for k = 1, #found.nodes do
    local p = found.profiles[k]
    local pending
    atp[k], pending = atp_of(ledgers[k], reserved[k], found.gens[k], p[1], p[2], p[3])
    if pending then
      found.pending[k] = true
    end
  end
  return found, atp
end

-- Whether a node of positions first..last of available_block's nodes is pending.
local function pending_within(found, first, last)
  for k in pairs(found.pending) do
    if k >= first and k <= last then return true end
  end
  return false
end
