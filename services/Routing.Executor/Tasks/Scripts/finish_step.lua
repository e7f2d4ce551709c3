-- Records a finished step: the action taken (1 small, 2 large) shifts the action history, and the budget
-- state the ledger reported after the commit becomes what the next step's features see.
-- KEYS[1] task hash. ARGV: action, remaining_micros, large_calls_left (-1 none).
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return 0 end
redis.call('HSET', key, 'before_last', redis.call('HGET', key, 'last'), 'last', ARGV[1],
  'remaining', ARGV[2], 'large_left', ARGV[3])
redis.call('HINCRBY', key, 'steps', 1)
if ARGV[1] == '2' then redis.call('HINCRBY', key, 'large', 1) end
return 1
