-- KEYS[1] task hash, KEYS[2] reservations hash. ARGV: prefix, task, rid.
-- Reply: {status, reclaimed, ledger, previous_state}; status released | replayed | committed | no_task | no_reservation.
local prefix, task, rid = ARGV[1], ARGV[2], ARGV[3]
local now = now_ms()
local reclaimed = reclaim(prefix, now, 100)
if redis.call('EXISTS', KEYS[1]) == 0 then return {'no_task', reclaimed, {}} end
local r = redis.call('HMGET', KEYS[2], rid .. '.s', rid .. '.a', rid .. '.l')
local state = r[1]
if not state then return {'no_reservation', reclaimed, ledger(KEYS[1])} end
if state == 'committed' then return {'committed', reclaimed, ledger(KEYS[1]), state} end
if state ~= 'live' then return {'replayed', reclaimed, ledger(KEYS[1]), state} end
end_reservation(prefix, task, rid, tonumber(r[2]), tonumber(r[3]), 'released')
return {'released', reclaimed, ledger(KEYS[1]), state}
