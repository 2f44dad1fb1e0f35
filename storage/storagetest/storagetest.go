// Package storagetest is the conformance suite for storage backends. A
// backend's test calls Run with a function that opens a fresh, isolated store
// wired to the given test clock:
//
//	func TestConformance(t *testing.T) {
//		storagetest.Run(t, func(t *testing.T, clock *storagetest.Clock) storage.Store {
//			s, err := embedded.Open(filepath.Join(t.TempDir(), "db"), embedded.WithClock(clock.Now))
//			require.NoError(t, err)
//			t.Cleanup(func() { _ = s.Close() })
//			return s
//		})
//	}
//
// The suite never closes the stores it opens: open should register the
// cleanup itself.
package storagetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/storage"
)

// OpenFunc opens a fresh store, isolated from every other store it opened,
// whose notion of "now" is clock.Now.
type OpenFunc func(t *testing.T, clock *Clock) storage.Store

// Options tells the suite what a backend cannot do.
type Options struct {
	// WallClockExpiry marks a backend whose dedup expiry runs on real time
	// that the test Clock cannot move (a real Redis server's TTLs). Subtests
	// that need to pass storage.DedupWindow are then skipped. Backends that
	// expire by their own clock (embedded) or can fast-forward their TTLs
	// from a Clock.OnAdvance hook (miniredis) leave it false.
	WallClockExpiry bool

	// OpenPair, if set, opens two handles on one fresh, isolated store, as
	// two instances of the program would have them (two clients of one
	// Redis server under one prefix, say), both wired to clock. The suite
	// uses them to check what must hold across instances: that broadcast
	// recipients are handed out once and that the rate limit is shared.
	// Backends that serve a single process leave it nil; the suite then
	// uses one store from several goroutines.
	OpenPair func(t *testing.T, clock *Clock) (storage.Store, storage.Store)
}

// start is where every test clock begins. It has a sub-millisecond part so
// that backends that keep coarser timestamps are checked for exact bounds.
var start = time.Date(2025, time.March, 1, 9, 0, 0, 123456789, time.UTC)

// Run runs the whole conformance suite against the stores open makes.
func Run(t *testing.T, open OpenFunc) {
	RunWithOptions(t, open, Options{})
}

// RunWithOptions is Run for backends that need Options.
func RunWithOptions(t *testing.T, open OpenFunc, opts Options) {
	t.Helper()
	s := suite{open: open, opts: opts}
	t.Run("Ping", s.testPing)
	t.Run("Users", s.testUsers)
	t.Run("UsersWithRole", s.testUsersWithRole)
	t.Run("Sessions", s.testSessions)
	t.Run("ChatState", s.testChatState)
	t.Run("IdleSessions", s.testIdleSessions)
	t.Run("Dedup", s.testDedup)
	t.Run("Funnel", s.testFunnel)
	t.Run("Tickets", s.testTickets)
	t.Run("Assists", s.testAssists)
	t.Run("InPersonAssists", s.testInPersonAssists)
	t.Run("Rollups", s.testRollups)
	t.Run("Invites", s.testInvites)
	t.Run("Salt", s.testSalt)
	t.Run("Broadcasts", s.testBroadcasts)
	t.Run("Limiter", s.testLimiter)
	t.Run("Erasure", s.testErasure)
	t.Run("Outbox", s.testOutbox)
	t.Run("WebChats", s.testWebChats)
	t.Run("FollowUps", s.testFollowUps)
	t.Run("WeeklyReports", s.testWeeklyReports)
}

type suite struct {
	open OpenFunc
	opts Options
}

// store opens a fresh store with its own clock standing at start.
func (s suite) store(t *testing.T) (storage.Store, *Clock) {
	t.Helper()
	clock := NewClock(start)
	st := s.open(t, clock)
	require.NotNil(t, st, "open returned a nil store")
	return st, clock
}

// pair opens two instances' handles on one fresh store (see
// Options.OpenPair), with a clock standing at start; without OpenPair, both
// are the same store.
func (s suite) pair(t *testing.T) (storage.Store, storage.Store, *Clock) {
	t.Helper()
	if s.opts.OpenPair == nil {
		st, clock := s.store(t)
		return st, st, clock
	}
	clock := NewClock(start)
	a, b := s.opts.OpenPair(t, clock)
	require.NotNil(t, a, "OpenPair returned a nil store")
	require.NotNil(t, b, "OpenPair returned a nil store")
	return a, b, clock
}

// onBoth runs f in n goroutines at once, alternately on a and b (two
// instances' handles, see pair), and waits for them all.
func onBoth(a, b storage.Store, n int, f func(st storage.Store)) {
	var wg sync.WaitGroup
	for i := range n {
		st := a
		if i%2 == 1 {
			st = b
		}
		wg.Go(func() { f(st) })
	}
	wg.Wait()
}

// eachTakenOnce has eight takers at once, half on a and half on b, each
// take once, and asserts that the n queued items, named what, were all
// handed out, none twice. take returns the ids of what it took.
func eachTakenOnce(t *testing.T, a, b storage.Store, n int, what string, take func(storage.Store) ([]int64, error)) {
	t.Helper()
	var mu sync.Mutex
	seen := map[int64]int{}
	onBoth(a, b, 8, func(st storage.Store) {
		got, err := take(st)
		assert.NoError(t, err)
		mu.Lock()
		defer mu.Unlock()
		for _, id := range got {
			seen[id]++
		}
	})
	assert.Len(t, seen, n, "every %s taken", what)
	for id, times := range seen {
		assert.Equal(t, 1, times, "%s %d taken once", what, id)
	}
}

func (s suite) testPing(t *testing.T) {
	st, _ := s.store(t)
	require.NoError(t, st.Ping(context.Background()))
}

// ctx returns a context that ends with the test.
func ctx(t *testing.T) context.Context {
	return t.Context()
}
