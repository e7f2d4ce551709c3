-- Records a step once its money is settled, in one round trip: the task history the next step's features
-- read (only when the ledger answered the commit), the idempotency key (the settled answer a retry replays, or
-- the key freed after a failure so that a retry runs the step again) and the episode-log line when one is given
-- (StepRecorder passes none and appends through EpisodeLog). All keys share the {tenant} hash tag, so this also
-- runs on a Redis cluster.
-- The claim record (begin_step.lua) changes only while it is this attempt's. A step that whoever settled it first
-- already recorded (state done) is not recorded twice; 'recover' (a retry settling an answered attempt it does not
-- own) records only an answered record of that attempt. An attempt that lost its claim (its owner was taken for
-- dead) still records its history and episode line: the step did happen.
-- KEYS[1] task hash, KEYS[2] episode log (list), KEYS[3] the step's claim record (absent without a key).
-- ARGV: finish (1 record the history | 0), action (1 small, 2 large), remaining_micros, large_calls_left (-1 none),
--       episode record (JSON), max episode entries, key_mode (store | recover | release | none), answer,
--       answer_ttl_ms, owner, attempt.
-- Reply: the episode log's length after the append (0 when the record was empty), or -1 when the step was already
-- recorded.
local key = KEYS[1]
if #KEYS > 2 and ARGV[7] ~= 'none' then
  local rec = redis.call('HMGET', KEYS[3], 'state', 'owner', 'attempt')
  local mine = rec[2] == ARGV[10] and rec[3] == ARGV[11]
  if mine and rec[1] == 'done' then return -1 end
  if ARGV[7] == 'recover' and not (mine and rec[1] == 'answered') then return -1 end
  if mine then
    if ARGV[7] == 'release' then
      redis.call('DEL', KEYS[3])
    else
      redis.call('HSET', KEYS[3], 'state', 'done', 'answer', ARGV[8])
      redis.call('HDEL', KEYS[3], 'episode', 'rid', 'reserved', 'cost')
      redis.call('PEXPIRE', KEYS[3], ARGV[9])
    end
  end
end
if ARGV[1] == '1' and redis.call('EXISTS', key) == 1 then
  redis.call('HSET', key, 'before_last', redis.call('HGET', key, 'last'), 'last', ARGV[2],
    'remaining', ARGV[3], 'large_left', ARGV[4])
  redis.call('HINCRBY', key, 'steps', 1)
  if ARGV[2] == '2' then redis.call('HINCRBY', key, 'large', 1) end
end
-- An empty record: the caller appends the episode line itself (EpisodeLog, bounded, maybe on another Redis).
if ARGV[5] == '' then return 0 end
local length = redis.call('RPUSH', KEYS[2], ARGV[5])
local max = tonumber(ARGV[6])
if length > max then redis.call('LTRIM', KEYS[2], -max, -1) end
return length
