-- The owner of a claimed step refreshes its heartbeat; with ARGV[3..5] it also records the attempt's reservation
-- and its episode-log line first (write-ahead: a retry after a crash settles that reservation). Nothing changes
-- unless the record is still this owner's running attempt.
-- KEYS[1] the step's claim record. ARGV: owner, attempt, [rid, reserved micros, episode line].
-- Reply: 1 still the owner, 0 not (another attempt took over, or the record is gone).
local rec = redis.call('HMGET', KEYS[1], 'state', 'owner', 'attempt')
if rec[1] ~= 'running' or rec[2] ~= ARGV[1] or rec[3] ~= ARGV[2] then return 0 end
local t = redis.call('TIME')
redis.call('HSET', KEYS[1], 'beat', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
if #ARGV >= 5 then redis.call('HSET', KEYS[1], 'rid', ARGV[3], 'reserved', ARGV[4], 'episode', ARGV[5]) end
return 1
