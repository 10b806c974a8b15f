-- Mark EXPIRED, and publish, the holds of one order bucket past their expiry instant.
-- KEYS: outbox, held. ARGV: now_ms, retention_ms, outbox_maxlen, record_prefix.
expire_due(KEYS[2], KEYS[1], ARGV[4], ARGV[1], ARGV[2], ARGV[3], 10000)
return 1
