package reports

import (
	"maps"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests need Asia/Ho_Chi_Minh on any machine

	"github.com/hotroso/hotroso/domain"
)

// Communes of the seeded log.
const (
	thoXuan  = "Thọ Xuân"
	xuanLap  = "Xuân Lập"
	hoangHoa = "Hoằng Hóa"
)

func hcm(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// at is a local time in March 2026 (or another month when month != 3).
func at(loc *time.Location, month time.Month, day, hour, minute int) time.Time {
	return time.Date(2026, month, day, hour, minute, 0, 0, loc)
}

func flow(at time.Time, commune string) domain.Assist {
	return domain.Assist{At: at, Kind: domain.AssistFlow, FlowID: "vneid", Step: "done", Outcome: "ok", Commune: commune}
}

func ticket(at time.Time, commune string, waiting, handling time.Duration, volunteer int64, rating int, worked string) domain.Assist {
	return domain.Assist{At: at, Kind: domain.AssistTicket, TicketID: at.Unix(), Waiting: waiting, Handling: handling,
		VolunteerID: volunteer, Commune: commune, Rating: rating, Worked: worked, Outcome: "solved"}
}

const minute = time.Minute

// seeded is Wednesday 11 March 2026, 15:00 in Ho Chi Minh City, and an
// assist log of 3 assists that day, 5 earlier that week and 7 the month
// before, across 3 communes (and one unknown) and both kinds.
func seeded(t *testing.T) logInput {
	loc := hcm(t)
	assists := []domain.Assist{
		// February: 4 flows, 3 tickets.
		flow(at(loc, 2, 2, 9, 0), thoXuan),
		flow(at(loc, 2, 3, 9, 0), xuanLap),
		flow(at(loc, 2, 10, 9, 0), hoangHoa),
		flow(at(loc, 2, 20, 9, 0), hoangHoa),
		ticket(at(loc, 2, 5, 10, 0), thoXuan, 40*minute, 30*minute, 2, 2, "yes"),
		ticket(at(loc, 2, 6, 10, 0), xuanLap, 50*minute, 45*minute, 2, 0, ""),
		ticket(at(loc, 2, 27, 10, 0), hoangHoa, 60*minute, 90*minute, 3, 0, ""),
		// Earlier this week (Monday 9 and Tuesday 10 March): 3 flows, 2 tickets.
		flow(at(loc, 3, 9, 0, 0), ""),
		flow(at(loc, 3, 9, 8, 0), xuanLap),
		ticket(at(loc, 3, 10, 12, 0), hoangHoa, 20*minute, 60*minute, 1, 3, "yes"),
		flow(at(loc, 3, 10, 23, 59), hoangHoa),
		ticket(at(loc, 3, 10, 18, 0), thoXuan, 5*minute, 10*minute, 3, 0, ""),
		// Today, Wednesday 11 March: 1 flow, 2 tickets.
		flow(at(loc, 3, 11, 9, 0), thoXuan),
		ticket(at(loc, 3, 11, 10, 0), thoXuan, 10*minute, 20*minute, 1, 5, "yes"),
		ticket(at(loc, 3, 11, 14, 59), xuanLap, 30*minute, 40*minute, 2, 4, "no"),
	}
	now := at(loc, 3, 11, 15, 0)
	return logInput{
		Now:        now,
		Location:   loc,
		Assists:    assists,
		Open:       []domain.Ticket{{ID: 1, CreatedAt: now.Add(-25 * minute)}, {ID: 2, CreatedAt: now.Add(-90 * minute)}},
		Volunteers: map[int64]string{1: "Lan", 3: "Bình"},
	}
}

func checkCount(t *testing.T, name string, got Count, total, flows, tickets int, communes map[string]int) {
	t.Helper()
	if got.Total != total || got.ByKind[domain.AssistFlow] != flows || got.ByKind[domain.AssistTicket] != tickets {
		t.Errorf("%s: total %d (flow %d, ticket %d), want %d (%d, %d)", name, got.Total,
			got.ByKind[domain.AssistFlow], got.ByKind[domain.AssistTicket], total, flows, tickets)
	}
	if !maps.Equal(got.ByCommune, communes) {
		t.Errorf("%s: communes %v, want %v", name, got.ByCommune, communes)
	}
}

func TestComputeSeeded(t *testing.T) {
	s := compute(seeded(t))
	checkCount(t, "today", s.Today, 3, 1, 2, map[string]int{thoXuan: 2, xuanLap: 1})
	checkCount(t, "week", s.Week, 8, 4, 4, map[string]int{thoXuan: 3, xuanLap: 2, hoangHoa: 2, "": 1})
	checkCount(t, "total", s.Total, 15, 8, 7, map[string]int{thoXuan: 5, xuanLap: 4, hoangHoa: 5, "": 1})

	if want := at(hcm(t), 3, 9, 0, 0); !s.WeekStart.Equal(want) {
		t.Errorf("week starts %v, want %v", s.WeekStart, want)
	}
	// Waiting 5 10 20 30 40 50 60, handling 10 20 30 40 45 60 90.
	if s.Timed != 7 || s.MedianWaiting != 30*minute || s.MedianHandling != 40*minute {
		t.Errorf("timed %d, medians %v / %v, want 7, 30m / 40m", s.Timed, s.MedianWaiting, s.MedianHandling)
	}
	if s.Rated != 4 || s.RatingAverage != 3.5 {
		t.Errorf("rating %v of %d, want 3.5 of 4", s.RatingAverage, s.Rated)
	}
	if s.WorkedAnswers != 4 || s.WorkedYes != 3 || s.WorkedShare() != 0.75 {
		t.Errorf("worked %d of %d (%v), want 3 of 4", s.WorkedYes, s.WorkedAnswers, s.WorkedShare())
	}
	if s.Waiting != 2 || s.LongestWait != 90*minute {
		t.Errorf("waiting %d, longest %v, want 2, 90m", s.Waiting, s.LongestWait)
	}
	want := []VolunteerCount{{2, "#2", 3}, {3, "Bình", 2}, {1, "Lan", 2}}
	if len(s.TopVolunteers) != len(want) {
		t.Fatalf("top volunteers %v, want %v", s.TopVolunteers, want)
	}
	for i := range want {
		if s.TopVolunteers[i] != want[i] {
			t.Errorf("top volunteer %d: %v, want %v", i, s.TopVolunteers[i], want[i])
		}
	}
}

func TestComputeEmpty(t *testing.T) {
	s := compute(logInput{Now: time.Now()})
	if s.Total.Total != 0 || s.Timed != 0 || s.MedianWaiting != 0 || s.Rated != 0 || s.WorkedShare() != 0 ||
		len(s.TopVolunteers) != 0 || len(s.Flows) != 0 || s.Waiting != 0 {
		t.Errorf("empty input gave %+v", s)
	}
	if _, off := s.Now.Zone(); off != 7*60*60 {
		t.Errorf("nil location: offset %d, want UTC+7", off)
	}
}

// TestWeekBoundary: early on Monday in Ho Chi Minh City it is still Sunday
// in UTC, but the new week has begun; an assist at Sunday 23:30 local
// belongs to the week before, one at Monday 00:30 local (Sunday in UTC) to
// this week and today.
func TestWeekBoundary(t *testing.T) {
	loc := hcm(t)
	now := at(loc, 3, 9, 6, 0) // Monday 06:00 local, Sunday 23:00 UTC
	if now.UTC().Weekday() != time.Sunday || now.Weekday() != time.Monday {
		t.Fatal("bad fixture")
	}
	s := compute(logInput{Now: now, Location: loc, Assists: []domain.Assist{
		flow(at(loc, 3, 8, 23, 30), "sunday"),  // Sunday 16:30 UTC
		flow(at(loc, 3, 9, 0, 30), "monday"),   // Sunday 17:30 UTC
		flow(at(loc, 3, 16, 0, 30), "next"),    // next Monday: not this week
		flow(at(loc, 3, 2, 12, 0), "week ago"), // the Monday before
	}})
	checkCount(t, "today", s.Today, 1, 1, 0, map[string]int{"monday": 1})
	checkCount(t, "week", s.Week, 1, 1, 0, map[string]int{"monday": 1})
	if s.Total.Total != 4 {
		t.Errorf("total %d, want 4", s.Total.Total)
	}
	if want := at(loc, 3, 9, 0, 0); !s.WeekStart.Equal(want) {
		t.Errorf("week starts %v, want %v", s.WeekStart, want)
	}

	// On Sunday evening the week began the Monday before.
	s = compute(logInput{Now: at(loc, 3, 8, 23, 45), Location: loc, Assists: []domain.Assist{
		flow(at(loc, 3, 8, 23, 30), "sunday"),
		flow(at(loc, 3, 2, 0, 0), "monday"),
		flow(at(loc, 3, 1, 23, 59), "before"),
	}})
	checkCount(t, "sunday week", s.Week, 2, 2, 0, map[string]int{"sunday": 1, "monday": 1})
	checkCount(t, "sunday today", s.Today, 1, 1, 0, map[string]int{"sunday": 1})
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []time.Duration
		want time.Duration
	}{
		{nil, 0},
		{[]time.Duration{7 * minute}, 7 * minute},
		{[]time.Duration{3 * minute, 1 * minute, 2 * minute}, 2 * minute},
		{[]time.Duration{4 * minute, 1 * minute, 3 * minute, 2 * minute}, 150 * time.Second},
		{[]time.Duration{10 * minute, 20 * minute}, 15 * minute},
		{[]time.Duration{20 * time.Second, 40 * time.Second}, 30 * time.Second},   // buckets of whole minutes, rounded
		{[]time.Duration{100 * minute, 102 * minute, 240 * minute}, 100 * minute}, // 5-minute buckets past an hour
	} {
		h := histogram{}
		for _, d := range c.in {
			h[domain.MinuteBucket(d)]++
		}
		if got := h.median(); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestMedianThroughCompute(t *testing.T) {
	now := time.Now()
	in := logInput{Now: now, Assists: []domain.Assist{
		ticket(now, "", 10*minute, 1*minute, 1, 0, ""),
		ticket(now, "", 40*minute, 2*minute, 1, 0, ""),
		flow(now, ""), // flows have no waiting: not in the median
		ticket(now, "", 20*minute, 4*minute, 1, 0, ""),
		ticket(now, "", 30*minute, 3*minute, 1, 0, ""),
	}}
	s := compute(in)
	if s.MedianWaiting != 25*minute || s.MedianHandling != 150*time.Second {
		t.Errorf("medians %v / %v, want 25m / 2m30s", s.MedianWaiting, s.MedianHandling)
	}
	in.Assists = in.Assists[:4]
	if s = compute(in); s.MedianWaiting != 20*minute || s.MedianHandling != 2*minute {
		t.Errorf("odd medians %v / %v, want 20m / 2m", s.MedianWaiting, s.MedianHandling)
	}
}

func TestFunnel(t *testing.T) {
	ev := func(kind domain.FunnelKind, flow, step string) domain.FunnelEvent {
		return domain.FunnelEvent{Kind: kind, FlowID: flow, Step: step}
	}
	var events []domain.FunnelEvent
	for range 5 {
		events = append(events, ev(domain.FlowStarted, "vneid", "start"), ev(domain.StepEntered, "vneid", "otp"))
	}
	events = append(events,
		ev(domain.FlowFinished, "vneid", "done"), ev(domain.FlowFinished, "vneid", "done"),
		ev(domain.FlowAbandoned, "vneid", "photo"), ev(domain.FlowAbandoned, "vneid", "otp"),
		ev(domain.FlowAbandoned, "vneid", "start"), ev(domain.FlowAbandoned, "vneid", "photo"),
		ev(domain.FlowAbandoned, "vneid", "otp"), // otp and photo tie at 2: otp comes first
		ev(domain.FlowStarted, "bank", "start"), ev(domain.FlowAbandoned, "bank", ""),
		ev(domain.FlowStarted, "", "start"), // no flow: skipped
	)
	got := compute(logInput{Now: time.Now(), Funnel: events}).Flows
	want := []FlowStats{
		{FlowID: "bank", Started: 1, Abandoned: 1},
		{FlowID: "vneid", Started: 5, Finished: 2, Abandoned: 5, StuckStep: "otp", StuckCount: 2},
	}
	if len(got) != len(want) {
		t.Fatalf("flows %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("flow %d: %+v, want %+v", i, got[i], want[i])
		}
	}

	// One more abandon at photo makes it the stuck step.
	events = append(events, ev(domain.FlowAbandoned, "vneid", "photo"))
	if f := compute(logInput{Now: time.Now(), Funnel: events}).Flows[1]; f.StuckStep != "photo" || f.StuckCount != 3 {
		t.Errorf("stuck at %q (%d), want photo (3)", f.StuckStep, f.StuckCount)
	}
}

func TestTopVolunteers(t *testing.T) {
	now := time.Now()
	var assists []domain.Assist
	closes := map[int64]int{10: 4, 11: 2, 12: 6, 13: 2, 14: 1, 15: 2, 16: 3}
	for id, n := range closes {
		for range n {
			assists = append(assists, ticket(now, "", minute, minute, id, 0, ""))
		}
	}
	assists = append(assists,
		ticket(now, "", minute, minute, 0, 0, ""), // no volunteer
		domain.Assist{At: now, Kind: domain.AssistFlow, VolunteerID: 14},
		domain.Assist{At: now, Kind: domain.AssistFlow, VolunteerID: 14}, // flows are no closed tickets
	)
	names := map[int64]string{10: "Minh", 11: "Xuân", 12: "Hà", 13: "An", 15: "  "}
	got := compute(logInput{Now: now, Assists: assists, Volunteers: names}).TopVolunteers
	want := []VolunteerCount{{12, "Hà", 6}, {10, "Minh", 4}, {16, "#16", 3}, {15, "#15", 2}, {13, "An", 2}}
	if len(got) != TopVolunteers || len(got) != len(want) {
		t.Fatalf("top %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("place %d: %v, want %v", i+1, got[i], want[i])
		}
	}
}

func TestCountsSplitByChannel(t *testing.T) {
	now := time.Date(2026, time.March, 11, 10, 0, 0, 0, time.UTC)
	s := compute(logInput{Now: now, Assists: []domain.Assist{
		{At: now.Add(-time.Hour), Kind: domain.AssistFlow},
		{At: now.Add(-time.Hour), Kind: domain.AssistTicket, Channel: domain.ChannelWeb},
		{At: now.Add(-2 * time.Hour), Kind: domain.AssistFlow, Channel: domain.ChannelWeb},
		{At: now.Add(-3 * time.Hour), Kind: domain.AssistInPerson, People: 4, Channel: domain.ChannelTelegram},
		{At: now.AddDate(0, 0, -8), Kind: domain.AssistTicket, Channel: domain.ChannelWeb}, // the week before
	}})
	if !maps.Equal(s.Week.ByChannel, map[domain.Channel]int{domain.ChannelTelegram: 5, domain.ChannelWeb: 2}) {
		t.Errorf("by channel: %v", s.Week.ByChannel)
	}
	for lang, want := range map[string]string{"vi": "Theo kênh (tuần này): Telegram 5 · trang web 2", "en": "By channel (this week): Telegram 5 · web page 2"} {
		if text := s.Text(lang); !strings.Contains(text, want) {
			t.Errorf("%s summary lacks %q:\n%s", lang, want, text)
		}
	}
}
