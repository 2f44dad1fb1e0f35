package storagetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
	"github.com/hotroso/hotroso/storage/rollup"
)

// testInPersonAssists covers what /log needs of the assist log: ids,
// withdrawing a record by its id, and notes.
func (s suite) testInPersonAssists(t *testing.T) {
	// inPerson is a record as /log makes it: its id made beforehand
	// (rollup.NewAssistID), unless withID is false.
	inPerson := func(at time.Time, withID bool, people int) domain.Assist {
		a := domain.Assist{At: at, Kind: domain.AssistInPerson, VolunteerID: 500, Commune: "16015",
			Topic: domain.TopicVNeIDAccount, People: people}
		if withID {
			a.ID = rollup.NewAssistID(at)
		}
		return a
	}
	all := func(t *testing.T, st storage.Store, clock *Clock) []domain.Assist {
		t.Helper()
		got, err := st.AssistsBetween(ctx(t), clock.Now().Add(-time.Hour), clock.Now().Add(time.Hour))
		require.NoError(t, err)
		return got
	}

	t.Run("IDsAreKeptOrGiven", func(t *testing.T) {
		st, clock := s.store(t)
		given := inPerson(clock.Now(), true, 3)
		require.NoError(t, st.RecordAssist(ctx(t), given))
		require.NoError(t, st.RecordAssist(ctx(t), domain.Assist{At: clock.Now(), Kind: domain.AssistFlow, FlowID: "f"}))
		require.NoError(t, st.RecordAssist(ctx(t), domain.Assist{At: clock.Now(), Kind: domain.AssistFlow, FlowID: "f"}))
		got := all(t, st, clock)
		require.Len(t, got, 3)
		assert.Equal(t, given.ID, got[0].ID, "an id given is kept")
		assert.NotEmpty(t, got[1].ID)
		assert.NotEqual(t, got[1].ID, got[2].ID, "ids the store gives are unique")
		assert.Equal(t, 3, got[0].People)
		assert.Equal(t, domain.TopicVNeIDAccount, got[0].Topic)
	})

	t.Run("Withdraw", func(t *testing.T) {
		st, clock := s.store(t)
		keep, gone := inPerson(clock.Now(), true, 1), inPerson(clock.Now().Add(time.Second), true, 5)
		for _, a := range []domain.Assist{keep, gone, inPerson(clock.Now().Add(2*time.Second), false, 2)} {
			require.NoError(t, st.RecordAssist(ctx(t), a))
		}
		require.NoError(t, st.NoteAssist(ctx(t), gone.ID, "ở nhà văn hoá"))
		got, err := st.WithdrawAssist(ctx(t), gone.ID)
		require.NoError(t, err)
		assert.Equal(t, gone.ID, got.ID)
		assert.Equal(t, 5, got.People)
		assert.Equal(t, int64(500), got.VolunteerID)
		assert.True(t, gone.At.Equal(got.At))
		assert.Equal(t, "ở nhà văn hoá", got.Note, "the record comes back with its note")

		left := all(t, st, clock)
		require.Len(t, left, 2)
		assert.Equal(t, keep.ID, left[0].ID)

		_, err = st.WithdrawAssist(ctx(t), gone.ID)
		require.ErrorIs(t, err, storage.ErrNotFound, "withdrawn once")
		_, err = st.WithdrawAssist(ctx(t), rollup.NewAssistID(clock.Now()))
		require.ErrorIs(t, err, storage.ErrNotFound, "never recorded")
		_, err = st.WithdrawAssist(ctx(t), "ffffffffffffffff")
		require.ErrorIs(t, err, storage.ErrNotFound, "not an id")

		// Recorded again with the same id, it has no note left over.
		require.NoError(t, st.RecordAssist(ctx(t), gone))
		for _, a := range all(t, st, clock) {
			assert.Empty(t, a.Note)
		}
	})

	t.Run("WithdrawFarBack", func(t *testing.T) {
		// Past one read batch of a backend that reads newest first.
		st, clock := s.store(t)
		first := inPerson(clock.Now().Add(-time.Minute), true, 1)
		require.NoError(t, st.RecordAssist(ctx(t), first))
		var wg sync.WaitGroup
		for w := range 11 { // concurrent writers share a backend's disk syncs
			wg.Go(func() {
				for i := range 100 {
					at := clock.Now().Add(time.Duration(w*100+i) * time.Millisecond)
					assert.NoError(t, st.RecordAssist(ctx(t), domain.Assist{At: at, Kind: domain.AssistFlow, FlowID: "f"}))
				}
			})
		}
		wg.Wait()
		got, err := st.WithdrawAssist(ctx(t), first.ID)
		require.NoError(t, err)
		assert.Equal(t, first.ID, got.ID)
		assert.Len(t, all(t, st, clock), 1100)
	})

	t.Run("WithdrawOnceAmongMany", func(t *testing.T) {
		st, clock := s.store(t)
		a := inPerson(clock.Now(), true, 2)
		require.NoError(t, st.RecordAssist(ctx(t), a))
		var (
			wg  sync.WaitGroup
			mu  sync.Mutex
			won int
		)
		for range 8 {
			wg.Go(func() {
				_, err := st.WithdrawAssist(ctx(t), a.ID)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					won++
				case !errors.Is(err, storage.ErrNotFound) && !errors.Is(err, storage.ErrConflict):
					t.Errorf("withdraw: %v", err)
				}
			})
		}
		wg.Wait()
		assert.Equal(t, 1, won)
		assert.Empty(t, all(t, st, clock))
	})

	t.Run("Notes", func(t *testing.T) {
		st, clock := s.store(t)
		a, b := inPerson(clock.Now(), true, 1), inPerson(clock.Now().Add(time.Second), true, 1)
		require.NoError(t, st.NoteAssist(ctx(t), a.ID, "early"), "a note may come before its record is read")
		require.NoError(t, st.RecordAssist(ctx(t), a))
		require.NoError(t, st.RecordAssist(ctx(t), b))
		require.NoError(t, st.NoteAssist(ctx(t), a.ID, "Bà Lan, SĐT [đã che]"))
		require.NoError(t, st.NoteAssist(ctx(t), "never-recorded", "shows nowhere"))
		got := all(t, st, clock)
		require.Len(t, got, 2)
		assert.Equal(t, "Bà Lan, SĐT [đã che]", got[0].Note, "the later note replaces the earlier")
		assert.Empty(t, got[1].Note)
		var scanned []domain.Assist
		require.NoError(t, st.ScanAssists(ctx(t), clock.Now().Add(-time.Hour), clock.Now().Add(time.Hour), "16015",
			func(a domain.Assist) error { scanned = append(scanned, a); return nil }))
		require.Len(t, scanned, 2)
		assert.Equal(t, "Bà Lan, SĐT [đã che]", scanned[0].Note, "a scan applies notes too (the export)")
		assert.Empty(t, scanned[1].Note)
		require.Error(t, st.NoteAssist(ctx(t), "", "x"), "a note needs an id")
	})
}
