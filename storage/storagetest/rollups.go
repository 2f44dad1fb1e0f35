package storagetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
	"github.com/hotroso/hotroso/storage/rollup"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// vietnam is where the suite's stores count days (their default).
var vietnam = rollup.Vietnam

func (s suite) testRollups(t *testing.T) {
	t.Run("RecordCounts", s.testRecordCounts)
	t.Run("ChannelCounted", s.testChannelCounted)
	t.Run("Withdraw", s.testWithdraw)
	t.Run("RatingsCounted", s.testRatingsCounted)
	t.Run("DayBoundaries", s.testDayBoundaries)
	t.Run("ScanPagesAndScope", s.testScanPages)
	t.Run("FunnelCounters", s.testFunnelCounters)
}

// key builders for the expected tallies.
func nKey(kind domain.AssistKind, commune, flow, outcome, topic string) domain.CountKey {
	return domain.CountKey{Part: domain.CountAssists, Kind: kind, Commune: commune, Flow: flow, Outcome: outcome, Topic: topic}
}

func (s suite) testRecordCounts(t *testing.T) {
	st, clock := s.store(t)
	t0 := clock.Now() // 16:00 in Vietnam
	records := []domain.Assist{
		{At: t0, Kind: domain.AssistFlow, FlowID: "vneid", Outcome: "done", Commune: "16522"},
		{At: t0.Add(time.Minute), Kind: domain.AssistFlow, FlowID: "vneid", Outcome: "done", Commune: "16522"},
		{At: t0, Kind: domain.AssistTicket, TicketID: 3, FlowID: "pay", Outcome: "solved", Commune: "16522",
			Waiting: 4 * time.Minute, Handling: 10 * time.Minute, VolunteerID: 500},
		{At: t0, Kind: domain.AssistInPerson, Topic: domain.TopicDossier, People: 3, VolunteerID: 500, Commune: "16525", Note: "ở nhà văn hóa"},
		{At: t0, Kind: domain.AssistFollowUp, FlowID: "dossier", Outcome: domain.FollowUpAccepted, Commune: "16522"},
		{At: t0.AddDate(0, 0, -1), Kind: domain.AssistFlow, FlowID: "safety", Outcome: "done"},
	}
	for _, a := range records {
		require.NoError(t, st.RecordAssist(ctx(t), a))
	}
	days, err := st.AssistCounts(ctx(t), t0.AddDate(0, 0, -1), t0, "")
	require.NoError(t, err)
	require.Len(t, days, 2)
	assert.True(t, days[0].Day.Equal(time.Date(2025, 2, 28, 0, 0, 0, 0, vietnam)), "days start at Vietnam's midnight: %v", days[0].Day)
	assert.Equal(t, domain.Tally{nKey(domain.AssistFlow, "", "safety", "done", ""): 1,
		{Part: domain.CountDaily, Kind: domain.AssistFlow}: 1}, days[0].Tally)
	daily, err := st.AssistCounts(ctx(t), t0, t0, "", domain.CountDaily)
	require.NoError(t, err)
	assert.Equal(t, domain.Tally{{Part: domain.CountDaily, Kind: domain.AssistFlow, Commune: "16522"}: 2,
		{Part: domain.CountDaily, Kind: domain.AssistTicket, Commune: "16522"}:   1,
		{Part: domain.CountDaily, Kind: domain.AssistInPerson, Commune: "16525"}: 3,
		{Part: domain.CountDaily, Kind: domain.AssistFollowUp, Commune: "16522"}: 1}, daily[0].Tally, "one part alone")
	today := days[1].Tally
	assert.EqualValues(t, 2, today[nKey(domain.AssistFlow, "16522", "vneid", "done", "")])
	assert.EqualValues(t, 1, today[nKey(domain.AssistTicket, "16522", "pay", "solved", "")])
	assert.EqualValues(t, 3, today[nKey(domain.AssistInPerson, "16525", "", "", domain.TopicDossier)], "in person: weighted by people")
	assert.EqualValues(t, 1, today[nKey(domain.AssistFollowUp, "16522", "dossier", domain.FollowUpAccepted, "")])
	assert.EqualValues(t, 1, today[domain.CountKey{Part: domain.CountByVolunteer, Kind: domain.AssistTicket, Commune: "16522", Volunteer: 500}])
	assert.EqualValues(t, 3, today[domain.CountKey{Part: domain.CountByVolunteer, Kind: domain.AssistInPerson, Commune: "16525", Volunteer: 500}])
	assert.EqualValues(t, 1, today[domain.CountKey{Part: domain.CountWaiting, Commune: "16522", Bucket: 4}])
	assert.EqualValues(t, 1, today[domain.CountKey{Part: domain.CountHandling, Commune: "16522", Bucket: 10}])
	assert.Equal(t, expectedTally(records[:5]), today)

	total, err := st.AssistTotals(ctx(t), "")
	require.NoError(t, err)
	assert.Equal(t, expectedTally(records), total)
	scoped, err := st.AssistTotals(ctx(t), "16525")
	require.NoError(t, err)
	assert.Equal(t, expectedTally(records[3:4]), scoped, "a commune's counts alone")
	scopedDays, err := st.AssistCounts(ctx(t), t0, t0, "16522")
	require.NoError(t, err)
	assert.Equal(t, expectedTally([]domain.Assist{records[0], records[1], records[2], records[4]}), scopedDays[0].Tally)

	got, err := st.AssistsBetween(ctx(t), t0, t0.Add(time.Hour))
	require.NoError(t, err)
	require.Len(t, got, 5)
	ids := map[string]bool{}
	for _, a := range got {
		require.NotEmpty(t, a.ID)
		ids[a.ID] = true
	}
	assert.Len(t, ids, 5, "ids are unique")
}

// expectedTally is what the records count, by the shared projection.
func expectedTally(records []domain.Assist) domain.Tally {
	out := domain.Tally{}
	for _, a := range records {
		for _, d := range rollup.AssistCounts(rollup.Day(a.At, vietnam), a) {
			out.AddKey(d.Key, d.N)
		}
	}
	return out
}

// The daily counts split by channel: Telegram as "" (an empty channel or
// ChannelTelegram), the web chat apart; withdrawing takes its channel's.
func (s suite) testChannelCounted(t *testing.T) {
	st, clock := s.store(t)
	t0 := clock.Now()
	web := domain.Assist{At: t0.Add(time.Second), Kind: domain.AssistFlow, FlowID: "vneid", Commune: "16522",
		Channel: domain.ChannelWeb, ID: rollup.NewAssistID(t0.Add(time.Second))}
	for _, a := range []domain.Assist{
		{At: t0, Kind: domain.AssistFlow, FlowID: "vneid", Commune: "16522"},
		{At: t0, Kind: domain.AssistFlow, FlowID: "vneid", Commune: "16522", Channel: domain.ChannelTelegram},
		{At: t0, Kind: domain.AssistTicket, TicketID: 9, Commune: "16522", Channel: domain.ChannelWeb, Waiting: time.Minute},
		web,
	} {
		require.NoError(t, st.RecordAssist(ctx(t), a))
	}
	daily := func(kind domain.AssistKind, ch domain.Channel) domain.CountKey {
		return domain.CountKey{Part: domain.CountDaily, Kind: kind, Commune: "16522", Channel: ch}
	}
	want := domain.Tally{daily(domain.AssistFlow, ""): 2, daily(domain.AssistFlow, domain.ChannelWeb): 1,
		daily(domain.AssistTicket, domain.ChannelWeb): 1}
	days, err := st.AssistCounts(ctx(t), t0, t0, "", domain.CountDaily)
	require.NoError(t, err)
	assert.Equal(t, want, days[0].Tally)
	total, err := st.AssistTotals(ctx(t), "16522")
	require.NoError(t, err)
	for k, n := range want {
		assert.Equal(t, n, total[k], "total %v", k)
	}
	assert.EqualValues(t, 3, total[nKey(domain.AssistFlow, "16522", "vneid", "", "")], "the other parts know no channel")

	_, err = st.WithdrawAssist(ctx(t), web.ID)
	require.NoError(t, err)
	days, err = st.AssistCounts(ctx(t), t0, t0, "", domain.CountDaily)
	require.NoError(t, err)
	delete(want, daily(domain.AssistFlow, domain.ChannelWeb))
	assert.Equal(t, want, days[0].Tally)
}

func (s suite) testWithdraw(t *testing.T) {
	st, clock := s.store(t)
	t0 := clock.Now()
	keep := domain.Assist{At: t0, Kind: domain.AssistInPerson, Topic: domain.TopicPayment, People: 2, VolunteerID: 7, Commune: "16522"}
	undo := domain.Assist{At: t0.Add(time.Second), Kind: domain.AssistInPerson, Topic: domain.TopicSafety, People: 5,
		VolunteerID: 7, Commune: "16522", ID: rollup.NewAssistID(t0.Add(time.Second))}
	require.NoError(t, st.RecordAssist(ctx(t), keep))
	require.NoError(t, st.RecordAssist(ctx(t), undo))
	require.Error(t, st.RecordAssist(ctx(t), undo), "an id is recorded once")
	bad := undo
	bad.ID = "my-own-id"
	require.ErrorIs(t, st.RecordAssist(ctx(t), bad), rollup.ErrAssistID)
	bad.ID = rollup.NewAssistID(t0.Add(time.Hour))
	require.ErrorIs(t, st.RecordAssist(ctx(t), bad), rollup.ErrAssistID, "an id names its record's time")

	got, err := st.WithdrawAssist(ctx(t), undo.ID)
	require.NoError(t, err)
	assert.Equal(t, undo.People, got.People)
	assert.Equal(t, domain.TopicSafety, got.Topic)
	_, err = st.WithdrawAssist(ctx(t), undo.ID)
	require.ErrorIs(t, err, storage.ErrNotFound, "withdrawn already")
	_, err = st.WithdrawAssist(ctx(t), rollup.NewAssistID(t0))
	require.ErrorIs(t, err, storage.ErrNotFound, "never recorded")
	_, err = st.WithdrawAssist(ctx(t), "nonsense")
	require.ErrorIs(t, err, storage.ErrNotFound)

	total, err := st.AssistTotals(ctx(t), "")
	require.NoError(t, err)
	assert.Equal(t, expectedTally([]domain.Assist{keep}), total, "the withdrawn record is off the counters")
	days, err := st.AssistCounts(ctx(t), t0, t0, "")
	require.NoError(t, err)
	assert.Equal(t, expectedTally([]domain.Assist{keep}), days[0].Tally)
	left, err := st.AssistsBetween(ctx(t), t0.Add(-time.Hour), t0.Add(time.Hour))
	require.NoError(t, err)
	require.Len(t, left, 1)
	assert.Equal(t, 2, left[0].People)
}

func (s suite) testRatingsCounted(t *testing.T) {
	st, clock := s.store(t)
	t0 := clock.Now()
	// A real ticket of commune 16522, closed today: its rating counts there.
	v := domain.User{ID: 500, Role: domain.RoleVolunteer}
	tk := domain.NewTicket(41, t0)
	tk.Commune = "16522"
	tk, err := st.OpenTicket(ctx(t), tk)
	require.NoError(t, err)
	require.NoError(t, tk.Claim(v, t0, time.Hour))
	tk, err = st.ClaimTicket(ctx(t), tk)
	require.NoError(t, err)
	require.NoError(t, tk.Close(v, "solved", t0.Add(time.Minute)))
	tk, err = st.CloseTicket(ctx(t), tk)
	require.NoError(t, err)
	require.NoError(t, st.RecordAssist(ctx(t), domain.Assist{At: t0.Add(time.Minute), Kind: domain.AssistTicket, TicketID: tk.ID,
		Commune: "16522", VolunteerID: 500, Handling: time.Minute}))

	clock.Advance(48 * time.Hour) // rated two days later: still counted on the day it closed
	rate := func(id int64, rating int, worked string) {
		t.Helper()
		require.NoError(t, st.RateTicket(ctx(t), id, rating, worked))
	}
	rate(tk.ID, 2, "no")
	rate(tk.ID, 5, "")    // the rating replaced
	rate(tk.ID, 0, "yes") // then worked
	rate(999, 4, "no")    // a ticket the store does not hold: no commune, today
	ratingKey := func(commune string, r int) domain.CountKey {
		return domain.CountKey{Part: domain.CountRating, Commune: commune, Bucket: r}
	}
	workedKey := func(commune, w string) domain.CountKey {
		return domain.CountKey{Part: domain.CountWorked, Commune: commune, Outcome: w}
	}
	days, err := st.AssistCounts(ctx(t), t0, clock.Now(), "")
	require.NoError(t, err)
	require.Len(t, days, 3)
	assert.EqualValues(t, 1, days[0].Tally[ratingKey("16522", 5)])
	assert.EqualValues(t, 1, days[0].Tally[workedKey("16522", "yes")])
	assert.Zero(t, days[0].Tally[ratingKey("16522", 2)], "a replaced rating is off the counters")
	assert.Zero(t, days[0].Tally[workedKey("16522", "no")])
	assert.Equal(t, domain.Tally{ratingKey("", 4): 1, workedKey("", "no"): 1}, days[2].Tally)

	total, err := st.AssistTotals(ctx(t), "16522")
	require.NoError(t, err)
	var ratings, worked int64
	for k, n := range total {
		switch k.Part {
		case domain.CountRating:
			ratings += n
		case domain.CountWorked:
			worked += n
		}
	}
	assert.EqualValues(t, 1, ratings, "one rating per ticket")
	assert.EqualValues(t, 1, worked)
}

func (s suite) testDayBoundaries(t *testing.T) {
	st, _ := s.store(t)
	// Vietnam's midnight is 17:00 UTC; whatever the machine's zone, the
	// last instant before it is one day and midnight the next.
	midnight := time.Date(2025, 3, 1, 17, 0, 0, 0, time.UTC)
	for _, at := range []time.Time{midnight.Add(-time.Millisecond), midnight, midnight.Add(24*time.Hour - time.Nanosecond)} {
		require.NoError(t, st.RecordAssist(ctx(t), domain.Assist{At: at, Kind: domain.AssistFlow, FlowID: "f"}))
	}
	days, err := st.AssistCounts(ctx(t), midnight.Add(-time.Hour), midnight.Add(time.Hour), "")
	require.NoError(t, err)
	require.Len(t, days, 2)
	assert.Equal(t, "2025-03-01", days[0].Day.In(vietnam).Format(time.DateOnly))
	assert.EqualValues(t, 1, days[0].Tally[nKey(domain.AssistFlow, "", "f", "", "")])
	assert.EqualValues(t, 2, days[1].Tally[nKey(domain.AssistFlow, "", "f", "", "")])
	empty, err := st.AssistCounts(ctx(t), midnight.AddDate(0, 0, 5), midnight.AddDate(0, 0, 6), "")
	require.NoError(t, err)
	require.Len(t, empty, 2, "days without counts are there, empty")
	assert.Empty(t, empty[0].Tally)
}

func (s suite) testScanPages(t *testing.T) {
	st, clock := s.store(t)
	t0 := clock.Now()
	const n = 2600 // several pages of any backend
	for i := range n {
		commune := "16522"
		if i%3 == 0 {
			commune = "16525"
		}
		// Some records share a millisecond, across a page's edge too.
		at := t0.Add(time.Duration(i/4) * time.Millisecond)
		require.NoError(t, st.RecordAssist(ctx(t), domain.Assist{At: at, Kind: domain.AssistTicket, TicketID: int64(i + 1), Commune: commune}))
	}
	require.NoError(t, st.RateTicket(ctx(t), 7, 5, "yes"))
	var all, mine []domain.Assist
	require.NoError(t, st.ScanAssists(ctx(t), t0, t0.Add(time.Hour), "", func(a domain.Assist) error {
		all = append(all, a)
		return nil
	}))
	require.Len(t, all, n)
	for i, a := range all {
		require.Equal(t, int64(i+1), a.TicketID, "oldest first, in recording order within a millisecond")
	}
	assert.Equal(t, 5, all[6].Rating, "ratings applied")
	require.NoError(t, st.ScanAssists(ctx(t), t0.Add(10*time.Millisecond), t0.Add(time.Hour), "16525", func(a domain.Assist) error {
		mine = append(mine, a)
		return nil
	}))
	for _, a := range mine {
		require.Equal(t, "16525", a.Commune)
	}
	assert.Len(t, mine, (n-40)/3)
	stop := errors.New("enough")
	seen := 0
	err := st.ScanAssists(ctx(t), t0, t0.Add(time.Hour), "", func(domain.Assist) error {
		if seen++; seen == 1500 {
			return stop
		}
		return nil
	})
	require.ErrorIs(t, err, stop, "fn's error stops the scan")
	assert.Equal(t, 1500, seen)
}

func (s suite) testFunnelCounters(t *testing.T) {
	st, clock := s.store(t)
	t0 := clock.Now()
	ev := func(at time.Time, kind domain.FunnelKind, step, outcome string) domain.FunnelEvent {
		return domain.FunnelEvent{At: at, Kind: kind, FlowID: "vneid", Step: step, Outcome: outcome}
	}
	require.NoError(t, st.RecordFunnel(ctx(t),
		ev(t0, domain.FlowStarted, "", ""), ev(t0, domain.StepEntered, "nfc", ""),
		ev(t0, domain.FlowAbandoned, "nfc", ""), ev(t0.AddDate(0, 0, -1), domain.FlowStarted, "", "")))
	require.NoError(t, st.RecordFunnel(ctx(t), ev(t0, domain.FlowStarted, "", ""), ev(t0, domain.FlowFinished, "done", "ok")))
	started := domain.FunnelKey{Flow: "vneid", Kind: domain.FlowStarted}
	total, err := st.FunnelTotals(ctx(t))
	require.NoError(t, err)
	assert.Equal(t, domain.FunnelTally{started: 3, {Flow: "vneid", Kind: domain.StepEntered, Step: "nfc"}: 1,
		{Flow: "vneid", Kind: domain.FlowAbandoned, Step: "nfc"}:                1,
		{Flow: "vneid", Kind: domain.FlowFinished, Step: "done", Outcome: "ok"}: 1}, total)
	today, err := st.FunnelCounts(ctx(t), t0, t0)
	require.NoError(t, err)
	assert.EqualValues(t, 2, today[started])
	both, err := st.FunnelCounts(ctx(t), t0.AddDate(0, 0, -1), t0)
	require.NoError(t, err)
	assert.EqualValues(t, 3, both[started])
	assert.Equal(t, fmt.Sprint(total), fmt.Sprint(both))
}
