package storagetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/storage"
)

func (s suite) testLimiter(t *testing.T) {
	t.Run("Rate", s.testLimiterRate)
	t.Run("Burst", s.testLimiterBurst)
	t.Run("WaitReservesNothing", s.testLimiterWaitReservesNothing)
	t.Run("KeysAreIndependent", s.testLimiterKeys)
	t.Run("Pause", s.testLimiterPause)
	t.Run("TwoInstancesInterleaved", s.testLimiterInterleaved)
	t.Run("TwoInstancesConcurrent", s.testLimiterConcurrent)
	t.Run("BadRate", s.testLimiterBadRate)
}

// Telegram's limit for one bot: about 30 messages a second overall; the
// tests ask for 25.
const (
	limitRate   = 25
	limitWindow = 10 * time.Second
	limitSends  = limitRate * 10 // in limitWindow
)

// reserve calls Reserve and checks the wait is not negative.
func reserve(t *testing.T, l storage.Limiter, key string, rate float64, burst int, now time.Time) time.Duration {
	t.Helper()
	wait, err := l.Reserve(ctx(t), key, rate, burst, now)
	require.NoError(t, err)
	require.GreaterOrEqual(t, wait, time.Duration(0))
	return wait
}

// assertWait checks a wait, allowing backends to round it up by less than
// two microseconds (one for now, one for the pause or interval).
func assertWait(t *testing.T, want, got time.Duration, msgAndArgs ...any) {
	t.Helper()
	if got < want || got-want >= 2*time.Microsecond {
		assert.Fail(t, fmt.Sprintf("wait: want %v (or up to 2µs more), got %v", want, got), msgAndArgs...)
	}
}

// sendFor plays one sender on l from start until end on a simulated clock
// that moves only by the waits Reserve returns: after a reservation it asks
// again at once. It returns the times of its sends.
func sendFor(t *testing.T, l storage.Limiter, key string, start, end time.Time) []time.Time {
	t.Helper()
	var sends []time.Time
	zeros := 0 // reservations in a row at one instant
	for now := start; now.Before(end); {
		wait := reserve(t, l, key, limitRate, 1, now)
		if wait == 0 {
			sends = append(sends, now)
			zeros++
			require.LessOrEqual(t, zeros, 1, "burst 1: one send per instant")
			continue
		}
		zeros = 0
		now = now.Add(wait)
	}
	return sends
}

func (s suite) testLimiterRate(t *testing.T) {
	st, clock := s.store(t)
	t0 := clock.Now()
	sends := sendFor(t, st, "global", t0, t0.Add(limitWindow))
	assert.InDelta(t, limitSends, len(sends), 1)
	for i := 1; i < len(sends); i++ {
		gap := sends[i].Sub(sends[i-1])
		require.GreaterOrEqualf(t, gap, time.Second/limitRate, "send %d", i)
		require.Lessf(t, gap, time.Second/limitRate+2*time.Microsecond, "send %d: no waiting longer than needed", i)
	}
}

func (s suite) testLimiterBurst(t *testing.T) {
	st, clock := s.store(t)
	t0 := clock.Now()
	for i := range 5 {
		require.Zerof(t, reserve(t, st, "chat", 10, 5, t0), "send %d of a burst of 5", i+1)
	}
	assertWait(t, 100*time.Millisecond, reserve(t, st, "chat", 10, 5, t0), "the burst is spent")
	assertWait(t, 60*time.Millisecond, reserve(t, st, "chat", 10, 5, t0.Add(40*time.Millisecond)))
	t1 := t0.Add(100 * time.Millisecond)
	assert.Zero(t, reserve(t, st, "chat", 10, 5, t1), "one interval later, one more")
	assertWait(t, 100*time.Millisecond, reserve(t, st, "chat", 10, 5, t1))

	// After a quiet spell the whole burst is back, not more.
	t2 := t1.Add(time.Minute)
	for range 5 {
		require.Zero(t, reserve(t, st, "chat", 10, 5, t2))
	}
	assert.NotZero(t, reserve(t, st, "chat", 10, 5, t2))

	// A burst below 1 counts as 1.
	assert.Zero(t, reserve(t, st, "zero", 10, 0, t0))
	assertWait(t, 100*time.Millisecond, reserve(t, st, "zero", 10, 0, t0))
}

func (s suite) testLimiterWaitReservesNothing(t *testing.T) {
	st, clock := s.store(t)
	t0 := clock.Now()
	require.Zero(t, reserve(t, st, "k", limitRate, 1, t0))
	for range 5 {
		assertWait(t, 30*time.Millisecond, reserve(t, st, "k", limitRate, 1, t0.Add(10*time.Millisecond)),
			"asking again does not push the next send back")
	}
	assert.Zero(t, reserve(t, st, "k", limitRate, 1, t0.Add(40*time.Millisecond)))
}

func (s suite) testLimiterKeys(t *testing.T) {
	st, clock := s.store(t)
	t0 := clock.Now()
	require.Zero(t, reserve(t, st, "chat:1", 1, 1, t0))
	require.NotZero(t, reserve(t, st, "chat:1", 1, 1, t0))
	assert.Zero(t, reserve(t, st, "chat:2", 1, 1, t0), "another key has its own limit")
	assert.Zero(t, reserve(t, st, "chat:10", 1, 1, t0))
	require.NoError(t, st.PauseUntil(ctx(t), "chat:2", t0.Add(time.Hour)))
	assert.Zero(t, reserve(t, st, "chat:3", 1, 1, t0), "and its own pause")
}

func (s suite) testLimiterPause(t *testing.T) {
	st, clock := s.store(t)
	t0 := clock.Now() // has a sub-millisecond part
	pause := func(until time.Time) {
		t.Helper()
		require.NoError(t, st.PauseUntil(ctx(t), "bot", until))
	}
	require.Zero(t, reserve(t, st, "bot", limitRate, 1, t0))

	// A 429 said: retry after 5 seconds.
	pause(t0.Add(5 * time.Second))
	assertWait(t, 5*time.Second-time.Millisecond, reserve(t, st, "bot", limitRate, 1, t0.Add(time.Millisecond)),
		"paused, though the rate would allow a send")
	assertWait(t, 4*time.Second, reserve(t, st, "bot", limitRate, 1, t0.Add(time.Second)))

	// An earlier pause changes nothing; a later one extends it.
	pause(t0.Add(2 * time.Second))
	assertWait(t, 4*time.Second, reserve(t, st, "bot", limitRate, 1, t0.Add(time.Second)), "an earlier pause does not shorten it")
	pause(t0.Add(5 * time.Second))
	assertWait(t, 4*time.Second, reserve(t, st, "bot", limitRate, 1, t0.Add(time.Second)))
	pause(t0.Add(8 * time.Second))
	assertWait(t, 7*time.Second, reserve(t, st, "bot", limitRate, 1, t0.Add(time.Second)), "a later pause extends it")

	// Waiting reserved nothing: at the end, one send goes at once.
	end := t0.Add(8 * time.Second)
	wait := reserve(t, st, "bot", limitRate, 1, end.Add(-time.Nanosecond))
	assert.Positive(t, wait, "paused to the end")
	assert.Less(t, wait, 2*time.Microsecond)
	end = end.Add(wait)
	assert.Zero(t, reserve(t, st, "bot", limitRate, 1, end), "the pause is over")
	assertWait(t, time.Second/limitRate, reserve(t, st, "bot", limitRate, 1, end), "and the rate applies again")

	// Paused again, long after.
	pause(t0.Add(time.Minute))
	pause(t0.Add(time.Minute)) // the same pause again: no change
	assertWait(t, 50*time.Second, reserve(t, st, "bot", limitRate, 1, t0.Add(10*time.Second)))

	// A key paused before it was ever reserved.
	require.NoError(t, st.PauseUntil(ctx(t), "fresh", t0.Add(3*time.Second)))
	assertWait(t, 3*time.Second, reserve(t, st, "fresh", 1, 1, t0))
	assert.Zero(t, reserve(t, st, "fresh", 1, 1, t0.Add(4*time.Second)))

	// A pause centuries off (a bad retry_after) is kept, its wait whole.
	require.NoError(t, st.PauseUntil(ctx(t), "far", time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)))
	assert.Greater(t, reserve(t, st, "far", 1, 1, t0), 100*365*24*time.Hour)

	// A pause that is over already changes nothing.
	require.NoError(t, st.PauseUntil(ctx(t), "fresh", t0))
	assertWait(t, time.Second, reserve(t, st, "fresh", 1, 1, t0.Add(4*time.Second)))
}

// testLimiterInterleaved has two instances send under one key, taking
// turns whenever both may ask at the same time, each on the simulated
// clock: together they keep to the rate, and both get to send.
func (s suite) testLimiterInterleaved(t *testing.T) {
	a, b, clock := s.pair(t)
	t0 := clock.Now()
	end := t0.Add(limitWindow)
	type sender struct {
		l     storage.Limiter
		next  time.Time
		sends int
	}
	senders := []*sender{{l: a, next: t0}, {l: b, next: t0}}
	last := 1
	for {
		// The sender due first; on a tie, the one that did not go last.
		i := 1 - last
		if senders[last].next.Before(senders[i].next) {
			i = last
		}
		cur := senders[i]
		if !cur.next.Before(end) {
			break
		}
		last = i
		wait := reserve(t, cur.l, "bot", limitRate, 1, cur.next)
		if wait == 0 {
			cur.sends++
			continue
		}
		cur.next = cur.next.Add(wait)
	}
	total := senders[0].sends + senders[1].sends
	t.Logf("two instances: %d + %d sends in %v", senders[0].sends, senders[1].sends, limitWindow)
	assert.InDelta(t, limitSends, total, 1, "%d + %d sends", senders[0].sends, senders[1].sends)
	assert.Greater(t, senders[0].sends, limitSends/4, "interleaved")
	assert.Greater(t, senders[1].sends, limitSends/4, "interleaved")
}

// testLimiterConcurrent has four senders, on two instances where the
// backend has them, send under one key at once, each on its own simulated
// clock: together they still keep to the rate.
func (s suite) testLimiterConcurrent(t *testing.T) {
	const senders = 4
	a, b, clock := s.pair(t)
	t0 := clock.Now()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		sends []time.Time
		errs  []error
	)
	for i := range senders {
		l := []storage.Limiter{a, b}[i%2]
		wg.Go(func() {
			var mine []time.Time
			var err error
			for now := t0; now.Before(t0.Add(limitWindow)) && err == nil; {
				var wait time.Duration
				wait, err = l.Reserve(ctx(t), "bot", limitRate, 1, now)
				if wait == 0 {
					mine = append(mine, now)
					continue
				}
				now = now.Add(wait)
			}
			mu.Lock()
			defer mu.Unlock()
			sends = append(sends, mine...)
			if err != nil {
				errs = append(errs, err)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	assert.InDelta(t, limitSends, len(sends), 1)
}

func (s suite) testLimiterBadRate(t *testing.T) {
	st, clock := s.store(t)
	for _, rate := range []float64{0, -1} {
		_, err := st.Reserve(ctx(t), "k", rate, 1, clock.Now())
		assert.Errorf(t, err, "rate %v", rate)
	}
}
