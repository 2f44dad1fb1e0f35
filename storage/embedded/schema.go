package embedded

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"github.com/hotroso/hotroso/domain"
	bolt "go.etcd.io/bbolt"
)

// Buckets. Keys are big-endian so that bbolt's byte order is numeric order;
// signed numbers have their sign bit flipped (see putInt) so negatives sort
// first.
var (
	// bucketUsers: user id -> User JSON.
	bucketUsers = []byte("users")
	// bucketSessions: chat id -> Session JSON.
	bucketSessions = []byte("sessions")
	// bucketIdle: UpdatedAt nanos ‖ chat id -> nothing, for the sessions
	// that are in a flow and not abandoned. Written in the same transaction
	// as bucketSessions.
	bucketIdle = []byte("idle")
	// bucketDedup: update id -> first-seen nanos.
	bucketDedup = []byte("dedup")
	// bucketFunnel: At nanos ‖ sequence -> FunnelEvent JSON.
	bucketFunnel = []byte("funnel")
	// bucketMeta: bookkeeping, see the meta* keys.
	bucketMeta = []byte("meta")

	// bucketRoles: role ‖ 0x00 ‖ user id -> nothing, every user under its
	// role (no role: domain.RoleResident). Written in the same transaction
	// as bucketUsers. Since schema version 2.
	bucketRoles = []byte("roles")

	// Tickets and their indexes, each move of a ticket written in one
	// transaction (OpenTicket, ClaimTicket, ...). The tickets bucket's
	// sequence is the last id assigned.
	//
	// bucketTickets: ticket id -> Ticket JSON.
	bucketTickets = []byte("tickets")
	// bucketTicketActive: resident id -> id of their open or claimed ticket.
	bucketTicketActive = []byte("ticket_active")
	// bucketTicketQueue: Ticket.QueueRank ‖ ticket id -> nothing, open
	// tickets. The rank is the Redis backend's score, so that both order
	// the queue alike: urgent first, by millisecond, then by id.
	bucketTicketQueue = []byte("ticket_queue")
	// bucketTicketClaims: volunteer id ‖ ClaimedAt nanos ‖ ticket id ->
	// nothing, claimed tickets.
	bucketTicketClaims = []byte("ticket_claims")
	// bucketTicketLeases: LeaseUntil nanos ‖ ticket id -> nothing, claimed
	// tickets with a LeaseUntil.
	bucketTicketLeases = []byte("ticket_leases")
	// bucketTicketResident: resident id ‖ ticket id -> nothing, every
	// ticket each resident opened, whatever its state, so that erasing a
	// resident finds them all. Since schema version 4 (built from the
	// tickets on upgrade).
	bucketTicketResident = []byte("ticket_resident")

	// The outbox. bucketOutbox: relay id -> Outgoing JSON; its sequence is
	// the last id assigned. bucketOutboxDue: NextAt nanos ‖ relay id ->
	// nothing, written in the same transaction. Since schema version 4.
	bucketOutbox    = []byte("outbox")
	bucketOutboxDue = []byte("outbox_due")

	// Follow-ups (see followups.go). bucketFollowUps: resident id ->
	// followUpRecord JSON, at most one per resident. bucketFollowUpsDue:
	// the record's At nanos ‖ resident id -> nothing, written in the same
	// transaction. Since schema version 5.
	bucketFollowUps    = []byte("follow_ups")
	bucketFollowUpsDue = []byte("follow_ups_due")

	// bucketWeeklyClaims: week ‖ ":" ‖ organizer id -> until when the
	// claim is kept (nanos); see ClaimWeeklyReport. Since schema version 5.
	bucketWeeklyClaims = []byte("weekly_claims")

	// bucketAssists: At nanos ‖ sequence -> Assist JSON, like bucketFunnel.
	bucketAssists = []byte("assists")
	// bucketRatings: ticket id -> rating JSON (see ratings.go), the latest
	// rating of each part, applied to the ticket's assists when read.
	bucketRatings = []byte("ratings")
	// bucketAssistNotes: assist id -> a volunteer's note on an in-person
	// record (masked), applied to the record when read. Since schema
	// version 5.
	bucketAssistNotes = []byte("assist_notes")
	// bucketInvites: invite code -> Invite JSON.
	bucketInvites = []byte("invites")

	// Broadcasts and their recipients. A broadcast and its active index
	// are written in one transaction by each move (CreateBroadcast,
	// ConfirmBroadcast, ...); each recipient
	// operation is one transaction over the recipient buckets. Recipient
	// keys start with the broadcast id (see idKey), so that one
	// broadcast's entries are contiguous. Since schema version 3.
	//
	// bucketBroadcasts: broadcast id -> Broadcast JSON. Its sequence is
	// the last id assigned.
	bucketBroadcasts = []byte("broadcasts")
	// bucketBroadcastActive: CreatedAt nanos ‖ broadcast id -> nothing,
	// the scheduled, running and paused broadcasts.
	bucketBroadcastActive = []byte("broadcast_active")
	// bucketPending: broadcast id ‖ position -> user id, the recipients
	// still to send to, in position order. Added recipients take
	// positions from the broadcast's tail counter upwards; reclaimed ones
	// go below the first position, to the front.
	bucketPending = []byte("broadcast_pending")
	// bucketInFlight: broadcast id ‖ taken unix ms ‖ take sequence ->
	// user id, the recipients handed out by TakeRecipients without a
	// result yet. Milliseconds, as in the Redis backend, so that both
	// reclaim alike.
	bucketInFlight = []byte("broadcast_inflight")
	// bucketTaken: broadcast id ‖ user id -> taken unix ms ‖ take
	// sequence, the bucketInFlight key of each in-flight recipient
	// without its broadcast id.
	bucketTaken = []byte("broadcast_taken")
	// bucketResults: broadcast id ‖ user id -> domain.Delivery.
	bucketResults = []byte("broadcast_results")
	// bucketRecipientState: broadcast id -> the broadcast's counters (see
	// recipientState).
	bucketRecipientState = []byte("broadcast_state")

	// The web chat. bucketWebLog: chat id ‖ seq -> WebMessage JSON, a web
	// resident's conversation; bucketWebImages: chat id ‖ seq -> the
	// bytes of that message's image; bucketWebSeq: chat id -> the chat's
	// last seq (kept by an erasure, so seqs never repeat). The cookie
	// keys are in bucketMeta (metaWebKeys). Since schema version 5.
	bucketWebLog    = []byte("web_log")
	bucketWebImages = []byte("web_images")
	bucketWebSeq    = []byte("web_seq")

	// Counters of the assist log and the funnel (see rollups.go), kept in
	// the transaction that changes what they count. Since schema version 5
	// (built from the log and the funnel on upgrade).
	//
	// bucketAssistIDs: assist id -> its bucketAssists key.
	bucketAssistIDs = []byte("assist_ids")
	// bucketAssistDays: day (rollup.DayLayout) ‖ count field (rollup.Field)
	// -> count, 8 bytes (putInt).
	bucketAssistDays = []byte("assist_days")
	// bucketAssistTotals: count field -> count of all days.
	bucketAssistTotals = []byte("assist_totals")
	// bucketFunnelDays: day ‖ funnel field (rollup.FunnelField) -> count.
	bucketFunnelDays = []byte("funnel_days")
	// bucketFunnelTotals: funnel field -> count of all days.
	bucketFunnelTotals = []byte("funnel_totals")
)

// allBuckets is every bucket of the current layout.
var allBuckets = [][]byte{
	bucketUsers, bucketSessions, bucketIdle, bucketDedup, bucketFunnel, bucketMeta,
	bucketRoles,
	bucketTickets, bucketTicketActive, bucketTicketQueue, bucketTicketClaims, bucketTicketLeases, bucketTicketResident,
	bucketOutbox, bucketOutboxDue,
	bucketFollowUps, bucketFollowUpsDue, bucketWeeklyClaims,
	bucketAssists, bucketRatings, bucketAssistNotes, bucketInvites,
	bucketBroadcasts, bucketBroadcastActive, bucketPending, bucketInFlight, bucketTaken, bucketResults,
	bucketRecipientState,
	bucketWebLog, bucketWebImages, bucketWebSeq,
	bucketAssistIDs, bucketAssistDays, bucketAssistTotals, bucketFunnelDays, bucketFunnelTotals,
}

var (
	// metaSchema holds the layout version of the file.
	metaSchema = []byte("schema")
	// metaDedupPruned holds when dedup entries were last pruned (nanos).
	metaDedupPruned = []byte("dedup_pruned_at")
	// metaSalt holds the store's salt (see Store.Salt).
	metaSalt = []byte("salt")
	// metaErased is present while something was erased and the file not
	// yet compacted (see Store.ScrubErased).
	metaErased = []byte("erased")
	// metaWebKeys holds the web chat's cookie keys, JSON, the current
	// first (see Store.WebKeys).
	metaWebKeys = []byte("web_keys")
)

// schemaVersion is the layout described above. Bump it, with a migration,
// when the layout changes.
//
//	1: users, sessions, idle, dedup, funnel, meta
//	2: adds the roles index (built from users on upgrade), tickets and
//	   their indexes, assists, ratings, invites (new buckets start empty)
//	3: adds broadcasts, their index and their recipients (new buckets
//	   start empty)
//	4: adds the tickets-by-resident index (built from tickets on upgrade)
//	   and the outbox (new buckets start empty)
//	5: adds the notes of in-person assists, the web chat's log, images
//	   and seqs, the follow-ups, their due index and the weekly report
//	   claims (new buckets start empty), and assist ids (given to the
//	   records without one) and the counters of the assist log and the
//	   funnel (built from them on upgrade, see migrateRollups; a version
//	   5 file written before the counters joined it gets them when
//	   opened, see buildMissingCounters)
const schemaVersion = 5

// initSchema creates the buckets, checks the layout version and upgrades an
// older file.
func initSchema(tx *bolt.Tx, loc *time.Location) error {
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	meta := tx.Bucket(bucketMeta)
	v := meta.Get(metaSchema)
	if v == nil {
		return meta.Put(metaSchema, putInt(nil, schemaVersion))
	}
	switch got := getInt(v); got {
	case schemaVersion:
		return buildMissingCounters(tx, loc)
	case 1, 2, 3, 4:
		// Version 3's broadcast buckets and version 5's buckets, created
		// above, start empty; version 5's counters are built below.
		if got == 1 {
			if err := indexAllRoles(tx); err != nil {
				return fmt.Errorf("upgrade schema 1 to 2: %w", err)
			}
		}
		if got < 4 {
			if err := indexAllTicketResidents(tx); err != nil {
				return fmt.Errorf("upgrade schema %d to 4: %w", got, err)
			}
		}
		if err := migrateRollups(tx, loc); err != nil {
			return fmt.Errorf("upgrade schema %d to 5: %w", got, err)
		}
		return meta.Put(metaSchema, putInt(nil, schemaVersion))
	default:
		return fmt.Errorf("file has schema version %d, this build reads %d", got, schemaVersion)
	}
}

// buildMissingCounters builds the counters of a version 5 file written
// before they were part of version 5 (the logbook, web chat and follow-up
// releases wrote version 5 without them): one whose log has records but no
// id index, or whose funnel has events but no totals. Any other file is
// left as it is, after two cursor seeks.
func buildMissingCounters(tx *bolt.Tx, loc *time.Location) error {
	empty := func(name []byte) bool {
		k, _ := tx.Bucket(name).Cursor().First()
		return k == nil
	}
	if (empty(bucketAssists) || !empty(bucketAssistIDs)) && (empty(bucketFunnel) || !empty(bucketFunnelTotals)) {
		return nil
	}
	if err := migrateRollups(tx, loc); err != nil {
		return fmt.Errorf("build the counters of schema 5: %w", err)
	}
	return nil
}

// putInt appends n as 8 bytes that sort like the signed number.
func putInt(b []byte, n int64) []byte {
	return binary.BigEndian.AppendUint64(b, uint64(n)^(1<<63))
}

// getInt reads the first 8 bytes written by putInt.
func getInt(b []byte) int64 {
	return int64(binary.BigEndian.Uint64(b) ^ (1 << 63))
}

// Bounds of what UnixNano can represent.
var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// nanos is t.UnixNano clamped to the int64 range, so that far bounds such
// as the zero Time still sort correctly.
func nanos(t time.Time) int64 {
	switch {
	case t.Before(minTime):
		return math.MinInt64
	case t.After(maxTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// putTime appends t as 8 bytes that sort like t.
func putTime(b []byte, t time.Time) []byte {
	return putInt(b, nanos(t))
}

// getTime reads the first 8 bytes written by putTime, in UTC.
func getTime(b []byte) time.Time {
	return time.Unix(0, getInt(b)).UTC()
}

// idKey is the key of a user, session or update id.
func idKey(id int64) []byte {
	return putInt(make([]byte, 0, 8), id)
}

// idleKey is the bucketIdle key of a session.
func idleKey(updatedAt time.Time, chatID int64) []byte {
	return putInt(putTime(make([]byte, 0, 16), updatedAt), chatID)
}

// funnelKey is the bucketFunnel key of an event.
func funnelKey(at time.Time, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(putTime(make([]byte, 0, 16), at), seq)
}

// rolePrefix is the start of every bucketRoles key of a role, a user with
// no role counting as a resident.
func rolePrefix(role domain.Role) []byte {
	role = effectiveRole(role)
	b := make([]byte, 0, len(role)+1+8)
	return append(append(b, role...), 0)
}

// roleKey is the bucketRoles key of a user with the given role.
func roleKey(role domain.Role, id int64) []byte {
	return putInt(rolePrefix(role), id)
}

// queueKey is the bucketTicketQueue key of an open ticket.
func queueKey(t domain.Ticket) []byte {
	return putInt(putInt(make([]byte, 0, 16), t.QueueRank()), t.ID)
}

// claimKey is the bucketTicketClaims key of a claimed ticket.
func claimKey(t domain.Ticket) []byte {
	return putInt(putTime(putInt(make([]byte, 0, 24), t.VolunteerID), t.ClaimedAt), t.ID)
}

// leaseKey is the bucketTicketLeases key of a claimed ticket with a lease.
func leaseKey(t domain.Ticket) []byte {
	return putInt(putTime(make([]byte, 0, 16), t.LeaseUntil), t.ID)
}

// activeBroadcastKey is the bucketBroadcastActive key of a broadcast.
func activeBroadcastKey(b domain.Broadcast) []byte {
	return putInt(putTime(make([]byte, 0, 16), b.CreatedAt), b.ID)
}

// recipientKey is the key of a broadcast's recipient in bucketTaken and
// bucketResults, and a broadcast id followed by a position is a
// bucketPending key.
func recipientKey(broadcastID, n int64) []byte {
	return putInt(putInt(make([]byte, 0, 16), broadcastID), n)
}

// inFlightSuffix is what follows the broadcast id in a bucketInFlight key:
// when the recipient was taken, to the millisecond, and its take sequence.
func inFlightSuffix(taken time.Time, seq int64) []byte {
	return putInt(putInt(make([]byte, 0, 16), taken.UnixMilli()), seq)
}
