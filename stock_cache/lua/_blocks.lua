-- Reading many nodes of a SKU at once: blocks of nodes, their ATP and the replies; after
-- _common.lua and _ledger.lua (see redis_scripts.py).

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
--   [node ids, profiles, the profile of each node (1-based; a string, see profile_numbers,
--    or an array), generations of each node],
-- a profile being {safety units, safety share (basis points), cap (-1 none, -2 outside the
-- channel), future (0 | 1)}, shared by the nodes under the same rules. A generation is the
-- node's committed snapshot generation as the reader read it; on a standalone Redis they
-- may be read here instead, from `gens_key`, in the same step as the levels (fields
-- 'n:' .. node, see stock_cache/redis_keys.py): the block's own, 0 or a list, then go unused.
-- A block read is {nodes, profiles, which (the profile of each node), gens}: the profile of
-- node k is profiles[which[k]], so that a block is used as decoded, not copied node by node.
-- Decoded blocks are never changed: loaded as a function (redis_scripts.py), they are kept
-- from call to call, up to a budget of encoded bytes (a PDP asks at the same nodes again).
local decoded_blocks, decoded_bytes = {}, 0
local DECODED_BUDGET = 1048576
-- The block read of each encoded block and source of generations, per call (the hash can't
-- change while a script runs).
local read_blocks = {[false] = {}, [true] = {}}

-- Called first in every call (see script_source): what holds for one call only goes.
local function begin_blocks()
  read_blocks = {[false] = {}, [true] = {}}
  if decoded_bytes > DECODED_BUDGET then
    decoded_blocks, decoded_bytes = {}, 0
  end
end

-- The profile of each node, from a block's string of one character a node (code PROFILE_CHARS
-- + the profile's number, see stock_cache/_node_blocks.py, which_part): string.byte gives many
-- characters' codes in one call, where cjson converted each number of an array on its own.
local PROFILE_CHARS = 34

local function profile_numbers(text)
  if #text > 4000 then
    -- string.byte returns every code on Lua's C stack: a few thousand at a time.
    local which = {}
    for first = 1, #text, 4000 do
      local codes = profile_numbers(string.sub(text, first, first + 3999))
      for k = 1, #codes do
        which[first + k - 1] = codes[k]
      end
    end
    return which
  end
  -- Made at its size by the constructor, then changed in place.
  local which = {string.byte(text, 1, -1)}
  for k = 1, #which do
    which[k] = which[k] - PROFILE_CHARS
  end
  return which
end

local function read_block(encoded, gens_key)
  local found = read_blocks[gens_key ~= nil][encoded]
  if found ~= nil then
    return found
  end
  -- A request's SKUs are mostly asked at the same nodes: one block, decoded once a call.
  local block = decoded_blocks[encoded]
  if block == nil then
    block = cjson.decode(encoded)
    if type(block[3]) == 'string' then
      block[3] = profile_numbers(block[3])
    end
    decoded_blocks[encoded] = block
    decoded_bytes = decoded_bytes + #encoded
  end
  local ids, gens = block[1], block[4]
  if gens_key then
    local fields = {}
    for k = 1, #ids do
      fields[k] = 'n:' .. ids[k]
    end
    local values = #ids > 0 and redis.call('HMGET', gens_key, unpack(fields)) or {}
    gens = {}
    for k = 1, #ids do
      gens[k] = values[k] or '0'
    end
  end
  found = {nodes = ids, profiles = block[2], which = block[3], gens = gens}
  read_blocks[gens_key ~= nil][encoded] = found
  return found
end

-- Appends a block's nodes, their profiles and generations to `into` (a block read).
local function add_block(into, encoded, gens_key)
  local block = read_block(encoded, gens_key)
  local n, first = #into.nodes, #into.profiles
  for k = 1, #block.profiles do
    into.profiles[first + k] = block.profiles[k]
  end
  local ids, which, gens = block.nodes, block.which, block.gens
  for k = 1, #ids do
    into.nodes[n + k] = ids[k]
    into.which[n + k] = first + which[k]
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
      reply[#reply + 1] = tonumber(found.gens[k])
    end
  end
  return reply
end

-- A SKU's reply in atp.lua and atp_skus.lua: the epoch, then per node its ATP, followed by
-- its inbound JSON ('' for none) with_inbound, then the generations if they were read here.
local function atp_reply(epoch, found, atp, with_inbound, inbound_key, gens_key)
  local n = #found.nodes
  if not with_inbound and n <= 1000 then
    -- Made at its size at once (unpack() of thousands would overflow Lua's C stack).
    return append_generations({epoch, unpack(atp, 1, n)}, found, gens_key)
  end
  local reply = {epoch}
  for k = 1, n do
    reply[#reply + 1] = atp[k]
    if with_inbound then
      local p = found.profiles[found.which[k]]
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
  local found
  if select('#', ...) == 1 then
    -- One block: its read as it is, not a copy.
    local block = read_block((...), gens_key)
    found = {nodes = block.nodes, profiles = block.profiles, which = block.which,
      gens = block.gens, ends = {#block.nodes}, pending = {}}
  else
    found = {nodes = {}, profiles = {}, which = {}, gens = {}, ends = {}, pending = {}}
    for i = 1, select('#', ...) do
      add_block(found, (select(i, ...)), gens_key)
      found.ends[i] = #found.nodes
    end
  end
  if #found.nodes == 0 then
    return found, {}
  end
  local ledgers = hash_values(stock_key, found.nodes)
  -- Most SKUs have no reservation (the hash is gone when empty): one EXISTS costs less than
  -- a HMGET's answer of a nil per node.
  local reserved = {}
  if redis.call('EXISTS', reserved_key) == 1 then
    reserved = hash_values(reserved_key, found.nodes)
  end
  -- The ATP in place of the ledgers read (the table is made once, at its size, by HMGET).
  atp_into(ledgers, 0, found, ledgers, reserved, found.pending)
  return found, ledgers
end

-- Whether a node of positions first..last of available_block's nodes is pending.
local function pending_within(found, first, last)
  for k in pairs(found.pending) do
    if k >= first and k <= last then return true end
  end
  return false
end
