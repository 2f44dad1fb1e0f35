package storagetest

import (
	"bytes"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
)

func (s suite) testInvites(t *testing.T) {
	t.Run("UseOnce", func(t *testing.T) {
		st, clock := s.store(t)
		inv := domain.Invite{Code: "k3Jx9-QpZ", CreatedBy: 42, ExpiresAt: clock.Now().Add(time.Hour)}
		other := domain.Invite{Code: "other", CreatedBy: 42, ExpiresAt: clock.Now().Add(time.Hour)}
		require.NoError(t, st.CreateInvite(ctx(t), inv))
		require.NoError(t, st.CreateInvite(ctx(t), other))

		_, err := st.UseInvite(ctx(t), "unknown", clock.Now())
		require.ErrorIs(t, err, storage.ErrNotFound)

		clock.Advance(time.Minute)
		got, err := st.UseInvite(ctx(t), inv.Code, clock.Now())
		require.NoError(t, err)
		assertInvite(t, inv, got)

		_, err = st.UseInvite(ctx(t), inv.Code, clock.Now())
		require.ErrorIs(t, err, storage.ErrNotFound, "an invite works once")

		got, err = st.UseInvite(ctx(t), other.Code, clock.Now())
		require.NoError(t, err, "other invites are untouched")
		assertInvite(t, other, got)
	})

	t.Run("Expired", func(t *testing.T) {
		st, clock := s.store(t)
		expires := clock.Now().Add(time.Hour)
		for _, code := range []string{"a", "b"} {
			require.NoError(t, st.CreateInvite(ctx(t), domain.Invite{Code: code, CreatedBy: 1, ExpiresAt: expires}))
		}
		got, err := st.UseInvite(ctx(t), "a", expires.Add(-time.Nanosecond))
		require.NoError(t, err, "usable until ExpiresAt")
		assert.Equal(t, "a", got.Code)

		clock.Advance(time.Hour)
		_, err = st.UseInvite(ctx(t), "b", clock.Now())
		require.ErrorIs(t, err, storage.ErrNotFound, "expired at ExpiresAt")
	})

	t.Run("Concurrent", func(t *testing.T) {
		const users = 64
		st, clock := s.store(t)
		inv := domain.Invite{Code: "race", CreatedBy: 7, ExpiresAt: clock.Now().Add(time.Hour)}
		require.NoError(t, st.CreateInvite(ctx(t), inv))
		var (
			wg              sync.WaitGroup
			mu              sync.Mutex
			winners, misses int
			errs            []error
		)
		gate := make(chan struct{})
		for range users {
			wg.Go(func() {
				<-gate
				got, err := st.UseInvite(ctx(t), inv.Code, clock.Now())
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					winners++
					assert.Equal(t, inv.Code, got.Code)
				case errors.Is(err, storage.ErrNotFound):
					misses++
				default:
					errs = append(errs, err)
				}
			})
		}
		close(gate)
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err)
		}
		assert.Equal(t, 1, winners, "exactly one user gets the invite")
		assert.Equal(t, users-1, misses)
	})
}

func (s suite) testSalt(t *testing.T) {
	t.Run("Stable", func(t *testing.T) {
		st, _ := s.store(t)
		first, err := st.Salt(ctx(t))
		require.NoError(t, err)
		require.Len(t, first, 32)
		assert.NotEqual(t, make([]byte, 32), first, "random, not zero")
		for range 3 {
			again, err := st.Salt(ctx(t))
			require.NoError(t, err)
			assert.Equal(t, first, again)
		}
		other, _ := s.store(t)
		otherSalt, err := other.Salt(ctx(t))
		require.NoError(t, err)
		assert.NotEqual(t, first, otherSalt, "each store makes its own")
	})

	t.Run("ConcurrentFirstCalls", func(t *testing.T) {
		// Several fresh stores, to give a losing first caller more chances
		// to show.
		const (
			callers = 16
			rounds  = 10
		)
		for round := range rounds {
			st, _ := s.store(t)
			salts := make([][]byte, callers)
			errs := make([]error, callers)
			var wg sync.WaitGroup
			gate := make(chan struct{})
			for i := range callers {
				wg.Go(func() {
					<-gate
					salts[i], errs[i] = st.Salt(ctx(t))
				})
			}
			close(gate)
			wg.Wait()
			for i := range callers {
				require.NoError(t, errs[i])
				require.Len(t, salts[i], 32)
				require.Truef(t, bytes.Equal(salts[0], salts[i]), "round %d: caller %d got another salt", round, i)
			}
			later, err := st.Salt(ctx(t))
			require.NoError(t, err)
			require.Equal(t, salts[0], later)
		}
	})
}

func assertInvite(t *testing.T, want, got domain.Invite) {
	t.Helper()
	assert.Truef(t, want.ExpiresAt.Equal(got.ExpiresAt), "ExpiresAt: want %v, got %v", want.ExpiresAt, got.ExpiresAt)
	want.ExpiresAt, got.ExpiresAt = time.Time{}, time.Time{}
	assert.Equal(t, want, got)
}
