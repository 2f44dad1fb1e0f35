package reports

import (
	"maps"
	"slices"
	"time"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage/rollup"
)

// logInput is a report's input as records and events, counted into the
// counters Input holds the way the stores count them.
type logInput struct {
	Now        time.Time
	Location   *time.Location
	Assists    []domain.Assist
	Funnel     []domain.FunnelEvent
	Open       []domain.Ticket
	Volunteers map[int64]string
}

func (l logInput) input() Input {
	loc := location(l.Location)
	days := map[string]domain.Tally{}
	total := domain.Tally{}
	for _, a := range l.Assists {
		day := rollup.Day(a.At, loc)
		if days[day] == nil {
			days[day] = domain.Tally{}
		}
		for _, d := range rollup.AssistCounts(day, a) {
			days[day].AddKey(d.Key, d.N)
			total.AddKey(d.Key, d.N)
		}
	}
	in := Input{Now: l.Now, Location: l.Location, Total: total, Funnel: domain.FunnelTally{}, Open: l.Open, Volunteers: l.Volunteers}
	for _, day := range slices.Sorted(maps.Keys(days)) {
		mid, err := rollup.Midnight(day, loc)
		if err != nil {
			panic(err)
		}
		in.Days = append(in.Days, domain.DayTally{Day: mid, Tally: days[day]})
	}
	for _, e := range l.Funnel {
		in.Funnel[e.Key()]++
	}
	return in
}

func compute(l logInput) Stats { return Compute(l.input()) }
