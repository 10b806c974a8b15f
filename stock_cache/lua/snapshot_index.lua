-- After the flip, in the node's slot: drop from the node's SKU index the SKUs the snapshot
-- set to zero, then forget which they were. Only after a flip that committed: were they
-- dropped first and the flip then refused or never sent, a SKU whose committed level is not
-- zero would leave the index, and the next snapshot, not naming it, would not zero it.
-- A crash before this step is harmless: the index still lists SKUs at zero, which the next
-- snapshot stages at zero again (work, not a wrong level), and the set expires on its own.
-- KEYS: the node's SKU index, the set of SKUs the snapshot zeroed.
-- ARGV: committed (1 | 0: the flip was refused, only forget the set).
if ARGV[1] == '1' and redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('SDIFFSTORE', KEYS[1], KEYS[1], KEYS[2])
end
redis.call('DEL', KEYS[2])
return 1
