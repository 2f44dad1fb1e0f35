package embedded

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/hotroso/hotroso/storage"
)

// limiter is the store's rate limiter. It lives in memory, not in the
// file: the embedded store serves one process (bbolt's file lock keeps
// others out), so there is no other instance to share limits with, and a
// limit's state matters for seconds only. A restart forgets reservations
// and pauses; the next sends then find out from Telegram again.
type limiter struct {
	mu    sync.Mutex
	keys  map[string]*limitState
	calls int // Reserve calls since the last sweep
}

// limitState is one key's state: its theoretical arrival time (TAT) and
// when its pause ends (zero: none).
type limitState struct {
	tat, pausedUntil time.Time
}

// limiterSweepEvery is how many Reserve calls pass between sweeps of the
// keys whose state has stopped mattering, and limiterSlack how long after
// that a sweep drops them (in case callers' clocks differ a little).
const (
	limiterSweepEvery = 1024
	limiterSlack      = time.Minute
)

// Reserve asks for one send under key at rate per second, in bursts of at
// most burst, at time now, with the generic cell rate algorithm: the key's
// state is its theoretical arrival time (TAT); a send may go when the TAT
// is at most (burst-1) intervals ahead of now, and moves it one interval
// (1/rate, rounded up to the nanosecond) on. It returns 0 when the send may
// go, or how long to wait before asking again (nothing is reserved then);
// a pause set by PauseUntil that has not ended by now also makes it wait,
// until its end. Time is now only. A burst below 1 counts as 1; a rate that
// is not a positive number is an error. The state is in memory (see
// limiter).
func (s *Store) Reserve(ctx context.Context, key string, rate float64, burst int, now time.Time) (time.Duration, error) {
	// Errors name the call; the name is put together only then, since
	// Reserve is called for every send.
	op := func() string { return fmt.Sprintf("reserve %q", key) }
	if err := s.limiterUsable(ctx); err != nil {
		return 0, wrap(op(), err)
	}
	if !(rate > 0) || math.IsInf(rate, 0) {
		return 0, fmt.Errorf("embedded: %s: rate %v is not a positive number", op(), rate)
	}
	interval := time.Duration(max(math.Ceil(float64(time.Second)/rate), 1))
	burst = max(burst, 1)
	tolerance := interval * time.Duration(burst-1)
	if tolerance/interval != time.Duration(burst-1) {
		return 0, fmt.Errorf("embedded: %s: burst %d too large", op(), burst)
	}

	l := &s.limiter
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	st := l.keys[key]
	if st != nil && now.Before(st.pausedUntil) {
		return st.pausedUntil.Sub(now), nil
	}
	tat := now
	if st != nil && st.tat.After(now) {
		tat = st.tat
	}
	if ahead := tat.Sub(now); ahead > tolerance {
		return ahead - tolerance, nil
	}
	if st == nil {
		if l.keys == nil {
			l.keys = map[string]*limitState{}
		}
		st = &limitState{}
		l.keys[key] = st
	}
	st.tat = tat.Add(interval)
	return 0, nil
}

// PauseUntil makes every Reserve under key wait until the given time,
// unless the key is paused until then or later already: an earlier pause
// changes nothing. The pause is in memory (see limiter).
func (s *Store) PauseUntil(ctx context.Context, key string, until time.Time) error {
	if err := s.limiterUsable(ctx); err != nil {
		return wrap(fmt.Sprintf("pause %q", key), err)
	}
	l := &s.limiter
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.keys[key]
	if st == nil {
		if l.keys == nil {
			l.keys = map[string]*limitState{}
		}
		st = &limitState{}
		l.keys[key] = st
	}
	if until.After(st.pausedUntil) {
		st.pausedUntil = until
	}
	return nil
}

// sweep drops, every limiterSweepEvery calls, the keys whose TAT and pause
// are both over a limiterSlack behind now: a missing key means the same.
// l.mu must be held.
func (l *limiter) sweep(now time.Time) {
	l.calls++
	if l.calls < limiterSweepEvery {
		return
	}
	l.calls = 0
	old := now.Add(-limiterSlack)
	for k, st := range l.keys {
		if !st.tat.After(old) && !st.pausedUntil.After(old) {
			delete(l.keys, k)
		}
	}
}

// limiterUsable returns the error Reserve and PauseUntil give when ctx is
// done or the store closed, like the methods that use the file.
func (s *Store) limiterUsable(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed.Load() {
		return fmt.Errorf("%w: store closed", storage.ErrUnavailable)
	}
	return nil
}
