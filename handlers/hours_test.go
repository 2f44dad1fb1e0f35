package handlers

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/locales"
)

var hoChiMinh = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		panic(err)
	}
	return loc
}()

// onMonday is an hour and minute of Monday 9 March 2026 in Vietnam.
func onMonday(hour, minute int) time.Time {
	return time.Date(2026, time.March, 9, hour, minute, 0, 0, hoChiMinh)
}

func hoursBase(t *testing.T, hours DeskHours) *base {
	t.Helper()
	texts, err := locales.Load()
	require.NoError(t, err)
	return &base{texts: texts, cfg: Config{DeskHours: hours}}
}

func TestDeskHoursOpenAtTheirBoundaries(t *testing.T) {
	day := DeskHours{Start: 7, End: 21, Location: hoChiMinh}
	night := DeskHours{Start: 19, End: 2, Location: hoChiMinh}
	cases := []struct {
		hours DeskHours
		at    time.Time
		open  bool
	}{
		{day, onMonday(6, 59), false}, {day, onMonday(7, 0), true}, {day, onMonday(20, 59), true},
		{day, onMonday(21, 0), false}, {day, onMonday(0, 0), false},
		{night, onMonday(18, 59), false}, {night, onMonday(19, 0), true}, {night, onMonday(1, 59), true}, {night, onMonday(2, 0), false},
		{DeskHours{Start: 0, End: 24, Location: hoChiMinh}, onMonday(3, 0), true},
		{DeskHours{}, onMonday(3, 0), true},
		// 14:30 UTC is 21:30 in Vietnam: the machine's zone and UTC do not count.
		{day, time.Date(2026, time.March, 9, 14, 30, 0, 0, time.UTC), false},
	}
	for _, c := range cases {
		assert.Equal(t, c.open, c.hours.Open(c.at), "%d-%d at %s", c.hours.Start, c.hours.End, c.at.In(hoChiMinh).Format("15:04"))
	}
}

// The resident is told when the desk opens in the words of the day: this
// morning before dawn, tomorrow morning from closing time to midnight, and
// the part of the day of a desk that opens later.
func TestWhenTheDeskOpensIsSaidAcrossTheDayBoundaries(t *testing.T) {
	day := DeskHours{Start: 7, End: 21, Location: hoChiMinh}
	cases := []struct {
		hours      DeskHours
		at         time.Time
		vi, en     string
		whatItSays string
	}{
		{day, onMonday(0, 0), "sáng nay từ 7 giờ", "this morning from 7:00", "midnight: today has begun"},
		{day, onMonday(5, 0), "sáng nay từ 7 giờ", "this morning from 7:00", "before dawn"},
		{day, onMonday(6, 59), "sáng nay từ 7 giờ", "this morning from 7:00", "a minute before opening"},
		{day, onMonday(21, 0), "sáng mai từ 7 giờ", "tomorrow morning from 7:00", "at closing time"},
		{day, onMonday(22, 0), "sáng mai từ 7 giờ", "tomorrow morning from 7:00", "at night"},
		{day, time.Date(2026, time.March, 9, 23, 59, 59, 0, hoChiMinh), "sáng mai từ 7 giờ", "tomorrow morning from 7:00", "a second before midnight"},
		{day, time.Date(2026, time.March, 9, 15, 0, 0, 0, time.UTC), "sáng mai từ 7 giờ", "tomorrow morning from 7:00", "22:00 in Vietnam, still the same day in UTC"},
		{day, time.Date(2026, time.March, 8, 22, 0, 0, 0, time.UTC), "sáng nay từ 7 giờ", "this morning from 7:00", "05:00 in Vietnam, still yesterday in UTC"},
		{DeskHours{Start: 13, End: 21, Location: hoChiMinh}, onMonday(9, 0), "chiều nay từ 13 giờ", "this afternoon from 13:00", "an afternoon desk, in the morning"},
		{DeskHours{Start: 11, End: 21, Location: hoChiMinh}, onMonday(22, 0), "trưa mai từ 11 giờ", "tomorrow around noon, from 11:00", "a desk opening at 11"},
		{DeskHours{Start: 19, End: 23, Location: hoChiMinh}, onMonday(10, 0), "tối nay từ 19 giờ", "this evening from 19:00", "an evening desk, in the morning"},
		{DeskHours{Start: 19, End: 23, Location: hoChiMinh}, onMonday(23, 30), "tối mai từ 19 giờ", "tomorrow evening from 19:00", "an evening desk, after closing"},
		{DeskHours{Start: 22, End: 6, Location: hoChiMinh}, onMonday(10, 0), "tối nay từ 22 giờ", "this evening from 22:00", "a night desk"},
	}
	for _, c := range cases {
		d := hoursBase(t, c.hours)
		require.False(t, c.hours.Open(c.at), c.whatItSays)
		assert.Equal(t, c.vi, d.whenOpen("vi", c.at), c.whatItSays)
		assert.Equal(t, c.en, d.whenOpen("en", c.at), c.whatItSays)
	}
}

func TestDeskHoursStretches(t *testing.T) {
	day := DeskHours{Start: 7, End: 21, Location: hoChiMinh}
	assert.Equal(t, onMonday(7, 0), day.OpenedAt(onMonday(10, 0)))
	assert.Equal(t, onMonday(7, 0), day.OpenedAt(onMonday(7, 0)))
	assert.True(t, day.SameStretch(onMonday(7, 0), onMonday(20, 59)))
	assert.False(t, day.SameStretch(onMonday(20, 50), onMonday(21, 10)), "taken after closing")
	assert.False(t, day.SameStretch(onMonday(20, 50), onMonday(7, 10).AddDate(0, 0, 1)), "taken the next morning")
	night := DeskHours{Start: 19, End: 2, Location: hoChiMinh}
	assert.Equal(t, onMonday(19, 0).AddDate(0, 0, -1), night.OpenedAt(onMonday(1, 0)), "after midnight, the stretch began last evening")
	assert.True(t, night.SameStretch(onMonday(19, 0).AddDate(0, 0, -1), onMonday(1, 30)))
	assert.True(t, DeskHours{}.SameStretch(onMonday(1, 0), onMonday(23, 0)), "a desk that never closes")
}

func TestUsualWaitIsSaidAsAPersonWould(t *testing.T) {
	d := hoursBase(t, DeskHours{})
	cases := map[time.Duration][2]string{
		90 * time.Second:               {"chưa tới 5 phút", "under 5 minutes"},
		4*time.Minute + 59*time.Second: {"chưa tới 5 phút", "under 5 minutes"},
		5 * time.Minute:                {"khoảng 5 phút", "about 5 minutes"},
		9 * time.Minute:                {"khoảng 10 phút", "about 10 minutes"},
		12 * time.Minute:               {"khoảng 10 phút", "about 10 minutes"},
		13 * time.Minute:               {"khoảng 15 phút", "about 15 minutes"},
		57 * time.Minute:               {"khoảng 55 phút", "about 55 minutes"},
		58 * time.Minute:               {"khoảng 1 tiếng", "about an hour"},
		89 * time.Minute:               {"khoảng 1 tiếng", "about an hour"},
		100 * time.Minute:              {"khoảng 2 tiếng", "about 2 hours"},
		5 * time.Hour:                  {"khoảng 5 tiếng", "about 5 hours"},
	}
	for wait, want := range cases {
		assert.Equal(t, want[0], d.friendlyWait("vi", wait), wait.String())
		assert.Equal(t, want[1], d.friendlyWait("en", wait), wait.String())
	}
}

// claimAt is a ticket's assist record: asked waiting before it was taken
// at claimed, closed five minutes later.
func claimAt(claimed time.Time, waiting time.Duration) domain.Assist {
	return domain.Assist{At: claimed.Add(5 * time.Minute), Kind: domain.AssistTicket, Waiting: waiting, Handling: 5 * time.Minute}
}

func TestUsualWaitIsTheMedianOfTheRecentQuestionsOfTheDesksHours(t *testing.T) {
	day := DeskHours{Start: 7, End: 21, Location: hoChiMinh}
	var log []domain.Assist
	for i := range 4 {
		log = append(log, claimAt(onMonday(8, 10*i), 10*time.Minute))
	}
	_, known := medianClaimWait(log, day)
	assert.False(t, known, "four questions are too few to tell")

	log = append(log, claimAt(onMonday(9, 0), 30*time.Minute), domain.Assist{At: onMonday(9, 5), Kind: domain.AssistFlow})
	median, known := medianClaimWait(log, day)
	require.True(t, known)
	assert.Equal(t, 10*time.Minute, median)

	// Asked at night, taken in the morning: not a wait of the desk's hours.
	for i := range 10 {
		log = append(log, claimAt(onMonday(7, i), 9*time.Hour))
	}
	median, _ = medianClaimWait(log, day)
	assert.Equal(t, 10*time.Minute, median)

	// Only the last twenty count: twenty slow ones after them.
	for i := range 20 {
		log = append(log, claimAt(onMonday(10, i), 40*time.Minute))
	}
	median, _ = medianClaimWait(log, day)
	assert.Equal(t, 40*time.Minute, median)

	even := []domain.Assist{}
	for _, m := range []int{4, 6, 8, 10, 12, 14} {
		even = append(even, claimAt(onMonday(12, m), time.Duration(m)*time.Minute))
	}
	median, _ = medianClaimWait(even, day)
	assert.Equal(t, 9*time.Minute, median, "the middle two's mean")
}
