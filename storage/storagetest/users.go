package storagetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/storage"
)

func (s suite) testUsers(t *testing.T) {
	t.Run("GetMissing", func(t *testing.T) {
		st, _ := s.store(t)
		_, err := st.GetUser(ctx(t), 42)
		require.ErrorIs(t, err, storage.ErrNotFound)
	})

	t.Run("PutGet", func(t *testing.T) {
		st, clock := s.store(t)
		u := storage.User{
			ID:        7_000_000_001,
			Role:      storage.RoleVolunteer,
			Language:  "vi",
			Commune:   "26734",
			Blocked:   true,
			CreatedAt: clock.Now().Add(-time.Hour),
			UpdatedAt: clock.Now(),
		}
		require.NoError(t, st.PutUser(ctx(t), u))
		got, err := st.GetUser(ctx(t), u.ID)
		require.NoError(t, err)
		assertUser(t, u, got)
	})

	t.Run("PutReplaces", func(t *testing.T) {
		st, clock := s.store(t)
		u := storage.User{ID: 1, Role: storage.RoleOrganizer, Language: "en", Commune: "00001",
			CreatedAt: clock.Now(), UpdatedAt: clock.Now()}
		require.NoError(t, st.PutUser(ctx(t), u))

		clock.Advance(time.Minute)
		u2 := storage.User{ID: 1, Language: "vi", CreatedAt: u.CreatedAt, UpdatedAt: clock.Now()}
		require.NoError(t, st.PutUser(ctx(t), u2))
		got, err := st.GetUser(ctx(t), 1)
		require.NoError(t, err)
		assertUser(t, u2, got) // role and commune are gone, not merged
	})

	t.Run("UsersAreIndependent", func(t *testing.T) {
		st, clock := s.store(t)
		a := storage.User{ID: 1, Language: "vi", CreatedAt: clock.Now(), UpdatedAt: clock.Now()}
		b := storage.User{ID: 2, Language: "en", CreatedAt: clock.Now(), UpdatedAt: clock.Now()}
		require.NoError(t, st.PutUser(ctx(t), a))
		require.NoError(t, st.PutUser(ctx(t), b))
		require.NoError(t, st.DeleteUser(ctx(t), 2))
		got, err := st.GetUser(ctx(t), 1)
		require.NoError(t, err)
		assertUser(t, a, got)
	})

	t.Run("SetBlocked", func(t *testing.T) {
		st, clock := s.store(t)
		u := storage.User{ID: 9, Role: storage.RoleResident, Language: "vi", Commune: "123",
			CreatedAt: clock.Now(), UpdatedAt: clock.Now()}
		require.NoError(t, st.PutUser(ctx(t), u))

		clock.Advance(time.Hour)
		require.NoError(t, st.SetBlocked(ctx(t), 9, true))
		got, err := st.GetUser(ctx(t), 9)
		require.NoError(t, err)
		want := u
		want.Blocked = true
		want.UpdatedAt = clock.Now()
		assertUser(t, want, got)

		clock.Advance(time.Hour)
		require.NoError(t, st.SetBlocked(ctx(t), 9, false))
		got, err = st.GetUser(ctx(t), 9)
		require.NoError(t, err)
		want.Blocked = false
		want.UpdatedAt = clock.Now()
		assertUser(t, want, got)
	})

	t.Run("SetBlockedUnknown", func(t *testing.T) {
		st, _ := s.store(t)
		err := st.SetBlocked(ctx(t), 404, true)
		require.ErrorIs(t, err, storage.ErrNotFound)
		_, err = st.GetUser(ctx(t), 404)
		require.ErrorIs(t, err, storage.ErrNotFound, "SetBlocked must not create a user")
	})

	t.Run("DeleteIdempotent", func(t *testing.T) {
		st, clock := s.store(t)
		require.NoError(t, st.DeleteUser(ctx(t), 5), "deleting an unknown user")
		require.NoError(t, st.PutUser(ctx(t), storage.User{ID: 5, CreatedAt: clock.Now(), UpdatedAt: clock.Now()}))
		require.NoError(t, st.DeleteUser(ctx(t), 5))
		_, err := st.GetUser(ctx(t), 5)
		require.ErrorIs(t, err, storage.ErrNotFound)
		require.NoError(t, st.DeleteUser(ctx(t), 5), "deleting twice")
	})
}

// assertUser compares users, times by instant rather than representation.
func assertUser(t *testing.T, want, got storage.User) {
	t.Helper()
	assert.Truef(t, want.CreatedAt.Equal(got.CreatedAt), "CreatedAt: want %v, got %v", want.CreatedAt, got.CreatedAt)
	assert.Truef(t, want.UpdatedAt.Equal(got.UpdatedAt), "UpdatedAt: want %v, got %v", want.UpdatedAt, got.UpdatedAt)
	want.CreatedAt, got.CreatedAt = time.Time{}, time.Time{}
	want.UpdatedAt, got.UpdatedAt = time.Time{}, time.Time{}
	assert.Equal(t, want, got)
}
