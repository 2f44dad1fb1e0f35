package main

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/hotroso/hotroso/handlers"
	"github.com/hotroso/hotroso/metrics"
)

// followUpEvery is how often an instance looks for follow-up questions
// that are due: one store call (on bbolt a read, unless some are due).
const followUpEvery = time.Second

// counter is a number a job counts, shown in /metrics.
type counter struct{ atomic.Int64 }

func (c *counter) read() float64 { return float64(c.Load()) }

// runFollowUps asks the due follow-up questions every followUpEvery until
// ctx ends (Desk.SendFollowUps: not in quiet hours, each once across
// instances), and counts its runs and what it did in m.
func (c *core) runFollowUps(ctx context.Context, desk *handlers.Desk, m *metrics.Metrics) {
	var runs, asked, dropped counter
	m.CounterFunc("hotroso_follow_up_runs_total", "Times this instance looked for follow-up questions that are due.", runs.read)
	m.CounterFunc("hotroso_follow_ups_asked_total", "Follow-up questions this instance asked.", asked.read)
	m.CounterFunc("hotroso_follow_ups_dropped_total",
		"Follow-up questions given up: the resident blocked the bot, is gone, asked for none, or could not be reached for a week.", dropped.read)
	every(ctx, followUpEvery, func() {
		a, d, err := desk.SendFollowUps(ctx)
		asked.Add(int64(a))
		dropped.Add(int64(d))
		if err != nil {
			c.log.Warn("follow-ups not sent; will try again", "err", err)
		}
		runs.Add(1)
	})
}
