-- Stores a task's finished auction: the summary the step features read goes into the task hash, the whole
-- answer (for replays) into the auction record, which lives as long as the task.
-- KEYS[1] task hash, KEYS[2] auction record. ARGV: auction_id, winner, winner_rank, pool_size, margin,
-- remaining_micros (-1 unknown), answer, recorded (1 when the memory service holds the auction).
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return 0 end
redis.call('HSET', key, 'auction_id', ARGV[1], 'auction_winner', ARGV[2], 'auction_rank', ARGV[3],
  'auction_pool', ARGV[4], 'auction_margin', ARGV[5], 'auction_recorded', ARGV[8])
if tonumber(ARGV[6]) >= 0 then redis.call('HSET', key, 'remaining', ARGV[6]) end
local ttl = redis.call('PTTL', key)
if ttl > 0 then
  redis.call('SET', KEYS[2], ARGV[7], 'PX', ttl)
else
  redis.call('SET', KEYS[2], ARGV[7])
end
return 1
