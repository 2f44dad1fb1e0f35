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
// assists per day by kind.
func (d *organizerDesk) stats(ctx context.Context, r *request) (Response, error) {
	now := d.now()
	assists, err := d.store.AssistsBetween(ctx, time.Time{}, now.Add(time.Second))
	if err != nil {
		return Response{}, fmt.Errorf("handlers: read assist log: %w", err)
	}
	if err := d.FlushFunnel(ctx); err != nil {
		d.log.Warn("gathered funnel events not in these figures", "err", err)
	}
	funnel, err := d.store.FunnelEvents(ctx, time.Time{}, now.Add(time.Second))
	if err != nil {
		return Response{}, fmt.Errorf("handlers: read funnel: %w", err)
	}
	open, err := d.store.OpenTickets(ctx, 10000)
	if err != nil {
		return Response{}, fmt.Errorf("handlers: read queue: %w", err)
	}
	names := map[int64]string{}
	for _, role := range []domain.Role{domain.RoleVolunteer, domain.RoleOrganizer} {
		users, err := d.store.UsersWithRole(ctx, role)
		if err != nil {
			return Response{}, fmt.Errorf("handlers: list volunteers: %w", err)
		}
		for _, u := range users {
			names[u.ID] = d.displayName(u)
		}
	}
	in := reports.Input{Now: now, Location: d.location(), Assists: assists, Funnel: funnel, Open: open, Volunteers: names}
	replies := []Reply{{ChatID: r.ChatID, Text: reports.Compute(in).Text(r.lang)}}
	if png, err := reports.Chart(in, chartDays, d.chartLabels(r.lang)); err != nil {
		d.log.Warn("stats chart not drawn", "err", err)
		replies = append(replies, Reply{ChatID: r.ChatID, Text: d.t(r, "stats.chart_failed")})
	} else {
		replies = append(replies, Reply{ChatID: r.ChatID, Text: d.t(r, "stats.chart_caption"), Photo: &Photo{Name: "assists.png", Data: png},
			IfFails: d.t(r, "stats.chart_failed")})
	}
	return Response{Replies: replies}, nil
}

// export sends the assist log for a date range as a CSV file: "/export"
// for the last 30 days, "/export 2026-10-01 2026-10-31", or with dd/mm/yyyy
// dates; the end day is included.
func (d *organizerDesk) export(ctx context.Context, r *request) (Response, error) {
	loc := d.location()
	now := d.now().In(loc)
	to := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, 1)
	from := to.AddDate(0, 0, -30)
	if args := strings.Fields(r.Args); len(args) > 0 {
		var ok bool
		if from, ok = parseDay(args[0], loc); !ok {
			return d.reply(r, d.t(r, "export.usage"), nil), nil
		}
		to = from.AddDate(0, 0, 1)
		if len(args) > 1 {
			last, ok := parseDay(args[1], loc)
			if !ok || last.Before(from) {
				return d.reply(r, d.t(r, "export.usage"), nil), nil
			}
			to = last.AddDate(0, 0, 1)
		}
	}
	assists, err := d.store.AssistsBetween(ctx, from, to)
	if err != nil {
		return Response{}, fmt.Errorf("handlers: read assist log: %w", err)
	}
	var csv bytes.Buffer
	if err := reports.WriteCSV(&csv, assists, loc); err != nil {
		d.log.Error("export not written", "err", err)
		return d.reply(r, d.t(r, "export.failed"), nil), nil
	}
	name := fmt.Sprintf("hotroso-assists-%s-%s.csv", from.Format("20060102"), to.AddDate(0, 0, -1).Format("20060102"))
	caption := d.t(r, "export.caption", "n", fmt.Sprint(len(assists)), "from", from.Format("02/01/2006"), "to", to.AddDate(0, 0, -1).Format("02/01/2006"))
	return Response{Replies: []Reply{{ChatID: r.ChatID, Text: caption, Document: &Photo{Name: name, Data: csv.Bytes()}, IfFails: d.t(r, "export.failed")}}}, nil
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
