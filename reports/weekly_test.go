package reports

import (
	"testing"
	"time"

	"github.com/hotroso/hotroso/domain"
)

func TestWeekFiguresOfAScope(t *testing.T) {
	loc := hcm(t)
	from, to := PreviousWeek(at(loc, 3, 9, 7, 0), loc) // Monday 9 March, 07:00
	if want := at(loc, 3, 2, 0, 0); !from.Equal(want) || !to.Equal(want.AddDate(0, 0, 7)) {
		t.Fatalf("previous week %v..%v", from, to)
	}
	assists := []domain.Assist{
		flow(at(loc, 3, 2, 0, 0), thoXuan),   // Monday 00:00: in
		flow(at(loc, 3, 1, 23, 59), thoXuan), // the Sunday before: out
		flow(at(loc, 3, 9, 0, 0), thoXuan),   // the Monday after: out
		ticket(at(loc, 3, 3, 9, 0), thoXuan, 10*minute, 5*minute, 1, 0, ""),
		ticket(at(loc, 3, 4, 9, 0), thoXuan, 30*minute, 5*minute, 1, 0, ""),
		ticket(at(loc, 3, 5, 9, 0), xuanLap, 50*minute, 5*minute, 1, 0, ""),
		{At: at(loc, 3, 7, 8, 0), Kind: domain.AssistInPerson, People: 5, Commune: thoXuan},
		{At: at(loc, 3, 7, 9, 0), Kind: domain.AssistInPerson, Commune: xuanLap},
		{At: at(loc, 3, 8, 9, 0), Kind: domain.AssistFollowUp, Outcome: domain.FollowUpAccepted, Commune: thoXuan},
		{At: at(loc, 3, 8, 9, 0), Kind: domain.AssistFollowUp, Outcome: domain.FollowUpSentBack, Commune: thoXuan},
	}
	all := Week(assists, from, to, "")
	if all.Total != 1+3+6 || all.ByKind[domain.AssistFlow] != 1 || all.ByKind[domain.AssistTicket] != 3 || all.ByKind[domain.AssistInPerson] != 6 {
		t.Errorf("province: %+v", all)
	}
	if all.InPersonPeople != 6 || all.QuestionsAnswered != 3 || all.MedianWait != 30*minute || all.FollowUpAnswers != 2 || all.Confirmed != 1 {
		t.Errorf("province: %+v", all)
	}
	one := Week(assists, from, to, thoXuan)
	if one.Total != 1+2+5 || one.QuestionsAnswered != 2 || one.MedianWait != 20*minute || one.InPersonPeople != 5 || one.Confirmed != 1 {
		t.Errorf("commune: %+v", one)
	}
	if none := Week(nil, from, to, ""); none.Total != 0 || none.MedianWait != 0 {
		t.Errorf("empty week: %+v", none)
	}
}

func TestChange(t *testing.T) {
	for _, c := range []struct {
		now, before, diff int
		pct               float64
		ok                bool
	}{{12, 10, 2, 20, true}, {5, 10, -5, -50, true}, {3, 0, 3, 0, false}, {0, 0, 0, 0, false}} {
		diff, pct, ok := Change(c.now, c.before)
		if diff != c.diff || pct != c.pct || ok != c.ok {
			t.Errorf("Change(%d, %d) = %d, %v, %v", c.now, c.before, diff, pct, ok)
		}
	}
}

func TestPreviousWeekFromAnyDay(t *testing.T) {
	loc := hcm(t)
	for _, now := range []time.Time{at(loc, 3, 9, 0, 0), at(loc, 3, 12, 13, 0), at(loc, 3, 15, 23, 59)} {
		from, _ := PreviousWeek(now, loc)
		if !from.Equal(at(loc, 3, 2, 0, 0)) {
			t.Errorf("%v: from %v", now, from)
		}
	}
}
