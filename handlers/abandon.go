package handlers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
)

// sweepBatch bounds the sessions one sweep looks at.
const sweepBatch = 500

// SweepAbandoned records a FlowAbandoned funnel event for every session left
// in a flow with no answer for idleFor, and marks it so it is counted once.
// The resident keeps their place: when they return they are offered to
// continue. It returns how many sessions it marked.
func (d *Desk) SweepAbandoned(ctx context.Context, idleFor time.Duration) (int, error) {
	now := d.now()
	idle, err := d.store.IdleSessions(ctx, now.Add(-idleFor), sweepBatch)
	if err != nil {
		return 0, fmt.Errorf("handlers: list idle sessions: %w", err)
	}
	marked := 0
	for _, s := range idle {
		s.Abandoned = true
		if _, err := d.store.SaveSession(ctx, s); err != nil {
			if errors.Is(err, storage.ErrConflict) {
				continue // the resident moved meanwhile: not abandoned
			}
			return marked, fmt.Errorf("handlers: mark session abandoned: %w", err)
		}
		e := domain.FunnelEvent{At: now, Kind: domain.FlowAbandoned, FlowID: s.FlowID, FlowVersion: s.FlowVersion, Step: s.Step}
		if err := d.store.RecordFunnel(ctx, e); err != nil {
			return marked, fmt.Errorf("handlers: record abandoned flow: %w", err)
		}
		marked++
	}
	return marked, nil
}
