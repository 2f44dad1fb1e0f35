package broadcast_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/broadcast"
	"github.com/hotroso/hotroso/circuit"
	"github.com/hotroso/hotroso/domain"
)

var errCut = fmt.Errorf("%w: dial tcp 127.0.0.1:443: connect: connection refused", broadcast.ErrUnreachable)

// cutAfter is a fault that lets n deliveries through, then cuts every
// later one off, as when an instance's network to Telegram goes.
func cutAfter(n int64) func(context.Context, int64) error {
	var calls atomic.Int64
	return func(context.Context, int64) error {
		if calls.Add(1) > n {
			return errCut
		}
		return nil
	}
}

func (f *fixture) counts(t *testing.T, id int64) domain.BroadcastCounts {
	t.Helper()
	c, err := f.store.BroadcastCounts(context.Background(), id)
	require.NoError(t, err)
	return c
}

func (f *fixture) state(t *testing.T, id int64) domain.BroadcastState {
	t.Helper()
	b, err := f.store.GetBroadcast(context.Background(), id)
	require.NoError(t, err)
	return b.State
}

// A second runner on the fixture's store: another instance, with its own
// deliverer and breaker.
func (f *fixture) otherInstance(workers int) (*broadcast.Runner, *fakeDeliverer, *circuit.Breaker) {
	d := newFakeDeliverer(f.clock.Now)
	b := circuit.New(circuit.Config{Now: f.clock.Now})
	r := broadcast.NewRunner(broadcast.Config{Store: f.store, Deliver: d, Rate: 25, Workers: workers, Lease: time.Minute,
		Now: f.clock.Now, Sleep: f.clock.sleep, Breaker: b})
	return r, d, b
}

func TestASickInstanceGivesBackWhatItHoldsAndAHealthyOneSendsIt(t *testing.T) {
	f := newFixture(t, time.Date(2026, 11, 26, 10, 0, 0, 0, vietnam), 4, broadcast.QuietHours{})
	sick, sickDeliver, sickBreaker := f.otherInstance(4)
	sickDeliver.setFault(cutAfter(12))
	b := f.create(t, 100, domain.BroadcastRunning, time.Time{}, false)

	require.NoError(t, sick.Step(context.Background()))
	assert.Equal(t, circuit.Open, sickBreaker.State(), "the sick instance stops taking recipients")
	assert.Equal(t, domain.BroadcastCounts{Total: 100, Sent: 12}, f.counts(t, b.ID), "none failed, none held")
	assert.Equal(t, domain.BroadcastRunning, f.state(t, b.ID))
	held := 0
	for id, n := range sickDeliver.tries {
		if sickDeliver.got[id] == 0 {
			held++
			assert.LessOrEqual(t, n, 2, "recipient %d: given back at once, not tried over and over", id)
		}
	}
	assert.GreaterOrEqual(t, held, 4, "it had taken recipients it could not send")

	tried := len(sickDeliver.tries)
	require.NoError(t, sick.Step(context.Background()))
	assert.Len(t, sickDeliver.tries, tried, "open, it takes nobody")

	require.NoError(t, f.runner.Step(context.Background()))
	assert.Equal(t, domain.BroadcastDone, f.state(t, b.ID))
	assert.Equal(t, domain.BroadcastCounts{Total: 100, Sent: 100}, f.counts(t, b.ID))
	for id := int64(1); id <= 100; id++ {
		assert.Equal(t, 1, f.deliver.got[id]+sickDeliver.got[id], "recipient %d gets exactly one copy", id)
	}
	require.Len(t, f.final, 1)
	assert.Zero(t, f.final[0].Failed)
}

func TestAnInstanceThatRecoversFinishesTheBroadcast(t *testing.T) {
	f := newFixture(t, time.Date(2026, 11, 26, 10, 0, 0, 0, vietnam), 4, broadcast.QuietHours{})
	f.deliver.setFault(cutAfter(30))
	b := f.create(t, 80, domain.BroadcastRunning, time.Time{}, false)

	require.NoError(t, f.runner.Step(context.Background()))
	require.Equal(t, circuit.Open, f.breaker.State())
	assert.Equal(t, domain.BroadcastCounts{Total: 80, Sent: 30}, f.counts(t, b.ID))
	retryAt := f.breaker.Status().RetryAt

	f.deliver.setFault(nil) // the network is back
	require.NoError(t, f.runner.Step(context.Background()))
	assert.Equal(t, 30, len(f.deliver.got), "nothing before the backoff has passed")

	f.clock.Set(retryAt)
	require.NoError(t, f.runner.Step(context.Background()))
	assert.Equal(t, circuit.Closed, f.breaker.State(), "the trial went through")
	assert.Equal(t, domain.BroadcastDone, f.state(t, b.ID))
	assert.Equal(t, domain.BroadcastCounts{Total: 80, Sent: 80}, f.counts(t, b.ID))
	for id := int64(1); id <= 80; id++ {
		assert.Equal(t, 1, f.deliver.got[id], "recipient %d", id)
	}
}

func TestTheProbeDecidesWhenSendingResumes(t *testing.T) {
	f := newFixture(t, time.Date(2026, 11, 26, 10, 0, 0, 0, vietnam), 4, broadcast.QuietHours{})
	var (
		probes atomic.Int64
		down   atomic.Bool
	)
	down.Store(true)
	breaker := circuit.New(circuit.Config{Now: f.clock.Now})
	runner := broadcast.NewRunner(broadcast.Config{Store: f.store, Deliver: f.deliver, Rate: 25, Workers: 4, Lease: time.Minute,
		Now: f.clock.Now, Sleep: f.clock.sleep, Breaker: breaker,
		Probe: func(context.Context) error {
			probes.Add(1)
			if down.Load() {
				return errCut
			}
			return nil
		}})
	f.deliver.setFault(func(context.Context, int64) error {
		if down.Load() {
			return errCut
		}
		return nil
	})
	b := f.create(t, 20, domain.BroadcastRunning, time.Time{}, false)

	require.NoError(t, runner.Step(context.Background()))
	require.Equal(t, circuit.Open, breaker.State())
	assert.Zero(t, probes.Load(), "deliveries opened it")
	tried := len(f.deliver.tries)

	f.clock.Set(breaker.Status().RetryAt)
	require.NoError(t, runner.Step(context.Background()))
	assert.Equal(t, int64(1), probes.Load(), "the backoff passed: a probe")
	assert.Equal(t, circuit.Open, breaker.State(), "no answer: open again")
	assert.Len(t, f.deliver.tries, tried, "no recipient was tried")
	assert.Equal(t, circuit.DefaultBackoff*2, breaker.Status().RetryAt.Sub(f.clock.Now()), "for twice as long")

	f.clock.Advance(circuit.DefaultBackoff)
	require.NoError(t, runner.Step(context.Background()))
	assert.Equal(t, int64(1), probes.Load(), "not before the longer backoff has passed")

	down.Store(false)
	f.clock.Set(breaker.Status().RetryAt)
	require.NoError(t, runner.Step(context.Background()))
	assert.Equal(t, int64(2), probes.Load())
	assert.Equal(t, circuit.Closed, breaker.State())
	assert.Equal(t, domain.BroadcastCounts{Total: 20, Sent: 20}, f.counts(t, b.ID))
}

// Only an answer from the messenger about the recipient gives a result
// at once; a 5xx for one recipient alone, while others go through, fails
// it after a few tries; a network error only delays it.
func TestOnlyAnAnswerAboutTheRecipientFailsIt(t *testing.T) {
	f := newFixture(t, time.Date(2026, 11, 26, 10, 0, 0, 0, vietnam), 4, broadcast.QuietHours{})
	var blips8, blips9 atomic.Int64
	f.deliver.setFault(func(_ context.Context, to int64) error {
		switch {
		case to == 5:
			return fmt.Errorf("%w: Bad Request: chat not found", broadcast.ErrRecipient)
		case to == 7:
			return fmt.Errorf("%w: 500 Internal Server Error", broadcast.ErrMessengerFailed)
		case to == 8 && blips8.Add(1) == 1:
			return errCut
		case to == 9 && blips9.Add(1) <= 2:
			return fmt.Errorf("%w: 502 Bad Gateway", broadcast.ErrMessengerFailed)
		}
		return nil
	})
	f.deliver.blocked[6] = true
	b := f.create(t, 20, domain.BroadcastRunning, time.Time{}, false)
	f.stepUntilDone(t, f.runner, b.ID)

	assert.Equal(t, domain.BroadcastCounts{Total: 20, Sent: 17, Blocked: 1, Failed: 2}, f.counts(t, b.ID))
	assert.Equal(t, 1, f.deliver.tries[5], "chat not found: failed at once")
	assert.GreaterOrEqual(t, f.deliver.tries[7], 3, "a 5xx for one recipient alone: failed after 3 tries or a few more")
	assert.LessOrEqual(t, f.deliver.tries[7], 6)
	assert.Equal(t, 2, f.deliver.tries[8], "a network error: given back, then sent")
	assert.Equal(t, 1, f.deliver.got[8])
	assert.Equal(t, 1, f.deliver.got[9], "a 5xx that passes")
	assert.Equal(t, 3, f.deliver.tries[9])
}

// A recipient whose every delivery draws a 5xx while the messenger
// answers other calls is failed, also when it is the last one left: the
// probe shows the messenger answers.
func TestARecipientThatAlwaysDrawsA5xxEndsFailed(t *testing.T) {
	f := newFixture(t, time.Date(2026, 11, 26, 10, 0, 0, 0, vietnam), 4, broadcast.QuietHours{})
	var probes atomic.Int64
	runner := broadcast.NewRunner(broadcast.Config{Store: f.store, Deliver: f.deliver, Rate: 25, Workers: 4, Lease: time.Minute,
		Now: f.clock.Now, Sleep: f.clock.sleep, Breaker: f.breaker,
		Probe: func(context.Context) error { probes.Add(1); return nil }})
	f.deliver.setFault(func(_ context.Context, to int64) error {
		if to == 9 {
			return fmt.Errorf("%w: 500 Internal Server Error", broadcast.ErrMessengerFailed)
		}
		return nil
	})
	b := f.create(t, 9, domain.BroadcastRunning, time.Time{}, false)
	f.stepUntilDone(t, runner, b.ID)
	assert.Equal(t, domain.BroadcastCounts{Total: 9, Sent: 8, Failed: 1}, f.counts(t, b.ID))
	assert.Equal(t, int64(1), probes.Load(), "alone, it opened the breaker once; the probe answered")
}

// stepUntilDone steps the runner until the broadcast is done, moving the
// clock past the breaker's backoff whenever it is open.
func (f *fixture) stepUntilDone(t *testing.T, r *broadcast.Runner, id int64) {
	t.Helper()
	for range 20 {
		require.NoError(t, r.Step(context.Background()))
		if f.state(t, id) == domain.BroadcastDone {
			return
		}
		if s := f.breaker.Status(); s.State == circuit.Open {
			f.clock.Set(s.RetryAt)
		}
	}
	t.Fatalf("broadcast %d not done after 20 steps: %+v", id, f.counts(t, id))
}

func TestA5xxForEveryoneFailsNobody(t *testing.T) {
	f := newFixture(t, time.Date(2026, 11, 26, 10, 0, 0, 0, vietnam), 4, broadcast.QuietHours{})
	f.deliver.setFault(func(context.Context, int64) error {
		return fmt.Errorf("%w: 502 Bad Gateway", broadcast.ErrMessengerFailed)
	})
	b := f.create(t, 20, domain.BroadcastRunning, time.Time{}, false)
	require.NoError(t, f.runner.Step(context.Background()))
	assert.Equal(t, circuit.Open, f.breaker.State())
	assert.Equal(t, domain.BroadcastCounts{Total: 20}, f.counts(t, b.ID), "nobody failed, nobody held")
	assert.Equal(t, domain.BroadcastRunning, f.state(t, b.ID))
}

func TestAStoppingInstanceGivesBackWhatIsInFlight(t *testing.T) {
	f := newFixture(t, time.Date(2026, 11, 26, 10, 0, 0, 0, vietnam), 4, broadcast.QuietHours{})
	started := make(chan struct{}, 4)
	f.deliver.setFault(func(ctx context.Context, _ int64) error {
		started <- struct{}{}
		<-ctx.Done() // the request hangs until the program stops
		return fmt.Errorf("%w: %w", broadcast.ErrUnreachable, ctx.Err())
	})
	b := f.create(t, 10, domain.BroadcastRunning, time.Time{}, false)
	ctx, cancel := context.WithCancel(context.Background())
	stepped := make(chan error, 1)
	go func() { stepped <- f.runner.Step(ctx) }()
	for range 4 {
		<-started
	}
	require.Equal(t, 4, f.counts(t, b.ID).InFlight)
	cancel()
	require.ErrorIs(t, <-stepped, context.Canceled)

	assert.Equal(t, domain.BroadcastCounts{Total: 10}, f.counts(t, b.ID), "given back, not held until the lease runs out")
	assert.Equal(t, circuit.Closed, f.breaker.State(), "a stop says nothing about the messenger")
	taken, err := f.store.TakeRecipients(context.Background(), b.ID, 10, f.clock.Now())
	require.NoError(t, err)
	assert.Equal(t, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, taken, "at the front, in order")
}
