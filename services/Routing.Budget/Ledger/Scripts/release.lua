-- KEYS[1] task hash, KEYS[2] reservations hash, then the tenant's three keys (prelude). ARGV: prefix, task, rid.
-- Reply: {status, reclaimed, task, previous_state}; status released | replayed | committed | no_task | no_reservation.
local prefix, task_id, rid = ARGV[1], ARGV[2], ARGV[3]
local reclaimed = reclaim(prefix, now_ms(), 100)
local task = load_task(KEYS[1])
if not task then return {'no_task', reclaimed, {}} end
local r = redis.call('HMGET', KEYS[2], rid .. '.s', rid .. '.a', rid .. '.l')
local state = r[1]
if not state then return {'no_reservation', reclaimed, reply_task(task)} end
if state == 'committed' then return {'committed', reclaimed, reply_task(task), state} end
if state ~= 'live' then return {'replayed', reclaimed, reply_task(task), state} end
end_reservation(prefix, task, task_id, rid, tonumber(r[2]), tonumber(r[3]), 'released')
save(task)
redis.call('HSET', KEYS[2], rid .. '.s', 'released')
return {'released', reclaimed, reply_task(task), state}
