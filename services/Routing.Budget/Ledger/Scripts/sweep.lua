-- KEYS[1] the tenant's lease zset (routes the call to its slot). ARGV: prefix, max_count. Reclaims expired leases of one tenant.
return reclaim(ARGV[1], now_ms(), tonumber(ARGV[2]))
