-- An allocation's units of one SKU left their nodes: take them off the reservations and off
-- on hand until a count newer than anything seen now reports the shipment.
-- KEYS: stock, reserved, allocs, holds, totals of the SKU. ARGV: allocation_id.
local encoded = redis.call('HGET', KEYS[3], ARGV[1])
if encoded then
  local units = cjson.decode(encoded)
  for node, qty in pairs(units) do
    local l = ledger_get(KEYS[1], node)
    l.f[#l.f + 1] = {ledger_known(l), -qty}
    ledger_put(KEYS[1], node, l)
  end
  forget_totals(KEYS[5], units)
end
free_units(KEYS[2], KEYS[3], KEYS[4], ARGV[1])
return 1
