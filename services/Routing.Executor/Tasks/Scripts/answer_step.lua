-- Stores the backend's answer before the money is settled, so that a retry after a crash settles the recorded
-- cost and replays the answer instead of calling the model again. Only the owner's running attempt stores it.
-- KEYS[1] the step's claim record. ARGV: owner, attempt, answer (base64 StepResponse), cost micros, episode line.
-- Reply: 1 stored, 0 not the owner any more.
local rec = redis.call('HMGET', KEYS[1], 'state', 'owner', 'attempt')
if rec[1] ~= 'running' or rec[2] ~= ARGV[1] or rec[3] ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'answered', 'answer', ARGV[3], 'cost', ARGV[4], 'episode', ARGV[5])
return 1
