package storagetest

import (
	"testing"
	"time"

	"github.com/hotroso/hotroso/domain"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func (s suite) testFunnel(t *testing.T) {
	t.Run("Empty", func(t *testing.T) {
		st, clock := s.store(t)
		got, err := st.FunnelEvents(ctx(t), clock.Now().Add(-time.Hour), clock.Now().Add(time.Hour))
		require.NoError(t, err)
		assert.Empty(t, got)
	})

	t.Run("OrderAndBounds", func(t *testing.T) {
		st, clock := s.store(t)
		t0 := clock.Now()
		ev := func(at time.Duration, kind domain.FunnelKind, step string) domain.FunnelEvent {
			return domain.FunnelEvent{At: t0.Add(at), Kind: kind, FlowID: "report", FlowVersion: 2, Step: step}
		}
		e1 := ev(0, domain.FlowStarted, "")
		e2 := ev(time.Second, domain.StepEntered, "where")
		e3 := ev(time.Second, domain.StepEntered, "what") // same instant as e2, recorded later
		e4 := ev(time.Second+time.Nanosecond, domain.StepEntered, "photo")
		e5 := ev(time.Minute, domain.FlowFinished, "")
		e5.Outcome = "sent"
		e6 := ev(-time.Minute, domain.FlowAbandoned, "where")
		// Recorded out of time order.
		for _, e := range []domain.FunnelEvent{e5, e2, e1, e6, e3, e4} {
			require.NoError(t, st.RecordFunnel(ctx(t), e))
		}

		events := func(from, to time.Time) []domain.FunnelEvent {
			t.Helper()
			got, err := st.FunnelEvents(ctx(t), from, to)
			require.NoError(t, err)
			return got
		}
		all := []domain.FunnelEvent{e6, e1, e2, e3, e4, e5}
		assertEvents(t, all, events(t0.Add(-time.Hour), t0.Add(time.Hour)))
		assertEvents(t, all, events(time.Time{}, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)))

		// from is inclusive, to exclusive, to the nanosecond.
		assertEvents(t, []domain.FunnelEvent{e2, e3}, events(e2.At, e4.At))
		assertEvents(t, []domain.FunnelEvent{e4, e5}, events(e2.At.Add(time.Nanosecond), e5.At.Add(time.Nanosecond)))
		assertEvents(t, []domain.FunnelEvent{e1, e2, e3, e4}, events(t0, e5.At))
		assertEvents(t, []domain.FunnelEvent{e6}, events(e6.At, t0))
		assert.Empty(t, events(e1.At.Add(time.Nanosecond), e2.At))
		assert.Empty(t, events(e5.At, e2.At), "from after to")
		assert.Empty(t, events(e2.At, e2.At), "from equal to to")
	})

	t.Run("SeveralInOneCall", func(t *testing.T) {
		st, clock := s.store(t)
		at := clock.Now()
		require.NoError(t, st.RecordFunnel(ctx(t)), "no events: nothing to do")
		require.NoError(t, st.RecordFunnel(ctx(t),
			domain.FunnelEvent{At: at, Kind: domain.FlowStarted, FlowID: "vneid"},
			domain.FunnelEvent{At: at, Kind: domain.StepEntered, FlowID: "vneid", Step: "welcome"},
			domain.FunnelEvent{At: at, Kind: domain.FlowFinished, FlowID: "vneid", Step: "done", Outcome: "done"}))
		got, err := st.FunnelEvents(ctx(t), at, at.Add(time.Second))
		require.NoError(t, err)
		require.Len(t, got, 3)
		for i, kind := range []domain.FunnelKind{domain.FlowStarted, domain.StepEntered, domain.FlowFinished} {
			assert.Equal(t, kind, got[i].Kind, "recorded in order, same At")
		}
	})

	t.Run("ZeroAtUsesClock", func(t *testing.T) {
		st, clock := s.store(t)
		require.NoError(t, st.RecordFunnel(ctx(t), domain.FunnelEvent{Kind: domain.FlowStarted, FlowID: "f"}))
		got, err := st.FunnelEvents(ctx(t), clock.Now(), clock.Now().Add(time.Nanosecond))
		require.NoError(t, err)
		require.Len(t, got, 1)
		assert.True(t, clock.Now().Equal(got[0].At))
	})
}

func assertEvents(t *testing.T, want, got []domain.FunnelEvent) {
	t.Helper()
	require.Lenf(t, got, len(want), "got %v", got)
	for i := range want {
		assert.Truef(t, want[i].At.Equal(got[i].At), "event %d: At: want %v, got %v", i, want[i].At, got[i].At)
		w, g := want[i], got[i]
		w.At, g.At = time.Time{}, time.Time{}
		assert.Equalf(t, w, g, "event %d", i)
	}
}
