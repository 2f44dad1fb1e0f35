package broadcast_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/broadcast"
	"github.com/hotroso/hotroso/circuit"
	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage/embedded"
	"github.com/hotroso/hotroso/storage/storagetest"
)

var vietnam = time.FixedZone("ICT", 7*3600)

// fakeDeliverer records deliveries and plays scripted answers.
type fakeDeliverer struct {
	mu       sync.Mutex
	got      map[int64]int
	blocked  map[int64]bool
	fail429  int // answer this many 429s first
	failures map[int64]int
	sentAt   []time.Time
	now      func() time.Time
	// fault, when set, answers an attempt with an error first (nil: the
	// rules below decide).
	fault func(ctx context.Context, to int64) error
	tries map[int64]int
}

func (f *fakeDeliverer) Deliver(ctx context.Context, to int64, _ domain.Broadcast) error {
	f.mu.Lock()
	fault := f.fault
	f.mu.Unlock()
	var err error
	if fault != nil {
		err = fault(ctx, to) // outside the lock: a fault may wait
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tries[to]++
	if err != nil {
		return err
	}
	if f.fail429 > 0 {
		f.fail429--
		return &broadcast.RetryAfter{Wait: 3 * time.Second}
	}
	if f.blocked[to] {
		return broadcast.ErrBlocked
	}
	if f.failures[to] > 0 {
		f.failures[to]--
		return errors.New("telegram: internal error")
	}
	f.got[to]++
	f.sentAt = append(f.sentAt, f.now())
	return nil
}

// simClock is a clock that only moves when someone sleeps on it.
type simClock struct{ *storagetest.Clock }

func (c simClock) sleep(ctx context.Context, d time.Duration) error {
	c.Advance(d)
	return ctx.Err()
}

type fixture struct {
	store   *embedded.Store
	clock   simClock
	deliver *fakeDeliverer
	runner  *broadcast.Runner
	breaker *circuit.Breaker
	final   []domain.BroadcastCounts
}

func newFakeDeliverer(now func() time.Time) *fakeDeliverer {
	return &fakeDeliverer{got: map[int64]int{}, blocked: map[int64]bool{}, failures: map[int64]int{}, tries: map[int64]int{}, now: now}
}

// setFault sets the deliverer's fault.
func (f *fakeDeliverer) setFault(fault func(ctx context.Context, to int64) error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fault = fault
}

func newFixture(t testing.TB, start time.Time, workers int, quiet broadcast.QuietHours) *fixture {
	t.Helper()
	clock := simClock{storagetest.NewClock(start)}
	store, err := embedded.Open(filepath.Join(t.TempDir(), "b.db"), embedded.WithClock(clock.Now))
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	f := &fixture{store: store, clock: clock, deliver: newFakeDeliverer(clock.Now), breaker: circuit.New(circuit.Config{Now: clock.Now})}
	f.runner = broadcast.NewRunner(broadcast.Config{Store: store, Deliver: f.deliver, Rate: 25, Workers: workers, Quiet: quiet, Lease: time.Minute,
		Now: clock.Now, Sleep: clock.sleep, Breaker: f.breaker,
		Progress: func(_ context.Context, _ domain.Broadcast, c domain.BroadcastCounts, final bool) {
			if final {
				f.final = append(f.final, c)
			}
		}})
	return f
}

// create stores a running broadcast to users 1..n.
func (f *fixture) create(t testing.TB, n int, state domain.BroadcastState, at time.Time, force bool) domain.Broadcast {
	t.Helper()
	ctx := context.Background()
	b := storagetest.BroadcastIn(t, f.store, domain.Broadcast{ScheduledAt: at, Force: force, CreatedAt: f.clock.Now(), SourceChatID: 9, SourceMessageID: 1}, state)
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i + 1)
		require.NoError(t, f.store.PutUser(ctx, domain.User{ID: ids[i]}))
	}
	require.NoError(t, f.store.AddRecipients(ctx, b.ID, ids))
	return b
}

func TestEveryRecipientGetsExactlyOneAndBlockedAreMarked(t *testing.T) {
	f := newFixture(t, time.Date(2026, 11, 26, 10, 0, 0, 0, vietnam), 4, broadcast.QuietHours{})
	f.deliver.blocked[7], f.deliver.blocked[8] = true, true
	f.deliver.failures[9] = 1   // fails once, then goes through
	f.deliver.failures[10] = 10 // never goes through
	f.deliver.fail429 = 2
	b := f.create(t, 200, domain.BroadcastRunning, time.Time{}, false)
	require.NoError(t, f.runner.Step(context.Background()))

	for id := int64(1); id <= 200; id++ {
		want := 1
		if id == 7 || id == 8 || id == 10 {
			want = 0
		}
		assert.Equal(t, want, f.deliver.got[id], "recipient %d", id)
	}
	counts, err := f.store.BroadcastCounts(context.Background(), b.ID)
	require.NoError(t, err)
	assert.Equal(t, domain.BroadcastCounts{Total: 200, Sent: 197, Blocked: 2, Failed: 1}, counts)
	u, err := f.store.GetUser(context.Background(), 7)
	require.NoError(t, err)
	assert.True(t, u.Blocked, "a user who blocked the bot is marked")
	done, err := f.store.GetBroadcast(context.Background(), b.ID)
	require.NoError(t, err)
	assert.Equal(t, domain.BroadcastDone, done.State)
	require.Len(t, f.final, 1, "one final report")

	// Done, its recipients are released: nothing more is handed out.
	require.NoError(t, f.store.AddRecipients(context.Background(), b.ID, []int64{201}))
	taken, err := f.store.TakeRecipients(context.Background(), b.ID, 10, f.clock.Now())
	require.NoError(t, err)
	assert.Empty(t, taken, "a done broadcast's recipients are released")
}

func TestA429PausesEverySenderForRetryAfter(t *testing.T) {
	f := newFixture(t, time.Date(2026, 11, 26, 10, 0, 0, 0, vietnam), 1, broadcast.QuietHours{})
	f.deliver.fail429 = 1
	f.create(t, 3, domain.BroadcastRunning, time.Time{}, false)
	start := f.clock.Now()
	require.NoError(t, f.runner.Step(context.Background()))
	require.Len(t, f.deliver.sentAt, 3)
	assert.GreaterOrEqual(t, f.deliver.sentAt[0].Sub(start), 3*time.Second, "the first send waited out retry_after")
}

func TestQuietHoursHoldABroadcastUnlessForced(t *testing.T) {
	quiet := broadcast.QuietHours{Start: 21, End: 7, Location: vietnam}
	f := newFixture(t, time.Date(2026, 11, 26, 22, 30, 0, 0, vietnam), 4, quiet)
	held := f.create(t, 5, domain.BroadcastScheduled, f.clock.Now(), false)
	require.NoError(t, f.runner.Step(context.Background()))
	assert.Empty(t, f.deliver.got, "nothing is sent at 22:30")

	forced := storagetest.BroadcastIn(t, f.store, domain.Broadcast{Force: true, CreatedAt: f.clock.Now(), SourceChatID: 9, SourceMessageID: 2}, domain.BroadcastRunning)
	require.NoError(t, f.store.AddRecipients(context.Background(), forced.ID, []int64{100}))
	require.NoError(t, f.runner.Step(context.Background()))
	assert.Equal(t, 1, f.deliver.got[100], "a forced broadcast goes out in quiet hours")
	assert.Zero(t, f.deliver.got[1])

	f.clock.Set(time.Date(2026, 11, 27, 7, 0, 0, 0, vietnam))
	require.NoError(t, f.runner.Step(context.Background()))
	assert.Len(t, f.deliver.got, 6, "at 07:00 the held one goes out")
	b, err := f.store.GetBroadcast(context.Background(), held.ID)
	require.NoError(t, err)
	assert.Equal(t, domain.BroadcastDone, b.State)
}

func TestScheduledBroadcastWaitsForItsTime(t *testing.T) {
	f := newFixture(t, time.Date(2026, 11, 26, 10, 0, 0, 0, vietnam), 4, broadcast.QuietHours{})
	f.create(t, 3, domain.BroadcastScheduled, time.Date(2026, 11, 26, 19, 30, 0, 0, vietnam), false)
	require.NoError(t, f.runner.Step(context.Background()))
	assert.Empty(t, f.deliver.got)
	f.clock.Set(time.Date(2026, 11, 26, 19, 30, 0, 0, vietnam))
	require.NoError(t, f.runner.Step(context.Background()))
	assert.Len(t, f.deliver.got, 3)
}

func TestPausedAndCanceledBroadcastsStop(t *testing.T) {
	f := newFixture(t, time.Date(2026, 11, 26, 10, 0, 0, 0, vietnam), 4, broadcast.QuietHours{})
	b := f.create(t, 3, domain.BroadcastPaused, time.Time{}, false)
	require.NoError(t, f.runner.Step(context.Background()))
	assert.Empty(t, f.deliver.got)
	require.NoError(t, b.Cancel(storagetest.BroadcastOrganizer, f.clock.Now()))
	_, err := f.store.CancelBroadcast(context.Background(), b)
	require.NoError(t, err)
	require.NoError(t, f.runner.Step(context.Background()))
	assert.Empty(t, f.deliver.got)
}

func TestRecipientsOfADeadSenderAreTakenBack(t *testing.T) {
	f := newFixture(t, time.Date(2026, 11, 26, 10, 0, 0, 0, vietnam), 4, broadcast.QuietHours{})
	b := f.create(t, 10, domain.BroadcastRunning, time.Time{}, false)
	// Another instance took 4 and died before recording anything.
	taken, err := f.store.TakeRecipients(context.Background(), b.ID, 4, f.clock.Now())
	require.NoError(t, err)
	require.Len(t, taken, 4)
	require.NoError(t, f.runner.Step(context.Background()))
	assert.Len(t, f.deliver.got, 6, "the lease has not run out: the 4 wait")
	f.clock.Advance(2 * time.Minute)
	require.NoError(t, f.runner.Step(context.Background()))
	assert.Len(t, f.deliver.got, 10)
	for id, n := range f.deliver.got {
		assert.Equal(t, 1, n, "recipient %d", id)
	}
}

// BenchmarkSenderRate sends b.N messages at the default 25 per second on a
// simulated clock against a deliverer with no latency, and reports the
// achieved rate divided by the configured one.
func BenchmarkSenderRate(b *testing.B) {
	f := newFixture(b, time.Date(2026, 11, 26, 10, 0, 0, 0, vietnam), 1, broadcast.QuietHours{})
	f.create(b, b.N, domain.BroadcastRunning, time.Time{}, false)
	start := f.clock.Now()
	b.ResetTimer()
	require.NoError(b, f.runner.Step(context.Background()))
	b.StopTimer()
	elapsed := f.deliver.sentAt[len(f.deliver.sentAt)-1].Sub(start)
	if b.N > 1 && elapsed > 0 {
		b.ReportMetric(float64(b.N-1)/elapsed.Seconds()/25, "achieved/configured")
	}
}
