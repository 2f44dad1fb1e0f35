package handlers

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hotroso/hotroso/domain"
)

// Funnel events are anonymous counts for reports; the desk gathers them
// and records them in batches, so that a tap on a flow button costs no
// store call of its own for them. Events still gathered when the process
// is killed are lost (a graceful stop records them).
const (
	// funnelFlushEvery is how often gathered events are recorded.
	funnelFlushEvery = 250 * time.Millisecond
	// funnelBatch gathered events are recorded at once without waiting.
	funnelBatch = 500
	// funnelBacklog bounds what is kept while the store cannot take it;
	// beyond it the oldest events are dropped, and the drop logged.
	funnelBacklog = 20000
)

// funnelQueue gathers funnel events for Desk.RunFunnel to record.
type funnelQueue struct {
	mu     sync.Mutex
	events []domain.FunnelEvent
	// flushing serialises flushes, so that events are recorded in order.
	flushing sync.Mutex
	full     chan struct{}
}

func newFunnelQueue() *funnelQueue {
	return &funnelQueue{full: make(chan struct{}, 1)}
}

// add gathers events; it reports how many old ones had to be dropped.
func (q *funnelQueue) add(events ...domain.FunnelEvent) (dropped int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.events = append(q.events, events...)
	if over := len(q.events) - funnelBacklog; over > 0 {
		q.events = append(q.events[:0], q.events[over:]...)
		dropped = over
	}
	if len(q.events) >= funnelBatch {
		select {
		case q.full <- struct{}{}:
		default:
		}
	}
	return dropped
}

// take empties the queue.
func (q *funnelQueue) take() []domain.FunnelEvent {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.events
	q.events = nil
	return out
}

// putBack returns events a flush could not record to the front.
func (q *funnelQueue) putBack(events []domain.FunnelEvent) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.events = append(events, q.events...)
}

// gatherFunnel queues funnel events for the next flush.
func (d *base) gatherFunnel(events ...domain.FunnelEvent) {
	if dropped := d.funnel.add(events...); dropped > 0 {
		d.log.Warn("funnel events dropped: the store has not taken them for a while", "count", dropped)
	}
}

// FlushFunnel records the gathered funnel events now. /stats calls it
// before reading the funnel; the program calls it when it stops.
func (d *base) FlushFunnel(ctx context.Context) error {
	d.funnel.flushing.Lock()
	defer d.funnel.flushing.Unlock()
	events := d.funnel.take()
	if len(events) == 0 {
		return nil
	}
	if err := d.store.RecordFunnel(ctx, events...); err != nil {
		d.funnel.putBack(events)
		return fmt.Errorf("handlers: record %d funnel events: %w", len(events), err)
	}
	return nil
}

// RunFunnel records the gathered funnel events every funnelFlushEvery, or
// sooner when many have gathered, until ctx ends; then once more.
func (d *Desk) RunFunnel(ctx context.Context) {
	tick := time.NewTicker(funnelFlushEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := d.FlushFunnel(context.WithoutCancel(ctx)); err != nil {
				d.log.Warn("funnel events not recorded at stop", "err", err)
			}
			return
		case <-tick.C:
		case <-d.funnel.full:
		}
		if err := d.FlushFunnel(ctx); err != nil {
			d.log.Warn("funnel events not recorded yet; will try again", "err", err)
		}
	}
}
