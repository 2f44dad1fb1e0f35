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
	"maps"
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

// Input is what a report is computed from: the store's counters, not its
// log. The caller loads it; nothing in this package reads storage.
type Input struct {
	// Now is the time of the report.
	Now time.Time
	// Location is where days and weeks are counted; nil means UTC+7
	// (Vietnam, which has no daylight saving time).
	Location *time.Location
	// Days is the counters of the days up to Now's, oldest first: at
	// least since the start of Now's week (for Stats.Today and Week), and
	// as many days as a chart shows. Their domain.CountDaily counts are
	// all that is read of them.
	Days []domain.DayTally
	// Total is the counters of all days: Stats.Total and the quality
	// figures (medians, ratings, top volunteers, confirmed outcomes).
	Total domain.Tally
	// Funnel is the funnel counters the flow figures cover (nil: none).
	Funnel domain.FunnelTally
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

// Count is a number of assists with its breakdowns. Follow-up answers
// are not assists: Stats counts them apart.
type Count struct {
	// Total is the number of assists, in-person ones counting their people.
	Total int
	// ByKind counts them by kind (domain.AssistFlow, AssistTicket,
	// AssistInPerson).
	ByKind map[domain.AssistKind]int
	// ByCommune counts them by commune code; "" is an unknown commune.
	ByCommune map[string]int
	// ByChannel counts them by the channel the resident came through
	// (domain.ChannelTelegram, domain.ChannelWeb).
	ByChannel map[domain.Channel]int
	// ByTopic counts the in-person assists by topic (domain.Topics), when
	// the counters it was counted from had topics (Stats.Total does).
	ByTopic map[string]int
}

// addTally counts a tally's assists.
func (c *Count) addTally(t domain.Tally) {
	if c.ByKind == nil {
		c.ByKind, c.ByCommune, c.ByTopic = map[domain.AssistKind]int{}, map[string]int{}, map[string]int{}
		c.ByChannel = map[domain.Channel]int{}
	}
	for k, n := range t {
		switch {
		case k.Kind == domain.AssistFollowUp:
		case k.Part == domain.CountDaily:
			c.Total += int(n)
			c.ByKind[k.Kind] += int(n)
			c.ByCommune[k.Commune] += int(n)
			c.ByChannel[domain.Assist{Channel: k.Channel}.AssistChannel()] += int(n)
		case k.Part == domain.CountAssists && k.Kind == domain.AssistInPerson:
			c.ByTopic[k.Topic] += int(n)
		}
	}
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
	// FollowUps is how many residents answered an outcome follow-up and
	// Confirmed how many of them said it was accepted.
	FollowUps int
	Confirmed int
}

// ConfirmedShare is the share of follow-up answers that confirmed the
// outcome, 0..1 (0 when nobody answered).
func (s Stats) ConfirmedShare() float64 {
	if s.FollowUps == 0 {
		return 0
	}
	return float64(s.Confirmed) / float64(s.FollowUps)
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
	s.Today.addTally(nil)
	s.Week.addTally(nil)
	for _, d := range in.Days {
		at := d.Day.In(loc)
		if !at.Before(week) && at.Before(week.AddDate(0, 0, 7)) {
			s.Week.addTally(d.Tally)
		}
		if startOfDay(at).Equal(day) {
			s.Today.addTally(d.Tally)
		}
	}
	s.Total.addTally(in.Total)
	s.quality(in.Total)
	closed := map[int64]int{}
	for k, n := range in.Total {
		switch {
		case k.Part == domain.CountByVolunteer && k.Kind == domain.AssistTicket && k.Volunteer != 0:
			closed[k.Volunteer] += int(n)
		case k.Part == domain.CountAssists && k.Kind == domain.AssistFollowUp:
			s.FollowUps += int(n)
			if k.Outcome == domain.FollowUpAccepted {
				s.Confirmed += int(n)
			}
		}
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

// quality sets the medians, ratings and "worked" answers from the
// counters' histograms.
func (s *Stats) quality(t domain.Tally) {
	waiting, handling := histogram{}, histogram{}
	ratings := 0
	for k, n := range t {
		switch k.Part {
		case domain.CountWaiting:
			waiting[k.Bucket] += int(n)
		case domain.CountHandling:
			handling[k.Bucket] += int(n)
		case domain.CountRating:
			s.Rated += int(n)
			ratings += k.Bucket * int(n)
		case domain.CountWorked:
			s.WorkedAnswers += int(n)
			if k.Outcome == "yes" {
				s.WorkedYes += int(n)
			}
		}
	}
	s.Timed = waiting.count()
	s.MedianWaiting, s.MedianHandling = waiting.median(), handling.median()
	if s.Rated > 0 {
		s.RatingAverage = float64(ratings) / float64(s.Rated)
	}
}

// histogram counts times by bucket (domain.MinuteBucket: minutes).
type histogram map[int]int

func (h histogram) count() int {
	n := 0
	for _, c := range h {
		n += max(c, 0)
	}
	return n
}

// median is the bucket of the middle time (the mean of the two middle
// buckets for an even count), 0 for none: exact for whole minutes under
// an hour, within half a bucket beyond.
func (h histogram) median() time.Duration {
	n := h.count()
	if n == 0 {
		return 0
	}
	buckets := slices.Sorted(maps.Keys(h))
	nth := func(i int) int { // the bucket of the i-th time, from 0
		for _, b := range buckets {
			if i -= max(h[b], 0); i < 0 {
				return b
			}
		}
		return buckets[len(buckets)-1]
	}
	lo, hi := nth((n-1)/2), nth(n/2)
	return time.Duration(lo+hi) * time.Minute / 2
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

// funnel returns the funnel of each flow, by flow id. Counts without a
// flow id are skipped.
func funnel(counts domain.FunnelTally) []FlowStats {
	flows := map[string]*FlowStats{}
	stuck := map[[2]string]int{} // flow, step -> abandons
	for k, n := range counts {
		if k.Flow == "" {
			continue
		}
		f := flows[k.Flow]
		if f == nil {
			f = &FlowStats{FlowID: k.Flow}
			flows[k.Flow] = f
		}
		switch k.Kind {
		case domain.FlowStarted:
			f.Started += int(n)
		case domain.FlowFinished:
			f.Finished += int(n)
		case domain.FlowAbandoned:
			f.Abandoned += int(n)
			if k.Step != "" {
				stuck[[2]string{k.Flow, k.Step}] += int(n)
			}
		}
	}
	for fs, n := range stuck {
		f := flows[fs[0]]
		if n > f.StuckCount || n == f.StuckCount && fs[1] < f.StuckStep {
			f.StuckStep, f.StuckCount = fs[1], n
		}
	}
	out := make([]FlowStats, 0, len(flows))
	for _, f := range flows {
		out = append(out, *f)
	}
	slices.SortFunc(out, func(a, b FlowStats) int { return strings.Compare(a.FlowID, b.FlowID) })
	return out
}
