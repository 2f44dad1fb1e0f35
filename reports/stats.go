// Package reports turns the desk's records into what organizers read: a
// summary of the work (Compute, Stats.Text), a bar chart of assists per day
// (Chart) and the assist log as a spreadsheet (WriteCSV).
//
// Everything here is a pure function of its input: the caller loads the
// records from storage and sends the result through the messenger. Days and
// weeks are counted in the given location (Asia/Ho_Chi_Minh in production);
// a week starts on Monday.
package reports

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hotroso/hotroso/domain"
)

// TopVolunteers is how many volunteers Stats.TopVolunteers lists.
const TopVolunteers = 5

// vietnam is used when no location is given: Vietnam keeps UTC+7 all year.
var vietnam = time.FixedZone("ICT", 7*60*60)

// Input is what a report is computed from. The caller loads it; nothing in
// this package reads storage.
type Input struct {
	// Now is the time of the report.
	Now time.Time
	// Location is where days and weeks are counted; nil means UTC+7
	// (Vietnam, which has no daylight saving time).
	Location *time.Location
	// Assists is the assist log: all of it, or at least everything since
	// the start of the week. Stats.Total and the quality figures (medians,
	// ratings, top volunteers) cover exactly these records.
	Assists []domain.Assist
	// Funnel is the flow events of the period the caller wants the funnel
	// for; Stats.Flows covers exactly these events.
	Funnel []domain.FunnelEvent
	// Open is the tickets waiting in the queue.
	Open []domain.Ticket
	// Volunteers maps a volunteer's id to their display name.
	Volunteers map[int64]string
}

// location returns loc, or Vietnam's zone when loc is nil.
func location(loc *time.Location) *time.Location {
	if loc == nil {
		return vietnam
	}
	return loc
}

// startOfDay returns midnight of t's day, in t's location.
func startOfDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// startOfWeek returns midnight of the Monday of t's week, in t's location.
func startOfWeek(t time.Time) time.Time {
	back := (int(t.Weekday()) + 6) % 7 // Monday 0 ... Sunday 6
	return startOfDay(t).AddDate(0, 0, -back)
}

// Count is a number of assists with its breakdowns.
type Count struct {
	// Total is the number of assists.
	Total int
	// ByKind counts them by kind (domain.AssistFlow, domain.AssistTicket).
	ByKind map[domain.AssistKind]int
	// ByCommune counts them by commune code; "" is an unknown commune.
	ByCommune map[string]int
	// ByChannel counts them by the channel the resident came through
	// (domain.ChannelTelegram, domain.ChannelWeb).
	ByChannel map[domain.Channel]int
}

// add counts one assist.
func (c *Count) add(a domain.Assist) {
	if c.ByKind == nil {
		c.ByKind = map[domain.AssistKind]int{}
		c.ByCommune = map[string]int{}
		c.ByChannel = map[domain.Channel]int{}
	}
	c.Total++
	c.ByKind[a.Kind]++
	c.ByCommune[a.Commune]++
	c.ByChannel[a.AssistChannel()]++
}

// CommuneCount is one commune's number of assists.
type CommuneCount struct {
	Commune string // "" is an unknown commune
	Count   int
}

// Communes returns the communes by descending count, ties by commune code.
func (c Count) Communes() []CommuneCount {
	out := make([]CommuneCount, 0, len(c.ByCommune))
	for k, n := range c.ByCommune {
		out = append(out, CommuneCount{Commune: k, Count: n})
	}
	slices.SortFunc(out, func(a, b CommuneCount) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Commune, b.Commune)
	})
	return out
}

// FlowStats is one guided flow's funnel.
type FlowStats struct {
	FlowID    string
	Started   int // FlowStarted events
	Finished  int // FlowFinished events
	Abandoned int // FlowAbandoned events
	// StuckStep is the step with the most FlowAbandoned events (ties: the
	// first step name in byte order), "" when none was abandoned at a
	// named step; StuckCount is its number of abandons.
	StuckStep  string
	StuckCount int
}

// VolunteerCount is a volunteer's number of closed tickets.
type VolunteerCount struct {
	ID     int64
	Name   string // display name, or "#<id>" when unknown
	Closed int
}

// Stats is the desk's work in numbers. Compute fills it.
type Stats struct {
	// Now is the report's time in the report's location; WeekStart is the
	// Monday midnight that begins its week.
	Now       time.Time
	WeekStart time.Time
	// Today, Week and Total count the assists of Now's day, of its week,
	// and all assists given.
	Today, Week, Total Count
	// Flows is the funnel per flow, by flow id.
	Flows []FlowStats
	// Waiting is the number of tickets waiting in the queue; LongestWait
	// how long the oldest of them has waited (0 when none).
	Waiting     int
	LongestWait time.Duration
	// Timed is the number of ticket assists behind the medians;
	// MedianWaiting is their median time from question to claim and
	// MedianHandling from claim to close. Both 0 when Timed is 0.
	Timed          int
	MedianWaiting  time.Duration
	MedianHandling time.Duration
	// Rated is how many assists were rated 1..5 and RatingAverage their
	// average (0 when none).
	Rated         int
	RatingAverage float64
	// WorkedAnswers is how many assists have a "yes" or "no" to "did it
	// work?", WorkedYes how many of them said yes.
	WorkedAnswers int
	WorkedYes     int
	// TopVolunteers is the TopVolunteers volunteers with the most closed
	// tickets, most first, ties by name.
	TopVolunteers []VolunteerCount
}

// WorkedShare is the share of answers that said it worked, 0..1 (0 when
// nobody answered).
func (s Stats) WorkedShare() float64 {
	if s.WorkedAnswers == 0 {
		return 0
	}
	return float64(s.WorkedYes) / float64(s.WorkedAnswers)
}

// Compute computes the statistics of the input.
func Compute(in Input) Stats {
	loc := location(in.Location)
	now := in.Now.In(loc)
	day := startOfDay(now)
	week := startOfWeek(now)
	s := Stats{Now: now, WeekStart: week}
	nextDay, nextWeek := day.AddDate(0, 0, 1), week.AddDate(0, 0, 7)

	var waiting, handling []time.Duration
	closed := map[int64]int{}
	ratings := 0
	for _, a := range in.Assists {
		s.Total.add(a)
		if !a.At.Before(week) && a.At.Before(nextWeek) {
			s.Week.add(a)
			if !a.At.Before(day) && a.At.Before(nextDay) {
				s.Today.add(a)
			}
		}
		if a.Kind == domain.AssistTicket {
			waiting = append(waiting, a.Waiting)
			handling = append(handling, a.Handling)
			if a.VolunteerID != 0 {
				closed[a.VolunteerID]++
			}
		}
		if a.Rating >= 1 && a.Rating <= 5 {
			s.Rated++
			ratings += a.Rating
		}
		switch a.Worked {
		case "yes":
			s.WorkedYes++
			s.WorkedAnswers++
		case "no":
			s.WorkedAnswers++
		}
	}
	s.Timed = len(waiting)
	s.MedianWaiting = median(waiting)
	s.MedianHandling = median(handling)
	if s.Rated > 0 {
		s.RatingAverage = float64(ratings) / float64(s.Rated)
	}
	s.TopVolunteers = topVolunteers(closed, in.Volunteers, TopVolunteers)
	s.Flows = funnel(in.Funnel)

	s.Waiting = len(in.Open)
	for _, t := range in.Open {
		if !t.CreatedAt.IsZero() {
			s.LongestWait = max(s.LongestWait, in.Now.Sub(t.CreatedAt))
		}
	}
	return s
}

// median returns the median of ds (the mean of the two middle values for
// an even count), 0 for none. It sorts ds.
func median(ds []time.Duration) time.Duration {
	n := len(ds)
	if n == 0 {
		return 0
	}
	slices.Sort(ds)
	if n%2 == 1 {
		return ds[n/2]
	}
	a, b := ds[n/2-1], ds[n/2]
	return a + (b-a)/2
}

// topVolunteers returns the n volunteers with the most closed tickets.
func topVolunteers(closed map[int64]int, names map[int64]string, n int) []VolunteerCount {
	out := make([]VolunteerCount, 0, len(closed))
	for id, c := range closed {
		name := strings.TrimSpace(names[id])
		if name == "" {
			name = "#" + strconv.FormatInt(id, 10)
		}
		out = append(out, VolunteerCount{ID: id, Name: name, Closed: c})
	}
	slices.SortFunc(out, func(a, b VolunteerCount) int {
		if a.Closed != b.Closed {
			return b.Closed - a.Closed
		}
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// funnel returns the funnel of each flow, by flow id. Events without a
// flow id are skipped.
func funnel(events []domain.FunnelEvent) []FlowStats {
	flows := map[string]*FlowStats{}
	stuck := map[string]map[string]int{}
	for _, e := range events {
		if e.FlowID == "" {
			continue
		}
		f := flows[e.FlowID]
		if f == nil {
			f = &FlowStats{FlowID: e.FlowID}
			flows[e.FlowID] = f
		}
		switch e.Kind {
		case domain.FlowStarted:
			f.Started++
		case domain.FlowFinished:
			f.Finished++
		case domain.FlowAbandoned:
			f.Abandoned++
			if e.Step != "" {
				if stuck[e.FlowID] == nil {
					stuck[e.FlowID] = map[string]int{}
				}
				stuck[e.FlowID][e.Step]++
			}
		}
	}
	out := make([]FlowStats, 0, len(flows))
	for id, f := range flows {
		for step, n := range stuck[id] {
			if n > f.StuckCount || n == f.StuckCount && step < f.StuckStep {
				f.StuckStep, f.StuckCount = step, n
			}
		}
		out = append(out, *f)
	}
	slices.SortFunc(out, func(a, b FlowStats) int { return strings.Compare(a.FlowID, b.FlowID) })
	return out
}
