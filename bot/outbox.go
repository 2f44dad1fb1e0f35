package bot

import (
	"context"
	"fmt"
	"time"

	"github.com/hotroso/hotroso/handlers"
)

// outboxLease is how long a relay taken from the outbox is kept from
// other instances while it is being sent.
const outboxLease = time.Minute

// outboxBatch bounds the relays one DeliverOutbox sends.
const outboxBatch = 50

// queueRelay puts a relay that failed into the outbox, due at once.
func (b *Bot) queueRelay(ctx context.Context, eventChat int64, r handlers.Reply) error {
	o := r.Queued(b.now()) // the first attempt just failed
	if o.ChatID == 0 {
		o.ChatID = eventChat
	}
	if _, err := b.cfg.Store.QueueOutgoing(ctx, o); err != nil {
		return fmt.Errorf("bot: queue relay: %w", err)
	}
	b.cfg.Metrics.Outbox("queued")
	return nil
}

// DeliverOutbox tries the due relays of the outbox once: a delivered one
// leaves it, one that failed for the messenger's sake waits longer, one
// the chat refuses (blocked, gone) or that was retried for a day is
// dropped. It reports how many were delivered.
func (b *Bot) DeliverOutbox(ctx context.Context) (int, error) {
	now := b.now()
	due, err := b.cfg.Store.TakeDueOutgoing(ctx, now, outboxLease, outboxBatch)
	if err != nil {
		return 0, fmt.Errorf("bot: read the outbox: %w", err)
	}
	delivered := 0
	for _, o := range due {
		r := handlers.Reply{ChatID: o.ChatID, Text: o.Text}
		if o.CopyMessageID != 0 {
			r.Copy = &handlers.MessageRef{ChatID: o.CopyFromChat, MessageID: o.CopyMessageID, FileID: o.CopyFileID}
		}
		_, sendErr := b.sender.Send(ctx, o.ChatID, r)
		switch {
		case sendErr == nil:
			delivered++
			b.cfg.Metrics.Outbox("delivered")
		case retryable(sendErr) && o.Failed(b.now()):
			if err := b.cfg.Store.RescheduleOutgoing(ctx, o); err != nil {
				return delivered, fmt.Errorf("bot: reschedule relay %d: %w", o.ID, err)
			}
			continue
		default:
			b.log.Warn("relay dropped from the outbox", "relay", o.ID, "attempts", o.Attempts+1, "err", sendErr)
			b.cfg.Metrics.Outbox("dropped")
		}
		if err := b.cfg.Store.DeleteOutgoing(ctx, o.ID); err != nil {
			return delivered, fmt.Errorf("bot: clear relay %d: %w", o.ID, err)
		}
	}
	return delivered, nil
}
