package storagetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
)

func (s suite) testBroadcasts(t *testing.T) {
	t.Run("CreateAndGet", s.testBroadcastCreateAndGet)
	t.Run("StaleVersionConflicts", s.testBroadcastStaleVersion)
	t.Run("ActiveIndex", s.testBroadcastActiveIndex)
	t.Run("EachMove", s.testBroadcastMoves)
	t.Run("Recipients", s.testRecipients)
	t.Run("RecordOnce", s.testRecordOnce)
	t.Run("ConcurrentTakes", s.testConcurrentTakes)
	t.Run("Reclaim", s.testReclaim)
	t.Run("ReclaimIgnoresRecentlyTaken", s.testReclaimRecent)
	t.Run("LateResultAfterReclaim", s.testLateResult)
	t.Run("ReturnRecipients", s.testReturnRecipients)
	t.Run("ReturnOnlyFromItsTake", s.testReturnOnlyFromItsTake)
	t.Run("ReturnedGoToAnotherInstance", s.testReturnedGoToAnotherInstance)
	t.Run("ReleaseRecipients", s.testReleaseRecipients)
}

// newBroadcast is a broadcast to everyone, in the given state, created at
// the given time.
func newBroadcast(state domain.BroadcastState, created time.Time) domain.Broadcast {
	return domain.Broadcast{
		CreatedBy:       900,
		Audience:        domain.Audience{Kind: "all"},
		State:           state,
		SourceChatID:    900,
		SourceMessageID: 12,
		Preview:         "Nước đã rút",
		CreatedAt:       created,
	}
}

// broadcastStore wraps a store with helpers that fail the test on errors.
type broadcastStore struct {
	t  *testing.T
	st storage.Store
}

// must fails the test on err and returns out.
func (bs broadcastStore) must(out domain.Broadcast, err error) domain.Broadcast {
	bs.t.Helper()
	require.NoError(bs.t, err)
	return out
}

// made creates a broadcast (newBroadcast) and moves it into state, as the
// desk and the senders do (BroadcastIn).
func (bs broadcastStore) made(state domain.BroadcastState, created time.Time) domain.Broadcast {
	bs.t.Helper()
	return BroadcastIn(bs.t, bs.st, newBroadcast(domain.BroadcastDraft, created), state)
}

// sending makes a running broadcast, created at created, with the users as
// its recipients.
func (bs broadcastStore) sending(users []int64, created time.Time) domain.Broadcast {
	bs.t.Helper()
	b := bs.made(domain.BroadcastRunning, created)
	bs.add(b.ID, users)
	return b
}

func (bs broadcastStore) get(id int64) domain.Broadcast {
	bs.t.Helper()
	got, err := bs.st.GetBroadcast(ctx(bs.t), id)
	require.NoError(bs.t, err)
	return got
}

// active returns the ids of the active broadcasts, checking each is.
func (bs broadcastStore) active() []int64 {
	bs.t.Helper()
	got, err := bs.st.ActiveBroadcasts(ctx(bs.t))
	require.NoError(bs.t, err)
	ids := make([]int64, len(got))
	for i, b := range got {
		assert.Truef(bs.t, b.Active(), "broadcast %d is %s", b.ID, b.State)
		ids[i] = b.ID
	}
	return ids
}

func (bs broadcastStore) add(id int64, users []int64) {
	bs.t.Helper()
	require.NoError(bs.t, bs.st.AddRecipients(ctx(bs.t), id, users))
}

func (bs broadcastStore) take(id int64, n int, now time.Time) []int64 {
	bs.t.Helper()
	got, err := bs.st.TakeRecipients(ctx(bs.t), id, n, now)
	require.NoError(bs.t, err)
	assert.LessOrEqual(bs.t, len(got), max(n, 0))
	return got
}

func (bs broadcastStore) record(id, user int64, result domain.Delivery) bool {
	bs.t.Helper()
	ok, err := bs.st.RecordDelivery(ctx(bs.t), id, user, result)
	require.NoError(bs.t, err)
	return ok
}

func (bs broadcastStore) reclaim(id int64, before time.Time) int {
	bs.t.Helper()
	n, err := bs.st.ReclaimInFlight(ctx(bs.t), id, before)
	require.NoError(bs.t, err)
	return n
}

func (bs broadcastStore) giveBack(id int64, takenAt time.Time, users ...int64) int {
	bs.t.Helper()
	n, err := bs.st.ReturnRecipients(ctx(bs.t), id, takenAt, users)
	require.NoError(bs.t, err)
	return n
}

func (bs broadcastStore) counts(id int64) domain.BroadcastCounts {
	bs.t.Helper()
	c, err := bs.st.BroadcastCounts(ctx(bs.t), id)
	require.NoError(bs.t, err)
	return c
}

// recipients returns n distinct user ids in no numeric order, so that
// "in order" means the order they were added in: large ids, as Telegram's
// are, scattered by a multiplier prime to n.
func recipients(n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = 7_000_000_000 + int64((i*7919)%n)*13
	}
	return out
}

func (s suite) testBroadcastCreateAndGet(t *testing.T) {
	st, clock := s.store(t)
	bs := broadcastStore{t, st}
	t0 := clock.Now()

	_, err := st.GetBroadcast(ctx(t), 1)
	require.ErrorIs(t, err, storage.ErrNotFound)

	in := domain.Broadcast{
		ID:                77, // ignored: the store assigns ids
		CreatedBy:         900,
		Audience:          domain.Audience{Kind: "unfinished", Commune: "26734", FlowID: "flood-report"},
		State:             domain.BroadcastDraft,
		SourceChatID:      -1001234567890,
		SourceMessageID:   4242,
		Preview:           "Nước đã rút.\nXin \"cảm ơn\"",
		CreatedAt:         t0,
		ProgressChatID:    900,
		ProgressMessageID: 43,
	}
	first := bs.must(st.CreateBroadcast(ctx(t), in))
	assert.Equal(t, int64(1), first.ID, "ids start at 1")
	assert.Equal(t, int64(1), first.Version)
	want := in
	want.ID, want.Version = 1, 1
	assertBroadcast(t, want, first)
	assertBroadcast(t, first, bs.get(1))
	_, err = st.GetBroadcast(ctx(t), 77)
	require.ErrorIs(t, err, storage.ErrNotFound)

	second := bs.made(domain.BroadcastRunning, t0)
	assert.Equal(t, int64(2), second.ID)

	// Every field survives the moves.
	next := first
	next.Preview = "đã sửa"
	saved := bs.must(st.UpdateBroadcast(ctx(t), next))
	assert.Equal(t, int64(2), saved.Version)
	require.NoError(t, saved.Prepare(BroadcastOrganizer))
	saved = bs.must(st.PrepareBroadcast(ctx(t), saved))
	require.NoError(t, saved.Confirm(BroadcastOrganizer, true, t0.Add(time.Hour), t0))
	saved = bs.must(st.ConfirmBroadcast(ctx(t), saved))
	require.NoError(t, saved.Start(t0.Add(time.Hour)))
	saved = bs.must(st.StartBroadcast(ctx(t), saved))
	assert.Equal(t, int64(1), saved.ID)
	assert.Equal(t, int64(5), saved.Version)
	want = next
	want.State, want.Force, want.ScheduledAt, want.StartedAt, want.Version = domain.BroadcastRunning, true, t0.Add(time.Hour), t0.Add(time.Hour), 5
	assertBroadcast(t, want, saved)
	assertBroadcast(t, saved, bs.get(1))

	require.NoError(t, saved.Finish(t0.Add(2*time.Hour)))
	done := bs.must(st.FinishBroadcast(ctx(t), saved))
	assertBroadcast(t, done, bs.get(1))
	assertBroadcast(t, second, bs.get(2), "other broadcasts are untouched")
}

func (s suite) testBroadcastStaleVersion(t *testing.T) {
	st, clock := s.store(t)
	bs := broadcastStore{t, st}
	t0 := clock.Now()
	v1 := bs.made(domain.BroadcastScheduled, t0)
	v2 := v1
	v2.Preview = "edited"
	v2 = bs.must(st.UpdateBroadcast(ctx(t), v2))
	require.Equal(t, int64(4), v2.Version)

	stores := map[string]func(context.Context, domain.Broadcast) (domain.Broadcast, error){
		"update": st.UpdateBroadcast, "prepare": st.PrepareBroadcast, "confirm": st.ConfirmBroadcast, "start": st.StartBroadcast,
		"pause": st.PauseBroadcast, "resume": st.ResumeBroadcast, "cancel": st.CancelBroadcast, "finish": st.FinishBroadcast,
	}
	for name, store := range stores {
		for _, version := range []int64{1, 3, 99} {
			stale := v2
			stale.State, stale.Version = domain.BroadcastCanceled, version
			_, err := store(ctx(t), stale)
			require.ErrorIsf(t, err, storage.ErrConflict, "%s over version 4 with version %d", name, version)
		}
	}
	missing := newBroadcast(domain.BroadcastRunning, t0)
	missing.ID, missing.Version = 99, 1
	_, err := st.UpdateBroadcast(ctx(t), missing)
	require.ErrorIs(t, err, storage.ErrConflict, "an update of a broadcast never stored")
	_, err = st.GetBroadcast(ctx(t), 99)
	require.ErrorIs(t, err, storage.ErrNotFound, "a lost save stores nothing")

	// Nothing changed, the index included.
	assertBroadcast(t, v2, bs.get(v1.ID))
	assert.Equal(t, []int64{v1.ID}, bs.active())

	// Of concurrent savers of one version, exactly one wins.
	const racers = 16
	var wg sync.WaitGroup
	results := make(chan error, racers)
	for i := range racers {
		wg.Go(func() {
			b := v2
			b.ProgressMessageID = i + 1
			_, err := st.UpdateBroadcast(ctx(t), b)
			results <- err
		})
	}
	wg.Wait()
	close(results)
	wins := 0
	for err := range results {
		if err == nil {
			wins++
		} else {
			require.ErrorIs(t, err, storage.ErrConflict)
		}
	}
	assert.Equal(t, 1, wins)
	assert.Equal(t, int64(5), bs.get(v1.ID).Version)
}

func (s suite) testBroadcastActiveIndex(t *testing.T) {
	st, clock := s.store(t)
	bs := broadcastStore{t, st}
	t0 := clock.Now()

	assert.Empty(t, bs.active())
	// Created out of CreatedAt order; a and d at the same instant, d
	// created later.
	a := bs.made(domain.BroadcastScheduled, t0.Add(2*time.Minute))
	b := bs.made(domain.BroadcastRunning, t0.Add(time.Minute))
	c := bs.made(domain.BroadcastDone, t0)
	d := bs.made(domain.BroadcastPaused, t0.Add(2*time.Minute))
	e := bs.made(domain.BroadcastCanceled, t0)
	f := bs.made(domain.BroadcastScheduled, t0.Add(2*time.Minute+time.Nanosecond))
	draft := bs.made(domain.BroadcastDraft, t0)
	preparing := bs.made(domain.BroadcastPreparing, t0)
	assert.Equal(t, []int64{b.ID, a.ID, d.ID, f.ID}, bs.active(), "oldest first, exactly; drafts and prepared ones are not active")

	// Through the states: listed once while active, whole and current.
	require.NoError(t, a.Start(t0.Add(time.Hour)))
	a = bs.must(st.StartBroadcast(ctx(t), a))
	assert.Equal(t, []int64{b.ID, a.ID, d.ID, f.ID}, bs.active())
	got, err := st.ActiveBroadcasts(ctx(t))
	require.NoError(t, err)
	assertBroadcast(t, a, got[1], "ActiveBroadcasts returns whole broadcasts")
	require.NoError(t, a.Pause(BroadcastOrganizer))
	a = bs.must(st.PauseBroadcast(ctx(t), a))
	require.NoError(t, b.Finish(t0.Add(time.Hour)))
	bs.must(st.FinishBroadcast(ctx(t), b))
	assert.Equal(t, []int64{a.ID, d.ID, f.ID}, bs.active())
	require.NoError(t, d.Cancel(BroadcastOrganizer, t0))
	bs.must(st.CancelBroadcast(ctx(t), d))
	assert.Equal(t, []int64{a.ID, f.ID}, bs.active())
	require.NoError(t, a.Resume(BroadcastOrganizer))
	a = bs.must(st.ResumeBroadcast(ctx(t), a))
	assert.Equal(t, []int64{a.ID, f.ID}, bs.active(), "resumed, listed once")

	// A prepared broadcast confirmed is listed, in its place.
	require.NoError(t, preparing.Confirm(BroadcastOrganizer, false, time.Time{}, t0))
	preparing = bs.must(st.ConfirmBroadcast(ctx(t), preparing))
	assert.Equal(t, []int64{preparing.ID, a.ID, f.ID}, bs.active())

	for _, x := range []domain.Broadcast{a, preparing, f, draft} {
		require.NoError(t, x.Cancel(BroadcastOrganizer, t0))
		bs.must(st.CancelBroadcast(ctx(t), x))
	}
	assert.Empty(t, bs.active())
	assert.Equal(t, domain.BroadcastCanceled, bs.get(e.ID).State)
	assert.Equal(t, domain.BroadcastDone, bs.get(c.ID).State)
}

// Each named operation stores its move and nothing else: the state and
// times the move set, the version up by one, the active index as the
// state says.
func (s suite) testBroadcastMoves(t *testing.T) {
	st, clock := s.store(t)
	bs := broadcastStore{t, st}
	for _, state := range []domain.BroadcastState{domain.BroadcastDraft, domain.BroadcastPreparing, domain.BroadcastScheduled,
		domain.BroadcastRunning, domain.BroadcastPaused, domain.BroadcastCanceled, domain.BroadcastDone} {
		b := bs.made(state, clock.Now())
		stored := bs.get(b.ID)
		assertBroadcast(t, b, stored, string(state))
		assert.Equal(t, b.Active(), slices.Contains(bs.active(), b.ID), "%s: in the active index exactly when active", state)
	}
}

func (s suite) testRecipients(t *testing.T) {
	st, clock := s.store(t)
	bs := broadcastStore{t, st}
	now := clock.Now()
	b := bs.made(domain.BroadcastRunning, now)
	other := bs.made(domain.BroadcastRunning, now)

	assert.Equal(t, domain.BroadcastCounts{}, bs.counts(b.ID), "no recipients yet")
	assert.Empty(t, bs.take(b.ID, 10, now))
	c, err := st.BroadcastCounts(ctx(t), 404)
	require.NoError(t, err, "an unknown broadcast has no recipients")
	assert.Equal(t, domain.BroadcastCounts{}, c)

	users := recipients(1000)
	for batch := range slices.Chunk(users, 300) {
		bs.add(b.ID, batch)
	}
	bs.add(b.ID, nil)
	bs.add(other.ID, []int64{1, 2, 3})
	assert.Equal(t, domain.BroadcastCounts{Total: 1000}, bs.counts(b.ID))
	assert.Empty(t, bs.take(b.ID, 0, now))

	// Take in order; record as we go.
	result := func(i int) domain.Delivery {
		switch i % 10 {
		case 0:
			return domain.DeliveryBlocked
		case 1:
			return domain.DeliveryFailed
		}
		return domain.DeliverySent
	}
	var taken []int64
	want := domain.BroadcastCounts{Total: 1000}
	record := func(i int) {
		t.Helper()
		require.True(t, bs.record(b.ID, taken[i], result(i)))
		want.InFlight--
		switch result(i) {
		case domain.DeliverySent:
			want.Sent++
		case domain.DeliveryBlocked:
			want.Blocked++
		case domain.DeliveryFailed:
			want.Failed++
		}
	}
	for {
		clock.Advance(time.Second)
		got := bs.take(b.ID, 64, clock.Now())
		if len(got) == 0 {
			break
		}
		require.LessOrEqual(t, len(got), len(users)-len(taken), "more than were added")
		require.Equal(t, users[len(taken):len(taken)+len(got)], got, "in order, after %d", len(taken))
		taken = append(taken, got...)
		want.InFlight += len(got)
		require.Equal(t, want, bs.counts(b.ID), "after taking %d", len(taken))
		// Record the odd ones as we go; the even ones stay in flight.
		for i := len(taken) - len(got); i < len(taken); i++ {
			if i%2 == 1 {
				record(i)
			}
		}
		require.Equal(t, want, bs.counts(b.ID), "after taking %d and recording", len(taken))
	}
	require.Equal(t, users, taken, "all taken, in order")
	assert.Equal(t, domain.BroadcastCounts{Total: 1000, Sent: 400, Failed: 100, InFlight: 500}, bs.counts(b.ID))
	for i := 0; i < len(taken); i += 2 {
		record(i)
	}
	got := bs.counts(b.ID)
	assert.Equal(t, domain.BroadcastCounts{Total: 1000, Sent: 800, Blocked: 100, Failed: 100}, got)
	assert.Equal(t, 1000, got.Done())
	assert.Empty(t, bs.take(b.ID, 64, clock.Now()))

	// The other broadcast's recipients are its own.
	assert.Equal(t, domain.BroadcastCounts{Total: 3}, bs.counts(other.ID))
	assert.Equal(t, []int64{1, 2, 3}, bs.take(other.ID, 10, clock.Now()))
	assert.Equal(t, domain.BroadcastCounts{Total: 3, InFlight: 3}, bs.counts(other.ID))
}

func (s suite) testRecordOnce(t *testing.T) {
	st, clock := s.store(t)
	bs := broadcastStore{t, st}
	b := bs.sending([]int64{10, 20, 30}, clock.Now())
	require.Equal(t, []int64{10, 20}, bs.take(b.ID, 2, clock.Now()))

	require.True(t, bs.record(b.ID, 10, domain.DeliverySent))
	want := domain.BroadcastCounts{Total: 3, Sent: 1, InFlight: 1}
	assert.Equal(t, want, bs.counts(b.ID))
	for _, again := range []domain.Delivery{domain.DeliverySent, domain.DeliveryBlocked, domain.DeliveryFailed} {
		assert.Falsef(t, bs.record(b.ID, 10, again), "a second result (%s)", again)
		assert.Equal(t, want, bs.counts(b.ID), "a second result changes nothing")
	}

	_, err := st.RecordDelivery(ctx(t), b.ID, 20, domain.Delivery("maybe"))
	require.Error(t, err, "an unknown result")
	assert.Equal(t, want, bs.counts(b.ID))

	require.True(t, bs.record(b.ID, 20, domain.DeliveryBlocked))
	assert.False(t, bs.record(b.ID, 20, domain.DeliverySent))
	assert.Equal(t, domain.BroadcastCounts{Total: 3, Sent: 1, Blocked: 1}, bs.counts(b.ID))
	assert.Equal(t, []int64{30}, bs.take(b.ID, 5, clock.Now()), "the rest, once")
}

// testConcurrentTakes has 8 senders, on two instances where the backend
// has them, take batches of 7 until none are left and record each result:
// every recipient is handed out exactly once.
func (s suite) testConcurrentTakes(t *testing.T) {
	const (
		senders = 8
		batch   = 7
		total   = 1000
	)
	a, b, clock := s.pair(t)
	bs := broadcastStore{t, a}
	bc := bs.made(domain.BroadcastRunning, clock.Now())
	users := recipients(total)
	for chunk := range slices.Chunk(users, 250) {
		bs.add(bc.ID, chunk)
	}

	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		got  []int64
		errs []error
	)
	gate := make(chan struct{})
	for i := range senders {
		st := []storage.Store{a, b}[i%2]
		wg.Go(func() {
			<-gate
			for {
				ids, err := st.TakeRecipients(ctx(t), bc.ID, batch, clock.Now())
				if err == nil && len(ids) > batch {
					err = fmt.Errorf("took %d, asked for %d", len(ids), batch)
				}
				for _, id := range ids {
					if err == nil {
						var ok bool
						ok, err = st.RecordDelivery(ctx(t), bc.ID, id, domain.DeliverySent)
						if err == nil && !ok {
							err = fmt.Errorf("recipient %d had a result already", id)
						}
					}
				}
				mu.Lock()
				got = append(got, ids...)
				if err != nil {
					errs = append(errs, err)
				}
				mu.Unlock()
				if err != nil || len(ids) == 0 {
					return
				}
			}
		})
	}
	close(gate)
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	require.Len(t, got, total, "every recipient handed out, none twice")
	assert.ElementsMatch(t, users, got)
	assert.Equal(t, domain.BroadcastCounts{Total: total, Sent: total}, bs.counts(bc.ID))
	assert.Equal(t, domain.BroadcastCounts{Total: total, Sent: total}, broadcastStore{t, b}.counts(bc.ID))
}

func (s suite) testReclaim(t *testing.T) {
	st, clock := s.store(t)
	bs := broadcastStore{t, st}
	users := recipients(30)
	b := bs.sending(users, clock.Now())

	t1 := clock.Now()
	first := bs.take(b.ID, 10, t1)
	require.Equal(t, users[:10], first)
	for _, i := range []int{1, 4, 5, 8} {
		require.True(t, bs.record(b.ID, first[i], domain.DeliverySent))
	}
	unanswered := []int64{first[0], first[2], first[3], first[6], first[7], first[9]}
	assert.Equal(t, domain.BroadcastCounts{Total: 30, Sent: 4, InFlight: 6}, bs.counts(b.ID))

	assert.Zero(t, bs.reclaim(b.ID, t1), "taken at, not before")
	assert.Zero(t, bs.reclaim(b.ID, t1.Add(-time.Minute)))
	assert.Equal(t, 6, bs.counts(b.ID).InFlight)

	// The sender died; later, its unanswered recipients go back to the
	// front, in order.
	clock.Advance(10 * time.Minute)
	assert.Equal(t, 6, bs.reclaim(b.ID, clock.Now().Add(-5*time.Minute)))
	assert.Equal(t, domain.BroadcastCounts{Total: 30, Sent: 4}, bs.counts(b.ID))
	assert.Zero(t, bs.reclaim(b.ID, clock.Now()), "nothing left to reclaim")

	again := bs.take(b.ID, 10, clock.Now())
	assert.Equal(t, append(slices.Clone(unanswered), users[10:14]...), again, "the reclaimed first, then the rest")
	assert.Equal(t, users[14:30], bs.take(b.ID, 100, clock.Now()))
	assert.Equal(t, domain.BroadcastCounts{Total: 30, Sent: 4, InFlight: 26}, bs.counts(b.ID))

	// Two takes, reclaimed together, return in the order they were taken,
	// ahead of what is still pending.
	more := recipients(12)
	c := bs.sending(more, clock.Now())
	t2 := clock.Now()
	require.Equal(t, more[:3], bs.take(c.ID, 3, t2))
	require.Equal(t, more[3:6], bs.take(c.ID, 3, t2))
	require.Equal(t, more[6:8], bs.take(c.ID, 2, t2.Add(time.Second)))
	assert.Equal(t, 8, bs.reclaim(c.ID, t2.Add(time.Minute)))
	assert.Equal(t, more, bs.take(c.ID, 100, t2.Add(time.Minute)))

	// Reclaimed onto an empty list, then more added: in order too.
	d := bs.sending([]int64{5, 3}, clock.Now())
	require.Equal(t, []int64{5, 3}, bs.take(d.ID, 5, t2))
	assert.Equal(t, 2, bs.reclaim(d.ID, t2.Add(time.Minute)))
	bs.add(d.ID, []int64{9})
	assert.Equal(t, []int64{5, 3, 9}, bs.take(d.ID, 5, t2.Add(time.Minute)))
	assert.Equal(t, domain.BroadcastCounts{Total: 3, InFlight: 3}, bs.counts(d.ID))
}

func (s suite) testReclaimRecent(t *testing.T) {
	st, clock := s.store(t)
	bs := broadcastStore{t, st}
	users := recipients(9)
	b := bs.sending(users, clock.Now())

	t1 := clock.Now()
	require.Equal(t, users[:3], bs.take(b.ID, 3, t1))
	t2 := t1.Add(time.Minute)
	require.Equal(t, users[3:6], bs.take(b.ID, 3, t2))

	// Before t2: only the first take's recipients, whose sender is late.
	assert.Equal(t, 3, bs.reclaim(b.ID, t1.Add(30*time.Second)))
	assert.Equal(t, domain.BroadcastCounts{Total: 9, InFlight: 3}, bs.counts(b.ID))
	assert.Zero(t, bs.reclaim(b.ID, t2), "the second take is recent")
	assert.Equal(t, append(slices.Clone(users[:3]), users[6:]...), bs.take(b.ID, 10, t2))

	// The second take's sender still records its results.
	for _, u := range users[3:6] {
		assert.True(t, bs.record(b.ID, u, domain.DeliverySent))
	}
	assert.Equal(t, domain.BroadcastCounts{Total: 9, Sent: 3, InFlight: 6}, bs.counts(b.ID))
}

// testLateResult: a sender thought dead records its result after its
// recipient was reclaimed. The result counts once, and the recipient is
// not handed out again.
func (s suite) testLateResult(t *testing.T) {
	st, clock := s.store(t)
	bs := broadcastStore{t, st}
	b := bs.sending([]int64{1, 2, 3}, clock.Now())
	t1 := clock.Now()
	require.Equal(t, []int64{1, 2}, bs.take(b.ID, 2, t1))
	require.Equal(t, 2, bs.reclaim(b.ID, t1.Add(time.Hour)))

	assert.True(t, bs.record(b.ID, 1, domain.DeliverySent), "late, but the first result")
	assert.Equal(t, domain.BroadcastCounts{Total: 3, Sent: 1}, bs.counts(b.ID))
	assert.Equal(t, []int64{2, 3}, bs.take(b.ID, 10, t1.Add(time.Hour)), "1 has its result: not sent twice")
	assert.Equal(t, domain.BroadcastCounts{Total: 3, Sent: 1, InFlight: 2}, bs.counts(b.ID))
}

// testReturnRecipients: a sender that cannot deliver gives back what it
// took, at once: to the front of the list, in the order taken, whatever
// order it names them in.
func (s suite) testReturnRecipients(t *testing.T) {
	st, clock := s.store(t)
	bs := broadcastStore{t, st}
	users := recipients(20)
	b := bs.sending(users, clock.Now())

	t1 := clock.Now()
	first := bs.take(b.ID, 6, t1)
	require.Equal(t, users[:6], first)
	require.True(t, bs.record(b.ID, first[1], domain.DeliverySent))
	assert.Zero(t, bs.giveBack(b.ID, t1), "nobody named")
	assert.Zero(t, bs.giveBack(b.ID, t1, first[1]), "a recipient with a result stays done")
	assert.Zero(t, bs.giveBack(b.ID, t1, users[10], 404), "never taken, or not a recipient")
	assert.Equal(t, 3, bs.giveBack(b.ID, t1, first[4], first[0], first[1], first[2], first[4]))
	assert.Equal(t, domain.BroadcastCounts{Total: 20, Sent: 1, InFlight: 2}, bs.counts(b.ID), "given back: no longer in flight, no result")
	assert.Zero(t, bs.giveBack(b.ID, t1, first[0]), "given back once")

	clock.Advance(time.Second)
	t2 := clock.Now()
	again := bs.take(b.ID, 5, t2)
	assert.Equal(t, []int64{first[0], first[2], first[4], users[6], users[7]}, again, "the given back first, in the order taken, then the rest")
	assert.Equal(t, domain.BroadcastCounts{Total: 20, Sent: 1, InFlight: 7}, bs.counts(b.ID), "the two still out with their sender, and the five")

	// Given back onto an empty list, then more added: in order too.
	c := bs.sending([]int64{5, 3}, clock.Now())
	require.Equal(t, []int64{5, 3}, bs.take(c.ID, 5, t2))
	assert.Equal(t, 2, bs.giveBack(c.ID, t2, 3, 5))
	bs.add(c.ID, []int64{9})
	assert.Equal(t, []int64{5, 3, 9}, bs.take(c.ID, 5, t2))

	// Nothing is given back once the broadcast's recipients are released.
	require.NoError(t, st.ReleaseRecipients(ctx(t), c.ID))
	assert.Zero(t, bs.giveBack(c.ID, t2, 5, 3, 9))
	assert.Empty(t, bs.take(c.ID, 5, t2))
	assert.Equal(t, domain.BroadcastCounts{Total: 3}, bs.counts(c.ID))
}

// testReturnOnlyFromItsTake: a slow sender whose recipients were reclaimed
// and taken by another cannot pull them back from the other's hands.
func (s suite) testReturnOnlyFromItsTake(t *testing.T) {
	st, clock := s.store(t)
	bs := broadcastStore{t, st}
	b := bs.sending([]int64{1, 2, 3, 4}, clock.Now())
	t1 := clock.Now()
	require.Equal(t, []int64{1, 2}, bs.take(b.ID, 2, t1))
	clock.Advance(5 * time.Minute)
	require.Equal(t, 2, bs.reclaim(b.ID, clock.Now().Add(-time.Minute)))
	t2 := clock.Now()
	require.Equal(t, []int64{1, 2, 3}, bs.take(b.ID, 3, t2))

	assert.Zero(t, bs.giveBack(b.ID, t1, 1, 2), "the first take's time")
	assert.Zero(t, bs.giveBack(b.ID, t1.Add(time.Millisecond), 1, 2), "another millisecond")
	assert.Equal(t, domain.BroadcastCounts{Total: 4, InFlight: 3}, bs.counts(b.ID))
	assert.Equal(t, []int64{4}, bs.take(b.ID, 5, t2), "nothing came back to the list")
	assert.Equal(t, 1, bs.giveBack(b.ID, t2.Truncate(time.Millisecond).Add(999*time.Microsecond), 2), "the same millisecond is the same take")
	assert.Equal(t, []int64{2}, bs.take(b.ID, 5, t2))
}

// testReturnedGoToAnotherInstance: what a sick instance gives back, a
// healthy one sends, and every recipient gets one result.
func (s suite) testReturnedGoToAnotherInstance(t *testing.T) {
	sick, healthy, clock := s.pair(t)
	bs := broadcastStore{t, sick}
	users := recipients(40)
	b := bs.sending(users, clock.Now())
	t1 := clock.Now()
	held := bs.take(b.ID, 8, t1)
	require.Equal(t, users[:8], held)

	other := broadcastStore{t, healthy}
	var sent []int64
	for round := 0; ; round++ {
		got := other.take(b.ID, 5, clock.Now())
		if round == 1 {
			assert.Equal(t, 8, bs.giveBack(b.ID, t1, held...), "given back while the other sends")
		}
		if len(got) == 0 {
			break
		}
		for _, u := range got {
			require.True(t, other.record(b.ID, u, domain.DeliverySent))
		}
		sent = append(sent, got...)
	}
	assert.ElementsMatch(t, users, sent, "each once")
	assert.Equal(t, domain.BroadcastCounts{Total: 40, Sent: 40}, bs.counts(b.ID))
}

// Releasing an ended broadcast's recipients keeps its counts and stops
// all recipient work on it; another broadcast is untouched.
func (s suite) testReleaseRecipients(t *testing.T) {
	st, clock := s.store(t)
	bs := broadcastStore{t, st}
	ended := bs.made(domain.BroadcastRunning, clock.Now())
	other := bs.made(domain.BroadcastRunning, clock.Now())
	bs.add(ended.ID, []int64{1, 2, 3, 4, 5})
	bs.add(other.ID, []int64{1, 2})
	t1 := clock.Now()
	require.Equal(t, []int64{1, 2}, bs.take(ended.ID, 2, t1))
	require.True(t, bs.record(ended.ID, 1, domain.DeliverySent))

	require.NoError(t, st.ReleaseRecipients(ctx(t), ended.ID))
	want := domain.BroadcastCounts{Total: 5, Sent: 1}
	assert.Equal(t, want, bs.counts(ended.ID), "counts stay, none in flight")
	assert.False(t, bs.record(ended.ID, 2, domain.DeliverySent), "a late result of the in-flight recipient")
	assert.Empty(t, bs.take(ended.ID, 10, t1), "nobody pending")
	assert.Zero(t, bs.reclaim(ended.ID, t1.Add(time.Hour)), "nobody in flight")
	assert.Equal(t, want, bs.counts(ended.ID))
	require.NoError(t, st.ReleaseRecipients(ctx(t), ended.ID), "a second release")
	assert.Equal(t, want, bs.counts(ended.ID))

	assert.Equal(t, []int64{1, 2}, bs.take(other.ID, 10, t1), "another broadcast keeps its recipients")
	assert.True(t, bs.record(other.ID, 1, domain.DeliverySent))
}

// assertBroadcast compares broadcasts, times by instant.
func assertBroadcast(t *testing.T, want, got domain.Broadcast, msgAndArgs ...any) {
	t.Helper()
	times := func(b *domain.Broadcast) []*time.Time {
		return []*time.Time{&b.ScheduledAt, &b.CreatedAt, &b.StartedAt, &b.FinishedAt}
	}
	wt, gt := times(&want), times(&got)
	for i := range wt {
		assert.Truef(t, wt[i].Equal(*gt[i]), "broadcast %d time %d: want %v, got %v", want.ID, i, *wt[i], *gt[i])
		*wt[i], *gt[i] = time.Time{}, time.Time{}
	}
	assert.Equal(t, want, got, msgAndArgs...)
}
