package handlers

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/flows"
	"github.com/hotroso/hotroso/storage"
)

// What a resident whose question waits is told depends on the desk: closed
// (outside DeskHours), open with nobody on duty, or staffed.
type deskState int

const (
	deskStaffed deskState = iota
	deskUnstaffed
	deskClosed
)

// deskState says whether the desk is closed, open with nobody on duty, or
// staffed, now. A store that cannot list who is on duty counts as staffed:
// the resident is then told what they were before desk hours existed.
func (d *base) deskState(ctx context.Context) deskState {
	if !d.cfg.DeskHours.Open(d.now()) {
		return deskClosed
	}
	onDuty, err := d.onDuty(ctx)
	if err != nil {
		d.log.Warn("who is on duty is unknown", "err", err)
		return deskStaffed
	}
	if len(onDuty) == 0 {
		return deskUnstaffed
	}
	return deskStaffed
}

// queuedReply tells a resident their question is in the queue and what to
// expect. Outside desk hours, or with nobody on duty, it says so, when an
// answer is likely, that the question is kept, and what to do if it is
// urgent (the SOS flow, 113); with volunteers on duty, the usual wait.
func (d *residentDesk) queuedReply(ctx context.Context, r *request, t domain.Ticket) Response {
	pos := strconv.Itoa(d.queuePosition(ctx, t.ID))
	kind := ""
	switch {
	case t.Urgent:
		kind = "_urgent"
	case t.Question == "":
		kind = "_write"
	}
	switch d.deskState(ctx) {
	case deskClosed:
		return d.withUrgentHint(r, t, d.t(r, "ask.closed"+kind, "pos", pos, "when", d.whenOpen(r.lang, d.now())))
	case deskUnstaffed:
		return d.withUrgentHint(r, t, d.t(r, "ask.unstaffed"+kind, "pos", pos))
	}
	if t.Urgent {
		return d.reply(r, d.t(r, "ask.urgent_queued", "pos", pos), nil)
	}
	key := "ask.queued"
	if t.Question == "" {
		key = "ask.queued_write"
	}
	return d.reply(r, d.t(r, key, "pos", pos)+"\n"+d.usualWait(ctx, r), nil)
}

// waitingReply tells a resident where their waiting question stands, and,
// outside desk hours or with nobody on duty, when an answer is likely and
// what to do if it is urgent.
func (d *residentDesk) waitingReply(ctx context.Context, r *request, t domain.Ticket) Response {
	text := d.t(r, "ask.waiting", "pos", strconv.Itoa(d.queuePosition(ctx, t.ID)))
	switch d.deskState(ctx) {
	case deskClosed:
		return d.withUrgentHint(r, t, text+"\n"+d.t(r, "desk.closed_note", "when", d.whenOpen(r.lang, d.now())))
	case deskUnstaffed:
		return d.withUrgentHint(r, t, text+"\n"+d.t(r, "desk.unstaffed_note"))
	}
	return d.reply(r, text, nil)
}

// queuePosition is the open ticket's place in the queue; 1 when the store
// cannot say.
func (d *base) queuePosition(ctx context.Context, id int64) int {
	pos, err := d.store.QueuePosition(ctx, id)
	if err != nil {
		return 1
	}
	return pos
}

// withUrgentHint adds to a text for a resident whose question will wait
// what to do if it is urgent: the SOS flow, with its button, or the bank
// and 113 when there is no SOS flow. An urgent question's texts say it
// themselves.
func (d *base) withUrgentHint(r *request, t domain.Ticket, text string) Response {
	if t.Urgent {
		return d.reply(r, text, nil)
	}
	sos, ok := d.urgentFlow()
	if !ok {
		return d.reply(r, text+"\n\n"+d.t(r, "ask.if_urgent_call"), nil)
	}
	buttons := [][]Button{{{Label: sos.Title.In(r.lang, d.defaultLang), Data: flows.StartData(sos.ID)}}}
	return d.reply(r, text+"\n\n"+d.t(r, "ask.if_urgent"), buttons)
}

// urgentFlow is the first urgent flow (SOS) of the menu, if there is one.
func (d *base) urgentFlow() (*flows.Flow, bool) {
	for _, f := range d.flows.Flows() {
		if f.Urgent {
			return f, true
		}
	}
	return nil, false
}

// The usual wait is the median time from a question to its claim over the
// recent tickets of the assist log: the last recentClaims closed within
// claimWindow, asked and taken within one stretch of desk hours (a question
// of the night says nothing about the day's waits). With fewer than
// minClaims of them the desk says it cannot tell yet. It is worked out at
// most once every waitRefresh.
const (
	recentClaims = 20
	minClaims    = 5
	claimWindow  = 7 * 24 * time.Hour
	waitRefresh  = 5 * time.Minute
)

// waitCache keeps the usual wait between refreshes.
type waitCache struct {
	mu     sync.Mutex
	at     time.Time
	median time.Duration
	known  bool
}

// usualWait tells a resident how long a question usually waits for a
// volunteer, rounded to a friendly figure, or that there are too few
// recent questions to say.
func (d *base) usualWait(ctx context.Context, r *request) string {
	median, ok := d.medianClaimWait(ctx)
	if !ok {
		return d.t(r, "ask.wait_unknown")
	}
	return d.t(r, "ask.wait_usual", "wait", d.friendlyWait(r.lang, median))
}

// medianClaimWait is the usual wait, from the cache or the assist log.
func (d *base) medianClaimWait(ctx context.Context) (time.Duration, bool) {
	d.waits.mu.Lock()
	defer d.waits.mu.Unlock()
	now := d.now()
	if !d.waits.at.IsZero() && now.Sub(d.waits.at) < waitRefresh && !now.Before(d.waits.at) {
		return d.waits.median, d.waits.known
	}
	assists, err := d.store.AssistsBetween(ctx, now.Add(-claimWindow), now)
	if err != nil {
		d.log.Warn("usual wait unknown", "err", err)
		return 0, false
	}
	d.waits.at = now
	d.waits.median, d.waits.known = medianClaimWait(assists, d.cfg.DeskHours)
	return d.waits.median, d.waits.known
}

// medianClaimWait is the median wait of the last recentClaims tickets of
// the log (oldest first) asked and taken within one stretch of hours.
func medianClaimWait(assists []domain.Assist, hours DeskHours) (time.Duration, bool) {
	var waits []time.Duration
	for i := len(assists) - 1; i >= 0 && len(waits) < recentClaims; i-- {
		a := assists[i]
		if a.Kind != domain.AssistTicket || a.Waiting < 0 {
			continue
		}
		claimed := a.At.Add(-a.Handling)
		if hours.SameStretch(claimed.Add(-a.Waiting), claimed) {
			waits = append(waits, a.Waiting)
		}
	}
	if len(waits) < minClaims {
		return 0, false
	}
	slices.Sort(waits)
	n := len(waits)
	if n%2 == 1 {
		return waits[n/2], true
	}
	return (waits[n/2-1] + waits[n/2]) / 2, true
}

// friendlyWait says a wait as a person would: under 5 minutes, about 10
// minutes (to the nearest 5), about an hour, about 3 hours.
func (d *base) friendlyWait(lang string, w time.Duration) string {
	minutes := w.Minutes()
	switch {
	case minutes < 5:
		return d.texts.T(lang, "wait.under_5")
	case minutes < 57.5:
		return d.texts.T(lang, "wait.minutes", "n", strconv.Itoa(int(math.Round(minutes/5))*5))
	case w < 90*time.Minute:
		return d.texts.T(lang, "wait.hour")
	}
	return d.texts.T(lang, "wait.hours", "n", strconv.Itoa(int(math.Round(w.Hours()))))
}

// unstaffedAfter is how long a question may wait in desk hours, with
// nobody on duty, before organizers are told.
const unstaffedAfter = 15 * time.Minute

// alertUnstaffed tells the organizers, in one message, of the open
// questions that waited unstaffedAfter in desk hours (counted from when
// the desk opened for a question of the night) while no volunteer is on
// duty. Each question is told of once: the mark is stored on the ticket
// before the message goes, so neither a later tick nor another instance
// repeats it. It returns how many questions were told of.
func (d *Desk) alertUnstaffed(ctx context.Context, now time.Time, open []domain.Ticket) (int, error) {
	hours := d.cfg.DeskHours
	if len(d.organizers) == 0 || !hours.Open(now) {
		return 0, nil
	}
	opened := hours.OpenedAt(now)
	var due []domain.Ticket
	for _, t := range open {
		if t.UnstaffedAt.IsZero() && now.Sub(later(t.CreatedAt, opened)) >= unstaffedAfter {
			due = append(due, t)
		}
	}
	if len(due) == 0 {
		return 0, nil
	}
	if onDuty, err := d.onDuty(ctx); err != nil || len(onDuty) > 0 {
		return 0, err
	}
	var ids []string
	for _, t := range due {
		marked, err := d.markUnstaffed(ctx, t, now)
		if err != nil {
			return 0, err
		}
		if marked {
			ids = append(ids, "#"+strconv.FormatInt(t.ID, 10))
		}
	}
	if len(ids) == 0 {
		return 0, nil
	}
	for id := range d.organizers {
		lang := d.langOf(ctx, id)
		reply := Reply{ChatID: id, Text: d.texts.T(lang, "organizer.unstaffed", "ids", strings.Join(ids, ", "), "min", strconv.Itoa(int(unstaffedAfter.Minutes()))),
			Buttons: [][]Button{{{Label: d.texts.T(lang, "organizer.open_queue"), Data: queueButton.data(struct{}{})}}}}
		if _, err := d.messenger.Send(ctx, reply); err != nil {
			d.log.Warn("organizer not told of questions waiting with nobody on duty", "err", err)
		}
	}
	d.log.Info("organizers told nobody is on duty", "questions", len(ids))
	return len(ids), nil
}

// markUnstaffed stores that organizers are told the ticket waits with
// nobody on duty. It reports false when the ticket was taken, or told of,
// meanwhile.
func (d *base) markUnstaffed(ctx context.Context, t domain.Ticket, now time.Time) (bool, error) {
	for range 3 {
		if t.MarkUnstaffed(now) != nil {
			return false, nil
		}
		_, err := d.store.UpdateTicket(ctx, t)
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, storage.ErrConflict) {
			return false, fmt.Errorf("handlers: mark ticket %d unstaffed: %w", t.ID, err)
		}
		if t, err = d.store.GetTicket(ctx, t.ID); err != nil {
			return false, fmt.Errorf("handlers: reload ticket: %w", err)
		}
	}
	return false, nil
}

// later is the later of two times.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
