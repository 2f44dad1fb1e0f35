package redis

import goredis "github.com/redis/go-redis/v9"

// Lua scripts. Every script lists its keys and arguments; the keys of one
// script share a hash tag (see keys.go), so scripts run on Redis Cluster.
// go-redis runs them with EVALSHA and falls back to EVAL once per server.

// saveSessionCmd stores a session if the stored version is the expected one
// and keeps the shard's idle index in step, atomically.
//
// KEYS[1] -> p:{s<n>}:session:<chatID>
// KEYS[2] -> p:{s<n>}:idle
// ARGV[1] -> expected stored version, decimal ("0": none stored)
// ARGV[2] -> new version, decimal
// ARGV[3] -> session JSON, already carrying the new version and UpdatedAt
// ARGV[4] -> idle score (UpdatedAt unix ms), or "" to drop the chat from the index
// ARGV[5] -> chat id, the idle index member
//
// Returns 1 when saved, 0 when the stored version differs (nothing written).
// Versions are compared as strings, so there is no float rounding in Lua.
var saveSessionCmd = goredis.NewScript(`
local cur = redis.call("HGET", KEYS[1], "v")
if not cur then
	cur = "0"
end
if cur ~= ARGV[1] then
	return 0
end
redis.call("HSET", KEYS[1], "v", ARGV[2], "d", ARGV[3])
if ARGV[4] == "" then
	redis.call("ZREM", KEYS[2], ARGV[5])
else
	redis.call("ZADD", KEYS[2], ARGV[4], ARGV[5])
end
return 1
`)

// setBlockedCmd sets an existing user's blocked flag.
//
// KEYS[1] -> p:user:<id>
// ARGV[1] -> "1" blocked, "0" not
// ARGV[2] -> updated_at, RFC 3339
//
// Returns 1 when updated, 0 when the user does not exist (nothing written).
var setBlockedCmd = goredis.NewScript(`
if redis.call("EXISTS", KEYS[1]) == 0 then
	return 0
end
redis.call("HSET", KEYS[1], "blocked", ARGV[1], "updated_at", ARGV[2])
return 1
`)

// recordFunnelCmd appends a funnel event and trims the oldest (by At) beyond
// the cap. The member is the event prefixed with a fixed-width sequence
// number: unique, and in recording order among events of the same score.
//
// KEYS[1] -> p:{f}:funnel
// KEYS[2] -> p:{f}:funnel:seq
// ARGV[1] -> score: At unix ms
// ARGV[2] -> event JSON
// ARGV[3] -> how many events to keep at most
//
// Returns the event's sequence number.
var recordFunnelCmd = goredis.NewScript(`
local seq = redis.call("INCR", KEYS[2])
redis.call("ZADD", KEYS[1], ARGV[1], string.format("%020d", seq) .. ":" .. ARGV[2])
local n = redis.call("ZCARD", KEYS[1])
local keep = tonumber(ARGV[3])
if n > keep then
	redis.call("ZREMRANGEBYRANK", KEYS[1], 0, n - keep - 1)
end
return seq
`)

// funnelSeqWidth is the width of the sequence prefix written by
// recordFunnelCmd, plus its ":" separator.
const funnelSeqWidth = 20 + 1
