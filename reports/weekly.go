package reports

import (
	"slices"
	"time"

	"github.com/hotroso/hotroso/domain"
)

// WeekFigures are one week's work in one scope (the province, or a
// commune), as the weekly report gives them.
type WeekFigures struct {
	// From and To bound the week: Monday 00:00 to the next Monday 00:00.
	From, To time.Time
	// ByKind counts the assists by kind, an in-person record counting its
	// people (domain.Assist.Weight); follow-up answers are not assists.
	ByKind map[domain.AssistKind]int
	// Total is the assists of every kind but follow-ups.
	Total int
	// InPersonPeople is how many people were helped in person.
	InPersonPeople int
	// QuestionsAnswered is the questions volunteers closed.
	QuestionsAnswered int
	// MedianWait is the median time a question waited for a volunteer; 0
	// when none was answered.
	MedianWait time.Duration
	// FollowUpAnswers is how many residents said how a dossier or payment
	// turned out; Confirmed how many of them said it was accepted.
	FollowUpAnswers, Confirmed int
}

// Week computes the figures of the assists with from <= At < to in the
// commune ("": every commune, the province). The assists may hold more
// than the week: the rest is left out. Whatever feeds it (the assist log,
// or daily counters summed) gives the same figures.
func Week(assists []domain.Assist, from, to time.Time, commune string) WeekFigures {
	w := WeekFigures{From: from, To: to, ByKind: map[domain.AssistKind]int{}}
	var waits []time.Duration
	for _, a := range assists {
		if a.At.Before(from) || !a.At.Before(to) || (commune != "" && a.Commune != commune) {
			continue
		}
		switch a.Kind {
		case domain.AssistFollowUp:
			w.FollowUpAnswers++
			if a.Outcome == domain.FollowUpAccepted {
				w.Confirmed++
			}
			continue
		case domain.AssistInPerson:
			w.InPersonPeople += a.Weight()
		case domain.AssistTicket:
			w.QuestionsAnswered++
			if a.Waiting > 0 {
				waits = append(waits, a.Waiting)
			}
		}
		w.ByKind[a.Kind] += a.Weight()
		w.Total += a.Weight()
	}
	w.MedianWait = median(waits)
	return w
}

// PreviousWeek is the week (Monday 00:00 to Monday 00:00, in loc; nil:
// Vietnam) before the one that holds now.
func PreviousWeek(now time.Time, loc *time.Location) (from, to time.Time) {
	to = startOfWeek(now.In(location(loc)))
	return to.AddDate(0, 0, -7), to
}

// Change is how a figure moved from the week before: the difference and,
// when the week before had any, the percentage (ok false: no percentage).
func Change(now, before int) (diff int, percent float64, ok bool) {
	diff = now - before
	if before == 0 {
		return diff, 0, false
	}
	return diff, float64(diff) * 100 / float64(before), true
}

// median is the middle of the durations (the mean of the two middle ones
// for an even count), 0 for none. It sorts ds.
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
