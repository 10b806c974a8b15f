-- Ledgers of on hand, written, and read one node at a time: what the scripts that change
-- stock need beside _ledger.lua, after it (see redis_scripts.py).

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
    kept = floor((on_hand * share_bp + 9999) / 10000)
    if kept < 0 then kept = 0 end
  end
  local left = on_hand - kept
  if raw_reserved then left = left - (tonumber(raw_reserved) or 0) end
  if left < 0 then left = 0 end
  if cap >= 0 and cap < left then return cap, pending end
  return left, pending
end

local function available(stock_key, reserved_key, node, gen, units, share_bp, cap)
  if cap == -2 then return 0 end
  return atp_of(redis.call('HGET', stock_key, node), redis.call('HGET', reserved_key, node),
    gen, units, share_bp, cap)
end
