package storagetest

import (
	"sync"
	"testing"
	"time"

	"github.com/hotroso/hotroso/domain"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func (s suite) testAssists(t *testing.T) {
	t.Run("Empty", func(t *testing.T) {
		st, clock := s.store(t)
		got, err := st.AssistsBetween(ctx(t), clock.Now().Add(-time.Hour), clock.Now().Add(time.Hour))
		require.NoError(t, err)
		assert.Empty(t, got)
	})

	t.Run("OrderAndBounds", func(t *testing.T) {
		st, clock := s.store(t)
		t0 := clock.Now()
		flow := func(at time.Duration, step string) domain.Assist {
			return domain.Assist{At: t0.Add(at), Kind: domain.AssistFlow, FlowID: "flood-report",
				Step: step, Outcome: "done", Commune: "26734", Resident: "c2FsdGVk"}
		}
		a1 := flow(0, "end")
		a2 := domain.Assist{At: t0.Add(time.Second), Kind: domain.AssistTicket, TicketID: 7,
			FlowID: "flood-report", Step: "ask", Outcome: "answered", Waiting: 90 * time.Second,
			Handling: 12 * time.Minute, VolunteerID: 500, Commune: "26734", Resident: "aGFzaA"}
		a3 := flow(time.Second, "other") // same instant as a2, recorded later
		a4 := flow(time.Second+time.Nanosecond, "photo")
		a5 := flow(time.Minute, "end")
		a6 := flow(-time.Minute, "early")
		for _, a := range []domain.Assist{a5, a2, a1, a6, a3, a4} { // out of time order
			require.NoError(t, st.RecordAssist(ctx(t), a))
		}
		between := func(from, to time.Time) []domain.Assist {
			t.Helper()
			got, err := st.AssistsBetween(ctx(t), from, to)
			require.NoError(t, err)
			return got
		}
		all := []domain.Assist{a6, a1, a2, a3, a4, a5}
		assertAssists(t, all, between(t0.Add(-time.Hour), t0.Add(time.Hour)))
		assertAssists(t, all, between(time.Time{}, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)))
		// from is inclusive, to exclusive, to the nanosecond.
		assertAssists(t, []domain.Assist{a2, a3}, between(a2.At, a4.At))
		assertAssists(t, []domain.Assist{a4, a5}, between(a2.At.Add(time.Nanosecond), a5.At.Add(time.Nanosecond)))
		assertAssists(t, []domain.Assist{a6}, between(a6.At, t0))
		assert.Empty(t, between(a1.At.Add(time.Nanosecond), a2.At))
		assert.Empty(t, between(a5.At, a2.At), "from after to")
		assert.Empty(t, between(a2.At, a2.At), "from equal to to")
	})

	t.Run("ZeroAtUsesClock", func(t *testing.T) {
		st, clock := s.store(t)
		require.NoError(t, st.RecordAssist(ctx(t), domain.Assist{Kind: domain.AssistFlow, FlowID: "f"}))
		got, err := st.AssistsBetween(ctx(t), clock.Now(), clock.Now().Add(time.Nanosecond))
		require.NoError(t, err)
		require.Len(t, got, 1)
		assert.True(t, clock.Now().Equal(got[0].At))
	})

	t.Run("Ratings", func(t *testing.T) {
		st, clock := s.store(t)
		t0 := clock.Now()
		ticket := func(id int64, at time.Duration) domain.Assist {
			return domain.Assist{At: t0.Add(at), Kind: domain.AssistTicket, TicketID: id, Outcome: "answered"}
		}
		rate := func(id int64, rating int, worked string) {
			t.Helper()
			require.NoError(t, st.RateTicket(ctx(t), id, rating, worked))
		}
		// Ticket 4 is rated before its assist is recorded.
		rate(4, 2, "no")
		for _, a := range []domain.Assist{
			ticket(1, 0), ticket(2, time.Second), ticket(3, 2*time.Second), ticket(4, 3*time.Second),
			{At: t0.Add(4 * time.Second), Kind: domain.AssistFlow, FlowID: "f"}, ticket(6, 5*time.Second),
		} {
			require.NoError(t, st.RecordAssist(ctx(t), a))
		}
		rate(1, 4, "yes")
		rate(1, 0, "no")   // worked replaced, rating left as is
		rate(1, 5, "")     // rating replaced, worked left as is
		rate(1, 0, "")     // nothing
		rate(2, 3, "")     // rating first
		rate(2, 0, "yes")  // then worked: the rating stays
		rate(6, 3, "")     // rating only
		rate(999, 1, "no") // a ticket without assists in range

		require.Error(t, st.RateTicket(ctx(t), 3, 6, ""), "rating out of range")
		require.Error(t, st.RateTicket(ctx(t), 3, -1, ""), "rating out of range")
		require.Error(t, st.RateTicket(ctx(t), 3, 0, "maybe"), "worked is yes or no")

		got, err := st.AssistsBetween(ctx(t), t0, t0.Add(time.Minute))
		require.NoError(t, err)
		require.Len(t, got, 6)
		type rated struct {
			rating int
			worked string
		}
		var ratings []rated
		for _, a := range got {
			ratings = append(ratings, rated{a.Rating, a.Worked})
		}
		assert.Equal(t, []rated{{5, "no"}, {3, "yes"}, {0, ""}, {2, "no"}, {0, ""}, {3, ""}}, ratings)

		// A rating given with the record stays unless a later one replaces it.
		pre := ticket(5, 10*time.Second)
		pre.Rating, pre.Worked = 1, "yes"
		require.NoError(t, st.RecordAssist(ctx(t), pre))
		rate(5, 0, "no")
		got, err = st.AssistsBetween(ctx(t), pre.At, pre.At.Add(time.Nanosecond))
		require.NoError(t, err)
		require.Len(t, got, 1)
		assert.Equal(t, 1, got[0].Rating)
		assert.Equal(t, "no", got[0].Worked)
	})

	t.Run("ManyRecords", func(t *testing.T) {
		// More than one read batch of a backend that reads in batches.
		const (
			writers = 11
			each    = 100
		)
		st, clock := s.store(t)
		t0 := clock.Now()
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					n := w*each + i
					errs <- st.RecordAssist(ctx(t), domain.Assist{
						At: t0.Add(time.Duration(writers*each-n) * time.Millisecond), Kind: domain.AssistTicket,
						TicketID: int64(n + 1),
					})
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		require.NoError(t, st.RateTicket(ctx(t), 1, 5, "yes"))
		got, err := st.AssistsBetween(ctx(t), t0, t0.Add(time.Hour))
		require.NoError(t, err)
		require.Len(t, got, writers*each)
		for i, a := range got {
			require.Equal(t, int64(writers*each-i), a.TicketID, "oldest first")
		}
		assert.Equal(t, 5, got[len(got)-1].Rating)
		assert.Zero(t, got[0].Rating)
	})
}

func assertAssists(t *testing.T, want, got []domain.Assist) {
	t.Helper()
	require.Lenf(t, got, len(want), "got %v", got)
	for i := range want {
		assert.Truef(t, want[i].At.Equal(got[i].At), "assist %d: At: want %v, got %v", i, want[i].At, got[i].At)
		w, g := want[i], got[i]
		w.At, g.At = time.Time{}, time.Time{}
		assert.NotEmptyf(t, g.ID, "assist %d has an id", i)
		if w.ID == "" {
			g.ID = "" // the store made it
		}
		assert.Equalf(t, w, g, "assist %d", i)
	}
}
