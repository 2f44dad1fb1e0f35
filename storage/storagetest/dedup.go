package storagetest

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/storage"
)

func (s suite) testDedup(t *testing.T) {
	t.Run("FirstThenSeen", func(t *testing.T) {
		st, _ := s.store(t)
		for i, want := range []bool{true, false, false} {
			got, err := st.FirstSeen(ctx(t), 1001)
			require.NoError(t, err)
			assert.Equalf(t, want, got, "call %d", i+1)
		}
	})

	t.Run("SeenOnlyLooks", func(t *testing.T) {
		st, _ := s.store(t)
		for range 2 {
			seen, err := st.Seen(ctx(t), 2002)
			require.NoError(t, err)
			assert.False(t, seen, "Seen records nothing")
		}
		first, err := st.FirstSeen(ctx(t), 2002)
		require.NoError(t, err)
		require.True(t, first, "still the first time after Seen")
		seen, err := st.Seen(ctx(t), 2002)
		require.NoError(t, err)
		assert.True(t, seen)
	})

	t.Run("IDsAreIndependent", func(t *testing.T) {
		st, _ := s.store(t)
		for _, c := range []struct {
			id   int64
			want bool
		}{{1, true}, {2, true}, {1, false}, {-1, true}, {0, true}, {2, false}, {3, true}} {
			got, err := st.FirstSeen(ctx(t), c.id)
			require.NoError(t, err)
			assert.Equalf(t, c.want, got, "id %d", c.id)
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		const (
			ids     = 4
			callers = 64
		)
		st, _ := s.store(t)
		var firsts [ids]atomic.Int32
		var wg sync.WaitGroup
		gate := make(chan struct{})
		errs := make(chan error, ids*callers)
		for id := range ids {
			for range callers {
				wg.Go(func() {
					<-gate
					first, err := st.FirstSeen(ctx(t), int64(500+id))
					if err != nil {
						errs <- err
						return
					}
					if first {
						firsts[id].Add(1)
					}
				})
			}
		}
		close(gate)
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		for id := range ids {
			assert.Equalf(t, int32(1), firsts[id].Load(), "id %d: exactly one caller sees it first", 500+id)
		}
	})

	t.Run("Expiry", func(t *testing.T) {
		if s.opts.WallClockExpiry {
			t.Skip("the backend's expiry follows the wall clock, which the test cannot move")
		}
		st, clock := s.store(t)
		first := func(id int64) bool {
			t.Helper()
			ok, err := st.FirstSeen(ctx(t), id)
			require.NoError(t, err)
			return ok
		}
		require.True(t, first(1))
		clock.Advance(storage.DedupWindow / 2)
		require.True(t, first(2))
		require.False(t, first(1), "half the window later id 1 is still remembered")

		// The window runs from the first sighting: seeing id 1 again did
		// not extend it.
		clock.Advance(storage.DedupWindow/2 + time.Second)
		seen, err := st.Seen(ctx(t), 1)
		require.NoError(t, err)
		assert.False(t, seen, "after the window id 1 is not seen")
		assert.True(t, first(1), "after the window id 1 is new again")
		assert.False(t, first(1), "and then remembered again")
		assert.False(t, first(2), "id 2 is still inside its window")

		clock.Advance(storage.DedupWindow)
		assert.True(t, first(2))
	})
}
