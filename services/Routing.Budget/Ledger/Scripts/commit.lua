-- KEYS[1] task hash, KEYS[2] reservations hash, then the tenant's three keys (prelude). ARGV: prefix, task, rid, actual.
-- Reply: {status, reclaimed, task, previous_state, overrun}; status committed | replayed |
-- commit_conflict (previous_state = recorded actual) | released | no_task | no_reservation.
-- Real spend is never refused: a commit above the reservation, after the lease expired or after the task
-- closed is recorded, and the part no live reservation covered is reported as an overrun.
local prefix, task_id, rid, actual = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local now = now_ms()
local reclaimed = reclaim(prefix, now, 100)
local task = load_task(KEYS[1])
if not task then return {'no_task', reclaimed, {}} end
local r = redis.call('HMGET', KEYS[2], rid .. '.s', rid .. '.a', rid .. '.l', rid .. '.e', rid .. '.x', rid .. '.o', rid .. '.p')
local state = r[1]
if not state then return {'no_reservation', reclaimed, reply_task(task)} end
if state == 'committed' then
  if tonumber(r[5]) ~= actual then return {'commit_conflict', reclaimed, reply_task(task), r[5], 0} end
  return {'replayed', reclaimed, reply_task(task), r[7], tonumber(r[6])}
end
if state == 'released' then return {'released', reclaimed, reply_task(task)} end

local amount, large = tonumber(r[2]), tonumber(r[3])
local covered = 0
if state == 'live' then
  if tonumber(r[4]) <= now then
    -- The lease ran out but no sweep has reclaimed it yet: it is expired all the same.
    end_reservation(prefix, task, task_id, rid, amount, large, 'expired')
    state = 'expired'
  else
    covered = math.min(actual, amount)
    end_reservation(prefix, task, task_id, rid, amount, large, 'committed')
  end
end
local overrun = actual - covered
add(task, 'committed', actual)
add(task, 'n_committed', 1)
add(task, 'overrun', overrun)
if large == 1 then add(task, 'large_committed', 1) end
save(task)
redis.call('HSET', KEYS[2], rid .. '.s', 'committed', rid .. '.x', actual, rid .. '.o', overrun, rid .. '.p', state)
local ceiling, window_ms = tenant_limits(prefix)
if ceiling > 0 then record_spend(prefix, now, window_ms, actual) end
return {'committed', reclaimed, reply_task(task), state, overrun}
