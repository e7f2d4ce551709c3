-- Appends one line to a tenant's episode log and trims the oldest lines until the log is within its bounds:
-- bytes, lines and age. A line's time and size sit in a second list in the same order, so trimming needs no
-- JSON parsing; all three keys expire after the age bound, so an idle tenant's log goes too. The newest line
-- always stays, even when it alone exceeds the byte bound.
-- KEYS[1] log (list of JSON lines), KEYS[2] index (list of "<ms> <bytes>"), KEYS[3] byte count; one {tenant} tag.
-- ARGV: line, now ms, max bytes, max lines, max age ms.
-- Reply: {lines after the append, lines trimmed}.
local line, now = ARGV[1], tonumber(ARGV[2])
local max_bytes, max_lines, max_age = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local size = string.len(line)
local length = redis.call('RPUSH', KEYS[1], line)
redis.call('RPUSH', KEYS[2], now .. ' ' .. size)
local bytes = redis.call('INCRBY', KEYS[3], size)
-- Lines written before the index existed are the oldest and carry no size: they go first once over the line bound.
local unindexed = length - redis.call('LLEN', KEYS[2])
local trimmed = 0
-- At most a few pops per append: a steady log pops about one line per line it gains.
while length > 1 and trimmed < 64 do
  if unindexed > 0 then
    if length <= max_lines then break end
    redis.call('LPOP', KEYS[1])
    unindexed = unindexed - 1
  else
    local at, n = string.match(redis.call('LINDEX', KEYS[2], 0), '^(%d+) (%d+)$')
    if bytes <= max_bytes and length <= max_lines and tonumber(at) >= now - max_age then break end
    redis.call('LPOP', KEYS[1])
    redis.call('LPOP', KEYS[2])
    bytes = redis.call('INCRBY', KEYS[3], -tonumber(n))
  end
  length = length - 1
  trimmed = trimmed + 1
end
redis.call('PEXPIRE', KEYS[1], max_age)
redis.call('PEXPIRE', KEYS[2], max_age)
redis.call('PEXPIRE', KEYS[3], max_age)
return {length, trimmed}
