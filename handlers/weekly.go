package handlers

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/reports"
)

// The weekly report: every Monday from weeklyHour (TIMEZONE) until the
// day ends (the catch-up window: an instance that was down at 07:00 sends
// it when it comes back that Monday), each organizer gets the previous
// week of their scope, once across instances (a store claim per week and
// organizer).

// weeklyHour is the hour on Monday from which the weekly report goes out.
const weeklyHour = 7

// weekLayout writes a week as the date of its Monday: the claim's key and
// the CSV button's payload.
const weekLayout = "20060102"

// weeklyCSVButton sends the CSV of a week: "wk:<its Monday, yyyymmdd>".
var weeklyCSVButton = wordCodec("wk:", func(w string) bool {
	t, err := time.Parse(weekLayout, w)
	return err == nil && t.Weekday() == time.Monday
})

// weeklyRoutes are the weekly report's buttons: organizers only.
func (d *organizerDesk) weeklyRoutes() routes {
	return routes{buttons: []buttonRoute{on(weeklyCSVButton, "weekly CSV", organizersOnly, d.weeklyCSV)}}
}

// SendWeeklyReports sends each organizer the previous week's report, on
// Monday from 07:00 until the day ends, unless done already names that
// week (this instance sent or saw claimed every report of it). It returns
// the week it finished (done, when it did nothing) and how many reports
// it sent; an organizer whose report another instance claimed is skipped.
func (d *Desk) SendWeeklyReports(ctx context.Context, done string) (week string, sent int, err error) {
	now, loc := d.now(), d.location()
	if local := now.In(loc); local.Weekday() != time.Monday || local.Hour() < weeklyHour {
		return done, 0, nil
	}
	from, to := reports.PreviousWeek(now, loc)
	week = from.Format(weekLayout)
	if week == done {
		return done, 0, nil
	}
	organizers, err := d.weeklyOrganizers(ctx)
	if err != nil {
		return done, 0, err
	}
	assists, err := d.store.AssistsBetween(ctx, from.AddDate(0, 0, -7), to)
	if err != nil {
		return done, 0, fmt.Errorf("handlers: weekly report: read assist log: %w", err)
	}
	days, err := d.store.AssistCounts(ctx, from, to.Add(-time.Nanosecond), "", domain.CountDaily)
	if err != nil {
		return done, 0, fmt.Errorf("handlers: weekly report: read assist counters: %w", err)
	}
	for _, org := range organizers {
		mine, err := d.store.ClaimWeeklyReport(ctx, week, org.ID, now)
		if err != nil {
			return done, sent, fmt.Errorf("handlers: claim weekly report: %w", err)
		}
		if mine {
			d.sendWeeklyReport(ctx, org, weekData{assists: assists, days: days}, from, to)
			sent++
		}
	}
	return week, sent, nil
}

// weeklyOrganizers are the stored organizers and those of ORGANIZER_IDS
// who never wrote (province-wide, in the default language).
func (d *base) weeklyOrganizers(ctx context.Context) ([]domain.User, error) {
	stored, err := d.store.UsersWithRole(ctx, domain.RoleOrganizer)
	if err != nil {
		return nil, fmt.Errorf("handlers: weekly report: list organizers: %w", err)
	}
	seen := map[int64]bool{}
	for _, u := range stored {
		seen[u.ID] = true
	}
	for id := range d.organizers {
		if !seen[id] {
			stored = append(stored, domain.User{ID: id, Role: domain.RoleOrganizer})
		}
	}
	return stored, nil
}

// weekData is what the weekly reports are made from: the records of the
// week and the week before (a fortnight is small), for the figures, and
// the week's daily counters of every commune, for the chart.
type weekData struct {
	assists []domain.Assist
	days    []domain.DayTally
}

// sendWeeklyReport sends one organizer their scope's week: the figures
// with the change from the week before and the CSV button, then the chart.
// A failure is logged: the claim is taken, so the report is not sent
// twice.
func (d *base) sendWeeklyReport(ctx context.Context, org domain.User, data weekData, from, to time.Time) {
	assists := data.assists
	lang := org.Language
	if !d.texts.Has(lang) {
		lang = d.defaultLang
	}
	week := reports.Week(assists, from, to, org.Scope)
	before := reports.Week(assists, from.AddDate(0, 0, -7), from, org.Scope)
	text := d.weeklyText(lang, d.scopeName(lang, org.Scope), week, before)
	button := [][]Button{{{Label: d.texts.T(lang, "weekly.csv_button"), Data: weeklyCSVButton.data(from.Format(weekLayout))}}}
	if _, err := d.messenger.Send(ctx, Reply{ChatID: org.ID, Text: text, Buttons: button}); err != nil {
		d.log.Warn("weekly report not delivered", "err", err)
		return
	}
	in := reports.Input{Now: to.Add(-time.Nanosecond), Location: d.location(), Days: scopedDays(data.days, org.Scope)}
	png, err := reports.Chart(in, 7, d.chartLabels(lang))
	if err != nil {
		d.log.Warn("weekly chart not drawn", "err", err)
		return
	}
	photo := Reply{ChatID: org.ID, Text: d.texts.T(lang, "weekly.chart_caption"), Photo: &Photo{Name: "week.png", Data: png}}
	if _, err := d.messenger.Send(ctx, photo); err != nil {
		d.log.Warn("weekly chart not delivered", "err", err)
	}
}

// scopedDays are the daily counts of the scope's commune ("": all of
// them, as they are).
func scopedDays(days []domain.DayTally, scope string) []domain.DayTally {
	if scope == "" {
		return days
	}
	out := make([]domain.DayTally, len(days))
	for i, day := range days {
		out[i] = domain.DayTally{Day: day.Day, Tally: domain.Tally{}}
		for k, n := range day.Tally {
			if k.Commune == scope {
				out[i].Tally.AddKey(k, n)
			}
		}
	}
	return out
}

// scopeName is an organizer's scope as they read it: the province, or
// their commune's name.
func (d *base) scopeName(lang, scope string) string {
	if scope == "" {
		return d.texts.T(lang, "weekly.province")
	}
	if c, ok := d.places.Get(scope); ok {
		return c.Label()
	}
	return scope
}

// weeklyText writes the week's figures and their change from the week
// before.
func (d *base) weeklyText(lang, scope string, w, before reports.WeekFigures) string {
	t := func(key string, args ...string) string { return d.texts.T(lang, key, args...) }
	line := func(key string, now, then int) string {
		return t(key, "n", strconv.Itoa(now), "change", d.weeklyChange(lang, now, then))
	}
	wait := t("weekly.wait_none")
	if w.MedianWait > 0 {
		wait = t("weekly.wait", "wait", waited(w.MedianWait))
	}
	return t("weekly.title", "scope", scope, "from", w.From.Format("02/01"), "to", w.To.AddDate(0, 0, -1).Format("02/01/2006")) + "\n" +
		line("weekly.total", w.Total, before.Total) + "\n" +
		line("weekly.flow", w.ByKind[domain.AssistFlow], before.ByKind[domain.AssistFlow]) + "\n" +
		line("weekly.ticket", w.QuestionsAnswered, before.QuestionsAnswered) + "\n" +
		line("weekly.in_person", w.InPersonPeople, before.InPersonPeople) + "\n" +
		wait + "\n" +
		t("weekly.confirmed", "n", strconv.Itoa(w.Confirmed), "answers", strconv.Itoa(w.FollowUpAnswers))
}

// weeklyChange is "+3, +25%" (or "+3" after a week of none, "=" for no
// change), in lang.
func (d *base) weeklyChange(lang string, now, before int) string {
	diff, pct, ok := reports.Change(now, before)
	if diff == 0 {
		return d.texts.T(lang, "weekly.same")
	}
	sign := "+"
	if diff < 0 {
		sign = "−"
	}
	n := sign + strconv.Itoa(int(math.Abs(float64(diff))))
	if !ok {
		return d.texts.T(lang, "weekly.change_new", "diff", n)
	}
	return d.texts.T(lang, "weekly.change", "diff", n, "pct", sign+strconv.Itoa(int(math.Round(math.Abs(pct)))))
}

// weeklyCSV sends the organizer the CSV of a week in their scope, as
// /export writes it (streamed from the store's scan, a commune organizer's
// commune alone).
func (d *organizerDesk) weeklyCSV(ctx context.Context, r *request, monday string) (Response, error) {
	loc := d.location()
	day, _ := time.Parse(weekLayout, monday)
	from := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
	to := from.AddDate(0, 0, 7)
	if to.After(d.now()) {
		return d.notice(r, d.t(r, "button.stale")), nil
	}
	var buf bytes.Buffer
	csv, err := reports.NewCSV(&buf, loc)
	if err == nil {
		err = d.store.ScanAssists(ctx, from, to, r.user.Scope, csv.Write)
	}
	if err == nil {
		err = csv.Close()
	}
	if err != nil {
		d.log.Error("weekly CSV not written", "err", err)
		return d.reply(r, d.t(r, "export.failed"), nil), nil
	}
	name := fmt.Sprintf("hotroso-week-%s.csv", monday)
	caption := d.t(r, "weekly.csv_caption", "scope", d.scopeName(r.lang, r.user.Scope), "n", strconv.Itoa(csv.Rows()),
		"from", from.Format("02/01"), "to", to.AddDate(0, 0, -1).Format("02/01/2006"))
	return Response{Replies: []Reply{{ChatID: r.ChatID, Text: caption, Document: &Photo{Name: name, Data: buf.Bytes()}, IfFails: d.t(r, "export.failed")}}}, nil
}
