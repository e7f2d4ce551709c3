-- Records a step once its money is settled, in one round trip: the task history the next step's features
-- read (only when the ledger answered the commit), the idempotency key (the answer a retry replays, or the
-- key freed after a failure so that a retry runs the step again) and the episode-log line. All keys share
-- the {tenant} hash tag, so this also runs on a Redis cluster.
-- KEYS[1] task hash, KEYS[2] episode log (list), KEYS[3] the step's idempotency key (absent without one).
-- ARGV: finish (1 record the history | 0), action (1 small, 2 large), remaining_micros, large_calls_left (-1 none),
--       episode record (JSON), max episode entries, key_mode (store | release | none), answer, answer_ttl_ms.
-- Reply: the episode log's length after the append.
local key = KEYS[1]
if ARGV[1] == '1' and redis.call('EXISTS', key) == 1 then
  redis.call('HSET', key, 'before_last', redis.call('HGET', key, 'last'), 'last', ARGV[2],
    'remaining', ARGV[3], 'large_left', ARGV[4])
  redis.call('HINCRBY', key, 'steps', 1)
  if ARGV[2] == '2' then redis.call('HINCRBY', key, 'large', 1) end
end
if #KEYS > 2 then
  if ARGV[7] == 'store' then
    redis.call('SET', KEYS[3], ARGV[8], 'PX', ARGV[9])
  elseif ARGV[7] == 'release' then
    redis.call('DEL', KEYS[3])
  end
end
-- An empty record: the caller appends the episode line itself (EpisodeLog, bounded, maybe on another Redis).
if ARGV[5] == '' then return 0 end
local length = redis.call('RPUSH', KEYS[2], ARGV[5])
local max = tonumber(ARGV[6])
if length > max then redis.call('LTRIM', KEYS[2], -max, -1) end
return length
