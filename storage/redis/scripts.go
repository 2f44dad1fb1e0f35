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

// recordFunnelCmd appends funnel events, counts them, drops the events
// older than the retention and trims the oldest (by At) beyond the cap.
// Each member is the event prefixed with a fixed-width sequence number:
// unique, and in recording order among events of the same score.
//
// KEYS[1]      -> p:{f}:funnel
// KEYS[2]      -> p:{f}:funnel:seq
// KEYS[3]      -> p:{f}:total
// KEYS[4]      -> p:{f}:days
// KEYS[5], ... -> p:{f}:day:<day> of the events' days
// ARGV[1]      -> how many events to keep at most
// ARGV[2]      -> the retention's cutoff: "(<unix ms>", kept events
// scored below it go; or "-inf", none go
// ARGV[3]      -> E, how many events to add
// then E pairs -> score (At unix ms), event JSON
// then triples -> index in KEYS of a day key, funnel field, and the count
// to add there and to the total
// then the days of the day keys, to remember in p:{f}:days
//
// Returns the last event's sequence number (0 when none was added).
var recordFunnelCmd = goredis.NewScript(`
local seq = 0
local e = tonumber(ARGV[3])
local d = #KEYS - 4
for i = #ARGV - d + 1, #ARGV do
	redis.call("SADD", KEYS[4], ARGV[i])
end
for i = 4, 3 + 2 * e, 2 do
	seq = redis.call("INCR", KEYS[2])
	redis.call("ZADD", KEYS[1], ARGV[i], string.format("%020d", seq) .. ":" .. ARGV[i + 1])
end
for i = 4 + 2 * e, #ARGV - d, 3 do
	redis.call("HINCRBY", KEYS[tonumber(ARGV[i])], ARGV[i + 1], ARGV[i + 2])
	redis.call("HINCRBY", KEYS[3], ARGV[i + 1], ARGV[i + 2])
end
if ARGV[2] ~= "-inf" then
	redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", ARGV[2])
end
local n = redis.call("ZCARD", KEYS[1])
local keep = tonumber(ARGV[1])
if n > keep then
	redis.call("ZREMRANGEBYRANK", KEYS[1], 0, n - keep - 1)
end
return seq
`)

// funnelSeqWidth is the width of the sequence prefix written by
// recordFunnelCmd, plus its ":" separator.
const funnelSeqWidth = 20 + 1

// addRecipientsCmd appends user ids to a broadcast's pending list and
// counts them in its total.
//
// KEYS[1] -> p:{b<id>}:pending
// KEYS[2] -> p:{b<id>}:counts
// ARGV    -> the user ids, decimal, in order (at most recipientBatch)
//
// Returns the new total.
var addRecipientsCmd = goredis.NewScript(`
redis.call("RPUSH", KEYS[1], unpack(ARGV))
return redis.call("HINCRBY", KEYS[2], "total", #ARGV)
`)

// recipientBatch is how many user ids one addRecipientsCmd call takes at
// most: unpack in Redis's Lua handles a few thousand values only.
const recipientBatch = 1000

// takeRecipientsCmd moves up to n recipients from the front of a
// broadcast's pending list to its in-flight set, scored with the time of
// taking, and gives each a take sequence number so that a reclaim can
// restore their order. A popped recipient that already has a result (it
// was recorded late, after a reclaim had put it back) or is in flight
// already (it was added twice) is dropped, not handed out: it needs no
// second send. Popping and marking are one script, so of concurrent
// callers, across instances, each recipient goes to one only.
//
// KEYS[1] -> p:{b<id>}:pending
// KEYS[2] -> p:{b<id>}:inflight
// KEYS[3] -> p:{b<id>}:taken
// KEYS[4] -> p:{b<id>}:results
// KEYS[5] -> p:{b<id>}:counts
// ARGV[1] -> n, how many to take at most (> 0)
// ARGV[2] -> now, unix ms: the in-flight score
//
// Returns the user ids taken, in list order (an empty array: none left).
var takeRecipientsCmd = goredis.NewScript(`
local n = tonumber(ARGV[1])
local out = {}
local seen = {}
while #out < n do
	local batch = redis.call("LPOP", KEYS[1], n - #out)
	if not batch or #batch == 0 then
		break
	end
	for _, u in ipairs(batch) do
		if not seen[u] and redis.call("HEXISTS", KEYS[4], u) == 0 and not redis.call("ZSCORE", KEYS[2], u) then
			seen[u] = true
			out[#out + 1] = u
		end
	end
end
if #out == 0 then
	return out
end
local seq = redis.call("HINCRBY", KEYS[5], "seq", #out) - #out
for i, u in ipairs(out) do
	redis.call("ZADD", KEYS[2], ARGV[2], u)
	redis.call("HSET", KEYS[3], u, string.format("%d", seq + i))
end
return out
`)

// recordDeliveryCmd stores a recipient's result unless it has one, and
// then takes the recipient out of flight and counts the result.
//
// KEYS[1] -> p:{b<id>}:results
// KEYS[2] -> p:{b<id>}:inflight
// KEYS[3] -> p:{b<id>}:taken
// KEYS[4] -> p:{b<id>}:counts
// ARGV[1] -> user id, decimal
// ARGV[2] -> result: sent, blocked or failed (also the counter's field)
//
// Returns 1 when recorded, 0 when the recipient already had a result or
// the broadcast's recipients were released (nothing written).
var recordDeliveryCmd = goredis.NewScript(`
if redis.call("HEXISTS", KEYS[4], "released") == 1 then
	return 0
end
if redis.call("HSETNX", KEYS[1], ARGV[1], ARGV[2]) == 0 then
	return 0
end
redis.call("ZREM", KEYS[2], ARGV[1])
redis.call("HDEL", KEYS[3], ARGV[1])
redis.call("HINCRBY", KEYS[4], ARGV[2], 1)
return 1
`)

// giveBackLua defines the two steps that reclaimInFlightCmd and
// returnRecipientsCmd share, on their KEYS[1..4] (pending, inflight, taken,
// results): takeOutOfFlight(back, u, i) takes recipient u out of flight
// and, when it has no result, adds it to back with its take sequence
// number (i breaks ties); giveBack(back) pushes back onto the front of the
// pending list in take order and returns how many went back.
const giveBackLua = `
local function takeOutOfFlight(back, u, i)
	if redis.call("HEXISTS", KEYS[4], u) == 0 then
		back[#back + 1] = {u = u, seq = tonumber(redis.call("HGET", KEYS[3], u)) or 0, i = i}
	end
	redis.call("ZREM", KEYS[2], u)
	redis.call("HDEL", KEYS[3], u)
end
local function giveBack(back)
	table.sort(back, function(a, b)
		if a.seq ~= b.seq then
			return a.seq < b.seq
		end
		return a.i < b.i
	end)
	for i = #back, 1, -1 do
		redis.call("LPUSH", KEYS[1], back[i].u)
	end
	return #back
end
`

// reclaimInFlightCmd puts the recipients taken before a time back at the
// front of the pending list, in the order they were taken (by take
// sequence number), and takes them out of flight. One with a result (which
// recordDeliveryCmd would have taken out of flight already) is only taken
// out of flight.
//
// KEYS[1] -> p:{b<id>}:pending
// KEYS[2] -> p:{b<id>}:inflight
// KEYS[3] -> p:{b<id>}:taken
// KEYS[4] -> p:{b<id>}:results
// ARGV[1] -> "(" and the time, unix ms: the exclusive bound of the
// in-flight scores to reclaim
//
// Returns how many recipients went back to the pending list.
var reclaimInFlightCmd = goredis.NewScript(giveBackLua + `
local users = redis.call("ZRANGEBYSCORE", KEYS[2], "-inf", ARGV[1])
local back = {}
for i, u in ipairs(users) do
	takeOutOfFlight(back, u, i)
end
return giveBack(back)
`)

// returnRecipientsCmd gives back recipients that one take handed out and
// whose sender could not deliver: each still in flight with the take's
// time as its score (not reclaimed, or taken again, since) and without a
// result goes back to the front of the pending list, in the order taken
// (by take sequence number), and out of flight (one with a result, which
// recordDeliveryCmd would have taken out of flight already, only out of
// flight). The others are left alone. Nothing is given back once the recipients were released.
//
// KEYS[1] -> p:{b<id>}:pending
// KEYS[2] -> p:{b<id>}:inflight
// KEYS[3] -> p:{b<id>}:taken
// KEYS[4] -> p:{b<id>}:results
// KEYS[5] -> p:{b<id>}:counts
// ARGV[1] -> the take's time, unix ms: the in-flight score it gave
// ARGV[2..] -> the user ids, decimal
//
// Returns how many recipients went back to the pending list.
var returnRecipientsCmd = goredis.NewScript(giveBackLua + `
if redis.call("HEXISTS", KEYS[5], "released") == 1 then
	return 0
end
local takenAt = tonumber(ARGV[1])
local back = {}
for i = 2, #ARGV do
	local u = ARGV[i]
	local score = redis.call("ZSCORE", KEYS[2], u)
	if score and tonumber(score) == takenAt then
		takeOutOfFlight(back, u, i)
	end
end
return giveBack(back)
`)

// reserveCmd is the generic cell rate algorithm (GCRA) for one limiter
// key, with a pause. All times are integers of microseconds, well inside
// the 2^53 that Lua's numbers hold exactly; they come from the caller's
// clock, never the server's.
//
// KEYS[1] -> p:{l:<key>}:tat
// KEYS[2] -> p:{l:<key>}:pause
// ARGV[1] -> now, unix µs
// ARGV[2] -> emission interval (1/rate), µs, > 0
// ARGV[3] -> burst tolerance ((burst-1) * interval), µs
// ARGV[4] -> how long keys live on after they stop mattering, ms
//
// Returns 0 when a send was reserved (the TAT moved one interval on), or
// how many µs to wait before asking again (nothing written but expiries).
// A pause set by pauseCmd that has not ended makes it return the time to
// its end; one that has ended is deleted.
var reserveCmd = goredis.NewScript(`
local now = tonumber(ARGV[1])
local slack = tonumber(ARGV[4])
local pause = redis.call("GET", KEYS[2])
if pause then
	pause = tonumber(pause)
	if now < pause then
		redis.call("PEXPIRE", KEYS[2], math.ceil((pause - now) / 1000) + slack)
		return pause - now
	end
	redis.call("DEL", KEYS[2])
end
local tat = tonumber(redis.call("GET", KEYS[1]) or now)
if tat < now then
	tat = now
end
local tolerance = tonumber(ARGV[3])
if tat - now > tolerance then
	return tat - now - tolerance
end
tat = tat + tonumber(ARGV[2])
redis.call("SET", KEYS[1], string.format("%d", tat), "PX", math.ceil((tat - now) / 1000) + slack)
return 0
`)

// pauseCmd pauses a limiter key until a time, unless it is paused until
// then or later already.
//
// KEYS[1] -> p:{l:<key>}:pause
// ARGV[1] -> until, unix µs
// ARGV[2] -> the key's time to live, ms (> 0)
//
// Returns 1 when the pause was set, 0 when a pause as long or longer was
// (nothing written).
var pauseCmd = goredis.NewScript(`
local cur = redis.call("GET", KEYS[1])
if cur and tonumber(cur) >= tonumber(ARGV[1]) then
	return 0
end
redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2])
return 1
`)

// releaseRecipientsCmd forgets an ended broadcast's recipients: it unlinks
// (frees in the background) the pending list, the in-flight and taken
// indexes and the results, and marks the counts hash "released", which
// recordDeliveryCmd checks. The counts stay.
//
// KEYS[1] -> p:{b<id>}:pending
// KEYS[2] -> p:{b<id>}:inflight
// KEYS[3] -> p:{b<id>}:taken
// KEYS[4] -> p:{b<id>}:results
// KEYS[5] -> p:{b<id>}:counts
var releaseRecipientsCmd = goredis.NewScript(`
redis.call("UNLINK", KEYS[1], KEYS[2], KEYS[3], KEYS[4])
redis.call("HSET", KEYS[5], "released", "1")
return 1
`)
