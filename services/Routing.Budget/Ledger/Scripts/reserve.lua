-- KEYS[1] task hash, KEYS[2] reservations hash. ARGV: prefix, task, amount, idempotency key, lease_ms, large (0/1).
-- Reply: {status, reclaimed, ledger, rid, lease_expires_ms, remaining_after}; status granted | replayed |
-- refused_task | refused_tenant | refused_large (remaining_after = what is left) | idem_conflict | closed | no_task.
local prefix, task = ARGV[1], ARGV[2]
local amount, idem, lease_ms, large = tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
local now = now_ms()
local reclaimed = reclaim(prefix, now, 100)
if redis.call('EXISTS', KEYS[1]) == 0 then return {'no_task', reclaimed, {}} end

local prior = redis.call('HGET', KEYS[2], 'k:' .. idem)
if prior then
  local r = redis.call('HMGET', KEYS[2], prior .. '.a', prior .. '.l', prior .. '.e', prior .. '.r')
  if tonumber(r[1]) ~= amount or tonumber(r[2]) ~= large then
    return {'idem_conflict', reclaimed, ledger(KEYS[1]), prior}
  end
  return {'replayed', reclaimed, ledger(KEYS[1]), prior, tonumber(r[3]), tonumber(r[4])}
end

local t = redis.call('HMGET', KEYS[1], 'state', 'limit', 'committed', 'reserved', 'large_cap',
  'large_committed', 'large_reserved', 'expires_ms')
if t[1] ~= 'open' then return {'closed', reclaimed, ledger(KEYS[1])} end
local remaining = tonumber(t[2]) - tonumber(t[3]) - tonumber(t[4])
if amount > remaining then return {'refused_task', reclaimed, ledger(KEYS[1]), '', 0, remaining} end
local cap = tonumber(t[5])
if large == 1 and cap >= 0 and tonumber(t[6]) + tonumber(t[7]) >= cap then
  return {'refused_large', reclaimed, ledger(KEYS[1]), '', 0, remaining}
end
local ceiling, window_ms, tenant_reserved, spent = tenant_view(prefix, now)
if ceiling > 0 and amount > ceiling - spent - tenant_reserved then
  return {'refused_tenant', reclaimed, ledger(KEYS[1]), '', 0, ceiling - spent - tenant_reserved}
end

local rid = 'r' .. redis.call('HINCRBY', KEYS[1], 'seq', 1)
local task_expires = tonumber(t[8])
local lease_expires = math.min(now + lease_ms, task_expires)
redis.call('HSET', KEYS[2], rid .. '.s', 'live', rid .. '.a', amount, rid .. '.l', large,
  rid .. '.e', lease_expires, rid .. '.r', remaining - amount, 'k:' .. idem, rid)
redis.call('PEXPIREAT', KEYS[2], task_expires)
redis.call('HINCRBY', KEYS[1], 'reserved', amount)
redis.call('HINCRBY', KEYS[1], 'n_granted', 1)
if large == 1 then redis.call('HINCRBY', KEYS[1], 'large_reserved', 1) end
redis.call('HINCRBY', prefix .. 'tenant', 'reserved', amount)
redis.call('ZADD', prefix .. 'leases', lease_expires, lease_member(task, rid, amount, large))
return {'granted', reclaimed, ledger(KEYS[1]), rid, lease_expires, remaining - amount}
