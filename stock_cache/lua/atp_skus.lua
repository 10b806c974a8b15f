-- parts: _common _ledger _blocks
-- ATP (and inbound stock) of a request's SKUs at the nodes asked, on a standalone Redis: one
-- script for all (a cluster runs atp.lua per SKU), after freeing each SKU's expired holds, so
-- that every SKU is read at the same generations.
-- KEYS: per SKU its stock, reserved, allocs, holds, inbound and totals keys, then the
--   generations hash.
-- ARGV: now_ms, with_inbound (0 | 1), the epoch the blocks' generations were read at ('' for
--   none), then per SKU the block of its nodes (see add_block), or '' for the same block as
--   the SKU before it (a listing's SKUs are read at the same nodes: one block, sent once).
-- Returns per SKU the epoch of the generations used, then per node its ATP, followed by its
-- inbound JSON ('' for none) with_inbound, then the generations if they were read here.
local per_sku = 6
local count = (#KEYS - 1) / per_sku
local gens_key, epoch = generations_source(KEYS[#KEYS], ARGV[3])
local with_inbound = ARGV[2] == '1'
local replies = {}
-- SKUs a read needs for keeping each ledger text's reading (see atp_into) to cost less than
-- reading each text where it is met.
local KEEP_TEXTS_FROM = 10
-- A SKU's keys are its own: sweeping every SKU before reading any reads what sweeping each
-- before its read does. Most SKUs of a page have no hold and no reservation (their zset and
-- hash are gone when empty): one EXISTS of them all spares a command per SKU then.
local function keys_at(offset)
  local found = {}
  for s = 0, count - 1 do
    found[s + 1] = KEYS[s * per_sku + offset]
  end
  return found
end
if count > 0 and redis.call('EXISTS', unpack(keys_at(4))) > 0 then
  for s = 0, count - 1 do
    local k = s * per_sku
    sweep_sku(KEYS[k + 2], KEYS[k + 3], KEYS[k + 4], KEYS[k + 6], ARGV[1])
  end
end
local any_reserved = count > 0 and redis.call('EXISTS', unpack(keys_at(2))) > 0
local block = ''
for s = 0, count - 1 do
  local k = s * per_sku
  if ARGV[4 + s] ~= '' then block = ARGV[4 + s] end
  local found = read_block(block, gens_key)
  local nodes = found.nodes
  local ledgers = hash_values(KEYS[k + 1], nodes)
  local reserved = any_reserved and hash_values(KEYS[k + 2], nodes) or {}
  -- The ATP in place of the ledgers read (the table is made once, at its size, by HMGET).
  atp_into(ledgers, 0, found, ledgers, reserved, nil, count >= KEEP_TEXTS_FROM)
  replies[s + 1] = atp_reply(epoch, found, ledgers, with_inbound, KEYS[k + 5], gens_key)
end
return replies
