package storagetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/flows"
	"github.com/hotroso/hotroso/storage"
)

func (s suite) testSessions(t *testing.T) {
	t.Run("GetMissing", func(t *testing.T) {
		st, _ := s.store(t)
		_, err := st.GetSession(ctx(t), 42)
		require.ErrorIs(t, err, storage.ErrNotFound)
	})

	t.Run("CreateAndUpdate", func(t *testing.T) {
		st, clock := s.store(t)
		in := domain.Session{ChatID: 42, Position: flows.Position{FlowID: "report", FlowVersion: 3, Step: "where"}}
		saved, err := st.SaveSession(ctx(t), in)
		require.NoError(t, err)
		assert.Equal(t, int64(1), saved.Version)
		assert.True(t, clock.Now().Equal(saved.UpdatedAt), "UpdatedAt is the store's clock")
		want := in
		want.Version, want.UpdatedAt = 1, clock.Now()
		assertSession(t, want, saved)

		got, err := st.GetSession(ctx(t), 42)
		require.NoError(t, err)
		assertSession(t, saved, got)

		clock.Advance(time.Minute)
		next := got
		next.Step = "what"
		next.History = []string{"where"}
		saved2, err := st.SaveSession(ctx(t), next)
		require.NoError(t, err)
		assert.Equal(t, int64(2), saved2.Version)
		assert.True(t, clock.Now().Equal(saved2.UpdatedAt))

		got, err = st.GetSession(ctx(t), 42)
		require.NoError(t, err)
		assertSession(t, saved2, got)
	})

	t.Run("StaleVersionConflicts", func(t *testing.T) {
		st, clock := s.store(t)
		v1, err := st.SaveSession(ctx(t), domain.Session{ChatID: 1, Position: flows.Position{FlowID: "f", Step: "a"}})
		require.NoError(t, err)
		clock.Advance(time.Second)
		v2, err := st.SaveSession(ctx(t), domain.Session{ChatID: 1, Version: v1.Version, Position: flows.Position{FlowID: "f", Step: "b"}})
		require.NoError(t, err)
		require.Equal(t, int64(2), v2.Version)

		clock.Advance(time.Second)
		for _, version := range []int64{0, 1, 3, 99} {
			_, err := st.SaveSession(ctx(t), domain.Session{ChatID: 1, Version: version, Position: flows.Position{FlowID: "f", Step: "stale"}})
			require.ErrorIsf(t, err, storage.ErrConflict, "saving over version 2 with version %d", version)
		}
		got, err := st.GetSession(ctx(t), 1)
		require.NoError(t, err)
		assertSession(t, v2, got) // nothing changed
	})

	t.Run("NonZeroVersionWithoutStored", func(t *testing.T) {
		st, _ := s.store(t)
		_, err := st.SaveSession(ctx(t), domain.Session{ChatID: 3, Version: 1, Position: flows.Position{FlowID: "f", Step: "a"}})
		require.ErrorIs(t, err, storage.ErrConflict)
		_, err = st.GetSession(ctx(t), 3)
		require.ErrorIs(t, err, storage.ErrNotFound, "a lost save must store nothing")
	})

	t.Run("Delete", func(t *testing.T) {
		st, _ := s.store(t)
		require.NoError(t, st.DeleteSession(ctx(t), 8), "deleting a missing session")
		_, err := st.SaveSession(ctx(t), domain.Session{ChatID: 8, Position: flows.Position{FlowID: "f", Step: "a"}})
		require.NoError(t, err)
		_, err = st.SaveSession(ctx(t), domain.Session{ChatID: 9, Position: flows.Position{FlowID: "f", Step: "a"}})
		require.NoError(t, err)

		require.NoError(t, st.DeleteSession(ctx(t), 8))
		_, err = st.GetSession(ctx(t), 8)
		require.ErrorIs(t, err, storage.ErrNotFound)
		require.NoError(t, st.DeleteSession(ctx(t), 8), "deleting twice")
		_, err = st.GetSession(ctx(t), 9)
		require.NoError(t, err, "other chats are untouched")

		// After a delete the chat starts again from version 0.
		saved, err := st.SaveSession(ctx(t), domain.Session{ChatID: 8, Position: flows.Position{FlowID: "g", Step: "b"}})
		require.NoError(t, err)
		assert.Equal(t, int64(1), saved.Version)
	})

	t.Run("RoundTrip", func(t *testing.T) {
		st, _ := s.store(t)
		in := domain.Session{
			ChatID: -1001234567890, // group chats have negative ids
			Position: flows.Position{
				FlowID:      "flood-report",
				FlowVersion: 12,
				Step:        "photo",
				Answers: map[string]string{
					"commune": "26734",
					"need":    "nước sạch, thuốc", // non-ASCII survives
					"note":    "line one\nline \"two\"",
				},
				History:   []string{"start", "commune", "need"},
				Abandoned: true,
			},
			Awaiting:      domain.Await(domain.AwaitBroadcastTime, 42),
			Draft:         "nhà tôi bị ngập, số điện thoại ***",
			CurrentTicket: 9_000_000_001,
		}
		saved, err := st.SaveSession(ctx(t), in)
		require.NoError(t, err)
		got, err := st.GetSession(ctx(t), in.ChatID)
		require.NoError(t, err)
		want := in
		want.Version, want.UpdatedAt = 1, saved.UpdatedAt
		assertSession(t, want, got)
	})

	t.Run("GetMany", func(t *testing.T) {
		st, _ := s.store(t)
		// More chats than one batch of a backend is likely to read at once.
		var ids []int64
		for id := int64(1); id <= 2500; id++ {
			ids = append(ids, id)
		}
		want := make([]domain.Session, len(ids)/3) // every third chat has one
		var wg sync.WaitGroup
		for i := range want {
			wg.Go(func() {
				saved, err := st.SaveSession(ctx(t), domain.Session{ChatID: int64(3 * (i + 1)), Position: flows.Position{FlowID: "report", Step: fmt.Sprint("s", i)}})
				assert.NoError(t, err)
				want[i] = saved
			})
		}
		wg.Wait()
		ids = append(ids, 9, 3) // out of order, and a repeat
		want = append(want, want[2], want[0])
		got, err := st.GetSessions(ctx(t), ids)
		require.NoError(t, err)
		require.Len(t, got, len(want))
		for i := range want {
			assertSession(t, want[i], got[i])
		}
		none, err := st.GetSessions(ctx(t), nil)
		require.NoError(t, err)
		assert.Empty(t, none)
	})

	t.Run("ConcurrentCAS", s.testConcurrentCAS)
}

// testConcurrentCAS has many goroutines race to save over the same version,
// round after round: exactly one must win each round.
func (s suite) testConcurrentCAS(t *testing.T) {
	const (
		rounds  = 20
		writers = 32
		chatID  = 77
	)
	st, _ := s.store(t)
	var base domain.Session // version 0: not stored yet
	base.ChatID = chatID
	for round := range rounds {
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			winners []domain.Session
			errs    []error
		)
		gate := make(chan struct{})
		for w := range writers {
			wg.Go(func() {
				in := base
				in.FlowID = "f"
				in.Step = fmt.Sprintf("r%d-w%d", round, w)
				<-gate
				saved, err := st.SaveSession(ctx(t), in)
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					winners = append(winners, saved)
				} else {
					errs = append(errs, err)
				}
			})
		}
		close(gate)
		wg.Wait()

		require.Lenf(t, winners, 1, "round %d: exactly one saver of version %d must win", round, base.Version)
		for _, err := range errs {
			require.ErrorIsf(t, err, storage.ErrConflict, "round %d: losers get ErrConflict", round)
		}
		winner := winners[0]
		require.Equal(t, base.Version+1, winner.Version)
		got, err := st.GetSession(ctx(t), chatID)
		require.NoError(t, err)
		require.Equal(t, winner.Step, got.Step, "round %d: the stored session is the winner's", round)
		require.Equal(t, winner.Version, got.Version)
		base = got
	}
	assert.Equal(t, int64(rounds), base.Version)
}

// assertSession compares sessions, UpdatedAt by instant. Nil and empty
// Answers and History are the same thing.
func assertSession(t *testing.T, want, got domain.Session) {
	t.Helper()
	assert.Truef(t, want.UpdatedAt.Equal(got.UpdatedAt), "UpdatedAt: want %v, got %v", want.UpdatedAt, got.UpdatedAt)
	want.UpdatedAt, got.UpdatedAt = time.Time{}, time.Time{}
	for _, s := range []*domain.Session{&want, &got} {
		if len(s.Answers) == 0 {
			s.Answers = nil
		}
		if len(s.History) == 0 {
			s.History = nil
		}
	}
	assert.Equal(t, want, got)
}
