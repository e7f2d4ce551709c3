-- KEYS[1] task hash, KEYS[2] reservations hash, then the tenant's three keys (prelude).
-- ARGV: prefix, task, rid, actual, unknown outcome ('1' | '0', absent = '0').
-- Reply: {status, reclaimed, task, previous_state, overrun}; status committed | replayed |
-- commit_conflict (previous_state = recorded actual) | released | no_task | no_reservation.
-- Real spend is never refused: a commit above the reservation, after the lease expired or after the task
-- closed is recorded, and the part no live reservation covered is reported as an overrun. A reservation settled
-- at its reserved amount without a known cost (lease of a sent call ran out, or an unknown-outcome commit) takes
-- one later commit that knows the cost: the ledger then holds that cost instead.
local prefix, task_id, rid, actual = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local unknown = ARGV[5] == '1' and '1' or '0'
local now = now_ms()
local reclaimed = reclaim(prefix, now, 100)
local task = load_task(KEYS[1])
if not task then return {'no_task', reclaimed, {}} end
local r = redis.call('HMGET', KEYS[2], rid .. '.s', rid .. '.a', rid .. '.l', rid .. '.e', rid .. '.x', rid .. '.o', rid .. '.p', rid .. '.u')
local state = r[1]
if not state then return {'no_reservation', reclaimed, reply_task(task)} end
local amount, large = tonumber(r[2]), tonumber(r[3])
if state == 'committed' then
  local recorded = tonumber(r[5])
  if recorded == actual then return {'replayed', reclaimed, reply_task(task), r[7], tonumber(r[6])} end
  if r[8] ~= '1' or unknown == '1' then return {'commit_conflict', reclaimed, reply_task(task), r[5], 0} end
  -- The known cost replaces the unknown outcome's reserved amount, once.
  local overrun = actual - math.min(actual, amount)
  add(task, 'committed', actual - recorded)
  add(task, 'overrun', overrun - tonumber(r[6]))
  add(task, 'n_unknown', -1)
  save(task)
  redis.call('HSET', KEYS[2], rid .. '.x', actual, rid .. '.o', overrun, rid .. '.u', '0')
  -- Tenant spend only grows: a correction downwards leaves the window erring on the side of refusing.
  record_spend(prefix, now, actual - recorded)
  return {'committed', reclaimed, reply_task(task), r[7], overrun}
end
if state == 'released' then return {'released', reclaimed, reply_task(task)} end

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
local overrun = record_commit(prefix, task, KEYS[2], rid, actual, covered, large, state, unknown, now)
return {'committed', reclaimed, reply_task(task), state, overrun}
