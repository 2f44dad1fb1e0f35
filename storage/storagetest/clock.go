package storagetest

import (
	"sync"
	"time"
)

// Clock is a settable clock for tests. Hand its Now method to a backend
// (e.g. embedded.WithClock(clock.Now)) and move time with Set and Advance.
// It is safe for concurrent use.
type Clock struct {
	mu    sync.Mutex
	now   time.Time
	hooks []func(time.Duration)
}

// NewClock returns a clock standing at now.
func NewClock(now time.Time) *Clock {
	return &Clock{now: now}
}

// Now returns the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to now. When that is a move forward, the OnAdvance
// hooks are called with the distance moved; moving back calls no hook.
func (c *Clock) Set(now time.Time) {
	c.mu.Lock()
	d := now.Sub(c.now)
	c.now = now
	hooks := c.hooks
	c.mu.Unlock()
	if d > 0 {
		run(hooks, d)
	}
}

// Advance moves the clock forward by d (d must not be negative) and then
// calls the OnAdvance hooks with d.
func (c *Clock) Advance(d time.Duration) {
	if d < 0 {
		panic("storagetest: Clock.Advance with a negative duration")
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	hooks := c.hooks
	c.mu.Unlock()
	run(hooks, d)
}

// OnAdvance registers f to be called whenever the clock moves forward, with
// the distance moved. Backends whose expiry runs on their own time (e.g.
// miniredis TTLs) use it to follow the clock: clock.OnAdvance(mr.FastForward).
func (c *Clock) OnAdvance(f func(time.Duration)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hooks = append(c.hooks[:len(c.hooks):len(c.hooks)], f)
}

func run(hooks []func(time.Duration), d time.Duration) {
	for _, f := range hooks {
		f(d)
	}
}
