// Package broadcast sends organizers' announcements to many users within
// Telegram's limits. A Runner in every instance picks up running
// broadcasts from the store; recipients are handed out by the store one at
// a time, so several instances send one broadcast together without sending
// twice, and the rate limiter lives in the store, so together they keep the
// configured rate. Each recipient's result is stored as it comes, so a
// restart resumes where sending stopped. An instance that cannot reach
// the messenger does not spoil a broadcast for the others: its circuit
// breaker stops it taking recipients, and it gives back those it holds at
// once (storage.Broadcasts.ReturnRecipients) instead of failing them.
package broadcast

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
)

// What a Deliverer's error says, tested with errors.Is. Only an answer
// from the messenger about the recipient (ErrBlocked, ErrRecipient) gives
// a recipient its result at once. ErrUnreachable and ErrMessengerFailed
// say the sending instance is in trouble: they count towards its circuit
// breaker, and the recipient is given back for any instance to send
// (a failure the messenger keeps answering for one recipient alone, while
// others go through, counts as failed after a few tries). Any other error
// is an answer about the message: tried a few times, then failed.
var (
	// ErrBlocked: the recipient blocked the bot (or left it for good).
	ErrBlocked = errors.New("broadcast: the recipient blocked the bot")
	// ErrRecipient: the messenger cannot deliver to this recipient (no
	// such chat or user).
	ErrRecipient = errors.New("broadcast: the messenger cannot reach the recipient")
	// ErrUnreachable: no answer from the messenger (a network error, a
	// timeout, something that is not its answer), or it refuses the
	// instance's credentials.
	ErrUnreachable = errors.New("broadcast: the messenger cannot be reached")
	// ErrMessengerFailed: the messenger answered that it failed (a 5xx).
	ErrMessengerFailed = errors.New("broadcast: the messenger failed")
)

// RetryAfter is returned by a Deliverer when the messenger asks to slow
// down (Telegram's 429): every sender waits Wait before the next send.
type RetryAfter struct{ Wait time.Duration }

func (e *RetryAfter) Error() string { return fmt.Sprintf("broadcast: asked to wait %v", e.Wait) }

// Deliverer sends one broadcast to one recipient, in one attempt.
type Deliverer interface {
	Deliver(ctx context.Context, to int64, b domain.Broadcast) error
}

// Store is what the runner keeps in the store.
type Store interface {
	storage.Broadcasts
	storage.Limiter
	SetBlocked(ctx context.Context, id int64, blocked bool) error
}

// QuietHours is the time of day when broadcasts wait (unless forced):
// from Start to End o'clock in Location, across midnight when Start > End.
type QuietHours struct {
	Start, End int
	Location   *time.Location
}

// Contains reports whether t falls in the quiet hours.
func (q QuietHours) Contains(t time.Time) bool {
	if q.Start == q.End || q.Location == nil {
		return false
	}
	h := t.In(q.Location).Hour()
	if q.Start < q.End {
		return h >= q.Start && h < q.End
	}
	return h >= q.Start || h < q.End
}

// EndAfter returns when the quiet hours that contain t end.
func (q QuietHours) EndAfter(t time.Time) time.Time {
	local := t.In(q.Location)
	end := time.Date(local.Year(), local.Month(), local.Day(), q.End, 0, 0, 0, q.Location)
	if !end.After(local) {
		end = end.AddDate(0, 0, 1)
	}
	return end
}

// Progress is told how a broadcast goes: every few seconds while it sends,
// and once more when it ends (final).
type Progress func(ctx context.Context, b domain.Broadcast, c domain.BroadcastCounts, final bool)
