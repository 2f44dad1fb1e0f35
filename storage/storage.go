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
	Blocked   bool      `json:"blocked,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
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
	Abandoned bool      `json:"abandoned,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int64     `json:"version"`
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
}

// Sessions keeps each chat's place in a flow, with compare-and-set.
type Sessions interface {
	// GetSession returns the chat's session, or ErrNotFound.
	GetSession(ctx context.Context, chatID int64) (Session, error)
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
}

// DedupWindow is how long an update id is remembered.
const DedupWindow = 24 * time.Hour

// Funnel records anonymous flow events for reports.
type Funnel interface {
	// RecordFunnel appends an event.
	RecordFunnel(ctx context.Context, e FunnelEvent) error
	// FunnelEvents returns events with from <= At < to, oldest first.
	FunnelEvents(ctx context.Context, from, to time.Time) ([]FunnelEvent, error)
}

// Store is everything a backend provides.
type Store interface {
	Users
	Sessions
	Dedup
	Funnel
	// Ping checks that the backend is reachable.
	Ping(ctx context.Context) error
	// Close releases the backend.
	Close() error
}
