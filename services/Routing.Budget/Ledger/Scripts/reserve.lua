-- KEYS[1] task hash, KEYS[2] reservations hash, then the tenant's three keys (prelude).
-- ARGV: prefix, task, amount, idempotency key, lease_ms, large (0/1),
-- commit on expiry ('1' | '0', absent = '0': the lease's end commits the amount instead of giving it back).
-- Reply: {status, reclaimed, task, rid, lease_expires_ms, remaining}; status granted | replayed |
-- refused_task | refused_tenant | refused_large (remaining = what the refusing limit has left) |
-- idem_conflict | closed | no_task.
local prefix, task_id = ARGV[1], ARGV[2]
local amount, idem, lease_ms, large = tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
local now = now_ms()
local reclaimed = reclaim(prefix, now, 100)
local task = load_task(KEYS[1])
if not task then return {'no_task', reclaimed, {}} end

local prior = redis.call('HGET', KEYS[2], 'k:' .. idem)
if prior then
  local r = redis.call('HMGET', KEYS[2], prior .. '.a', prior .. '.l', prior .. '.e', prior .. '.r')
  if tonumber(r[1]) ~= amount or tonumber(r[2]) ~= large then
    return {'idem_conflict', reclaimed, reply_task(task), prior}
  end
  return {'replayed', reclaimed, reply_task(task), prior, tonumber(r[3]), tonumber(r[4])}
end

if task.state ~= 'open' then return {'closed', reclaimed, reply_task(task)} end
local remaining = task.limit - task.committed - task.reserved
if amount > remaining then return {'refused_task', reclaimed, reply_task(task), '', 0, remaining} end
if large == 1 and task.large_cap >= 0 and task.large_committed + task.large_reserved >= task.large_cap then
  return {'refused_large', reclaimed, reply_task(task), '', 0, remaining}
end
local ceiling, window_ms, tenant_reserved = tenant_limits(prefix)
if ceiling > 0 then
  local tenant_remaining = ceiling - window_spend(prefix, now, window_ms) - tenant_reserved
  if amount > tenant_remaining then return {'refused_tenant', reclaimed, reply_task(task), '', 0, tenant_remaining} end
end

add(task, 'seq', 1)
local rid = 'r' .. task.seq
local lease_expires = math.min(now + lease_ms, task.expires_ms)
add(task, 'reserved', amount)
add(task, 'n_granted', 1)
if large == 1 then add(task, 'large_reserved', 1) end
save(task)
redis.call('HSET', KEYS[2], rid .. '.s', 'live', rid .. '.a', amount, rid .. '.l', large,
  rid .. '.e', lease_expires, rid .. '.r', remaining - amount, 'k:' .. idem, rid)
if ARGV[7] == '1' then redis.call('HSET', KEYS[2], rid .. '.c', '1') end
redis.call('PEXPIREAT', KEYS[2], task.expires_ms)
redis.call('HINCRBY', TENANT_KEY, 'reserved', amount)
redis.call('ZADD', LEASES_KEY, lease_expires, lease_member(task_id, rid, amount, large))
return {'granted', reclaimed, reply_task(task), rid, lease_expires, remaining - amount}
