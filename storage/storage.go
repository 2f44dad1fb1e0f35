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

// Role is what a user may do at the desk.
type Role string

// Roles. A user with no stored role is a resident.
const (
	RoleResident  Role = "resident"
	RoleVolunteer Role = "volunteer"
	RoleOrganizer Role = "organizer"
)

// User is a person who has talked to the bot. ID is the messenger's user id.
// It holds no name or phone number: the desk does not need them.
type User struct {
	ID       int64  `json:"id"`
	Role     Role   `json:"role,omitempty"`
	Language string `json:"lang,omitempty"`    // "vi" or "en"; empty: not chosen yet
	Commune  string `json:"commune,omitempty"` // statistics-office code, optional
	// Blocked is true when the user blocked the bot (Telegram answered 403);
	// such users are skipped by broadcasts until they write again.
	Blocked bool `json:"blocked,omitempty"`
	// DisplayName is what residents see of a volunteer, e.g.
	// "Lan - Đoàn xã Thọ Xuân". Volunteers and organizers only.
	DisplayName string `json:"name,omitempty"`
	// OnDuty is true while a volunteer takes questions (/on, /off).
	OnDuty bool `json:"on_duty,omitempty"`
	// NoAnnouncements is true when the user asked for no broadcasts.
	NoAnnouncements bool      `json:"no_announcements,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// Session is where one chat stands in a guided flow. Version is the
// compare-and-set token: 0 for a session never stored.
type Session struct {
	ChatID      int64             `json:"chat_id"`
	FlowID      string            `json:"flow,omitempty"` // empty: not in a flow
	FlowVersion int               `json:"flow_version,omitempty"`
	Step        string            `json:"step,omitempty"`
	Answers     map[string]string `json:"answers,omitempty"`
	History     []string          `json:"history,omitempty"` // previous steps, newest last, bounded
	// Abandoned is set once the session was reported abandoned (idle too long).
	Abandoned bool `json:"abandoned,omitempty"`
	// Awaiting names what the chat's next typed text is for (e.g. a new
	// volunteer's display name); empty when nothing is awaited.
	Awaiting string `json:"awaiting,omitempty"`
	// Draft is a text the desk could not place (already masked), kept so
	// the resident can send it to a volunteer with one tap.
	Draft string `json:"draft,omitempty"`
	// CurrentTicket is, for a volunteer, the claimed ticket their messages
	// are relayed to.
	CurrentTicket int64     `json:"current_ticket,omitempty"`
	UpdatedAt     time.Time `json:"updated_at"`
	Version       int64     `json:"version"`
}

// InFlow reports whether the session is somewhere inside a flow.
func (s Session) InFlow() bool { return s.FlowID != "" && s.Step != "" }

// FunnelKind names what happened in a flow.
type FunnelKind string

// Funnel event kinds.
const (
	FlowStarted   FunnelKind = "started"
	StepEntered   FunnelKind = "step"
	FlowFinished  FunnelKind = "finished"
	FlowAbandoned FunnelKind = "abandoned"
)

// FunnelEvent is one anonymous flow event for reports: it carries no user id.
type FunnelEvent struct {
	At          time.Time  `json:"at"`
	Kind        FunnelKind `json:"kind"`
	FlowID      string     `json:"flow"`
	FlowVersion int        `json:"flow_version,omitempty"`
	Step        string     `json:"step,omitempty"`
	Outcome     string     `json:"outcome,omitempty"` // for FlowFinished
}

// Users keeps users.
type Users interface {
	// GetUser returns the user, or ErrNotFound.
	GetUser(ctx context.Context, id int64) (User, error)
	// PutUser creates or replaces the user.
	PutUser(ctx context.Context, u User) error
	// SetBlocked marks whether the user blocked the bot. ErrNotFound if unknown.
	SetBlocked(ctx context.Context, id int64, blocked bool) error
	// DeleteUser erases the user; deleting an unknown user is not an error.
	DeleteUser(ctx context.Context, id int64) error
	// UsersWithRole returns every user whose role is role, by ascending id.
	UsersWithRole(ctx context.Context, role Role) ([]User, error)
}

// Sessions keeps each chat's place in a flow, with compare-and-set.
type Sessions interface {
	// GetSession returns the chat's session, or ErrNotFound.
	GetSession(ctx context.Context, chatID int64) (Session, error)
	// GetSessions returns the stored sessions of the chats, in the order
	// given, skipping chats that have none: one read for many chats.
	GetSessions(ctx context.Context, chatIDs []int64) ([]Session, error)
	// SaveSession stores s if the stored version equals s.Version (0: none
	// stored yet) and returns it with Version incremented. Otherwise it stores
	// nothing and returns ErrConflict. Among concurrent savers of one version
	// exactly one wins.
	SaveSession(ctx context.Context, s Session) (Session, error)
	// DeleteSession removes the chat's session; a missing one is not an error.
	DeleteSession(ctx context.Context, chatID int64) error
	// IdleSessions returns up to limit sessions that are in a flow, not yet
	// marked Abandoned, and last updated before the given time, oldest first.
	IdleSessions(ctx context.Context, before time.Time, limit int) ([]Session, error)
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
	// RecordFunnel appends the events in order, in one atomic step.
	RecordFunnel(ctx context.Context, events ...FunnelEvent) error
	// FunnelEvents returns events with from <= At < to, oldest first.
	FunnelEvents(ctx context.Context, from, to time.Time) ([]FunnelEvent, error)
}

// TicketState is where a question stands.
type TicketState string

// Ticket states. Open and claimed tickets are active.
const (
	TicketOpen     TicketState = "open"     // waiting in the queue
	TicketClaimed  TicketState = "claimed"  // a volunteer has it
	TicketClosed   TicketState = "closed"   // a volunteer closed it with an outcome
	TicketCanceled TicketState = "canceled" // the resident withdrew it
)

// Ticket is a resident's question to the volunteers, with where they were.
// Every text in it is already masked (package privacy).
type Ticket struct {
	ID          int64             `json:"id"` // assigned by SaveTicket on creation
	ResidentID  int64             `json:"resident"`
	Language    string            `json:"lang,omitempty"`
	Commune     string            `json:"commune,omitempty"`
	FlowID      string            `json:"flow,omitempty"`
	FlowVersion int               `json:"flow_version,omitempty"`
	Step        string            `json:"step,omitempty"`
	Answers     map[string]string `json:"answers,omitempty"`
	Question    string            `json:"question,omitempty"`
	// Notes are the resident's later messages while nobody had the ticket
	// (bounded, newest last).
	Notes []string `json:"notes,omitempty"`
	// Urgent tickets (an SOS hand-over) go to the head of the queue, before
	// every ordinary one, and their cards say so.
	Urgent bool `json:"urgent,omitempty"`
	// PhotosOK is set once the resident confirmed, after a reminder of what
	// not to photograph, that photos may go to the volunteer.
	PhotosOK bool `json:"photos_ok,omitempty"`
	// Media are the resident's photos and voice notes sent while nobody had
	// the ticket, as message ids in the resident's chat (no bytes), relayed
	// to the volunteer who takes it (bounded, oldest first).
	Media       []int       `json:"media,omitempty"`
	State       TicketState `json:"state"`
	VolunteerID int64       `json:"volunteer,omitempty"`
	CreatedAt   time.Time   `json:"created_at"`
	ClaimedAt   time.Time   `json:"claimed_at,omitzero"`
	// RepliedAt is the volunteer's first reply to the resident in this claim.
	RepliedAt time.Time `json:"replied_at,omitzero"`
	// LeaseUntil is when an unanswered claim lapses and the ticket returns
	// to the queue; zero once the volunteer replied.
	LeaseUntil time.Time `json:"lease_until,omitzero"`
	// AnnouncedAt is when the ticket was last posted for volunteers;
	// EscalatedAt when organizers were told nobody took it.
	AnnouncedAt time.Time `json:"announced_at,omitzero"`
	EscalatedAt time.Time `json:"escalated_at,omitzero"`
	ClosedAt    time.Time `json:"closed_at,omitzero"`
	Outcome     string    `json:"outcome,omitempty"`
	// CardChatID and CardMessageID locate the ticket's card in the
	// volunteer group, to edit it when the ticket changes hands.
	CardChatID    int64 `json:"card_chat,omitempty"`
	CardMessageID int   `json:"card_message,omitempty"`
	Version       int64 `json:"version"`
}

// Active reports whether the ticket is open or claimed.
func (t Ticket) Active() bool { return t.State == TicketOpen || t.State == TicketClaimed }

// urgentLead puts urgent tickets ahead of every ordinary one in the queue:
// about 1,100 years of milliseconds.
const urgentLead = int64(1) << 45

// QueueRank orders open tickets in the queue, smallest first: by creation
// time to the millisecond, urgent tickets before all others.
func (t Ticket) QueueRank() int64 {
	rank := t.CreatedAt.UnixMilli()
	if t.Urgent {
		rank -= urgentLead
	}
	return rank
}

// Tickets keeps the question queue. Every change is a compare-and-set of
// the whole ticket, and the store keeps its indexes in the same atomic step.
type Tickets interface {
	// SaveTicket stores t if the stored version equals t.Version (0: a new
	// ticket, whose ID the store assigns) and returns it with Version
	// incremented; otherwise ErrConflict. Creating a ticket for a resident
	// who has an active one also gives ErrConflict. Among concurrent savers
	// of one version exactly one wins: that is how a claim is atomic. The
	// store indexes active tickets by resident, open tickets by QueueRank
	// (the queue: urgent first, then by CreatedAt), claimed tickets by
	// volunteer, and claims with a LeaseUntil by that time.
	SaveTicket(ctx context.Context, t Ticket) (Ticket, error)
	// GetTicket returns the ticket, or ErrNotFound.
	GetTicket(ctx context.Context, id int64) (Ticket, error)
	// ActiveTicketOf returns the resident's open or claimed ticket, or
	// ErrNotFound.
	ActiveTicketOf(ctx context.Context, residentID int64) (Ticket, error)
	// OpenTickets returns up to limit open tickets in queue order: urgent
	// first, then oldest first.
	OpenTickets(ctx context.Context, limit int) ([]Ticket, error)
	// QueuePosition returns the open ticket's place in the queue, from 1;
	// ErrNotFound when it is not open.
	QueuePosition(ctx context.Context, id int64) (int, error)
	// ClaimsOf returns the tickets the volunteer has claimed, oldest claim
	// first.
	ClaimsOf(ctx context.Context, volunteerID int64) ([]Ticket, error)
	// LapsedLeases returns up to limit claimed tickets whose LeaseUntil is
	// set and not after now, earliest first.
	LapsedLeases(ctx context.Context, now time.Time, limit int) ([]Ticket, error)
}

// AssistKind is what kind of help an assist record counts.
type AssistKind string

// Assist kinds.
const (
	AssistFlow   AssistKind = "flow"   // a resident finished a guided flow
	AssistTicket AssistKind = "ticket" // a volunteer closed a question
)

// Assist is one record of the assist log: no personal data, the resident
// only as a salted hash.
type Assist struct {
	At          time.Time     `json:"at"`
	Kind        AssistKind    `json:"kind"`
	TicketID    int64         `json:"ticket,omitempty"`
	FlowID      string        `json:"flow,omitempty"`
	Step        string        `json:"step,omitempty"`
	Outcome     string        `json:"outcome,omitempty"`
	Waiting     time.Duration `json:"waiting,omitempty"`  // ticket created -> claimed
	Handling    time.Duration `json:"handling,omitempty"` // claimed -> closed
	VolunteerID int64         `json:"volunteer,omitempty"`
	Commune     string        `json:"commune,omitempty"`
	Rating      int           `json:"rating,omitempty"` // 1..5, 0: not rated
	Worked      string        `json:"worked,omitempty"` // "yes", "no", "": not said
	Resident    string        `json:"resident,omitempty"`
}

// Assists keeps the assist log, append-only.
type Assists interface {
	// RecordAssist appends a record. A zero At is set to the store's clock.
	RecordAssist(ctx context.Context, a Assist) error
	// RateTicket records the resident's rating of a closed ticket's assist:
	// rating 1..5 (0: leave as is) and worked "yes"/"no" ("": leave as is).
	// Later ratings of the same ticket replace earlier ones.
	RateTicket(ctx context.Context, ticketID int64, rating int, worked string) error
	// AssistsBetween returns the records with from <= At < to, oldest first,
	// with their ratings applied.
	AssistsBetween(ctx context.Context, from, to time.Time) ([]Assist, error)
}

// Invite is a single-use link that makes whoever opens it a volunteer.
type Invite struct {
	Code      string    `json:"code"`
	CreatedBy int64     `json:"created_by"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Invites keeps volunteer invites.
type Invites interface {
	// CreateInvite stores an invite.
	CreateInvite(ctx context.Context, inv Invite) error
	// UseInvite consumes the code and returns its invite: among concurrent
	// users exactly one gets it. An unknown, used or expired (ExpiresAt not
	// after now) code gives ErrNotFound.
	UseInvite(ctx context.Context, code string, now time.Time) (Invite, error)
}

// BroadcastState is where an announcement stands.
type BroadcastState string

// Broadcast states. Scheduled, running and paused broadcasts are active.
const (
	BroadcastDraft     BroadcastState = "draft"     // being prepared by an organizer
	BroadcastScheduled BroadcastState = "scheduled" // waits for its time (or the end of quiet hours)
	BroadcastRunning   BroadcastState = "running"
	BroadcastPaused    BroadcastState = "paused"
	BroadcastCanceled  BroadcastState = "canceled"
	BroadcastDone      BroadcastState = "done"
)

// Audience says who receives a broadcast.
type Audience struct {
	// Kind is "all", "commune", "volunteers" or "unfinished" (residents
	// who started FlowID and did not finish it).
	Kind    string `json:"kind"`
	Commune string `json:"commune,omitempty"`
	FlowID  string `json:"flow,omitempty"`
}

// Broadcast is an announcement to many users: a copy of the organizer's
// message (text, or a photo with a caption) sent to each recipient.
type Broadcast struct {
	ID        int64          `json:"id"` // assigned by SaveBroadcast on creation
	CreatedBy int64          `json:"created_by"`
	Audience  Audience       `json:"audience"`
	State     BroadcastState `json:"state"`
	// SourceChatID and SourceMessageID are the organizer's message that
	// is copied to every recipient; Preview is its text or caption.
	SourceChatID    int64  `json:"source_chat"`
	SourceMessageID int    `json:"source_message"`
	Preview         string `json:"preview,omitempty"`
	// Force sends during quiet hours too.
	Force       bool      `json:"force,omitempty"`
	ScheduledAt time.Time `json:"scheduled_at,omitzero"`
	CreatedAt   time.Time `json:"created_at"`
	StartedAt   time.Time `json:"started_at,omitzero"`
	FinishedAt  time.Time `json:"finished_at,omitzero"`
	// ProgressChatID and ProgressMessageID locate the organizer's progress
	// message, edited as the broadcast goes.
	ProgressChatID    int64 `json:"progress_chat,omitempty"`
	ProgressMessageID int   `json:"progress_message,omitempty"`
	Version           int64 `json:"version"`
}

// Active reports whether the broadcast may still send.
func (b Broadcast) Active() bool {
	return b.State == BroadcastScheduled || b.State == BroadcastRunning || b.State == BroadcastPaused
}

// Delivery is the result of sending a broadcast to one recipient.
type Delivery string

// Delivery results.
const (
	DeliverySent    Delivery = "sent"
	DeliveryBlocked Delivery = "blocked" // the user blocked the bot (403)
	DeliveryFailed  Delivery = "failed"  // any other lasting error
)

// BroadcastCounts is how far a broadcast has got.
type BroadcastCounts struct {
	Total    int `json:"total"`    // recipients
	Sent     int `json:"sent"`     // results recorded, by kind
	Blocked  int `json:"blocked"`  //
	Failed   int `json:"failed"`   //
	InFlight int `json:"inflight"` // taken by a sender, no result yet
}

// Done is how many recipients have a result.
func (c BroadcastCounts) Done() int { return c.Sent + c.Blocked + c.Failed }

// Broadcasts keeps announcements and, for each, its recipients and their
// results, so that a restart resumes where sending stopped and several
// instances can send one broadcast together without sending twice.
type Broadcasts interface {
	// SaveBroadcast stores b with compare-and-set on Version (0: create;
	// the store assigns the ID); otherwise ErrConflict.
	SaveBroadcast(ctx context.Context, b Broadcast) (Broadcast, error)
	// GetBroadcast returns the broadcast, or ErrNotFound.
	GetBroadcast(ctx context.Context, id int64) (Broadcast, error)
	// ActiveBroadcasts returns the scheduled, running and paused
	// broadcasts, oldest first.
	ActiveBroadcasts(ctx context.Context) ([]Broadcast, error)
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
	RecordDelivery(ctx context.Context, id, userID int64, result Delivery) (bool, error)
	// ReclaimInFlight returns recipients taken before the given time and
	// still without a result (their sender died) to the front of the
	// pending list, and reports how many.
	ReclaimInFlight(ctx context.Context, id int64, before time.Time) (int, error)
	// BroadcastCounts returns the broadcast's counts.
	BroadcastCounts(ctx context.Context, id int64) (BroadcastCounts, error)
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
	Dedup
	Funnel
	Tickets
	Assists
	Invites
	Broadcasts
	Limiter
	// Salt returns the store's secret salt for hashing residents in the
	// assist log: 32 random bytes, created on first use, then stable.
	Salt(ctx context.Context) ([]byte, error)
	// Ping checks that the backend is reachable.
	Ping(ctx context.Context) error
	// Close releases the backend.
	Close() error
}
