package handlers

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/reports"
)

// chartDays is how many days the /stats chart shows.
const chartDays = 14

// stats sends an organizer the desk's figures, and the same as a chart of
// assists per day by kind. They come from the store's counters (this
// week's and the chart's days, and the totals), not from the log; an
// organizer of one commune (User.Scope) gets that commune's alone, without
// the flows' funnel, which knows no commune.
func (d *organizerDesk) stats(ctx context.Context, r *request) (Response, error) {
	in, err := d.statsInput(ctx, r.user.Scope)
	if err != nil {
		return Response{}, err
	}
	text := reports.Compute(in).Text(r.lang)
	if r.user.Scope != "" {
		name := r.user.Scope
		if c, ok := d.places.Get(name); ok {
			name = c.Label()
		}
		text = d.t(r, "stats.scope", "commune", name) + "\n" + text
	}
	replies := []Reply{{ChatID: r.ChatID, Text: text}}
	if png, err := reports.Chart(in, chartDays, d.chartLabels(r.lang)); err != nil {
		d.log.Warn("stats chart not drawn", "err", err)
		replies = append(replies, Reply{ChatID: r.ChatID, Text: d.t(r, "stats.chart_failed")})
	} else {
		replies = append(replies, Reply{ChatID: r.ChatID, Text: d.t(r, "stats.chart_caption"), Photo: &Photo{Name: "assists.png", Data: png},
			IfFails: d.t(r, "stats.chart_failed")})
	}
	return Response{Replies: replies}, nil
}

// statsInput loads what /stats computes from, for a scope ("": the
// province): O(days) reads of the counters, the queue and the names.
func (d *organizerDesk) statsInput(ctx context.Context, scope string) (reports.Input, error) {
	now := d.now()
	loc := d.location()
	first := now.In(loc).AddDate(0, 0, -max(chartDays, 7))
	days, err := d.store.AssistCounts(ctx, first, now, scope, domain.CountDaily)
	if err != nil {
		return reports.Input{}, fmt.Errorf("handlers: read assist counters: %w", err)
	}
	total, err := d.store.AssistTotals(ctx, scope)
	if err != nil {
		return reports.Input{}, fmt.Errorf("handlers: read assist totals: %w", err)
	}
	in := reports.Input{Now: now, Location: loc, Days: days, Total: total}
	if scope == "" {
		if err := d.FlushFunnel(ctx); err != nil {
			d.log.Warn("gathered funnel events not in these figures", "err", err)
		}
		if in.Funnel, err = d.store.FunnelTotals(ctx); err != nil {
			return reports.Input{}, fmt.Errorf("handlers: read funnel totals: %w", err)
		}
	}
	open, err := d.store.OpenTickets(ctx, 10000)
	if err != nil {
		return reports.Input{}, fmt.Errorf("handlers: read queue: %w", err)
	}
	for _, t := range open {
		if scope == "" || t.Commune == scope {
			in.Open = append(in.Open, t)
		}
	}
	in.Volunteers = map[int64]string{}
	for _, role := range []domain.Role{domain.RoleVolunteer, domain.RoleOrganizer} {
		users, err := d.store.UsersWithRole(ctx, role)
		if err != nil {
			return reports.Input{}, fmt.Errorf("handlers: list volunteers: %w", err)
		}
		for _, u := range users {
			in.Volunteers[u.ID] = d.displayName(u)
		}
	}
	return in, nil
}

// export sends the assist log for a date range as a CSV file: "/export"
// for the last 30 days, "/export 2026-10-01 2026-10-31", or with dd/mm/yyyy
// dates; the end day is included. The store's scan hands the records over
// page by page and each is written as it comes; an organizer of one
// commune gets that commune's records alone.
func (d *organizerDesk) export(ctx context.Context, r *request) (Response, error) {
	from, to, ok := d.exportRange(r.Args)
	if !ok {
		return d.reply(r, d.t(r, "export.usage"), nil), nil
	}
	var buf bytes.Buffer
	csv, err := reports.NewCSV(&buf, d.location())
	if err == nil {
		err = d.store.ScanAssists(ctx, from, to, r.user.Scope, csv.Write)
	}
	if err == nil {
		err = csv.Close()
	}
	if err != nil {
		d.log.Error("export not written", "err", err)
		return d.reply(r, d.t(r, "export.failed"), nil), nil
	}
	last := to.AddDate(0, 0, -1)
	name := fmt.Sprintf("hotroso-assists-%s-%s.csv", from.Format("20060102"), last.Format("20060102"))
	if r.user.Scope != "" {
		name = fmt.Sprintf("hotroso-assists-%s-%s-%s.csv", r.user.Scope, from.Format("20060102"), last.Format("20060102"))
	}
	caption := d.t(r, "export.caption", "n", fmt.Sprint(csv.Rows()), "from", from.Format("02/01/2006"), "to", last.Format("02/01/2006"))
	return Response{Replies: []Reply{{ChatID: r.ChatID, Text: caption, Document: &Photo{Name: name, Data: buf.Bytes()}, IfFails: d.t(r, "export.failed")}}}, nil
}

// exportRange reads /export's arguments: the first day and the day after
// the last, midnights in the desk's zone.
func (d *organizerDesk) exportRange(args string) (from, to time.Time, ok bool) {
	loc := d.location()
	now := d.now().In(loc)
	to = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, 1)
	from = to.AddDate(0, 0, -30)
	fields := strings.Fields(args)
	if len(fields) == 0 {
		return from, to, true
	}
	if from, ok = parseDay(fields[0], loc); !ok {
		return from, to, false
	}
	to = from.AddDate(0, 0, 1)
	if len(fields) > 1 {
		last, ok := parseDay(fields[1], loc)
		if !ok || last.Before(from) {
			return from, to, false
		}
		to = last.AddDate(0, 0, 1)
	}
	return from, to, true
}

// parseDay reads a day as 2006-01-02 or 02/01/2006.
func parseDay(s string, loc *time.Location) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02", "2/1/2006"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
