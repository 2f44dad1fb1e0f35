// Package circuit is a circuit breaker for calls to a service that may be
// out of reach. It is closed while calls go through; after Threshold
// failures in a row it opens, and calls wait out a backoff; then it lets
// one trial through (half-open): a success closes it, a failure opens it
// again for twice as long, up to MaxBackoff. It keeps time by an injected
// clock and is safe for concurrent use.
package circuit

import (
	"fmt"
	"sync"
	"time"
)

// State is where a breaker stands.
type State int

// The states of a breaker.
const (
	// Closed lets every call through.
	Closed State = iota
	// HalfOpen has let one trial through and waits for its result.
	HalfOpen
	// Open refuses calls until its backoff has passed.
	Open
)

// String names the state as readiness and logs show it.
func (s State) String() string {
	switch s {
	case Closed:
		return "closed"
	case HalfOpen:
		return "half-open"
	case Open:
		return "open"
	}
	return fmt.Sprintf("state(%d)", int(s))
}

// Defaults of Config.
const (
	DefaultThreshold  = 5
	DefaultBackoff    = 5 * time.Second
	DefaultMaxBackoff = 2 * time.Minute
)

// Config configures a Breaker; zero fields take the defaults.
type Config struct {
	// Threshold is how many failures in a row open the breaker.
	Threshold int
	// Backoff is how long the breaker first stays open; each failed trial
	// doubles it, up to MaxBackoff, and a success brings it back.
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Breaker is a circuit breaker. Callers ask Allow before a call, or State
// to know without starting a trial, and report each call's result with
// Success or Failure.
type Breaker struct {
	cfg Config

	mu        sync.Mutex
	state     State
	failures  int // in a row
	backoff   time.Duration
	since     time.Time // when it opened, for this outage
	retryAt   time.Time // when an open breaker lets a trial through
	reason    string    // the last failure
	successes uint64
}

// New makes a closed breaker.
func New(cfg Config) *Breaker {
	if cfg.Threshold <= 0 {
		cfg.Threshold = DefaultThreshold
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.MaxBackoff < cfg.Backoff {
		cfg.MaxBackoff = max(DefaultMaxBackoff, cfg.Backoff)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Breaker{cfg: cfg, backoff: cfg.Backoff}
}

// Allow reports whether a call may go now. Closed, always; open, not until
// the backoff has passed: then the breaker turns half-open and this call
// is its trial. Half-open, no other call goes until the trial's result.
func (b *Breaker) Allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case Closed:
		return true
	case Open:
		if b.cfg.Now().Before(b.retryAt) {
			return false
		}
		b.state = HalfOpen
		return true
	}
	return false
}

// State returns where the breaker stands, without starting a trial.
func (b *Breaker) State() State {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state
}

// Success records a call that went through: the breaker closes, and the
// failures in a row and the backoff start over.
func (b *Breaker) Success() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.successes++
	b.state, b.failures, b.backoff = Closed, 0, b.cfg.Backoff
	b.since, b.retryAt, b.reason = time.Time{}, time.Time{}, ""
}

// Failure records a call that failed for err. Closed, the Threshold-th
// failure in a row opens the breaker; half-open, the failed trial opens it
// again for twice as long. A failure while open (of a call let through
// before it opened) changes only the count.
func (b *Breaker) Failure(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures++
	if err != nil {
		b.reason = err.Error()
	}
	if b.state == Open || (b.state == Closed && b.failures < b.cfg.Threshold) {
		return
	}
	now := b.cfg.Now()
	if b.state == Closed {
		b.since = now
	}
	b.state, b.retryAt = Open, now.Add(b.backoff)
	b.backoff = min(2*b.backoff, b.cfg.MaxBackoff)
}

// Successes counts the successes since the breaker was made: a caller
// that compares two readings learns whether any call went through in
// between.
func (b *Breaker) Successes() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.successes
}

// Status is a breaker's state with what explains it.
type Status struct {
	State State
	// Failures is how many calls failed in a row.
	Failures int
	// Since is when the breaker opened (open or half-open).
	Since time.Time
	// RetryAt is when an open breaker lets its next trial through.
	RetryAt time.Time
	// Reason is the last failure's error.
	Reason string
}

// Status returns the breaker's state and what explains it.
func (b *Breaker) Status() Status {
	b.mu.Lock()
	defer b.mu.Unlock()
	return Status{State: b.state, Failures: b.failures, Since: b.since, RetryAt: b.retryAt, Reason: b.reason}
}
