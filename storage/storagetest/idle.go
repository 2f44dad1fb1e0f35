package storagetest

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/flows"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func (s suite) testIdleSessions(t *testing.T) {
	t.Run("Filter", func(t *testing.T) {
		st, clock := s.store(t)
		t0 := clock.Now()
		save := func(at time.Duration, in domain.Session) domain.Session {
			t.Helper()
			clock.Set(t0.Add(at))
			out, err := st.SaveSession(ctx(t), in)
			require.NoError(t, err)
			return out
		}
		a := save(0, domain.Session{ChatID: 1, Position: flows.Position{FlowID: "f", Step: "s"}})
		b := save(1*time.Minute, domain.Session{ChatID: -2, Position: flows.Position{FlowID: "f", Step: "s"}})
		save(2*time.Minute, domain.Session{ChatID: 3})                                        // not in a flow
		save(3*time.Minute, domain.Session{ChatID: 4, Position: flows.Position{FlowID: "f"}}) // flow without step: not in flow
		save(4*time.Minute, domain.Session{ChatID: 5, Position: flows.Position{FlowID: "f", Step: "s", Abandoned: true}})
		e := save(5*time.Minute, domain.Session{ChatID: 6, Position: flows.Position{FlowID: "f", Step: "s", Answers: map[string]string{"k": "v"}}})
		save(20*time.Minute, domain.Session{ChatID: 7, Position: flows.Position{FlowID: "f", Step: "s"}}) // too recent
		cutoff := t0.Add(10 * time.Minute)

		got, err := st.IdleSessions(ctx(t), cutoff, 10)
		require.NoError(t, err)
		assertSessions(t, []domain.Session{a, b, e}, got)

		got, err = st.IdleSessions(ctx(t), cutoff, 2)
		require.NoError(t, err)
		assertSessions(t, []domain.Session{a, b}, got)

		got, err = st.IdleSessions(ctx(t), cutoff, 0)
		require.NoError(t, err)
		assert.Empty(t, got)

		// "before" is strict: b was updated exactly at t0+1m.
		got, err = st.IdleSessions(ctx(t), b.UpdatedAt, 10)
		require.NoError(t, err)
		assertSessions(t, []domain.Session{a}, got)

		got, err = st.IdleSessions(ctx(t), b.UpdatedAt.Add(time.Nanosecond), 10)
		require.NoError(t, err)
		assertSessions(t, []domain.Session{a, b}, got)

		got, err = st.IdleSessions(ctx(t), t0, 10)
		require.NoError(t, err)
		assert.Empty(t, got)
	})

	t.Run("UpdatesMoveSessions", func(t *testing.T) {
		st, clock := s.store(t)
		t0 := clock.Now()
		var ss []domain.Session
		for i := range 5 {
			clock.Set(t0.Add(time.Duration(i) * time.Minute))
			out, err := st.SaveSession(ctx(t), domain.Session{ChatID: int64(100 + i), Position: flows.Position{FlowID: "f", Step: "s"}})
			require.NoError(t, err)
			ss = append(ss, out)
		}
		clock.Set(t0.Add(time.Hour))
		cutoff := t0.Add(30 * time.Minute)
		update := func(in domain.Session) {
			t.Helper()
			_, err := st.SaveSession(ctx(t), in)
			require.NoError(t, err)
		}

		touched := ss[0] // active again: now recent
		touched.Step = "next"
		update(touched)

		abandoned := ss[1] // reported abandoned
		abandoned.Abandoned = true
		update(abandoned)

		left := ss[2] // left the flow
		left.FlowID, left.Step = "", ""
		update(left)

		require.NoError(t, st.DeleteSession(ctx(t), ss[3].ChatID))

		got, err := st.IdleSessions(ctx(t), cutoff, 10)
		require.NoError(t, err)
		assertSessions(t, []domain.Session{ss[4]}, got)

		// The sessions that left the index do not use up the limit.
		got, err = st.IdleSessions(ctx(t), cutoff, 1)
		require.NoError(t, err)
		assertSessions(t, []domain.Session{ss[4]}, got)

		// All but the abandoned and the one out of a flow come back later.
		got, err = st.IdleSessions(ctx(t), t0.Add(2*time.Hour), 10)
		require.NoError(t, err)
		require.Len(t, got, 2)
		assert.Equal(t, []int64{ss[4].ChatID, ss[0].ChatID}, chatIDs(got))
	})

	t.Run("OldestFirstAcrossManyChats", func(t *testing.T) {
		st, clock := s.store(t)
		t0 := clock.Now()
		const n = 60
		rng := rand.New(rand.NewPCG(1, 2))
		ids := rng.Perm(n) // chat ids saved in random order, at increasing times
		want := make([]int64, 0, n)
		for i, id := range ids {
			chatID := int64(id*7919 - 200) // spread, some negative
			clock.Set(t0.Add(time.Duration(i) * time.Second))
			_, err := st.SaveSession(ctx(t), domain.Session{ChatID: chatID, Position: flows.Position{FlowID: "f", Step: "s"}})
			require.NoError(t, err)
			want = append(want, chatID)
		}
		// Re-save some early ones in reverse order of their first save, so
		// that their new order differs from the old one.
		for i := 9; i >= 0; i-- {
			clock.Set(t0.Add(time.Duration(n+9-i) * time.Second))
			cur, err := st.GetSession(ctx(t), want[i])
			require.NoError(t, err)
			_, err = st.SaveSession(ctx(t), cur)
			require.NoError(t, err)
		}
		order := append([]int64{}, want[10:]...)
		for i := 9; i >= 0; i-- {
			order = append(order, want[i])
		}

		got, err := st.IdleSessions(ctx(t), t0.Add(time.Hour), 25)
		require.NoError(t, err)
		assert.Equal(t, order[:25], chatIDs(got))

		got, err = st.IdleSessions(ctx(t), t0.Add(time.Hour), 1000)
		require.NoError(t, err)
		assert.Equal(t, order, chatIDs(got))
		for i := 1; i < len(got); i++ {
			assert.True(t, got[i-1].UpdatedAt.Before(got[i].UpdatedAt), "oldest first")
		}
	})
}

func chatIDs(ss []domain.Session) []int64 {
	ids := make([]int64, len(ss))
	for i, s := range ss {
		ids[i] = s.ChatID
	}
	return ids
}

func assertSessions(t *testing.T, want, got []domain.Session) {
	t.Helper()
	require.Equal(t, chatIDs(want), chatIDs(got))
	for i := range want {
		assertSession(t, want[i], got[i])
	}
}
