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

// saveTicketCmd stores a ticket if the stored version is the expected one,
// assigning the id of a new ticket, and keeps every ticket index in step,
// atomically. The caller reads the stored ticket first and passes what the
// index cleanup needs from it (its resident, its volunteer's claims key);
// that is safe because the script checks that the stored version is still
// the one those values were read from.
//
// KEYS[1] -> p:{t}:ticket:seq
// KEYS[2] -> p:{t}:active
// KEYS[3] -> p:{t}:queue
// KEYS[4] -> p:{t}:leases
// KEYS[5] -> p:{t}:claims:<stored ticket's volunteer> (any claims key when creating)
// KEYS[6] -> p:{t}:claims:<new volunteer>
// ARGV[1] -> ticket key prefix p:{t}:ticket: (see below)
// ARGV[2] -> ticket id, decimal; "0" to create a ticket (INCR KEYS[1])
// ARGV[3] -> expected stored version, decimal ("0" when creating)
// ARGV[4] -> new version, decimal
// ARGV[5] -> ticket JSON; when creating, it starts {"id":0, (see below)
// ARGV[6] -> stored ticket's resident id, decimal ("" when creating)
// ARGV[7] -> new resident id, decimal
// ARGV[8] -> "1" when the new ticket is active (open or claimed), else "0"
// ARGV[9] -> queue score (CreatedAt unix ms) when open, else ""
// ARGV[10] -> lease score (LeaseUntil unix ms) when claimed with a lease, else ""
// ARGV[11] -> claim score (ClaimedAt unix ms) when claimed, else ""
//
// The ticket's own key is ARGV[1] followed by the id, built in the script
// because a new ticket's id is assigned there. It carries the {t} tag of
// every declared key, so it is in their slot and Redis Cluster runs the
// script on the right node. When creating, the script writes the assigned
// id over the 0 at the start of ARGV[5].
//
// Returns the ticket id (> 0) when saved; 0 when the stored version differs;
// -1 when the resident has another active ticket; -2 when the id counter
// gave the id of an existing ticket. Nothing is written unless it returns an
// id. Versions are compared as strings, so there is no float rounding in Lua.
var saveTicketCmd = goredis.NewScript(`
local id = ARGV[2]
local create = id == "0"
local key
if not create then
	key = ARGV[1] .. id
	local cur = redis.call("HGET", key, "v")
	if not cur then
		cur = "0"
	end
	if cur ~= ARGV[3] then
		return 0
	end
end
if ARGV[8] == "1" then
	local held = redis.call("HGET", KEYS[2], ARGV[7])
	if held and held ~= id then
		return -1
	end
end
local data = ARGV[5]
if create then
	id = string.format("%d", redis.call("INCR", KEYS[1]))
	key = ARGV[1] .. id
	if redis.call("EXISTS", key) == 1 then
		return -2
	end
	data = '{"id":' .. id .. string.sub(data, 8)
end
redis.call("HSET", key, "v", ARGV[4], "d", data)

if ARGV[6] ~= "" and (ARGV[6] ~= ARGV[7] or ARGV[8] ~= "1") then
	if redis.call("HGET", KEYS[2], ARGV[6]) == id then
		redis.call("HDEL", KEYS[2], ARGV[6])
	end
end
if ARGV[8] == "1" then
	redis.call("HSET", KEYS[2], ARGV[7], id)
end

local member = string.format("%019d", tonumber(id))
redis.call("ZREM", KEYS[3], member)
if ARGV[9] ~= "" then
	redis.call("ZADD", KEYS[3], ARGV[9], member)
end
redis.call("ZREM", KEYS[4], member)
if ARGV[10] ~= "" then
	redis.call("ZADD", KEYS[4], ARGV[10], member)
end
redis.call("ZREM", KEYS[5], member)
if ARGV[11] ~= "" then
	redis.call("ZADD", KEYS[6], ARGV[11], member)
end
return tonumber(id)
`)

// newTicketPrefix is how the JSON of a ticket to create starts: its id is
// the first field and 0. saveTicketCmd replaces it with the assigned id.
const newTicketPrefix = `{"id":0,`
