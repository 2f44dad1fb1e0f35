package embedded

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

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
