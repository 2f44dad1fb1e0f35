package redis

import (
	"fmt"
	"strconv"

	"github.com/hotroso/hotroso/domain"
)

// Key layout, for prefix p (default "hotroso"):
//
//	p:user:<id>                   hash    user fields (see users.go)
//	p:role:<role>                 set     ids of the users with that role (no
//	                                      role: resident); may hold stale ids,
//	                                      see UsersWithRole
//	p:{s<n>}:session:<chatID>     hash    v -> version, d -> Session JSON
//	p:{s<n>}:idle                 zset    member chatID, score UpdatedAt unix ms;
//	                                      the shard's sessions that are in a
//	                                      flow and not abandoned
//	p:dedup:<updateID>            string  "1", TTL storage.DedupWindow
//	p:{f}:funnel                  zset    member <seq>:<FunnelEvent JSON>,
//	                                      score At unix ms
//	p:{f}:funnel:seq              string  counter that makes funnel members unique
//	p:{t}:ticket:<id>             hash    v -> version, d -> Ticket JSON
//	p:{t}:ticket:seq              string  the last ticket id assigned
//	p:{t}:active                  hash    resident id -> id of their open or
//	                                      claimed ticket
//	p:{t}:queue                   zset    open tickets: member <id19>, score
//	                                      CreatedAt unix ms
//	p:{t}:claims:<volunteerID>    zset    the volunteer's claimed tickets:
//	                                      member <id19>, score ClaimedAt unix ms
//	p:{t}:leases                  zset    claimed tickets with a LeaseUntil:
//	                                      member <id19>, score LeaseUntil unix ms
//	p:{t}:resident:<residentID>   set     every ticket the resident opened:
//	                                      member <id19>
//	p:{t}:resident:indexed        string  "1" once the sets above hold the
//	                                      tickets opened before they existed
//	p:scrub:due                   string  "1" while something was erased and
//	                                      the files not yet rewritten
//	p:{o}:outbox                  zset    relays waiting to be delivered:
//	                                      member <id19>, score NextAt unix ms
//	p:{o}:outbox:data             hash    <id19> -> Outgoing JSON
//	p:{o}:outbox:seq              string  the last relay id assigned
//	p:{u}:followups               zset    residents' follow-ups: member the
//	                                      resident id, score unix ms: when a
//	                                      pending one is due (DueAt, or the
//	                                      end of a taker's lease), until when
//	                                      an asked one takes an answer
//	p:{u}:followups:pending       hash    resident id -> FollowUp JSON, not
//	                                      yet asked
//	p:{u}:followups:asked         hash    resident id -> FollowUp JSON, asked
//	p:{u}:followups:flow          hash    resident id -> the follow-up's flow
//	p:{u}:followups:due           hash    resident id -> a pending one's
//	                                      DueAt, unix ms
//	p:{a}:log                     zset    the assist log: member <id>|<Assist
//	                                      JSON>, score At unix ms (the time
//	                                      index), capped (see WithAssistCap)
//	p:{a}:ratings                 hash    <ticketID>:rating -> 0..5,
//	                                      <ticketID>:worked -> yes/no/"",
//	                                      <ticketID>:at -> where the rating
//	                                      counts: <day>||<commune>
//	p:{a}:notes                   hash    assist id -> a volunteer's note
//	                                      on an in-person record, masked
//	p:{a}:delta                   hash    fine count field (rollup.Fine) ->
//	                                      count, not yet folded into:
//	p:{a}:day:<yyyymmdd>          hash    count field (rollup.Field) -> the
//	                                      day's count, but for:
//	p:{a}:daily:<yyyymmdd>        hash    the day's domain.CountDaily counts
//	p:{a}:total                   hash    count field -> count of all days
//	p:{a}:days                    set     the days that have a day hash
//	p:{a}:migrated                string  "1" once the counters were built
//	                                      from an older log (Migrate)
//	p:{a}:migrating               string  Migrate's lock, with a TTL
//	p:assists, p:assist:ratings,          the log, ratings and notes of
//	p:assist:notes                        versions before the counters;
//	                                      Migrate moves them under {a}
//	p:{f}:day:<yyyymmdd>          hash    funnel field (rollup.FunnelField)
//	                                      -> the day's count
//	p:{f}:total                   hash    funnel field -> count of all days
//	p:{f}:days                    set     the days that have a day hash
//	p:weekly:<week>:<organizerID> string  "1" once the week's report was
//	                                      claimed for the organizer, TTL
//	                                      storage.WeeklyClaimKept
//	p:invite:<code>               string  Invite JSON, TTL until ExpiresAt
//	p:salt                        string  32 random bytes
//	p:{b}:broadcast:<id>          hash    v -> version, d -> Broadcast JSON
//	p:{b}:broadcast:seq           string  the last broadcast id assigned
//	p:{b}:active                  zset    scheduled, running and paused
//	                                      broadcasts: member <id19>, score
//	                                      CreatedAt unix ms
//	p:{b<id>}:pending             list    user ids still to send to, in order
//	p:{b<id>}:inflight            zset    member user id, score unix ms when
//	                                      TakeRecipients handed it out
//	p:{b<id>}:taken               hash    in-flight user id -> take sequence
//	                                      number, to reclaim in order
//	p:{b<id>}:results             hash    user id -> sent/blocked/failed
//	p:{b<id>}:counts              hash    total, sent, blocked, failed ->
//	                                      counters; seq -> the last take
//	                                      sequence number; released -> 1
//	                                      once the broadcast ended and the
//	                                      four keys above were dropped
//	p:{l:<key>}:tat               string  the limiter key's theoretical
//	                                      arrival time, unix µs; expires
//	                                      after it passes
//	p:{l:<key>}:pause             string  unix µs until which the key is
//	                                      paused; expires after that
//	p:webkeys                     hash    cur, cur_at, prev, prev_at: the web
//	                                      chat's cookie keys and when each was
//	                                      made (unix ms)
//	p:{w<chatID>}:log             hash    seq -> WebMessage JSON, a web
//	                                      resident's conversation
//	p:{w<chatID>}:img             hash    seq -> the bytes of that message's
//	                                      image
//	p:{w<chatID>}:seq             string  the chat's last seq (kept by an
//	                                      erasure, so seqs never repeat)
//	p:{w<chatID>}:base            string  the last seq an erasure deleted
//
// <id19> is a ticket or broadcast id zero-padded to 19 digits, so that
// members of one score sort by id (Redis orders ties by member bytes).
//
// Slots. Only multi-key operations need their keys in one Redis Cluster slot,
// and the part of a key between the first "{" and "}" (the hash tag) is all
// the cluster hashes. Saving a session writes the session and its idle index
// in one script; if there were a single idle set, every session would need
// its tag and all sessions would sit in one slot, on one node. Instead chats
// are split into sessionShards shards by chat id (n below): a shard's
// sessions and its idle set share the tag {s<n>}, so each script touches one
// slot while sessions spread over up to sessionShards slots. IdleSessions
// reads all the shards' idle sets (a pipeline, which the cluster client
// splits by node) and merges them. The funnel set and its counter share {f}.
//
// Tickets cannot be sharded that way: a save (a claim, say) changes the
// ticket, the one queue, a volunteer's claims, the leases and the resident
// index together, atomically, so every ticket key shares the tag {t} and
// lives in one slot, on one node. A help desk's tickets are few (hundreds a
// day, each saved a handful of times), so that node is not a hot spot.
//
// Broadcasts are split in two. The records, their id counter and the index
// of active ones share the tag {b}: saving a broadcast is one script over
// them, and there are few broadcasts, saved a few times each. A broadcast's
// recipients are another matter: up to every user, each taken, sent and
// recorded once, by several instances at a time. They live under a tag of
// their own broadcast, {b<id>}, so every recipient operation (take, record,
// reclaim, add) is one script over one slot, and two broadcasts' sending
// does not load the same node. No script touches both a broadcast's record
// and its recipients: TakeRecipients and the rest do not check that the
// broadcast exists (an unknown broadcast has no recipients).
//
// Each limiter key has a tag of its own, {l:<key>}, shared by its TAT and
// pause keys, which Reserve reads in one script. A key containing "}" ends
// the tag early; both keys still share it, as they share the whole text
// up to that brace.
//
// A web chat's log, images and counter share the tag {w<chatID>}: appending
// and reading are each one script over that slot, and chats spread freely.
//
// The follow-ups' five keys share the tag {u}: each follow-up operation is
// one script over them. A follow-up is a small record, written a few times
// in its life (scheduled, taken, asked, answered), so one slot suffices.
//
// The assist log, its ratings, notes and counters share the tag {a}:
// recording a record adds it to the log and counts it in one script, a
// rating changes the rating and its counts together, and withdrawing a
// record takes it, its counts and its note in one script. Records are few
// (one per finished flow, question closed or help logged) and reports
// rare, so that slot is no hot spot. The funnel's counters share {f} with
// its events.
//
// Users, role sets, dedup keys, invites, weekly report claims and the salt
// are each used by single-key commands only: untagged, they
// spread freely. Keeping a user and its role sets in step is therefore not
// atomic; see PutUser and UsersWithRole.
//
// The prefix must not contain "{" or "}", or it would become the hash tag.
type keyspace struct {
	prefix string
}

// sessionShards is how many shards sessions and the idle index are split
// into. Changing it moves every session key: it is part of the data layout.
const sessionShards = 16

// shard is the session shard of a chat; chat ids may be negative.
func shard(chatID int64) int {
	return int(uint64(chatID) % sessionShards)
}

func (k keyspace) webKeys() string { return k.prefix + ":webkeys" }

// webChat is the tag of a web chat's keys; part is "log", "img" or "seq".
func (k keyspace) webChat(chatID int64, part string) string {
	return k.prefix + ":{w" + strconv.FormatInt(chatID, 10) + "}:" + part
}

func (k keyspace) user(id int64) string {
	return k.prefix + ":user:" + strconv.FormatInt(id, 10)
}

func (k keyspace) session(chatID int64) string {
	return k.shardTag(shard(chatID)) + ":session:" + strconv.FormatInt(chatID, 10)
}

// idleFor is the idle set holding chatID's session.
func (k keyspace) idleFor(chatID int64) string {
	return k.idle(shard(chatID))
}

func (k keyspace) idle(shard int) string {
	return k.shardTag(shard) + ":idle"
}

func (k keyspace) shardTag(shard int) string {
	return k.prefix + ":{s" + strconv.Itoa(shard) + "}"
}

func (k keyspace) dedup(updateID int64) string {
	return k.prefix + ":dedup:" + strconv.FormatInt(updateID, 10)
}

func (k keyspace) funnel() string {
	return k.prefix + ":{f}:funnel"
}

func (k keyspace) funnelSeq() string {
	return k.prefix + ":{f}:funnel:seq"
}

// role is the set of users with role r; no role counts as a resident.
func (k keyspace) role(r domain.Role) string {
	if r == "" {
		r = domain.RoleResident
	}
	return k.prefix + ":role:" + string(r)
}

func (k keyspace) ticket(id int64) string {
	return k.prefix + ":{t}:ticket:" + strconv.FormatInt(id, 10)
}

func (k keyspace) ticketSeq() string {
	return k.prefix + ":{t}:ticket:seq"
}

func (k keyspace) activeTickets() string {
	return k.prefix + ":{t}:active"
}

func (k keyspace) queue() string {
	return k.prefix + ":{t}:queue"
}

func (k keyspace) claims(volunteerID int64) string {
	return k.prefix + ":{t}:claims:" + strconv.FormatInt(volunteerID, 10)
}

func (k keyspace) residentTickets(residentID int64) string {
	return k.prefix + ":{t}:resident:" + strconv.FormatInt(residentID, 10)
}

func (k keyspace) residentTicketsIndexed() string {
	return k.prefix + ":{t}:resident:indexed"
}

func (k keyspace) scrubDue() string {
	return k.prefix + ":scrub:due"
}

func (k keyspace) outbox() string {
	return k.prefix + ":{o}:outbox"
}

func (k keyspace) outboxData() string {
	return k.prefix + ":{o}:outbox:data"
}

func (k keyspace) outboxSeq() string {
	return k.prefix + ":{o}:outbox:seq"
}

func (k keyspace) followUps() string {
	return k.prefix + ":{u}:followups"
}

func (k keyspace) followUpsPending() string {
	return k.prefix + ":{u}:followups:pending"
}

func (k keyspace) followUpsAsked() string {
	return k.prefix + ":{u}:followups:asked"
}

func (k keyspace) followUpsFlow() string {
	return k.prefix + ":{u}:followups:flow"
}

func (k keyspace) followUpsDue() string {
	return k.prefix + ":{u}:followups:due"
}

// followUpKeys are the five follow-up keys, in the order the scripts of
// followups.go take them.
func (k keyspace) followUpKeys() []string {
	return []string{k.followUps(), k.followUpsPending(), k.followUpsAsked(), k.followUpsFlow(), k.followUpsDue()}
}

func (k keyspace) leases() string {
	return k.prefix + ":{t}:leases"
}

// idMember is a ticket's member in the ticket sorted sets, and a
// broadcast's in the active index: the id zero-padded to 19 digits.
func idMember(id int64) string {
	return fmt.Sprintf("%019d", id)
}

// oldAssists, oldRatings and oldNotes are the log, ratings and notes
// before counters.
func (k keyspace) oldAssists() string { return k.prefix + ":assists" }
func (k keyspace) oldRatings() string { return k.prefix + ":assist:ratings" }
func (k keyspace) oldNotes() string   { return k.prefix + ":assist:notes" }

func (k keyspace) assistLog() string           { return k.prefix + ":{a}:log" }
func (k keyspace) ratings() string             { return k.prefix + ":{a}:ratings" }
func (k keyspace) assistNotes() string         { return k.prefix + ":{a}:notes" }
func (k keyspace) assistDelta() string         { return k.prefix + ":{a}:delta" }
func (k keyspace) assistDay(d string) string   { return k.prefix + ":{a}:day:" + d }
func (k keyspace) assistTotal() string         { return k.prefix + ":{a}:total" }
func (k keyspace) assistDays() string          { return k.prefix + ":{a}:days" }
func (k keyspace) assistDaily(d string) string { return k.prefix + ":{a}:daily:" + d }
func (k keyspace) funnelDays() string          { return k.prefix + ":{f}:days" }
func (k keyspace) migrated() string            { return k.prefix + ":{a}:migrated" }
func (k keyspace) migrating() string           { return k.prefix + ":{a}:migrating" }
func (k keyspace) funnelDay(d string) string   { return k.prefix + ":{f}:day:" + d }
func (k keyspace) funnelTotal() string         { return k.prefix + ":{f}:total" }

func (k keyspace) weeklyClaim(week string, organizerID int64) string {
	return k.prefix + ":weekly:" + week + ":" + strconv.FormatInt(organizerID, 10)
}

func (k keyspace) invite(code string) string {
	return k.prefix + ":invite:" + code
}

func (k keyspace) salt() string {
	return k.prefix + ":salt"
}

func (k keyspace) broadcast(id int64) string {
	return k.prefix + ":{b}:broadcast:" + strconv.FormatInt(id, 10)
}

func (k keyspace) broadcastSeq() string {
	return k.prefix + ":{b}:broadcast:seq"
}

func (k keyspace) activeBroadcasts() string {
	return k.prefix + ":{b}:active"
}

// recipientKeys are the keys of one broadcast's recipients, all under the
// broadcast's own tag {b<id>}.
type recipientKeys struct {
	pending, inflight, taken, results, counts string
}

func (k keyspace) recipients(id int64) recipientKeys {
	tag := k.prefix + ":{b" + strconv.FormatInt(id, 10) + "}"
	return recipientKeys{
		pending:  tag + ":pending",
		inflight: tag + ":inflight",
		taken:    tag + ":taken",
		results:  tag + ":results",
		counts:   tag + ":counts",
	}
}

// limiterTag is the start of a limiter key's keys.
func (k keyspace) limiterTag(key string) string {
	return k.prefix + ":{l:" + key + "}"
}

func (k keyspace) limiterTAT(key string) string {
	return k.limiterTag(key) + ":tat"
}

func (k keyspace) limiterPause(key string) string {
	return k.limiterTag(key) + ":pause"
}
