-- Write one SKU's level of a snapshot of one node under the snapshot's generation, unseen
-- by readers until the node's generation flips to it.
-- KEYS: stock, totals of the SKU.
-- ARGV: node, gen, committed gen, units, watermark ('' for an operator's level, true now),
--       only_if_absent (1: a zero for a SKU the snapshot left out, unless already staged).
-- Returns 1 if it staged, 0 if an entry of that generation was there (only_if_absent).
local node, gen, committed = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local l = ledger_get(KEYS[1], node)
local kept, at_committed, newest_older = {}, false, nil
for _, e in ipairs(l.g) do
  if e[1] == gen and ARGV[6] == '1' then
    return 0
  end
  if e[1] == committed then at_committed = true end
  if e[1] >= committed then
    if e[1] ~= gen then kept[#kept + 1] = e end
  elseif newest_older == nil or e[1] > newest_older[1] then
    newest_older = e
  end
end
-- Entries older than the committed generation are forgotten; when the SKU has no entry of
-- the committed generation, the newest of them is what readers see: fold it into the base.
if not at_committed and newest_older and entry_wins(newest_older, l.s) then
  l.b, l.s = newest_older[2], newest_older[3]
end
local watermark, override = tonumber(ARGV[5]), 0
l.g = kept
if watermark == nil then
  watermark, override = ledger_known(l), 1
end
l.g[#l.g + 1] = {gen, tonumber(ARGV[4]), watermark, override}
ledger_prune(l)
-- A count newer than the watermark wins: the entry pruned, the SKU keeps its count.
ledger_put(KEYS[1], node, l)
-- Readers of the committed generation should see no change, but the ledger was rewritten
-- (folded, pruned): the totals are not worth the doubt.
forget_totals(KEYS[2], {[node] = true})
return 1
