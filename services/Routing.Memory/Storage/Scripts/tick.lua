-- Announces that a tenant changed: takes the next tick and files the tenant under it, atomically, so that a
-- replica that has read every announcement up to tick N has seen every one at or below N.
-- KEYS: tick, changed tenants (both on the {changes} hash tag).  ARGV: tenant
-- Reply: the tick
local tick = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], tick, ARGV[1])
return tick
