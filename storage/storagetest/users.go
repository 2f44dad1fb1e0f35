package storagetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/domain"
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
		u := domain.User{
			ID:          7_000_000_001,
			Role:        domain.RoleVolunteer,
			Language:    "vi",
			Commune:     "26734",
			Blocked:     true,
			DisplayName: "Lan - Đoàn xã Thọ Xuân", // non-ASCII survives
			OnDuty:      true,
			CreatedAt:   clock.Now().Add(-time.Hour),
			UpdatedAt:   clock.Now(),

			NoAnnouncements: true,
			NoFollowUps:     true,
		}
		require.NoError(t, st.PutUser(ctx(t), u))
		got, err := st.GetUser(ctx(t), u.ID)
		require.NoError(t, err)
		assertUser(t, u, got)
	})

	t.Run("PutReplaces", func(t *testing.T) {
		st, clock := s.store(t)
		u := domain.User{ID: 1, Role: domain.RoleOrganizer, Language: "en", Commune: "00001", Scope: "16015", Invited: true,
			DisplayName: "Minh", OnDuty: true, NoAnnouncements: true, CreatedAt: clock.Now(), UpdatedAt: clock.Now()}
		require.NoError(t, st.PutUser(ctx(t), u))

		clock.Advance(time.Minute)
		u2 := domain.User{ID: 1, Language: "vi", CreatedAt: u.CreatedAt, UpdatedAt: clock.Now()}
		require.NoError(t, st.PutUser(ctx(t), u2))
		got, err := st.GetUser(ctx(t), 1)
		require.NoError(t, err)
		assertUser(t, u2, got) // role, commune, scope, name, duty and opt-out are gone, not merged
	})

	t.Run("UsersAreIndependent", func(t *testing.T) {
		st, clock := s.store(t)
		a := domain.User{ID: 1, Language: "vi", CreatedAt: clock.Now(), UpdatedAt: clock.Now()}
		b := domain.User{ID: 2, Language: "en", CreatedAt: clock.Now(), UpdatedAt: clock.Now()}
		require.NoError(t, st.PutUser(ctx(t), a))
		require.NoError(t, st.PutUser(ctx(t), b))
		require.NoError(t, st.DeleteUser(ctx(t), 2))
		got, err := st.GetUser(ctx(t), 1)
		require.NoError(t, err)
		assertUser(t, a, got)
	})

	t.Run("SetBlocked", func(t *testing.T) {
		st, clock := s.store(t)
		u := domain.User{ID: 9, Role: domain.RoleResident, Language: "vi", Commune: "123",
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

	t.Run("SetBlockedKeepsTheRest", func(t *testing.T) {
		st, clock := s.store(t)
		u := domain.User{ID: 3, Role: domain.RoleVolunteer, DisplayName: "Lan", OnDuty: true,
			NoAnnouncements: true, CreatedAt: clock.Now(), UpdatedAt: clock.Now()}
		require.NoError(t, st.PutUser(ctx(t), u))
		require.NoError(t, st.SetBlocked(ctx(t), 3, true))
		got, err := st.GetUser(ctx(t), 3)
		require.NoError(t, err)
		want := u
		want.Blocked = true
		assertUser(t, want, got)
	})

	t.Run("DeleteIdempotent", func(t *testing.T) {
		st, clock := s.store(t)
		require.NoError(t, st.DeleteUser(ctx(t), 5), "deleting an unknown user")
		require.NoError(t, st.PutUser(ctx(t), domain.User{ID: 5, CreatedAt: clock.Now(), UpdatedAt: clock.Now()}))
		require.NoError(t, st.DeleteUser(ctx(t), 5))
		_, err := st.GetUser(ctx(t), 5)
		require.ErrorIs(t, err, storage.ErrNotFound)
		require.NoError(t, st.DeleteUser(ctx(t), 5), "deleting twice")
	})
}

// assertUser compares users, times by instant rather than representation.
func assertUser(t *testing.T, want, got domain.User) {
	t.Helper()
	assert.Truef(t, want.CreatedAt.Equal(got.CreatedAt), "CreatedAt: want %v, got %v", want.CreatedAt, got.CreatedAt)
	assert.Truef(t, want.UpdatedAt.Equal(got.UpdatedAt), "UpdatedAt: want %v, got %v", want.UpdatedAt, got.UpdatedAt)
	want.CreatedAt, got.CreatedAt = time.Time{}, time.Time{}
	want.UpdatedAt, got.UpdatedAt = time.Time{}, time.Time{}
	assert.Equal(t, want, got)
}

func (s suite) testUsersWithRole(t *testing.T) {
	t.Run("ListsFollowRoles", s.testRoleLists)
	t.Run("ConcurrentRoleChanges", s.testConcurrentRoleChanges)
}

func (s suite) testRoleLists(t *testing.T) {
	st, clock := s.store(t)
	user := func(id int64, role domain.Role) domain.User {
		return domain.User{ID: id, Role: role, Language: "vi", DisplayName: fmt.Sprintf("user %d", id),
			CreatedAt: clock.Now(), UpdatedAt: clock.Now()}
	}
	put := func(u domain.User) domain.User {
		t.Helper()
		require.NoError(t, st.PutUser(ctx(t), u))
		return u
	}
	with := func(role domain.Role) []domain.User {
		t.Helper()
		got, err := st.UsersWithRole(ctx(t), role)
		require.NoError(t, err)
		return got
	}

	assert.Empty(t, with(domain.RoleVolunteer), "no users yet")

	// Put out of id order; ids of more than one digit, so that a textual
	// order would differ from the numeric one.
	v30 := put(user(30, domain.RoleVolunteer))
	o4 := put(user(4, domain.RoleOrganizer))
	r2 := put(user(2, domain.RoleResident))
	v100 := put(user(100, domain.RoleVolunteer))
	v9 := put(user(9, domain.RoleVolunteer))
	none := put(user(7, "")) // no role: a resident
	v9.OnDuty = true
	put(v9) // replaced, same role: listed once

	assertUsers(t, []domain.User{v9, v30, v100}, with(domain.RoleVolunteer))
	assertUsers(t, []domain.User{o4}, with(domain.RoleOrganizer))
	assertUsers(t, []domain.User{r2, none}, with(domain.RoleResident))
	assertUsers(t, []domain.User{r2, none}, with(""), "no role means resident")

	// Roles change: the lists follow.
	v30.Role = domain.RoleOrganizer
	o30 := put(v30)
	none.Role = domain.RoleVolunteer
	v7 := put(none)
	r2.Role = ""
	r2 = put(r2) // still a resident
	assertUsers(t, []domain.User{v7, v9, v100}, with(domain.RoleVolunteer))
	assertUsers(t, []domain.User{o4, o30}, with(domain.RoleOrganizer))
	assertUsers(t, []domain.User{r2}, with(domain.RoleResident))

	// Blocking keeps the role; deleting removes the user.
	require.NoError(t, st.SetBlocked(ctx(t), 9, true))
	v9.Blocked, v9.UpdatedAt = true, clock.Now()
	require.NoError(t, st.DeleteUser(ctx(t), 100))
	assertUsers(t, []domain.User{v7, v9}, with(domain.RoleVolunteer))
	require.NoError(t, st.DeleteUser(ctx(t), 7))
	require.NoError(t, st.DeleteUser(ctx(t), 9))
	assert.Empty(t, with(domain.RoleVolunteer))
	assertUsers(t, []domain.User{o4, o30}, with(domain.RoleOrganizer))

	// A deleted user put again is listed again.
	put(v100)
	assertUsers(t, []domain.User{v100}, with(domain.RoleVolunteer))
}

// testConcurrentRoleChanges has writers put the same users with different
// roles at once: afterwards each user is listed under its stored role only.
func (s suite) testConcurrentRoleChanges(t *testing.T) {
	const (
		users   = 4
		writers = 16
		rounds  = 5
	)
	st, clock := s.store(t)
	roles := []domain.Role{domain.RoleResident, domain.RoleVolunteer, domain.RoleOrganizer}
	for round := range rounds {
		var wg sync.WaitGroup
		errs := make(chan error, users*writers)
		gate := make(chan struct{})
		for id := range int64(users) {
			for w := range writers {
				wg.Go(func() {
					u := domain.User{ID: id + 1, Role: roles[(w+round+int(id))%len(roles)],
						CreatedAt: clock.Now(), UpdatedAt: clock.Now()}
					<-gate
					errs <- st.PutUser(ctx(t), u)
				})
			}
		}
		close(gate)
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}

		listed := map[int64][]domain.Role{}
		for _, r := range roles {
			us, err := st.UsersWithRole(ctx(t), r)
			require.NoError(t, err)
			for _, u := range us {
				listed[u.ID] = append(listed[u.ID], r)
			}
		}
		for id := range int64(users) {
			u, err := st.GetUser(ctx(t), id+1)
			require.NoError(t, err)
			assert.Equalf(t, []domain.Role{u.Role}, listed[id+1], "round %d: user %d", round, id+1)
		}
	}
}

func assertUsers(t *testing.T, want, got []domain.User, msgAndArgs ...any) {
	t.Helper()
	ids := func(us []domain.User) []int64 {
		out := make([]int64, len(us))
		for i, u := range us {
			out[i] = u.ID
		}
		return out
	}
	require.Equal(t, ids(want), ids(got), msgAndArgs...)
	for i := range want {
		assertUser(t, want[i], got[i])
	}
}
