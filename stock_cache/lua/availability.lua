-- parts: _common _ledger _blocks
-- ATP of one SKU at the nodes asked and its exact total over a network, the total from a
-- cache when it holds (see stock_cache/redis_reads.py for the design). The total is the sum
-- of the network's sections' subtotals, each cached on its own: a change at a node forgets
-- its section's, so the next reader reads that section's nodes, not the network's. A total or
-- subtotal is tagged '*' when no node it sums holds a snapshot entry newer than the generation
-- it was read at (no flip can change it), else with the epoch of those generations.
-- KEYS: stock, reserved, allocs, holds, totals of the SKU (one hash slot), and on a standalone
--       Redis the generations hash, for a 'read' to check its block's generations or read
--       them (see generations_source).
-- ARGV: now_ms, the cache field (channel, rules and network), epoch (of the generations the
--       caller sends; '' for none), mode, totals_ttl_ms, the network's sections ('0,3,...':
--       those holding one of its nodes), then:
-- mode 'read': the block of the nodes asked (see add_block), then on a standalone Redis its
--   name (a digest of it): the block may then be '' for the one sent before under that name
--   and kept (kept_argument), or {'again'} is the answer, with nothing done. The total is the cached one if
--   its tag allows, else the sum of the subtotals if all of theirs do (then cached). A '*'
--   total counts only while no node asked holds a snapshot entry newer than the generation
--   read there, and a '*' subtotal only if no such node is in its section: else the ATP
--   asked and that figure could be of two snapshots.
--   Returns {'hit', total, epoch, atp, ...} | {'miss', sections to fill, epoch, atp, ...},
--   ATP at every node asked, then their generations if read here.
-- mode 'fill': the sections sent ('0,3' or ''), the block of the nodes asked, then a block per
--   section sent, of the network's nodes in it. Each section sent gets its subtotal cached;
--   the others' are taken from the cache, but only those tagged with this epoch in the
--   section of a node asked that is pending (as above), so that the answer is of one
--   snapshot.
--   Returns {'filled', total, epoch, atp, ...}, ATP at the nodes asked, or
--   {'missing', sections still to fill, epoch}.
-- The sweep comes first (but for the answer 'again'): a hold that expired by the caller's
-- clock is freed here, which forgets the cached totals, so a cached total never counts an
-- expired hold.
local field, epoch, mode, asked_block = ARGV[2], ARGV[3], ARGV[4], ARGV[7]
if mode == 'read' and ARGV[8] then
  asked_block = kept_argument(ARGV[8], asked_block)
  if asked_block == nil then
    return {'again'}
  end
end
sweep_sku(KEYS[2], KEYS[3], KEYS[4], KEYS[5], ARGV[1])

local function split(text)
  local items = {}
  for item in string.gmatch(text, '[^,]+') do
    items[#items + 1] = item
  end
  return items
end

-- The tag and figure of a cached 'tag:figure', if usable at this epoch ('*' only if `stars`).
local function usable(value, stars)
  if not value then return nil end
  local colon = string.find(value, ':', 1, true)
  local tag = string.sub(value, 1, colon - 1)
  if tag == epoch or (stars and tag == '*') then
    return tag, tonumber(string.sub(value, colon + 1))
  end
  return nil
end

-- The sections of the nodes asked (positions 1..last) that a flip could change: there a '*'
-- subtotal may be of a newer snapshot than the ATP the reader answers.
local function blocked_sections(found, last)
  local blocked = {}
  for k in pairs(found.pending) do
    if k <= last then
      blocked[tostring(section_of(found.nodes[k]))] = true
    end
  end
  return blocked
end

-- The network's total from its subtotals (`known`: section -> {tag, subtotal} just made; the
-- others' read with one HMGET; a '*' one only outside `blocked`), cached when whole; else nil
-- and the sections missing.
local function compose(known, blocked)
  local sections, asked = split(ARGV[6]), {}
  for _, section in ipairs(sections) do
    if not known[section] then
      asked[#asked + 1] = section .. '|' .. field
    end
  end
  local values = #asked > 0 and redis.call('HMGET', KEYS[5], unpack(asked)) or {}
  local total, tag, missing, next_value = 0, '*', {}, 1
  for _, section in ipairs(sections) do
    local t, subtotal
    local got = known[section]
    if got then
      -- Read at this epoch's generations, in this step.
      t, subtotal = got[1], got[2]
    else
      t, subtotal = usable(values[next_value], not blocked[section])
      next_value = next_value + 1
    end
    if t == nil then
      missing[#missing + 1] = section
    else
      total = total + subtotal
      if t ~= '*' then tag = epoch end
    end
  end
  if #missing > 0 then
    return nil, table.concat(missing, ',')
  end
  redis.call('HSET', KEYS[5], field, tag .. ':' .. total)
  -- Fields of networks, channels or rules no longer asked about go with the key.
  redis.call('PEXPIRE', KEYS[5], ARGV[5])
  return total
end

if mode == 'fill' then
  local sent = split(ARGV[7])
  local found, atp = available_block(KEYS[1], KEYS[2], nil, select(8, unpack(ARGV)))
  local known = {}
  for i, section in ipairs(sent) do
    local first, last = found.ends[i] + 1, found.ends[i + 1]
    local subtotal = 0
    for k = first, last do
      subtotal = subtotal + atp[k]
    end
    local tag = pending_within(found, first, last) and epoch or '*'
    redis.call('HSET', KEYS[5], section .. '|' .. field, tag .. ':' .. subtotal)
    known[section] = {tag, subtotal}
  end
  local total, missing = compose(known, blocked_sections(found, found.ends[1]))
  if total == nil then
    redis.call('PEXPIRE', KEYS[5], ARGV[5])
    return {'missing', missing, epoch}
  end
  local reply = {'filled', total, epoch}
  for k = 1, found.ends[1] do
    reply[#reply + 1] = atp[k]
  end
  return reply
end

local gens_key = nil
if KEYS[6] then
  gens_key, epoch = generations_source(KEYS[6], epoch)
end
local found, atp = available_block(KEYS[1], KEYS[2], gens_key, asked_block)
local _, total = usable(redis.call('HGET', KEYS[5], field), next(found.pending) == nil)
local kind, second = 'hit', total
if total == nil then
  local missing
  total, missing = compose({}, blocked_sections(found, #atp))
  if total then second = total else kind, second = 'miss', missing end
end
local reply
if #atp <= 1000 then
  -- Made at its size at once, not grown node by node (unpack() of thousands would overflow
  -- Lua's C stack).
  reply = {kind, second, epoch, unpack(atp)}
else
  reply = {kind, second, epoch}
  for k = 1, #atp do
    reply[k + 3] = atp[k]
  end
end
return append_generations(reply, found, gens_key)
