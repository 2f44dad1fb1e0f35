package rollup

import (
	"testing"
	"time"

	"github.com/hotroso/hotroso/domain"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFieldRoundTrip(t *testing.T) {
	for _, k := range []domain.CountKey{
		{Part: domain.CountAssists, Kind: domain.AssistFlow, Commune: "16522", Flow: "a|b%c", Outcome: "done", Topic: ""},
		{Part: domain.CountByVolunteer, Kind: domain.AssistTicket, Commune: "", Volunteer: -42},
		{Part: domain.CountWaiting, Commune: "16525", Bucket: 0},
		{Part: domain.CountRating, Commune: "16525", Bucket: 5},
		{Part: domain.CountWorked, Commune: "x", Outcome: "yes"},
		{Part: domain.CountDaily, Kind: domain.AssistTicket, Commune: "x", Channel: domain.ChannelWeb},
	} {
		f := Field(k)
		got, err := ParseField(f)
		require.NoError(t, err, f)
		assert.Equal(t, k, got, f)
		assert.Equal(t, k.Commune, FieldCommune(f))
	}
	for _, bad := range []string{"n|a", "n|a|b|c|d|e|f|g|h|i", "v||c||||x||"} {
		_, err := ParseField(bad)
		assert.Error(t, err, bad)
	}
}

func TestCountsOfARecord(t *testing.T) {
	a := domain.Assist{Kind: domain.AssistTicket, Commune: "c|1", FlowID: "f", Outcome: "o", VolunteerID: 9,
		Waiting: 61 * time.Minute, Handling: 30 * time.Second, Rating: 4, Worked: "no"}
	day, deltas, err := Counts(Fine("20260309", a), 1)
	require.NoError(t, err)
	assert.Equal(t, "20260309", day)
	assert.ElementsMatch(t, []Delta{
		{domain.CountKey{Part: domain.CountAssists, Kind: domain.AssistTicket, Commune: "c|1", Flow: "f", Outcome: "o"}, 1},
		{domain.CountKey{Part: domain.CountDaily, Kind: domain.AssistTicket, Commune: "c|1"}, 1},
		{domain.CountKey{Part: domain.CountByVolunteer, Kind: domain.AssistTicket, Commune: "c|1", Volunteer: 9}, 1},
		{domain.CountKey{Part: domain.CountWaiting, Commune: "c|1", Bucket: 60}, 1},
		{domain.CountKey{Part: domain.CountHandling, Commune: "c|1", Bucket: 1}, 1},
		{domain.CountKey{Part: domain.CountRating, Commune: "c|1", Bucket: 4}, 1},
		{domain.CountKey{Part: domain.CountWorked, Commune: "c|1", Outcome: "no"}, 1},
	}, deltas)
	_, deltas, err = Counts(FineRating("20260309", "c", 0, "yes"), -1)
	require.NoError(t, err)
	assert.Equal(t, []Delta{{domain.CountKey{Part: domain.CountWorked, Commune: "c", Outcome: "yes"}, -1}}, deltas)
	assert.Equal(t, RatingPlace("20260309", "c")+"|||||||"+"|yes|", FineRating("20260309", "c", 0, "yes"), "the Lua of storage/redis builds it so")
}

func TestAssistIDs(t *testing.T) {
	at := time.Date(2026, 3, 9, 1, 2, 3, 456789, time.UTC)
	a, b := NewAssistID(at), NewAssistID(at)
	assert.NotEqual(t, a, b)
	assert.Less(t, a, b, "ids of one process sort in the order made")
	ms, err := AssistIDMillis(a)
	require.NoError(t, err)
	assert.Equal(t, at.UnixMilli(), ms)
	old := time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)
	ms, err = AssistIDMillis(NewAssistID(old))
	require.NoError(t, err)
	assert.Equal(t, old.UnixMilli(), ms, "before 1970 too")
	assert.Equal(t, MigratedAssistID(at, "1-0"), MigratedAssistID(at, "1-0"))
	_, err = PrepareAssist(domain.Assist{At: at, ID: NewAssistID(at.Add(time.Second))}, time.Now)
	assert.ErrorIs(t, err, ErrAssistID)
	got, err := PrepareAssist(domain.Assist{}, func() time.Time { return at })
	require.NoError(t, err)
	assert.True(t, got.At.Equal(at))
	assert.NotEmpty(t, got.ID)
}

func TestMinuteBucket(t *testing.T) {
	for d, want := range map[time.Duration]int{
		-time.Minute: 0, 29 * time.Second: 0, 30 * time.Second: 1, 59 * time.Minute: 59, 62 * time.Minute: 60,
		63 * time.Minute: 65, 200 * time.Minute: 210, 25 * time.Hour: 1500, 30 * 24 * time.Hour: 10080,
	} {
		assert.Equal(t, want, domain.MinuteBucket(d), "%v", d)
	}
}
