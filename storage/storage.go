// Package storage holds hotroso's domain types and the interfaces of the stores
// that keep them. Backends live in sub-packages named after what they wrap:
// storage/redis (production) and storage/embedded (a bbolt file, the default).
// storage/storagetest is the conformance suite that every backend must pass.
//
// Handlers depend only on this package; they never see go-redis or bbolt.
package storage

import (
	"context"
	"errors"
	"time"

	"github.com/hotroso/hotroso/domain"
)

// Errors returned by every backend. Callers test them with errors.Is.
var (
	// ErrNotFound means the record does not exist.
	ErrNotFound = errors.New("storage: not found")
	// ErrConflict means a compare-and-set lost: the stored version moved on.
	ErrConflict = errors.New("storage: version conflict")
	// ErrUnavailable wraps failures of the backing service (e.g. Redis down),
	// so callers can tell "try again later" from a logic error.
	ErrUnavailable = errors.New("storage: unavailable")
)

// Users keeps users.
type Users interface {
	// GetUser returns the user, or ErrNotFound.
	GetUser(ctx context.Context, id int64) (domain.User, error)
	// PutUser creates or replaces the user.
	PutUser(ctx context.Context, u domain.User) error
	// SetBlocked marks whether the user blocked the bot. ErrNotFound if unknown.
	SetBlocked(ctx context.Context, id int64, blocked bool) error
	// DeleteUser erases the user; deleting an unknown user is not an error.
	DeleteUser(ctx context.Context, id int64) error
	// UsersWithRole returns every user whose role is role, by ascending id.
	UsersWithRole(ctx context.Context, role domain.Role) ([]domain.User, error)
}

// Sessions keeps each chat's place in a flow, with compare-and-set.
type Sessions interface {
	// GetSession returns the chat's session, or ErrNotFound.
	GetSession(ctx context.Context, chatID int64) (domain.Session, error)
	// GetSessions returns the stored sessions of the chats, in the order
	// given, skipping chats that have none: one read for many chats.
	GetSessions(ctx context.Context, chatIDs []int64) ([]domain.Session, error)
	// SaveSession stores s if the stored version equals s.Version (0: none
	// stored yet) and returns it with Version incremented. Otherwise it stores
	// nothing and returns ErrConflict. Among concurrent savers of one version
	// exactly one wins.
	SaveSession(ctx context.Context, s domain.Session) (domain.Session, error)
	// DeleteSession removes the chat's session; a missing one is not an error.
	DeleteSession(ctx context.Context, chatID int64) error
	// IdleSessions returns up to limit sessions that are in a flow, not yet
	// marked Abandoned, and last updated before the given time, oldest first.
	IdleSessions(ctx context.Context, before time.Time, limit int) ([]domain.Session, error)
}

// ChatState is a user and the session of the chat they write in, as
// ChatStates reads them together.
type ChatState struct {
	User       domain.User
	HasUser    bool // false: no such user (User is zero)
	Session    domain.Session
	HasSession bool // false: the chat has no session (Session is zero)
}

// ChatStates reads what handling one update starts from.
type ChatStates interface {
	// ChatState reads the user and the chat's session in one step (one
	// round trip to Redis), each as GetUser and GetSession would.
	ChatState(ctx context.Context, userID, chatID int64) (ChatState, error)
}

// Dedup remembers which updates were already handled.
type Dedup interface {
	// FirstSeen records the update id and reports whether this is the first
	// time it was seen within DedupWindow. Concurrent callers with one id:
	// exactly one gets true.
	FirstSeen(ctx context.Context, updateID int64) (bool, error)
	// Seen reports, without recording anything, whether the update id was
	// recorded by FirstSeen within DedupWindow. Webhook mode checks it before
	// handling an update and records the id after, so that an update whose
	// instance died while handling it is handled again by the next one.
	Seen(ctx context.Context, updateID int64) (bool, error)
}

// DedupWindow is how long an update id is remembered.
const DedupWindow = 24 * time.Hour

// Funnel records anonymous flow events for reports.
type Funnel interface {
	// RecordFunnel appends the events in order and counts each in its
	// local day's and the all-time funnel counters (domain.FunnelKey), in
	// one atomic step. The counters are kept forever; the raw events only
	// for the store's funnel retention (events older than that are
	// dropped, or not kept at all), so the counters, not the events, are
	// what reports read.
	RecordFunnel(ctx context.Context, events ...domain.FunnelEvent) error
	// FunnelEvents returns events with from <= At < to, oldest first,
	// among those still kept.
	FunnelEvents(ctx context.Context, from, to time.Time) ([]domain.FunnelEvent, error)
	// FunnelTotals returns the funnel counters of all time: O(flows and
	// steps), not O(events).
	FunnelTotals(ctx context.Context) (domain.FunnelTally, error)
	// FunnelCounts returns the funnel counters summed over the local
	// days from first's through last's (both included): O(days).
	FunnelCounts(ctx context.Context, first, last time.Time) (domain.FunnelTally, error)
}

// Tickets keeps the question queue. Each move of a ticket (its method in
// package domain) is stored by one named operation here, which writes the
// moved ticket and keeps exactly the indexes that move touches, in one
// atomic step: active tickets by resident, open tickets by QueueRank (the
// queue: urgent first, then by CreatedAt), claimed tickets by volunteer,
// and claims with a LeaseUntil by that time.
//
// Every operation but OpenTicket is a compare-and-set: it stores t only if
// the stored version still equals t.Version (the version the caller read
// before the move) and returns t with Version incremented; otherwise it
// stores nothing and returns ErrConflict. Among concurrent movers of one
// version exactly one wins: that is how a claim is atomic.
type Tickets interface {
	// OpenTicket stores a new open ticket (domain.NewTicket), assigns its ID
	// (1, 2, ...) and queues it. ErrConflict when the resident has an
	// active ticket.
	OpenTicket(ctx context.Context, t domain.Ticket) (domain.Ticket, error)
	// ClaimTicket stores a ticket its volunteer claimed (Ticket.Claim): out
	// of the queue, into the volunteer's claims and, with a LeaseUntil, the
	// leases.
	ClaimTicket(ctx context.Context, t domain.Ticket) (domain.Ticket, error)
	// ReplyTicket stores the volunteer's first reply (Ticket.Reply): the
	// lease ends.
	ReplyTicket(ctx context.Context, t domain.Ticket) (domain.Ticket, error)
	// RequeueTicket stores a claimed ticket back in the queue
	// (Ticket.Release, Ticket.Requeue): out of the claims of volunteerID,
	// who had it, and of the leases.
	RequeueTicket(ctx context.Context, t domain.Ticket, volunteerID int64) (domain.Ticket, error)
	// CloseTicket stores a ticket that ended (Ticket.Close, Ticket.Cancel):
	// out of every index; the resident may open another.
	CloseTicket(ctx context.Context, t domain.Ticket) (domain.Ticket, error)
	// EscalateTicket stores an open ticket announced again
	// (Ticket.Escalate).
	EscalateTicket(ctx context.Context, t domain.Ticket) (domain.Ticket, error)
	// UpdateTicket stores what is added to a ticket without moving it:
	// notes, kept photos, the card's place, urgency (Ticket.MakeUrgent,
	// which moves an open ticket up the queue). Its state must be the
	// stored one.
	UpdateTicket(ctx context.Context, t domain.Ticket) (domain.Ticket, error)
	// GetTicket returns the ticket, or ErrNotFound.
	GetTicket(ctx context.Context, id int64) (domain.Ticket, error)
	// ActiveTicketOf returns the resident's open or claimed ticket, or
	// ErrNotFound.
	ActiveTicketOf(ctx context.Context, residentID int64) (domain.Ticket, error)
	// OpenTickets returns up to limit open tickets in queue order: urgent
	// first, then oldest first.
	OpenTickets(ctx context.Context, limit int) ([]domain.Ticket, error)
	// QueuePosition returns the open ticket's place in the queue, from 1;
	// ErrNotFound when it is not open.
	QueuePosition(ctx context.Context, id int64) (int, error)
	// ClaimsOf returns the tickets the volunteer has claimed, oldest claim
	// first.
	ClaimsOf(ctx context.Context, volunteerID int64) ([]domain.Ticket, error)
	// LapsedLeases returns up to limit claimed tickets whose LeaseUntil is
	// set and not after now, earliest first.
	LapsedLeases(ctx context.Context, now time.Time, limit int) ([]domain.Ticket, error)
}

// Assists keeps the assist log, indexed by time, and counters of it.
//
// Counters are kept per local day (in the store's location, Asia/Ho_Chi_Minh
// unless told otherwise) and in total, in the same atomic step as each
// change of the log: a record counts by kind, commune, flow, outcome,
// topic and volunteer, with its weight (domain.Assist.Weight), and a
// ticket's waiting and handling times, ratings and "worked" answers count
// in histograms by commune (domain.CountKey). Reads of the counters are
// O(days), not O(records).
type Assists interface {
	// RecordAssist appends a record and counts it. A zero At is set to the
	// store's clock; an empty ID to a new one (rollup.NewAssistID). A
	// given ID must be one rollup.NewAssistID made for the record's At
	// (others are rejected with an error wrapping rollup.ErrAssistID).
	RecordAssist(ctx context.Context, a domain.Assist) error
	// WithdrawAssist removes the record with the id from the log and its
	// counts from the counters, atomically, and returns it. An unknown id
	// (or one withdrawn already) gives an error wrapping ErrNotFound;
	// among concurrent withdrawers of one record exactly one gets it. The
	// record's note (NoteAssist) goes with it; ratings of a withdrawn
	// ticket record stay counted.
	WithdrawAssist(ctx context.Context, id string) (domain.Assist, error)
	// RateTicket records the resident's rating of a closed ticket's assist:
	// rating 1..5 (0: leave as is) and worked "yes"/"no" ("": leave as is).
	// Later ratings of the same ticket replace earlier ones, in the
	// counters too: a ticket's rating counts once, in the ticket's commune
	// on the local day it closed (the day of its assist); a ticket the
	// store does not hold counts in no commune, on the day it is rated.
	RateTicket(ctx context.Context, ticketID int64, rating int, worked string) error
	// AssistsBetween returns the records with from <= At < to, oldest first,
	// with their ratings and notes applied.
	AssistsBetween(ctx context.Context, from, to time.Time) ([]domain.Assist, error)
	// NoteAssist keeps a note (already masked) for the record with the
	// id, replacing an earlier one; AssistsBetween and ScanAssists give the
	// record its note. The note is kept apart from the log, as ratings are,
	// so a note may come at any time; the caller names a record it
	// recorded (a note for an id no record has shows nowhere).
	// WithdrawAssist drops it.
	NoteAssist(ctx context.Context, id, note string) error
	// ScanAssists calls fn with each record with from <= At < to whose
	// commune is commune ("": every record), with its ratings and notes
	// applied, oldest first (to the millisecond; within one, in recording
	// order on one instance). It reads the time index in pages, so memory does not
	// grow with the range. An error from fn stops the scan and is returned.
	ScanAssists(ctx context.Context, from, to time.Time, commune string, fn func(domain.Assist) error) error
	// AssistCounts returns the counters of each local day from first's
	// through last's (both included, at most MaxCountDays, the latest),
	// in order, days without counts included; with commune != "" only
	// that commune's counts; with parts, only those parts' (a chart needs
	// domain.CountDaily alone, a few hundred counts a day).
	AssistCounts(ctx context.Context, first, last time.Time, commune string, parts ...domain.CountPart) ([]domain.DayTally, error)
	// AssistTotals returns the counters of all days; with commune != ""
	// only that commune's counts.
	AssistTotals(ctx context.Context, commune string) (domain.Tally, error)
}

// MaxCountDays is the most days one AssistCounts call returns.
const MaxCountDays = 3660

// Migrator is a store that brings data written by an older version of the
// program up to date when it starts (a backend that does so on opening
// need not implement it). Migrate is idempotent and safe to run from
// several instances at once.
type Migrator interface {
	Migrate(ctx context.Context) error
}

// Invites keeps volunteer invites.
type Invites interface {
	// CreateInvite stores an invite.
	CreateInvite(ctx context.Context, inv domain.Invite) error
	// UseInvite consumes the code and returns its invite: among concurrent
	// users exactly one gets it. An unknown, used or expired (ExpiresAt not
	// after now) code gives ErrNotFound.
	UseInvite(ctx context.Context, code string, now time.Time) (domain.Invite, error)
}

// Broadcasts keeps announcements and, for each, its recipients and their
// results, so that a restart resumes where sending stopped and several
// instances can send one broadcast together without sending twice.
type Broadcasts interface {
	// CreateBroadcast stores a new draft and assigns its ID (1, 2, ...).
	CreateBroadcast(ctx context.Context, b domain.Broadcast) (domain.Broadcast, error)
	// The rest store b with compare-and-set on Version (the version read
	// before the move) and return it with Version incremented; otherwise
	// ErrConflict and nothing changes. Scheduled, running and paused
	// broadcasts are indexed as active.
	//
	// UpdateBroadcast stores what changes without a move: a draft's
	// audience and text, the progress message's place. Its state must be
	// the stored one.
	UpdateBroadcast(ctx context.Context, b domain.Broadcast) (domain.Broadcast, error)
	// PrepareBroadcast stores a draft closed for its recipients to be added
	// (Broadcast.Prepare): not yet active.
	PrepareBroadcast(ctx context.Context, b domain.Broadcast) (domain.Broadcast, error)
	// ConfirmBroadcast stores a prepared broadcast scheduled
	// (Broadcast.Confirm): it becomes active.
	ConfirmBroadcast(ctx context.Context, b domain.Broadcast) (domain.Broadcast, error)
	// StartBroadcast stores a scheduled broadcast running (Broadcast.Start).
	StartBroadcast(ctx context.Context, b domain.Broadcast) (domain.Broadcast, error)
	// PauseBroadcast and ResumeBroadcast store Broadcast.Pause and
	// Broadcast.Resume: it stays active.
	PauseBroadcast(ctx context.Context, b domain.Broadcast) (domain.Broadcast, error)
	ResumeBroadcast(ctx context.Context, b domain.Broadcast) (domain.Broadcast, error)
	// CancelBroadcast and FinishBroadcast store Broadcast.Cancel and
	// Broadcast.Finish: it is no longer active.
	CancelBroadcast(ctx context.Context, b domain.Broadcast) (domain.Broadcast, error)
	FinishBroadcast(ctx context.Context, b domain.Broadcast) (domain.Broadcast, error)
	// GetBroadcast returns the broadcast, or ErrNotFound.
	GetBroadcast(ctx context.Context, id int64) (domain.Broadcast, error)
	// ActiveBroadcasts returns the scheduled, running and paused
	// broadcasts, oldest first.
	ActiveBroadcasts(ctx context.Context) ([]domain.Broadcast, error)
	// AddRecipients appends user ids to the broadcast's pending
	// recipients, in order (called once, in batches, when it is created).
	AddRecipients(ctx context.Context, id int64, userIDs []int64) error
	// TakeRecipients moves up to n pending recipients to in-flight, marked
	// with now, and returns them in order. Each recipient is handed out to
	// one caller only, also across instances.
	TakeRecipients(ctx context.Context, id int64, n int, now time.Time) ([]int64, error)
	// RecordDelivery stores a recipient's result once and removes it from
	// in-flight; it reports false (and changes nothing) when the recipient
	// already had a result.
	RecordDelivery(ctx context.Context, id, userID int64, result domain.Delivery) (bool, error)
	// ReclaimInFlight returns recipients taken before the given time and
	// still without a result (their sender died) to the front of the
	// pending list, and reports how many.
	ReclaimInFlight(ctx context.Context, id int64, before time.Time) (int, error)
	// ReturnRecipients gives back recipients a sender took at takenAt (the
	// now it passed to TakeRecipients) and could not deliver for reasons
	// that say nothing about them (the sender cannot reach the messenger):
	// those of userIDs still in flight from that take, without a result,
	// go to the front of the pending list, in the order they were taken,
	// at once rather than after a lease. A recipient recorded, reclaimed,
	// or taken again since (in flight from another take) is left alone.
	// It reports how many went back.
	ReturnRecipients(ctx context.Context, id int64, takenAt time.Time, userIDs []int64) (int, error)
	// BroadcastCounts returns the broadcast's counts.
	BroadcastCounts(ctx context.Context, id int64) (domain.BroadcastCounts, error)
	// ReleaseRecipients forgets who a broadcast that has ended (done or
	// canceled) was for: its pending and in-flight recipients and their
	// results. Only its counts stay, with none in flight. Afterwards nothing
	// is taken or reclaimed for it, and RecordDelivery reports false.
	ReleaseRecipients(ctx context.Context, id int64) error
}

// Limiter is a rate limiter shared by every instance on one store, for
// sending within Telegram's limits.
type Limiter interface {
	// Reserve asks for one send under key at rate per second (bursts of at
	// most burst) at time now. It returns 0 when the send may go now, or
	// how long to wait before asking again (nothing is reserved then). A
	// pause set by PauseUntil also makes it wait.
	Reserve(ctx context.Context, key string, rate float64, burst int, now time.Time) (time.Duration, error)
	// PauseUntil stops every Reserve under key until the given time (a 429's
	// retry_after); an earlier pause than one already set changes nothing.
	PauseUntil(ctx context.Context, key string, until time.Time) error
}

// Outbox keeps relays that could not be delivered at once, until they are
// (domain.Outgoing). Several instances may drain one outbox: each relay is
// handed to one of them at a time.
type Outbox interface {
	// QueueOutgoing stores a relay, assigns its ID and makes it due at its
	// NextAt.
	QueueOutgoing(ctx context.Context, o domain.Outgoing) (domain.Outgoing, error)
	// TakeDueOutgoing returns up to limit relays due at now (NextAt not
	// after it), earliest first, and makes each due again only at
	// now+lease, so that no other caller takes it meanwhile.
	TakeDueOutgoing(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]domain.Outgoing, error)
	// RescheduleOutgoing stores a relay after a failed attempt: its
	// Attempts and NextAt. An unknown relay is not an error.
	RescheduleOutgoing(ctx context.Context, o domain.Outgoing) error
	// DeleteOutgoing removes a relay once delivered or given up; an
	// unknown one is not an error.
	DeleteOutgoing(ctx context.Context, id int64) error
}

// FollowUps keeps the questions the desk will ask residents about a
// dossier submitted or a fee paid (domain.FollowUp): at most one per
// resident, pending until it is due and asked, then asked until it is
// answered or its answer window passes. Several instances may send them:
// each pending follow-up is handed to one of them at a time, and one whose
// taker died is handed out again after the lease.
type FollowUps interface {
	// ScheduleFollowUp stores f as the resident's follow-up, pending and
	// due at f.DueAt, replacing any they had (pending or asked).
	ScheduleFollowUp(ctx context.Context, f domain.FollowUp) error
	// TakeDueFollowUps returns up to limit pending follow-ups due at now
	// (DueAt, or the end of an earlier taker's lease, not after now),
	// earliest first, and makes each due again only at now+lease, so that
	// no other caller takes it meanwhile. Asked follow-ups whose answer
	// window has passed are dropped on the way.
	TakeDueFollowUps(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]domain.FollowUp, error)
	// MarkFollowUpAsked records that the taken follow-up f was asked: it
	// is no longer pending, and takes an answer until the given time. It
	// reports false, and changes nothing, when the resident's follow-up is
	// no longer the pending f (replaced, canceled, erased, asked already).
	MarkFollowUpAsked(ctx context.Context, f domain.FollowUp, until time.Time) (bool, error)
	// DropFollowUp removes the pending follow-up f, given up (the resident
	// blocked the bot, is gone, or it could not be delivered in time); it
	// changes nothing when the resident's follow-up is no longer f.
	DropFollowUp(ctx context.Context, f domain.FollowUp) error
	// AnswerFollowUp takes away the resident's follow-up about the flow
	// and returns it, if it was asked and its answer window is open at
	// now, or is pending and due (the question went out and the answer
	// overtook MarkFollowUpAsked): among concurrent answerers exactly one
	// gets it. ErrNotFound when there is none (not due yet, answered
	// already, lapsed, or about another flow).
	AnswerFollowUp(ctx context.Context, residentID int64, flowID string, now time.Time) (domain.FollowUp, error)
	// CancelFollowUps removes the resident's follow-up, pending or asked
	// (they asked for no more); none is not an error.
	CancelFollowUps(ctx context.Context, residentID int64) error
}

// WeeklyReports remembers which organizer got which week's report, so
// that several instances send each one once.
type WeeklyReports interface {
	// ClaimWeeklyReport claims the report of the week (its key, e.g. the
	// date of its Monday) for the organizer at now: among concurrent
	// callers, across instances, exactly one gets true; later ones get
	// false while the claim is kept (WeeklyClaimKept after now).
	ClaimWeeklyReport(ctx context.Context, week string, organizerID int64, now time.Time) (bool, error)
}

// WeeklyClaimKept is how long a weekly report's claim is kept: long after
// the week's catch-up window has passed.
const WeeklyClaimKept = 8 * 7 * 24 * time.Hour

// Erasure removes what the store holds about a resident who asked to be
// forgotten, down to the disk.
type Erasure interface {
	// EraseResident deletes every ticket the resident opened, active or
	// not, with its indexes and its rating, every relay in the outbox
	// to or from their chat, their web chat's messages and images
	// (WebChats) and their follow-up (pending or asked), and strips the
	// resident's
	// assist records of what links them back (the ticket id, and the
	// resident hash when it equals residentHash), folding the ticket's
	// rating into the record first. The anonymous records stay, for the
	// reports. It returns the deleted tickets, so the desk can withdraw an
	// active one and clear their cards. A resident with nothing stored is
	// not an error; erasing twice deletes nothing more. Afterwards
	// ScrubErased is due.
	EraseResident(ctx context.Context, residentID int64, residentHash string) ([]domain.Ticket, error)
	// ScrubErased rewrites the store's files when something was erased
	// since the last rewrite (Redis: an append-only-file rewrite and, if
	// snapshots are configured, a snapshot; bbolt: a compaction into a
	// fresh file), so that deleted records no longer sit in freed pages or
	// old log entries. It reports whether it rewrote. Among instances of
	// one store, one does the rewrite.
	ScrubErased(ctx context.Context) (bool, error)
}

// WebChats keeps what the web chat channel needs: the keys that sign its
// cookies, and each web resident's conversation, a durable log the page
// resumes from. EraseResident erases a resident's conversation too (the
// sequence counter, which holds nothing personal, stays).
type WebChats interface {
	// WebKeys returns the cookie keys, the current first, then the previous
	// one when there is one. The first call makes a key of candidate; when
	// the current key was made before now-rotateEvery, candidate becomes
	// the current key and the current one the previous (the one before is
	// dropped). Among concurrent callers one rotation wins and all get its
	// keys.
	WebKeys(ctx context.Context, candidate []byte, now time.Time, rotateEvery time.Duration) ([]domain.WebKey, error)
	// AppendWebMessage adds m to the chat's log with the next sequence
	// number (after the chat's last, erased or not) and returns it with its
	// Seq; image, when not empty, is kept with it (WebImage).
	AppendWebMessage(ctx context.Context, chatID int64, m domain.WebMessage, image []byte) (domain.WebMessage, error)
	// WebMessages returns up to limit of the chat's messages with a Seq
	// above after, in order (none: an empty slice).
	WebMessages(ctx context.Context, chatID int64, after int64, limit int) ([]domain.WebMessage, error)
	// WebImage returns the image of the chat's message seq, or ErrNotFound.
	WebImage(ctx context.Context, chatID int64, seq int64) ([]byte, error)
}

// QueuedUpdate is a messenger update waiting in a durable queue (webhook
// mode), as the queue's entry id and the update's raw JSON.
type QueuedUpdate struct {
	EntryID string
	Raw     []byte
}

// Store is everything a backend provides.
type Store interface {
	Users
	Sessions
	ChatStates
	Dedup
	Funnel
	Tickets
	Assists
	Invites
	Broadcasts
	Limiter
	Outbox
	FollowUps
	WeeklyReports
	Erasure
	WebChats
	// Salt returns the store's secret salt for hashing residents in the
	// assist log: 32 random bytes, created on first use, then stable.
	Salt(ctx context.Context) ([]byte, error)
	// Ping checks that the backend is reachable.
	Ping(ctx context.Context) error
	// Close releases the backend.
	Close() error
}
