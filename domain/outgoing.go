package domain

import "time"

// Outgoing is a relay between a resident and a volunteer that could not be
// delivered at once: it waits in the outbox and is tried again until it
// arrives (or the chat is gone). Text is masked as any relay is; a copied
// photo or voice note is kept by reference (chat and message id), never
// as bytes.
type Outgoing struct {
	ID     int64  `json:"id"` // assigned by the store (QueueOutgoing)
	ChatID int64  `json:"chat"`
	Text   string `json:"text,omitempty"`
	// CopyFromChat and CopyMessageID name a message to copy, with Text as
	// its caption; zero for a text.
	CopyFromChat  int64 `json:"copy_chat,omitempty"`
	CopyMessageID int   `json:"copy_msg,omitempty"`
	// CopyFileID is the copied message's media in its messenger, for a
	// channel that fetches the file itself (handlers.MessageRef.FileID).
	CopyFileID string    `json:"copy_file,omitempty"`
	Attempts   int       `json:"attempts"`
	NextAt     time.Time `json:"next_at"`
	CreatedAt  time.Time `json:"created_at"`
}

// Involves reports whether the relay is to or from the chat.
func (o Outgoing) Involves(chatID int64) bool {
	return o.ChatID == chatID || o.CopyFromChat == chatID
}

// outboxBackoff is how long the outbox waits after each failed attempt:
// the last value repeats.
var outboxBackoff = []time.Duration{2 * time.Second, 10 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute, 30 * time.Minute}

// OutboxGiveUp is how long a relay is retried before it is given up.
const OutboxGiveUp = 24 * time.Hour

// Failed records a failed attempt at now and schedules the next one; it
// reports false when the relay has been retried for OutboxGiveUp and
// should be dropped.
func (o *Outgoing) Failed(now time.Time) bool {
	if now.Sub(o.CreatedAt) >= OutboxGiveUp {
		return false
	}
	wait := outboxBackoff[min(o.Attempts, len(outboxBackoff)-1)]
	o.Attempts++
	o.NextAt = now.Add(wait)
	return true
}
