-- Prepended by redis_scripts.py to every script (before _ledger.lua, _blocks.lua and
-- _order.lua, the parts a script may name, see script_source). Every script touches one
-- hash slot only.
--
-- Per SKU (tag {s:SKU}):
--   stock     hash  node -> JSON ledger of on hand (see _ledger.lua)
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

-- Long arguments a caller sends once, then only names (cap_read.lua's list of nodes, the block
-- of availability.lua's 'read'): kept from call to call where the script is loaded as a
-- function (library_source sets args_kept). A server turns every argument into a Lua string,
-- reading all of its bytes, before the script runs. Kept in two generations of a budget of
-- bytes each: past it, the newer becomes the older and the older goes, so that an argument
-- still named survives (a miss costs its caller a round trip).
local kept_args, older_args, kept_arg_bytes = {}, {}, 0
local args_kept = false
local KEPT_ARGS_BUDGET = 4194304

local function keep_argument(name, text)
  if kept_arg_bytes > KEPT_ARGS_BUDGET then
    kept_args, older_args, kept_arg_bytes = {}, kept_args, 0
  end
  kept_args[name] = text
  kept_arg_bytes = kept_arg_bytes + #text
end

-- The argument sent as `text` under `name`, kept; or, `text` '', the one kept under `name`,
-- nil if none is (the server lost it: a restart, a reload of the library, the budget).
local function kept_argument(name, text)
  if text ~= '' then
    if args_kept and kept_args[name] == nil then
      keep_argument(name, text)
    end
    return text
  end
  local found = kept_args[name]
  if found == nil then
    found = older_args[name]
    if found ~= nil then
      keep_argument(name, found)
    end
  end
  return found
end
