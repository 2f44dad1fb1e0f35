package domain

import "time"

// CountPart says what a count of a Tally counts.
type CountPart string

// Count parts. Every key carries the commune, so that a commune's
// organizer reads their commune alone.
const (
	// CountAssists: assists, weighted (Assist.Weight), by Kind, Commune,
	// Flow, Outcome and Topic.
	CountAssists CountPart = "n"
	// CountDaily: assists, weighted, by Kind, Commune and Channel alone:
	// what a chart and a week's figures need, a few hundred counts a day.
	CountDaily CountPart = "d"
	// CountByVolunteer: assists, weighted, by Kind, Commune and Volunteer.
	CountByVolunteer CountPart = "v"
	// CountWaiting: ticket assists by Commune and waiting time, Bucket
	// being the minutes of MinuteBucket.
	CountWaiting CountPart = "w"
	// CountHandling: ticket assists by Commune and handling time, as
	// CountWaiting.
	CountHandling CountPart = "h"
	// CountRating: ratings by Commune and rating, Bucket 1..5.
	CountRating CountPart = "r"
	// CountWorked: "did it work?" answers by Commune and answer, Outcome
	// "yes" or "no".
	CountWorked CountPart = "k"
)

// CountKey is what one count of a Tally is split by; fields a part does
// not use are zero.
type CountKey struct {
	Part      CountPart
	Kind      AssistKind
	Commune   string
	Flow      string
	Outcome   string
	Topic     string
	Volunteer int64
	Bucket    int
	// Channel is a CountDaily count's channel: "" for Telegram (as the
	// records from before channels have it), ChannelWeb for the web chat.
	Channel Channel
}

// Tally is counts of the assist log, summed over some days. Zero counts
// are left out.
type Tally map[CountKey]int64

// Add adds o's counts to t.
func (t Tally) Add(o Tally) {
	for k, n := range o {
		t.AddKey(k, n)
	}
}

// AddKey adds n to the count of k, dropping it when it becomes zero.
func (t Tally) AddKey(k CountKey, n int64) {
	if s := t[k] + n; s != 0 {
		t[k] = s
	} else {
		delete(t, k)
	}
}

// DayTally is one local day's counts: Day is its midnight in the desk's
// time zone.
type DayTally struct {
	Day   time.Time
	Tally Tally
}

// MinuteBucket is the histogram bucket a waiting or handling time is
// counted in, as the minutes it stands for: whole minutes (rounded) up to
// an hour, then 5 minutes up to 3 hours, 30 minutes up to a day, an hour up
// to a week, and 10080 (a week) for anything longer. A negative duration
// counts as 0. A median taken over buckets is exact for times in whole
// minutes under an hour, and otherwise within half a bucket.
func MinuteBucket(d time.Duration) int {
	m := int((d + 30*time.Second) / time.Minute)
	switch {
	case m < 0:
		return 0
	case m < 60:
		return m
	case m < 180:
		return roundTo(m, 5)
	case m < 24*60:
		return roundTo(m, 30)
	case m < 7*24*60:
		return roundTo(m, 60)
	}
	return 7 * 24 * 60
}

// roundTo rounds m to the nearest multiple of step.
func roundTo(m, step int) int { return (m + step/2) / step * step }

// FunnelKey is what a funnel count is split by: the flow, the kind of
// event, and the step (StepEntered, FlowAbandoned) or outcome
// (FlowFinished) it names.
type FunnelKey struct {
	Flow    string
	Kind    FunnelKind
	Step    string
	Outcome string
}

// FunnelTally is counts of funnel events.
type FunnelTally map[FunnelKey]int64

// Key is the funnel count an event adds to.
func (e FunnelEvent) Key() FunnelKey {
	return FunnelKey{Flow: e.FlowID, Kind: e.Kind, Step: e.Step, Outcome: e.Outcome}
}
