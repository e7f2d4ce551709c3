-- Starts a step: claims its idempotency key (when it has one), numbers it and folds in what the caller observed
-- since the last step, so the features of this step see it. Recent errors are a 3-bit window of the last three
-- steps; recent retries a base-4 window of their retry counts (0-3 each), in 'retry_counts' (absent on a task
-- opened before counts existed: it starts from 0). A missing task claims nothing, and neither does a completed one.
--
-- The claim is a write-ahead record (hash), so that a retry after a crash knows what the first attempt did:
--   state     running | answered (the backend answered, the money may be unsettled) | done (answer settled)
--   attempt   how many attempts claimed the key; owner (executor instance) and beat (its last heartbeat, server ms)
--   step      the step number the attempt took
--   rid, reserved, episode   the attempt's reservation and its episode-log line (written once reserved)
--   answer, cost             the answer (base64 StepResponse) and its cost (written when the backend answered)
--   fingerprint              the fingerprint of the request body that claimed the key first (absent: none)
-- A key already claimed changes nothing. Claimed with a fingerprint and reused with another one (ARGV[8]) it
-- answers reused {first fingerprint}, whatever its state. Otherwise it answers what it holds: done -> the answer;
-- answered -> the answer and what to commit; running with a live owner -> running; running with an owner that stopped heartbeating -> its
-- reservation to settle (orphaned), unless the caller says it settled that attempt (ARGV[7]): then it takes over.
-- A stale heartbeat is first only suspected (suspect = when; the retry gets running): Redis may just be back from
-- an outage during which no heartbeat could land, and a live owner beats within a third of the TTL once it answers
-- again. The owner is taken for dead when no beat came in the half TTL after the suspicion.
-- KEYS[1] task hash, KEYS[2] the step's claim record (absent without a key; same {tenant} hash tag).
-- ARGV: error_observed (0|1), retries of the last step (0-3), last_step_failed (0|1), owner, heartbeat ttl ms,
--       record ttl ms, attempt whose orphaned reservation the caller settled ('' none), the request's
--       fingerprint ('' none; kept by the claim's first attempt).
-- Reply: {status, ...}: missing | completed {hash} | ok {hash, attempt} | done {answer} | running {} |
--        answered {answer, rid, cost, episode, attempt, owner} | orphaned {rid, reserved, episode, attempt} |
--        reused {fingerprint}.
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return {'missing', {}} end
local now = nil
if #KEYS > 1 then
  local rec = redis.call('HMGET', KEYS[2], 'state', 'owner', 'beat', 'attempt', 'rid', 'reserved', 'answer', 'cost', 'episode', 'fingerprint', 'suspect')
  local state = rec[1]
  if state and rec[10] and ARGV[8] and ARGV[8] ~= '' and rec[10] ~= ARGV[8] then return {'reused', rec[10]} end
  if state == 'done' then return {'done', rec[7]} end
  if state == 'answered' then return {'answered', rec[7], rec[5] or '', rec[8], rec[9] or '', rec[4], rec[2]} end
  if state == 'running' then
    local t = redis.call('TIME')
    now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
    local beat, ttl, suspect = tonumber(rec[3]), tonumber(ARGV[5]), tonumber(rec[11])
    if now - beat < ttl then return {'running', {}} end
    if not suspect or suspect < beat then
      redis.call('HSET', KEYS[2], 'suspect', now)
      return {'running', {}}
    end
    if now - suspect < ttl / 2 then return {'running', {}} end
    if rec[5] and ARGV[7] ~= rec[4] then return {'orphaned', rec[5], rec[6], rec[9] or '', rec[4]} end
  end
end
if redis.call('HGET', key, 'completed') == '1' then return {'completed', redis.call('HGETALL', key)} end
local errors = (tonumber(redis.call('HGET', key, 'errors')) * 2 + tonumber(ARGV[1])) % 8
local retries = ((tonumber(redis.call('HGET', key, 'retry_counts')) or 0) * 4 + tonumber(ARGV[2])) % 64
redis.call('HSET', key, 'errors', errors, 'retry_counts', retries, 'last_failed', ARGV[3])
if ARGV[3] == '1' and redis.call('HGET', key, 'last') == '1' then redis.call('HINCRBY', key, 'small_failures', 1) end
local started = redis.call('HINCRBY', key, 'started', 1)
local attempt = 0
if #KEYS > 1 then
  if not now then
    local t = redis.call('TIME')
    now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  end
  attempt = redis.call('HINCRBY', KEYS[2], 'attempt', 1)
  redis.call('HDEL', KEYS[2], 'rid', 'reserved', 'episode', 'answer', 'cost', 'suspect')
  redis.call('HSET', KEYS[2], 'state', 'running', 'owner', ARGV[4], 'beat', now, 'step', started - 1)
  if ARGV[8] and ARGV[8] ~= '' and redis.call('HEXISTS', KEYS[2], 'fingerprint') == 0 then
    redis.call('HSET', KEYS[2], 'fingerprint', ARGV[8])
  end
  redis.call('PEXPIRE', KEYS[2], ARGV[6])
end
return {'ok', redis.call('HGETALL', key), attempt}
