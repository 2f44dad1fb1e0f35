package redis_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUpdateQueueRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, nil)
	stored, err := s.EnqueueUpdate(ctx, 42, 3, []byte(`{"update_id":42}`))
	require.NoError(t, err)
	require.True(t, stored)
	again, err := s.EnqueueUpdate(ctx, 42, 3, []byte(`{"update_id":42}`))
	require.NoError(t, err)
	assert.False(t, again, "an update id is stored once")

	// Read before any take-over: the consumer group is made on demand.
	got, err := s.ReadUpdates(ctx, 3, "a", 10, 10*time.Millisecond)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.JSONEq(t, `{"update_id":42}`, string(got[0].Raw))

	// Unacknowledged, it is taken over by the next consumer, then acked.
	left, err := s.TakeOverUpdates(ctx, 3, "b")
	require.NoError(t, err)
	require.Len(t, left, 1)
	seen, err := s.Seen(ctx, 42)
	require.NoError(t, err)
	require.False(t, seen, "stored is not handled")
	require.NoError(t, s.AckUpdate(ctx, 3, left[0].EntryID, 42))
	n, err := s.UpdatesPending(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)
	seen, err = s.Seen(ctx, 42)
	require.NoError(t, err)
	assert.True(t, seen, "the acknowledgement records the handled update")
}

func TestShardLeases(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, nil)
	now := time.Now()
	held, err := s.HoldShard(ctx, 1, "a", now, time.Second)
	require.NoError(t, err)
	require.True(t, held)
	held, err = s.HoldShard(ctx, 1, "b", now.Add(500*time.Millisecond), time.Second)
	require.NoError(t, err)
	assert.False(t, held, "a's lease runs")
	held, err = s.HoldShard(ctx, 1, "b", now.Add(1100*time.Millisecond), time.Second)
	require.NoError(t, err)
	assert.True(t, held, "a's lease ran out: b takes it")
	require.NoError(t, s.ReleaseShard(ctx, 1, "a"), "a releasing a lease it lost changes nothing")
	held, err = s.HoldShard(ctx, 1, "a", now.Add(1200*time.Millisecond), time.Second)
	require.NoError(t, err)
	assert.False(t, held)
	require.NoError(t, s.ReleaseShard(ctx, 1, "b"))
	held, err = s.HoldShard(ctx, 1, "a", now.Add(1300*time.Millisecond), time.Second)
	require.NoError(t, err)
	assert.True(t, held, "released: free again")
}
