-- Let go of a quote's claim (see redis_reserve.py) if it is still this idempotency key's: the
-- key's reserve held nothing for good, so the quote may be committed again.
-- KEYS: the quote's claim. ARGV: idempotency key.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
return 1
