-- Ledgers of on hand, as read; after _common.lua (see redis_scripts.py). What only the
-- scripts that change stock need is in _ledger_writes.lua: the scripts run on every read
-- make none of its functions.
--
-- A ledger (see stock_cache/_ledger.py, which this mirrors) is
--   {b = base units, s = base sequence, a = {{seq, units}, ...} adjustments newer than the
--    base, f = {{after, -units}, ...} fulfilments, g = {{gen, units, watermark}, ...}
--    snapshot levels per snapshot generation of the node}.
-- A reader passes the node's committed generation: it sees the snapshot entry of the newest
-- generation at or below it, so levels of a snapshot being written stay invisible until
-- the node's generation flips to theirs.

local function ledger_decode(raw)
  local l = raw and cjson.decode(raw) or {}
  l.b = l.b or 0
  l.s = l.s or -1
  l.a = l.a or {}
  l.f = l.f or {}
  l.g = l.g or {}
  return l
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

-- Most ledgers hold a count base and one snapshot entry, nothing else, as ledger_put writes
-- them (cjson puts the keys in this order): read by a pattern, not decoded into tables.
local BASE_AND_SNAPSHOT =
  '^{"s":(%-?%d+),"b":(%-?%d+),"g":%[%[(%-?%d+),(%-?%d+),(%-?%d+),([01])%]%]}$'

-- The ledger of a SKU a node's snapshot brought and nothing changed since (SNAPSHOT_ONLY):
-- BASE_AND_SNAPSHOT with its sequence, base, watermark and operator flag fixed, read for two
-- captures, not six: this head found as plain text, then the pattern of the rest from there.
local SNAPSHOT_ONLY_HEAD = '{"s":-1,"b":0,"g":[['
local SNAPSHOT_ONLY_TAIL = '^(%d+),(%d+),%-1,1%]%]}$'
local SNAPSHOT_ONLY_REST = #SNAPSHOT_ONLY_HEAD + 1

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

-- Set by begin_ledger: a function's library may not read the string library as it loads.
local find, floor

-- By ledger text (a read of many SKUs at the same nodes meets the same texts again, and so do
-- the reads of a SKU): of a SNAPSHOT_ONLY text its entry's generation (its digits: a reader's
-- generation is mostly the same text, compared without a conversion) and units, of any other
-- false; and of a BASE_AND_SNAPSHOT text what raw_on_hand needs of it (false: another text).
-- Per call, unless `texts_kept`: loaded as a function (library_source sets it), the readings
-- are kept from call to call, up to a number of texts. A reading depends on its text only.
local only_generation, only_units, parsed_ledgers, texts_read = {}, {}, {}, 0
local texts_kept = false
local TEXTS_BUDGET = 10000

-- Called first in every call (see script_source).
local function begin_ledger()
  find, floor = string.find, math.floor
  if not texts_kept or texts_read > TEXTS_BUDGET then
    only_generation, only_units, parsed_ledgers, texts_read = {}, {}, {}, 0
  end
end

-- Fills those for one text; `+ 0` converts digits as tonumber does, in one conversion.
local function parse_ledger(raw)
  texts_read = texts_read + 1
  if find(raw, SNAPSHOT_ONLY_HEAD, 1, true) == 1 then
    local _, _, g, units = find(raw, SNAPSHOT_ONLY_TAIL, SNAPSHOT_ONLY_REST)
    if g ~= nil then
      only_generation[raw], only_units[raw] = g, units + 0
      return
    end
  end
  only_generation[raw] = false
  local s, b, g, units, mark, operator = string.match(raw, BASE_AND_SNAPSHOT)
  parsed_ledgers[raw] = s ~= nil and {tonumber(g), watermark_wins(tonumber(mark),
    tonumber(operator), tonumber(s)), tonumber(units), tonumber(b)}
end

-- ledger_on_hand of an encoded ledger, and ledger_pending (`gen` a number or nil): the common
-- texts are read by their layout; any other (another key order, numbers cjson writes with an
-- exponent, adjustments) is decoded whole.
local function raw_on_hand(raw, gen)
  local g = only_generation[raw]
  if g == nil then
    parse_ledger(raw)
    g = only_generation[raw]
  end
  if g then
    -- No count base (sequence -1, 0 units) and a snapshot entry whose watermark (-1) and
    -- operator flag (1) make it win: watermark_wins(-1, 1, -1).
    if gen == nil or g + 0 <= gen then
      return only_units[raw], false
    end
    return 0, true
  end
  local m = parsed_ledgers[raw]
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

-- atp_of at every node of a block read (see read_block), from the raw ledgers and reserved
-- units (false for none) in the nodes' order, into out[offset + k]; the nodes a flip could
-- change into pending[k], if given. The block's generations are digits (or numbers). One
-- loop with the common ledger's case written out: two Lua calls per node cost more than all
-- of its arithmetic. `keep`: keep each text's reading by the text (parse_ledger), for a
-- read of many SKUs at the same nodes: a SKU's stock at a store is a few units, so such a
-- read meets the same SNAPSHOT_ONLY texts again and again, and two lookups cost less than
-- reading one. A read of one SKU meets each text about once in its call, and keeping them
-- costs more, unless they are kept from call to call (texts_kept).
local function atp_into(out, offset, found, ledgers, reserved, pending, keep)
  keep = keep or texts_kept
  local profiles, which, gens = found.profiles, found.which, found.gens
  local generation_of, units_of = only_generation, only_units
  for k = 1, #found.nodes do
    local p = profiles[which[k]]
    local cap, left, waits, raw = p[3], 0, false, ledgers[k]
    -- A node without a ledger has no units: safety units of none or more and no reservation
    -- leave it none, as the arithmetic below would (a SKU is stocked at some stores only).
    if cap ~= -2 and (raw or p[1] < 0 or reserved[k]) then
      local gen, on_hand = gens[k], 0
      if raw then
        local g, units
        if keep then
          g = generation_of[raw]
          if g == nil then
            parse_ledger(raw)
            g = generation_of[raw]
          end
          units = units_of[raw]
        elseif find(raw, SNAPSHOT_ONLY_HEAD, 1, true) == 1 then
          local _
          _, _, g, units = find(raw, SNAPSHOT_ONLY_TAIL, SNAPSHOT_ONLY_REST)
        end
        if not g then
          on_hand, waits = raw_on_hand(raw, gen and gen + 0)
        elseif gen == nil or g == gen or g + 0 <= gen + 0 then
          on_hand = units + 0
        else
          waits = true
        end
      end
      local kept, share_bp = p[1], p[2]
      if share_bp > 0 then
        kept = floor((on_hand * share_bp + 9999) / 10000)
        if kept < 0 then kept = 0 end
      end
      left = on_hand - kept
      if reserved[k] then left = left - (tonumber(reserved[k]) or 0) end
      if left < 0 then left = 0 end
      if cap >= 0 and cap < left then left = cap end
    end
    out[offset + k] = left
    if waits and pending then pending[k] = true end
  end
end
