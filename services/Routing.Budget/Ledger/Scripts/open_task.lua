-- KEYS[1] task hash. ARGV: prefix, limit, large_cap (-1 = none), ttl_ms.
-- Reply: {status, reclaimed, ledger}; status created | existing | conflict.
local now = now_ms()
local reclaimed = reclaim(ARGV[1], now, 100)
if redis.call('EXISTS', KEYS[1]) == 1 then
  local f = redis.call('HMGET', KEYS[1], 'limit', 'large_cap', 'ttl_ms')
  if f[1] ~= ARGV[2] or f[2] ~= ARGV[3] or f[3] ~= ARGV[4] then
    return {'conflict', reclaimed, ledger(KEYS[1])}
  end
  return {'existing', reclaimed, ledger(KEYS[1])}
end
local expires = now + tonumber(ARGV[4])
redis.call('HSET', KEYS[1], 'state', 'open', 'limit', ARGV[2], 'large_cap', ARGV[3], 'ttl_ms', ARGV[4],
  'committed', 0, 'reserved', 0, 'large_committed', 0, 'large_reserved', 0, 'overrun', 0, 'seq', 0,
  'n_granted', 0, 'n_committed', 0, 'n_released', 0, 'n_expired', 0, 'opened_ms', now, 'expires_ms', expires)
redis.call('PEXPIREAT', KEYS[1], expires)
return {'created', reclaimed, ledger(KEYS[1])}
