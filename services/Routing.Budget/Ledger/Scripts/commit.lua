-- KEYS[1] task hash, KEYS[2] reservations hash. ARGV: prefix, task, rid, actual.
-- Reply: {status, reclaimed, ledger, previous_state, overrun}; status committed | replayed |
-- commit_conflict (previous_state = recorded actual) | released | no_task | no_reservation.
-- Real spend is never refused: a commit above the reservation, after the lease expired or after the task
-- closed is recorded, and the uncovered part is reported as an overrun.
local prefix, task, rid, actual = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local now = now_ms()
local reclaimed = reclaim(prefix, now, 100)
if redis.call('EXISTS', KEYS[1]) == 0 then return {'no_task', reclaimed, {}} end
local r = redis.call('HMGET', KEYS[2], rid .. '.s', rid .. '.a', rid .. '.l', rid .. '.e', rid .. '.x', rid .. '.o', rid .. '.p')
local state = r[1]
if not state then return {'no_reservation', reclaimed, ledger(KEYS[1])} end
if state == 'committed' then
  if tonumber(r[5]) ~= actual then return {'commit_conflict', reclaimed, ledger(KEYS[1]), r[5], 0} end
  return {'replayed', reclaimed, ledger(KEYS[1]), r[7], tonumber(r[6])}
end
if state == 'released' then return {'released', reclaimed, ledger(KEYS[1])} end

local amount, large = tonumber(r[2]), tonumber(r[3])
if state == 'live' and tonumber(r[4]) <= now then
  -- The lease ran out but no sweep has reclaimed it yet: it is expired all the same.
  end_reservation(prefix, task, rid, amount, large, 'expired')
  state = 'expired'
end
local covered = 0
if state == 'live' then
  covered = math.min(actual, amount)
  end_reservation(prefix, task, rid, amount, large, 'committed')
else
  redis.call('HSET', KEYS[2], rid .. '.s', 'committed')
end
local overrun = actual - covered
redis.call('HSET', KEYS[2], rid .. '.x', actual, rid .. '.o', overrun, rid .. '.p', state)
redis.call('HINCRBY', KEYS[1], 'committed', actual)
redis.call('HINCRBY', KEYS[1], 'n_committed', 1)
redis.call('HINCRBY', KEYS[1], 'overrun', overrun)
if large == 1 then redis.call('HINCRBY', KEYS[1], 'large_committed', 1) end
local ceiling, window_ms = tenant_view(prefix, now)
if ceiling > 0 then record_spend(prefix, now, window_ms, actual) end
return {'committed', reclaimed, ledger(KEYS[1]), state, overrun}
