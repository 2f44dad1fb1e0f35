package circuit_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/circuit"
)

// clock is a test clock that moves only when told.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

var (
	epoch      = time.Date(2026, 3, 9, 0, 20, 0, 0, time.UTC)
	errRefused = errors.New("dial tcp: connection refused")
)

func newBreaker() (*circuit.Breaker, *clock) {
	c := &clock{t: epoch}
	return circuit.New(circuit.Config{Threshold: 3, Backoff: 10 * time.Second, MaxBackoff: 35 * time.Second, Now: c.now}), c
}

func TestOpensAfterThresholdFailuresInARow(t *testing.T) {
	b, c := newBreaker()
	assert.Equal(t, circuit.Closed, b.State())
	b.Failure(errRefused)
	b.Failure(errRefused)
	b.Success() // a call went through: the count starts over
	b.Failure(errRefused)
	b.Failure(errRefused)
	assert.True(t, b.Allow(), "two in a row: still closed")
	assert.Equal(t, circuit.Closed, b.State())

	c.advance(time.Second)
	b.Failure(errors.New("502 Bad Gateway"))
	assert.Equal(t, circuit.Open, b.State())
	assert.False(t, b.Allow())
	assert.Equal(t, circuit.Status{State: circuit.Open, Failures: 3, Since: epoch.Add(time.Second), RetryAt: epoch.Add(11 * time.Second),
		Reason: "502 Bad Gateway"}, b.Status())

	b.Failure(errRefused) // a call let through before it opened
	assert.Equal(t, epoch.Add(11*time.Second), b.Status().RetryAt, "a late failure does not extend the wait")
	assert.Equal(t, 4, b.Status().Failures)
}

func TestHalfOpenLetsOneTrialThrough(t *testing.T) {
	b, c := newBreaker()
	for range 3 {
		b.Failure(errRefused)
	}
	c.advance(10*time.Second - time.Nanosecond)
	assert.False(t, b.Allow(), "the backoff has not passed")
	c.advance(time.Nanosecond)
	assert.True(t, b.Allow(), "the trial")
	assert.Equal(t, circuit.HalfOpen, b.State())
	assert.False(t, b.Allow(), "one trial at a time")
	assert.False(t, b.Allow())

	b.Success()
	assert.Equal(t, circuit.Closed, b.State())
	assert.Equal(t, circuit.Status{State: circuit.Closed}, b.Status(), "closed, nothing to explain")
	assert.True(t, b.Allow())
}

func TestFailedTrialsDoubleTheBackoffUpToItsMaximum(t *testing.T) {
	b, c := newBreaker()
	for range 3 {
		b.Failure(errRefused)
	}
	opened := c.now()
	for _, wait := range []time.Duration{10 * time.Second, 20 * time.Second, 35 * time.Second, 35 * time.Second} {
		assert.Equal(t, c.now().Add(wait), b.Status().RetryAt)
		c.advance(wait)
		require.True(t, b.Allow())
		b.Failure(errRefused)
		assert.Equal(t, circuit.Open, b.State(), "a failed trial opens it again")
		assert.Equal(t, opened, b.Status().Since, "the outage began when it first opened")
	}
	c.advance(35 * time.Second)
	require.True(t, b.Allow())
	b.Success()

	// A new outage starts from the first backoff again.
	for range 3 {
		b.Failure(errRefused)
	}
	assert.Equal(t, c.now().Add(10*time.Second), b.Status().RetryAt)
	assert.Equal(t, c.now(), b.Status().Since)
}

func TestSuccessesCountsEveryCallThatWentThrough(t *testing.T) {
	b, _ := newBreaker()
	before := b.Successes()
	b.Failure(errRefused)
	assert.Equal(t, before, b.Successes())
	b.Success()
	b.Success()
	assert.Equal(t, before+2, b.Successes())
}

func TestDefaults(t *testing.T) {
	c := &clock{t: epoch}
	b := circuit.New(circuit.Config{Now: c.now})
	for range circuit.DefaultThreshold - 1 {
		b.Failure(errRefused)
	}
	assert.Equal(t, circuit.Closed, b.State())
	b.Failure(errRefused)
	assert.Equal(t, epoch.Add(circuit.DefaultBackoff), b.Status().RetryAt)
	for range 10 {
		c.t = b.Status().RetryAt
		require.True(t, b.Allow())
		b.Failure(errRefused)
	}
	assert.Equal(t, c.t.Add(circuit.DefaultMaxBackoff), b.Status().RetryAt)
	assert.Equal(t, "open", b.State().String())
	assert.Equal(t, "half-open", circuit.HalfOpen.String())
	assert.Equal(t, "closed", circuit.Closed.String())
}

// Concurrent callers see one trial only.
func TestConcurrentCallersGetOneTrial(t *testing.T) {
	b, c := newBreaker()
	for range 3 {
		b.Failure(errRefused)
	}
	c.advance(time.Minute)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		allowed int
	)
	for range 32 {
		wg.Go(func() {
			if b.Allow() {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 1, allowed)
}
