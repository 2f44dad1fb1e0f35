package main

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/hotroso/hotroso/handlers"
	"github.com/hotroso/hotroso/metrics"
)

// followUpEvery is how often an instance looks for follow-up questions
// that are due: one store call (one short script on Redis; on bbolt a
// read, unless some are due), cheap enough to make often, so that a
// question goes out within a moment of its time.
const followUpEvery = 250 * time.Millisecond

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

// weeklyEvery is how often an instance checks whether the weekly report
// is due: a look at the clock, and on Monday from 07:00 until it has sent
// (or seen claimed) that week's reports, a few store calls.
const weeklyEvery = 250 * time.Millisecond

// runWeeklyReports sends the weekly reports (Desk.SendWeeklyReports) until
// ctx ends, unless WEEKLY_REPORT is off, and counts its runs and the
// reports it sent in m.
func (c *core) runWeeklyReports(ctx context.Context, desk *handlers.Desk, m *metrics.Metrics) {
	if !c.cfg.WeeklyReport {
		return
	}
	var runs, sent counter
	m.CounterFunc("hotroso_weekly_report_runs_total", "Times this instance checked whether the weekly report is due.", runs.read)
	m.CounterFunc("hotroso_weekly_reports_sent_total", "Weekly reports this instance sent (one per organizer and week, across instances).", sent.read)
	done := ""
	every(ctx, weeklyEvery, func() {
		week, n, err := desk.SendWeeklyReports(ctx, done)
		done = week
		sent.Add(int64(n))
		if err != nil {
			c.log.Warn("weekly reports not sent; will try again", "err", err)
		}
		runs.Add(1)
	})
}
