package redis

import (
	"context"
	"fmt"
	"math"
	"time"
)

// limiterTTLSlack is how long a limiter key lives on after it stops
// mattering (its TAT or pause has passed). The TTL only cleans up: a key
// that expired holds what a missing key means.
const limiterTTLSlack = time.Minute

// maxPauseTTL bounds the time to live PauseUntil gives a pause key, so that
// a far-off until cannot overflow it. A longer pause lasts as long as some
// Reserve finds it in force at least this often (each one extends the TTL).
const maxPauseTTL = 30 * 24 * time.Hour

// Reserve asks for one send under key at rate per second, in bursts of at
// most burst, at time now, with the generic cell rate algorithm: the key's
// state is its theoretical arrival time (TAT); a send may go when the TAT
// is at most (burst-1) intervals ahead of now, and moves it one interval
// (1/rate) on. It returns 0 when the send may go, or how long to wait
// before asking again (nothing is reserved then); a pause set by
// PauseUntil that has not ended by now also makes it wait, until its end.
//
// It is one script (reserveCmd), so every instance on the server shares
// the limit. Time is now only, in microseconds, never the server's clock;
// the interval is rounded up to a whole microsecond, so the rate is never
// exceeded. A burst below 1 counts as 1; a rate that is not a positive
// number is an error.
func (s *Store) Reserve(ctx context.Context, key string, rate float64, burst int, now time.Time) (time.Duration, error) {
	// Errors name the call; the name is put together only then, since
	// Reserve is called for every send.
	op := func() string { return fmt.Sprintf("reserve %q", key) }
	interval, err := limiterInterval(rate)
	if err != nil {
		return 0, fmt.Errorf("redis: %s: %w", op(), err)
	}
	burst = max(burst, 1)
	tolerance := interval * int64(burst-1)
	if tolerance/interval != int64(burst-1) {
		return 0, fmt.Errorf("redis: %s: burst %d too large", op(), burst)
	}
	wait, err := reserveCmd.Run(ctx, s.client,
		[]string{s.keys.limiterTAT(key), s.keys.limiterPause(key)},
		now.UnixMicro(), interval, tolerance, limiterTTLSlack.Milliseconds(),
	).Int64()
	if err != nil {
		return 0, wrapErr(op(), err)
	}
	if wait > int64(math.MaxInt64/time.Microsecond) {
		return math.MaxInt64, nil // a pause centuries off
	}
	return time.Duration(wait) * time.Microsecond, nil
}

// PauseUntil makes every Reserve under key wait until the given time
// (to the microsecond, rounded up), unless the key is paused until then or
// later already: an earlier pause changes nothing. It is one script
// (pauseCmd). PauseUntil has no now, so the pause key's time to live is
// reckoned by the store's clock (WithClock), with a minute to spare (and
// at most maxPauseTTL); each Reserve that finds the pause in force times it
// again from its now.
func (s *Store) PauseUntil(ctx context.Context, key string, until time.Time) error {
	ttl := min(max(until.Sub(s.now()), 0), maxPauseTTL) + limiterTTLSlack
	err := pauseCmd.Run(ctx, s.client, []string{s.keys.limiterPause(key)},
		ceilMicro(until), ttl.Milliseconds(),
	).Err()
	if err != nil {
		return wrapErr(fmt.Sprintf("pause %q", key), err)
	}
	return nil
}

// limiterInterval is the emission interval of rate sends per second in
// whole microseconds, rounded up, at least 1.
func limiterInterval(rate float64) (int64, error) {
	if !(rate > 0) || math.IsInf(rate, 0) {
		return 0, fmt.Errorf("rate %v is not a positive number", rate)
	}
	return max(int64(math.Ceil(1e6/rate)), 1), nil
}

// ceilMicro is t in unix microseconds, rounded up.
func ceilMicro(t time.Time) int64 {
	us := t.UnixMicro()
	if t.Nanosecond()%1000 != 0 {
		us++
	}
	return us
}
