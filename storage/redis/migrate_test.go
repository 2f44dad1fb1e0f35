package redis_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage/redis"
	"github.com/hotroso/hotroso/storage/rollup"
	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMigrateOnceAcrossInstances(t *testing.T) {
	mr := miniredis.RunT(t)
	ctx := context.Background()
	raw := goredis.NewClient(&goredis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { _ = raw.Close() })
	t0 := time.Date(2026, 3, 9, 2, 0, 0, 0, time.UTC)
	var old []domain.Assist
	for i := range 2500 { // several pages
		a := domain.Assist{At: t0.Add(time.Duration(i) * time.Minute), Kind: domain.AssistFlow, FlowID: "vneid", Commune: "16522"}
		if i%10 == 0 {
			a = domain.Assist{At: a.At, Kind: domain.AssistTicket, TicketID: int64(i + 1), Commune: "16525", VolunteerID: 7, Waiting: time.Minute}
		}
		old = append(old, a)
	}
	// An in-person record of the logbook before the counters (its own id,
	// a note kept apart) and a web chat's flow.
	end := t0.Add(2500 * time.Minute)
	old = append(old, domain.Assist{At: end, Kind: domain.AssistInPerson, ID: "0123456789abcdef", People: 3, Topic: domain.TopicPayment,
		VolunteerID: 7, Commune: "16522"},
		domain.Assist{At: end.Add(time.Minute), Kind: domain.AssistFlow, FlowID: "vneid", Commune: "16522", Channel: domain.ChannelWeb})
	for _, a := range old {
		data, err := json.Marshal(a)
		require.NoError(t, err)
		require.NoError(t, raw.XAdd(ctx, &goredis.XAddArgs{Stream: "p:assists", Values: []any{"d", data}}).Err())
	}
	require.NoError(t, raw.HSet(ctx, "p:assist:ratings", "1:rating", 4).Err())
	require.NoError(t, raw.HSet(ctx, "p:assist:notes", "0123456789abcdef", "ở thôn 3").Err())

	open := func() *redis.Store {
		s := redis.New(goredis.NewClient(&goredis.Options{Addr: mr.Addr()}), redis.WithPrefix("p"))
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	a, b := open(), open()
	var wg sync.WaitGroup
	for _, s := range []*redis.Store{a, b} {
		wg.Go(func() { assert.NoError(t, s.Migrate(ctx)) })
	}
	wg.Wait()
	require.NoError(t, a.Migrate(ctx), "a third run finds it done")

	want := domain.Tally{}
	for _, r := range old {
		if r.TicketID == 1 {
			r.Rating = 4
		}
		for _, d := range rollup.AssistCounts(rollup.Day(r.At, rollup.Vietnam), r) {
			want.AddKey(d.Key, d.N)
		}
	}
	got, err := b.AssistTotals(ctx, "")
	require.NoError(t, err)
	assert.Equal(t, want, got, "counted once")
	log, err := a.AssistsBetween(ctx, t0, t0.Add(time.Hour*100))
	require.NoError(t, err)
	require.Len(t, log, len(old), "each record moved once")
	assert.Equal(t, 4, log[0].Rating)
	assert.False(t, mr.Exists("p:assists"), "the old stream is gone")
	assert.False(t, mr.Exists("p:assist:notes"), "the old notes are gone")
	logged := log[len(log)-2]
	assert.Equal(t, "0123456789abcdef", logged.ID, "a record's own id is kept")
	assert.Equal(t, "ở thôn 3", logged.Note, "its note moved under {a}")
	assert.EqualValues(t, 1, got[domain.CountKey{Part: domain.CountDaily, Kind: domain.AssistFlow, Commune: "16522", Channel: domain.ChannelWeb}])

	// A later rating replaces the migrated one where it was counted.
	require.NoError(t, a.RateTicket(ctx, 1, 2, ""))
	got, err = a.AssistTotals(ctx, "16525")
	require.NoError(t, err)
	assert.EqualValues(t, 1, got[domain.CountKey{Part: domain.CountRating, Commune: "16525", Bucket: 2}])
	assert.Zero(t, got[domain.CountKey{Part: domain.CountRating, Commune: "16525", Bucket: 4}])
}

func TestFoldInChunks(t *testing.T) {
	mr := miniredis.RunT(t)
	ctx := context.Background()
	s := redis.New(goredis.NewClient(&goredis.Options{Addr: mr.Addr()}), redis.WithPrefix("p"))
	t.Cleanup(func() { _ = s.Close() })
	t0 := time.Date(2026, 3, 9, 2, 0, 0, 0, time.UTC)
	want := domain.Tally{}
	for i := range 2500 { // 2,500 fine fields: three chunks of the fold
		a := domain.Assist{At: t0.Add(time.Duration(i) * time.Hour), Kind: domain.AssistInPerson, VolunteerID: int64(i + 1), People: 2, Commune: "16522"}
		require.NoError(t, s.RecordAssist(ctx, a))
		for _, d := range rollup.AssistCounts(rollup.Day(a.At, rollup.Vietnam), a) {
			want.AddKey(d.Key, d.N)
		}
	}
	got, err := s.AssistTotals(ctx, "")
	require.NoError(t, err)
	assert.Equal(t, want, got)
	assert.False(t, mr.Exists("p:{a}:delta"), "all folded")
	days, err := s.AssistCounts(ctx, t0, t0.Add(2500*time.Hour), "", domain.CountDaily)
	require.NoError(t, err)
	var people int64
	for _, d := range days {
		for _, n := range d.Tally {
			people += n
		}
	}
	assert.EqualValues(t, 5000, people)
}
