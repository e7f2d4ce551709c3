-- Frees a claimed key after a failed attempt, so that a retry runs the step again; only the attempt that holds it.
-- KEYS[1] the step's claim record. ARGV: owner, attempt. Reply: 1 freed, 0 not this attempt's.
local rec = redis.call('HMGET', KEYS[1], 'owner', 'attempt')
if rec[1] ~= ARGV[1] or rec[2] ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[1])
return 1
