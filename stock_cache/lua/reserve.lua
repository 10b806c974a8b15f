-- Hold every unit of a request or nothing; replay the first answer for a known idempotency key.
-- KEYS: idempotency (tagged by client), allocation record (tagged by allocation id), then
--       onhand, reserved, allocs, holds of each SKU of the request (tagged by SKU).
-- ARGV: now_ms, expires_at_ms, allocation_id, client_id, fingerprint, lines_json, payload,
--       idempotency_ttl_ms, record_ttl_ms, then per unit (one per distinct node and SKU):
--       sku_group (1-based position of its SKU in KEYS), node, qty, safety.
-- Returns {'replay', allocation_id} | {'conflict'} | {'held'} |
--         {'short', unit_index (0-based), available, unit_index, available, ...}.
-- Standalone Redis: these keys span several hash slots (client, allocation, each SKU). The
-- Redis Cluster change will split this script by slot.
local idempotency_key, record_key = KEYS[1], KEYS[2]
local now, expires_at, id = ARGV[1], ARGV[2], ARGV[3]

local seen = redis.call('HMGET', idempotency_key, 'fingerprint', 'allocation_id')
if seen[1] then
  if seen[1] == ARGV[5] then
    return {'replay', seen[2]}
  end
  return {'conflict'}
end

local function sku_keys(group)
  local base = 3 + 4 * (group - 1)
  return KEYS[base], KEYS[base + 1], KEYS[base + 2], KEYS[base + 3]
end

-- Expired holds must not count against this request, swept or not.
for group = 1, (#KEYS - 2) / 4 do
  local _, reserved, allocs, holds = sku_keys(group)
  sweep(reserved, allocs, holds, now)
end

local shortages = {}
for i = 10, #ARGV, 4 do
  local on_hand_key, reserved_key = sku_keys(tonumber(ARGV[i]))
  local node, qty, safety = ARGV[i + 1], tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
  local on_hand = tonumber(redis.call('HGET', on_hand_key, node)) or 0
  local reserved = tonumber(redis.call('HGET', reserved_key, node)) or 0
  local available = math.max(0, on_hand - safety - reserved)
  if qty > available then
    shortages[#shortages + 1] = (i - 10) / 4
    shortages[#shortages + 1] = available
  end
end
if #shortages > 0 then
  return {'short', unpack(shortages)}
end

local units_by_group = {}
for i = 10, #ARGV, 4 do
  local group, node, qty = tonumber(ARGV[i]), ARGV[i + 1], ARGV[i + 2]
  local _, reserved_key = sku_keys(group)
  redis.call('HINCRBY', reserved_key, node, qty)
  units_by_group[group] = units_by_group[group] or {}
  units_by_group[group][node] = tonumber(qty)
end
for group, units in pairs(units_by_group) do
  local _, _, allocs, holds = sku_keys(group)
  redis.call('HSET', allocs, id, cjson.encode(units))
  redis.call('ZADD', holds, expires_at, id)
end

redis.call('HSET', record_key, 'client_id', ARGV[4], 'status', 'HELD', 'lines', ARGV[6],
  'created_at_ms', now, 'expires_at_ms', expires_at, 'payload', ARGV[7])
redis.call('PEXPIRE', record_key, ARGV[9])
redis.call('HSET', idempotency_key, 'fingerprint', ARGV[5], 'allocation_id', id)
redis.call('PEXPIRE', idempotency_key, ARGV[8])
return {'held'}
