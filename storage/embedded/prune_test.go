package embedded

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
	"github.com/hotroso/hotroso/storage/storagetest"
)

func TestDedupPrune(t *testing.T) {
	ctx := context.Background()
	clock := storagetest.NewClock(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
	s, err := Open(filepath.Join(t.TempDir(), "hotroso.db"), WithClock(clock.Now))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })

	entries := func() int {
		t.Helper()
		var n int
		require.NoError(t, s.db.View(func(tx *bolt.Tx) error {
			n = tx.Bucket(bucketDedup).Stats().KeyN
			return nil
		}))
		return n
	}
	seen := func(id int64) bool {
		t.Helper()
		ok, err := s.FirstSeen(ctx, id)
		require.NoError(t, err)
		return ok
	}

	for id := range int64(100) {
		require.True(t, seen(id))
	}
	require.Equal(t, 100, entries())

	clock.Advance(storage.DedupWindow - time.Minute)
	require.True(t, seen(1000))
	assert.Equal(t, 101, entries(), "nothing is old enough to prune yet")

	clock.Advance(2 * time.Minute)
	require.True(t, seen(1001))
	assert.Equal(t, 102, entries(), "pruned less than an hour ago: no sweep")

	clock.Advance(pruneEvery)
	require.False(t, seen(1000), "a lookup also triggers the sweep")
	assert.Equal(t, 2, entries(), "the first hundred fell out of the window")
	assert.True(t, seen(5), "and are new again")
}

// Releasing a broadcast bigger than one deletion batch deletes every
// recipient entry of it, and of no other broadcast.
func TestReleaseRecipientsDeletesInBatches(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), "hotroso.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

	users := make([]int64, 2*releaseBatch+7)
	for i := range users {
		users[i] = int64(i + 1)
	}
	require.NoError(t, s.AddRecipients(ctx, 1, users))
	require.NoError(t, s.AddRecipients(ctx, 2, users[:3]))
	taken, err := s.TakeRecipients(ctx, 1, 500, now)
	require.NoError(t, err)
	for _, u := range taken[:200] {
		_, err := s.RecordDelivery(ctx, 1, u, domain.DeliverySent)
		require.NoError(t, err)
	}

	require.NoError(t, s.ReleaseRecipients(ctx, 1))
	entries := map[string]int{}
	require.NoError(t, s.db.View(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketPending, bucketInFlight, bucketTaken, bucketResults} {
			require.NoError(t, tx.Bucket(name).ForEach(func(k, _ []byte) error {
				entries[string(name)+" of "+fmt.Sprint(getInt(k))]++
				return nil
			}))
		}
		return nil
	}))
	assert.Equal(t, map[string]int{"broadcast_pending of 2": 3}, entries)
	counts, err := s.BroadcastCounts(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, domain.BroadcastCounts{Total: len(users), Sent: 200}, counts)
}
