-- KEYS[1] task hash, then the tenant's three keys (prelude). ARGV: prefix, limit, large_cap (-1 = none), ttl_ms.
-- Reply: {status, reclaimed, task}; status created | existing | conflict.
local now = now_ms()
local reclaimed = reclaim(ARGV[1], now, 100)
local task = load_task(KEYS[1])
if task then
  if task.limit ~= tonumber(ARGV[2]) or task.large_cap ~= tonumber(ARGV[3]) or task.ttl_ms ~= tonumber(ARGV[4]) then
    return {'conflict', reclaimed, reply_task(task)}
  end
  return {'existing', reclaimed, reply_task(task)}
end
local expires = now + tonumber(ARGV[4])
redis.call('HSET', KEYS[1], 'state', 'open', 'limit', ARGV[2], 'large_cap', ARGV[3], 'ttl_ms', ARGV[4],
  'committed', 0, 'reserved', 0, 'large_committed', 0, 'large_reserved', 0, 'overrun', 0, 'seq', 0,
  'n_granted', 0, 'n_committed', 0, 'n_released', 0, 'n_expired', 0, 'opened_ms', now, 'expires_ms', expires)
redis.call('PEXPIREAT', KEYS[1], expires)
return {'created', reclaimed, reply_task(load_task(KEYS[1]))}
