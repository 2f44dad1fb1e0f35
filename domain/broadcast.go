package domain

import (
	"fmt"
	"time"
)

// BroadcastState is where an announcement stands.
type BroadcastState string

// Broadcast states. Scheduled, running and paused broadcasts are active:
// the senders look at them.
const (
	BroadcastDraft     BroadcastState = "draft"     // being written by an organizer
	BroadcastPreparing BroadcastState = "preparing" // confirmed; its recipients are being added
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
	// Scope, when set, limits any kind to users of that commune: the
	// audience of a commune organizer's broadcast.
	Scope string `json:"scope,omitempty"`
}

// Broadcast is an announcement to many users: a copy of the organizer's
// message (text, or a photo with a caption) sent to each recipient.
type Broadcast struct {
	ID        int64          `json:"id"` // assigned by the store (CreateBroadcast)
	CreatedBy int64          `json:"created_by"`
	Audience  Audience       `json:"audience"`
	State     BroadcastState `json:"state"`
	// SourceChatID and SourceMessageID are the organizer's message that
	// is copied to every recipient; Preview is its text or caption.
	SourceChatID    int64  `json:"source_chat"`
	SourceMessageID int    `json:"source_message"`
	Preview         string `json:"preview,omitempty"`
	// Text is the message's whole text or caption, and FileID its photo in
	// the messenger: what a channel that cannot copy the message (the web
	// chat) sends instead. Empty in broadcasts made before they were kept.
	Text   string `json:"text,omitempty"`
	FileID string `json:"file_id,omitempty"`
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

func illegalBroadcast(b Broadcast, move string) error {
	return fmt.Errorf("%w: cannot %s broadcast %d, which is %s", ErrIllegal, move, b.ID, b.State)
}

// controlledBy says whether by may move b: an organizer, and, for one of
// a commune, only their own broadcast.
func (b *Broadcast) controlledBy(by User) error {
	if !by.MayControl(*b) {
		return fmt.Errorf("%w: user %d may not move broadcast %d", ErrNotAllowed, by.ID, b.ID)
	}
	return nil
}

// Prepare closes the draft to changes while its recipients are added; the
// senders do not look at it yet.
func (b *Broadcast) Prepare(by User) error {
	if err := b.controlledBy(by); err != nil {
		return err
	}
	if b.State != BroadcastDraft {
		return illegalBroadcast(*b, "prepare")
	}
	b.State = BroadcastPreparing
	return nil
}

// Confirm hands the prepared broadcast to the senders: at the given time,
// or now when at is zero; force sends during quiet hours too.
func (b *Broadcast) Confirm(by User, force bool, at, now time.Time) error {
	if err := b.controlledBy(by); err != nil {
		return err
	}
	if b.State != BroadcastPreparing {
		return illegalBroadcast(*b, "confirm")
	}
	if at.IsZero() {
		at = now
	}
	b.State, b.Force, b.ScheduledAt = BroadcastScheduled, force, at
	return nil
}

// Start is the senders beginning a scheduled broadcast whose time came.
func (b *Broadcast) Start(now time.Time) error {
	if b.State != BroadcastScheduled {
		return illegalBroadcast(*b, "start")
	}
	b.State, b.StartedAt = BroadcastRunning, now
	return nil
}

// Pause stops sending until Resume.
func (b *Broadcast) Pause(by User) error {
	if err := b.controlledBy(by); err != nil {
		return err
	}
	if b.State != BroadcastRunning && b.State != BroadcastScheduled {
		return illegalBroadcast(*b, "pause")
	}
	b.State = BroadcastPaused
	return nil
}

// Resume sends a paused broadcast again, from where it stopped.
func (b *Broadcast) Resume(by User) error {
	if err := b.controlledBy(by); err != nil {
		return err
	}
	if b.State != BroadcastPaused {
		return illegalBroadcast(*b, "resume")
	}
	b.State = BroadcastRunning
	return nil
}

// Cancel ends a broadcast that has not finished; nothing more is sent.
func (b *Broadcast) Cancel(by User, now time.Time) error {
	if err := b.controlledBy(by); err != nil {
		return err
	}
	if !b.Active() && b.State != BroadcastDraft && b.State != BroadcastPreparing {
		return illegalBroadcast(*b, "cancel")
	}
	b.State, b.FinishedAt = BroadcastCanceled, now
	return nil
}

// Finish is the senders ending a running broadcast with every recipient
// done.
func (b *Broadcast) Finish(now time.Time) error {
	if b.State != BroadcastRunning {
		return illegalBroadcast(*b, "finish")
	}
	b.State, b.FinishedAt = BroadcastDone, now
	return nil
}
