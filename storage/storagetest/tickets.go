package storagetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
)

func (s suite) testTickets(t *testing.T) {
	t.Run("CreateAndGet", s.testTicketCreateAndGet)
	t.Run("OneActivePerResident", s.testTicketOneActivePerResident)
	t.Run("StaleVersionConflicts", s.testTicketStaleVersion)
	t.Run("Queue", s.testTicketQueue)
	t.Run("UrgentFirst", s.testTicketUrgentFirst)
	t.Run("EscalateKeepsItsPlace", s.testTicketEscalate)
	t.Run("ClaimsFollowTheVolunteer", s.testTicketClaims)
	t.Run("LapsedLeases", s.testTicketLeases)
	t.Run("ActiveTicketOf", s.testActiveTicketOf)
	t.Run("ClaimRace", s.testClaimRace)
}

// newTicket is an open ticket of the resident, created at the given time.
func newTicket(resident int64, created time.Time) domain.Ticket {
	return domain.Ticket{
		ResidentID: resident,
		Language:   "vi",
		Commune:    "26734",
		FlowID:     "flood-report",
		Step:       "ask",
		Answers:    map[string]string{"need": "nước sạch"},
		Question:   fmt.Sprintf("question of %d", resident),
		State:      domain.TicketOpen,
		CreatedAt:  created,
	}
}

// ticketStore wraps a store with helpers that fail the test on errors.
type ticketStore struct {
	t  *testing.T
	st storage.Store
}

// must fails the test on err and returns out.
func (ts ticketStore) must(out domain.Ticket, err error) domain.Ticket {
	ts.t.Helper()
	require.NoError(ts.t, err)
	return out
}

func (ts ticketStore) opened(in domain.Ticket) domain.Ticket {
	ts.t.Helper()
	return ts.must(ts.st.OpenTicket(ctx(ts.t), in))
}

func (ts ticketStore) claimed(in domain.Ticket) domain.Ticket {
	ts.t.Helper()
	return ts.must(ts.st.ClaimTicket(ctx(ts.t), in))
}

// replied stores t answered by its volunteer at the given time.
func (ts ticketStore) replied(t domain.Ticket, at time.Time) domain.Ticket {
	ts.t.Helper()
	t.RepliedAt, t.LeaseUntil = at, time.Time{}
	return ts.must(ts.st.ReplyTicket(ctx(ts.t), t))
}

// requeued stores t back in the queue, as when a lease lapses.
func (ts ticketStore) requeued(t domain.Ticket) domain.Ticket {
	ts.t.Helper()
	return ts.must(ts.st.RequeueTicket(ctx(ts.t), release(t), t.VolunteerID))
}

func (ts ticketStore) closed(in domain.Ticket) domain.Ticket {
	ts.t.Helper()
	return ts.must(ts.st.CloseTicket(ctx(ts.t), in))
}

func (ts ticketStore) updated(in domain.Ticket) domain.Ticket {
	ts.t.Helper()
	return ts.must(ts.st.UpdateTicket(ctx(ts.t), in))
}

func (ts ticketStore) get(id int64) domain.Ticket {
	ts.t.Helper()
	got, err := ts.st.GetTicket(ctx(ts.t), id)
	require.NoError(ts.t, err)
	return got
}

func (ts ticketStore) open(limit int) []int64 {
	ts.t.Helper()
	got, err := ts.st.OpenTickets(ctx(ts.t), limit)
	require.NoError(ts.t, err)
	return ticketIDs(got)
}

func (ts ticketStore) claims(volunteer int64) []int64 {
	ts.t.Helper()
	got, err := ts.st.ClaimsOf(ctx(ts.t), volunteer)
	require.NoError(ts.t, err)
	for _, c := range got {
		assert.Equal(ts.t, domain.TicketClaimed, c.State)
		assert.Equal(ts.t, volunteer, c.VolunteerID)
	}
	return ticketIDs(got)
}

func (ts ticketStore) position(id int64) int {
	ts.t.Helper()
	pos, err := ts.st.QueuePosition(ctx(ts.t), id)
	require.NoError(ts.t, err)
	return pos
}

func (ts ticketStore) notQueued(id int64) {
	ts.t.Helper()
	_, err := ts.st.QueuePosition(ctx(ts.t), id)
	require.ErrorIs(ts.t, err, storage.ErrNotFound)
}

func (ts ticketStore) lapsed(now time.Time, limit int) []int64 {
	ts.t.Helper()
	got, err := ts.st.LapsedLeases(ctx(ts.t), now, limit)
	require.NoError(ts.t, err)
	for _, l := range got {
		assert.Equal(ts.t, domain.TicketClaimed, l.State)
		assert.False(ts.t, l.LeaseUntil.IsZero() || l.LeaseUntil.After(now), "lease of %d until %v", l.ID, l.LeaseUntil)
	}
	return ticketIDs(got)
}

// claim returns t claimed by the volunteer at the given time, with a lease
// (none if lease is 0).
func claim(t domain.Ticket, volunteer int64, at time.Time, lease time.Duration) domain.Ticket {
	t.State, t.VolunteerID, t.ClaimedAt = domain.TicketClaimed, volunteer, at
	t.RepliedAt, t.LeaseUntil = time.Time{}, time.Time{}
	if lease != 0 {
		t.LeaseUntil = at.Add(lease)
	}
	return t
}

// release returns t back in the queue, as when a lease lapses.
func release(t domain.Ticket) domain.Ticket {
	t.State, t.VolunteerID = domain.TicketOpen, 0
	t.ClaimedAt, t.RepliedAt, t.LeaseUntil = time.Time{}, time.Time{}, time.Time{}
	return t
}

// closeTicket returns t closed at the given time with an outcome.
func closeTicket(t domain.Ticket, at time.Time) domain.Ticket {
	t.State, t.ClosedAt, t.Outcome, t.LeaseUntil = domain.TicketClosed, at, "answered", time.Time{}
	return t
}

func (s suite) testTicketCreateAndGet(t *testing.T) {
	st, clock := s.store(t)
	ts := ticketStore{t, st}
	t0 := clock.Now()

	_, err := st.GetTicket(ctx(t), 1)
	require.ErrorIs(t, err, storage.ErrNotFound)

	in := domain.Ticket{
		ResidentID:    7_000_000_001,
		Language:      "vi",
		Commune:       "26734",
		FlowID:        "flood-report",
		FlowVersion:   3,
		Step:          "ask",
		Answers:       map[string]string{"need": "nước sạch, thuốc", "note": "line one\nline \"two\""},
		Question:      "Nhà tôi bị ngập, tôi cần làm gì?",
		Notes:         []string{"còn đó không?", "***"},
		State:         domain.TicketOpen,
		CreatedAt:     t0,
		AnnouncedAt:   t0.Add(time.Second),
		EscalatedAt:   t0.Add(time.Minute),
		CardChatID:    -1001234567890,
		CardMessageID: 4242,
	}
	first := ts.opened(in)
	assert.Equal(t, int64(1), first.ID, "ids start at 1")
	assert.Equal(t, int64(1), first.Version)
	want := in
	want.ID, want.Version = 1, 1
	assertTicket(t, want, first)
	assertTicket(t, first, ts.get(1))

	// The store assigns ids; one given with a new ticket is ignored.
	second := ts.opened(domain.Ticket{ID: 77, ResidentID: 2, State: domain.TicketOpen, CreatedAt: t0})
	assert.Equal(t, int64(2), second.ID)
	_, err = st.GetTicket(ctx(t), 77)
	require.ErrorIs(t, err, storage.ErrNotFound)
	third := ts.opened(newTicket(3, t0))
	assert.Equal(t, int64(3), third.ID)

	// Every field survives each move, claimed and closed times included.
	next := claim(first, 500, t0.Add(2*time.Minute), 10*time.Minute)
	next.Notes = append(next.Notes, "ba")
	saved := ts.claimed(next)
	assert.Equal(t, int64(2), saved.Version)
	assert.Equal(t, int64(1), saved.ID)
	want = next
	want.Version = 2
	assertTicket(t, want, saved)
	assertTicket(t, saved, ts.get(1))
	saved = ts.replied(saved, t0.Add(3*time.Minute))
	assert.Equal(t, int64(3), saved.Version)
	assertTicket(t, saved, ts.get(1))

	done := ts.closed(closeTicket(saved, t0.Add(time.Hour)))
	assertTicket(t, done, ts.get(1))
	assertTicket(t, second, ts.get(2), "other tickets are untouched")
}

func (s suite) testTicketOneActivePerResident(t *testing.T) {
	st, clock := s.store(t)
	ts := ticketStore{t, st}
	t0 := clock.Now()
	const resident = 10

	a := ts.opened(newTicket(resident, t0))
	_, err := st.OpenTicket(ctx(t), newTicket(resident, t0.Add(time.Second)))
	require.ErrorIs(t, err, storage.ErrConflict, "a second open ticket")
	assert.Equal(t, []int64{a.ID}, ts.open(10), "the refused ticket was not stored")

	a = ts.claimed(claim(a, 500, t0.Add(time.Minute), time.Minute))
	_, err = st.OpenTicket(ctx(t), newTicket(resident, t0.Add(2*time.Second)))
	require.ErrorIs(t, err, storage.ErrConflict, "a new ticket while one is claimed")
	assert.Empty(t, ts.open(10))

	other := ts.opened(newTicket(resident+1, t0)) // another resident is not affected

	a = ts.closed(closeTicket(a, t0.Add(time.Hour)))
	b := ts.opened(newTicket(resident, t0.Add(time.Hour)))
	assert.NotEqual(t, a.ID, b.ID)
	assert.Equal(t, []int64{other.ID, b.ID}, ts.open(10))

	b.State = domain.TicketCanceled
	ts.closed(b)
	c := ts.opened(newTicket(resident, t0.Add(2*time.Hour)))

	// Updating an old, closed ticket of the resident leaves the active one
	// alone.
	a.Outcome = "answered, thanked"
	a = ts.updated(a)
	active, err := st.ActiveTicketOf(ctx(t), resident)
	require.NoError(t, err)
	assert.Equal(t, c.ID, active.ID)
	assertTicket(t, a, ts.get(a.ID))
}

func (s suite) testTicketStaleVersion(t *testing.T) {
	st, clock := s.store(t)
	ts := ticketStore{t, st}
	t0 := clock.Now()
	v1 := ts.opened(newTicket(1, t0))
	other := ts.opened(newTicket(2, t0.Add(time.Second)))
	edited := v1
	edited.Notes = []string{"more"}
	v2 := ts.updated(edited)
	require.Equal(t, int64(2), v2.Version)

	// Every move over a version other than the stored one is refused.
	claimed := claim(v2, 500, t0.Add(time.Minute), time.Minute)
	replied := claimed
	replied.RepliedAt = t0.Add(2 * time.Minute)
	canceled := v2
	canceled.State = domain.TicketCanceled
	escalated := v2
	escalated.EscalatedAt = t0.Add(time.Hour)
	moves := map[string]func(domain.Ticket) (domain.Ticket, error){
		"claim": func(tk domain.Ticket) (domain.Ticket, error) {
			return st.ClaimTicket(ctx(t), withVersion(claimed, tk.Version))
		},
		"reply": func(tk domain.Ticket) (domain.Ticket, error) {
			return st.ReplyTicket(ctx(t), withVersion(replied, tk.Version))
		},
		"requeue": func(tk domain.Ticket) (domain.Ticket, error) {
			return st.RequeueTicket(ctx(t), withVersion(v2, tk.Version), 500)
		},
		"close": func(tk domain.Ticket) (domain.Ticket, error) {
			return st.CloseTicket(ctx(t), withVersion(canceled, tk.Version))
		},
		"escalate": func(tk domain.Ticket) (domain.Ticket, error) {
			return st.EscalateTicket(ctx(t), withVersion(escalated, tk.Version))
		},
		"update": func(tk domain.Ticket) (domain.Ticket, error) {
			return st.UpdateTicket(ctx(t), withVersion(escalated, tk.Version))
		},
	}
	for name, move := range moves {
		for _, version := range []int64{1, 3, 99} {
			_, err := move(domain.Ticket{Version: version})
			require.ErrorIsf(t, err, storage.ErrConflict, "%s over version 2 with version %d", name, version)
		}
	}

	missing := newTicket(3, t0)
	missing.ID, missing.Version = 99, 1
	_, err := st.UpdateTicket(ctx(t), missing)
	require.ErrorIs(t, err, storage.ErrConflict, "an update of a ticket never stored")
	_, err = st.GetTicket(ctx(t), 99)
	require.ErrorIs(t, err, storage.ErrNotFound, "a lost save stores nothing")

	// Nothing changed, indexes included.
	assertTicket(t, v2, ts.get(v1.ID))
	assert.Equal(t, []int64{v1.ID, other.ID}, ts.open(10))
	assert.Equal(t, 1, ts.position(v1.ID))
	assert.Empty(t, ts.claims(500))
	assert.Empty(t, ts.lapsed(t0.Add(time.Hour), 10))
	active, err := st.ActiveTicketOf(ctx(t), 1)
	require.NoError(t, err)
	assertTicket(t, v2, active)
	_, err = st.ActiveTicketOf(ctx(t), 3)
	require.ErrorIs(t, err, storage.ErrNotFound)
}

func (s suite) testTicketQueue(t *testing.T) {
	st, clock := s.store(t)
	ts := ticketStore{t, st}
	t0 := clock.Now()

	assert.Empty(t, ts.open(10))
	ts.notQueued(1)

	// Created out of order; c and d at the same instant, d created later.
	a := ts.opened(newTicket(1, t0.Add(3*time.Minute)))
	b := ts.opened(newTicket(2, t0.Add(1*time.Minute)))
	c := ts.opened(newTicket(3, t0.Add(2*time.Minute)))
	d := ts.opened(newTicket(4, t0.Add(2*time.Minute)))
	e := ts.opened(newTicket(5, t0.Add(-time.Hour)))
	order := []int64{e.ID, b.ID, c.ID, d.ID, a.ID}

	assert.Equal(t, order, ts.open(10))
	assert.Equal(t, order[:2], ts.open(2))
	assert.Empty(t, ts.open(0))
	for i, id := range order {
		assert.Equalf(t, i+1, ts.position(id), "ticket %d", id)
	}
	got, err := st.OpenTickets(ctx(t), 10)
	require.NoError(t, err)
	assertTicket(t, e, got[0], "OpenTickets returns whole tickets")

	// Claimed and closed tickets leave the queue; those behind move up.
	b = ts.claimed(claim(b, 500, t0.Add(5*time.Minute), time.Minute))
	ts.notQueued(b.ID)
	assert.Equal(t, []int64{e.ID, c.ID, d.ID, a.ID}, ts.open(10))
	assert.Equal(t, 2, ts.position(c.ID))
	e.State = domain.TicketCanceled
	ts.closed(e)
	ts.notQueued(e.ID)
	assert.Equal(t, 1, ts.position(c.ID))
	assert.Equal(t, 3, ts.position(a.ID))

	// A released ticket goes back to its place, by CreatedAt.
	ts.requeued(b)
	assert.Equal(t, []int64{b.ID, c.ID, d.ID, a.ID}, ts.open(10))
	assert.Equal(t, 1, ts.position(b.ID))
	assert.Equal(t, 4, ts.position(a.ID))

	// Updating an open ticket keeps it queued once.
	c.Notes = []string{"still there?"}
	c = ts.updated(c)
	assert.Equal(t, []int64{b.ID, c.ID, d.ID, a.ID}, ts.open(10))
	got, err = st.OpenTickets(ctx(t), 10)
	require.NoError(t, err)
	assertTicket(t, c, got[1])

	ts.notQueued(999)
}

// An urgent ticket goes to the head of the queue, ahead of older ordinary
// ones; among urgent tickets the oldest is first; one made urgent later
// moves up, and a released urgent ticket is back at the head.
func (s suite) testTicketUrgentFirst(t *testing.T) {
	st, clock := s.store(t)
	ts := ticketStore{t, st}
	t0 := clock.Now()

	old := ts.opened(newTicket(1, t0.Add(-48*time.Hour)))
	plain := ts.opened(newTicket(2, t0))
	sos := newTicket(3, t0.Add(time.Minute))
	sos.Urgent = true
	sos = ts.opened(sos)
	assert.Equal(t, []int64{sos.ID, old.ID, plain.ID}, ts.open(10))
	assert.Equal(t, 1, ts.position(sos.ID))

	later := newTicket(4, t0.Add(-time.Hour))
	later = ts.opened(later)
	later.Urgent = true
	later = ts.updated(later)
	assert.Equal(t, []int64{later.ID, sos.ID, old.ID, plain.ID}, ts.open(10), "made urgent: by creation among the urgent")

	claimed := ts.claimed(claim(sos, 500, t0.Add(2*time.Minute), time.Minute))
	assert.Equal(t, []int64{later.ID, old.ID, plain.ID}, ts.open(10))
	ts.requeued(claimed)
	assert.Equal(t, []int64{later.ID, sos.ID, old.ID, plain.ID}, ts.open(10))
	got, err := st.GetTicket(ctx(t), sos.ID)
	require.NoError(t, err)
	assert.True(t, got.Urgent, "urgent is kept")
}

// An escalated ticket stays where it was in the queue, with its new times.
func (s suite) testTicketEscalate(t *testing.T) {
	st, clock := s.store(t)
	ts := ticketStore{t, st}
	t0 := clock.Now()
	a := ts.opened(newTicket(1, t0))
	b := ts.opened(newTicket(2, t0.Add(time.Second)))
	b.EscalatedAt, b.AnnouncedAt = t0.Add(30*time.Minute), t0.Add(30*time.Minute)
	b = ts.must(st.EscalateTicket(ctx(t), b))
	assert.Equal(t, int64(2), b.Version)
	assertTicket(t, b, ts.get(b.ID))
	assert.Equal(t, []int64{a.ID, b.ID}, ts.open(10))
	assert.Equal(t, 2, ts.position(b.ID))
}

func (s suite) testTicketClaims(t *testing.T) {
	st, clock := s.store(t)
	ts := ticketStore{t, st}
	t0 := clock.Now()
	const lan, minh = 100, 200

	a := ts.opened(newTicket(1, t0))
	b := ts.opened(newTicket(2, t0.Add(time.Second)))
	assert.Empty(t, ts.claims(lan))

	// Claimed later, b is claimed earlier: oldest claim first.
	b = ts.claimed(claim(b, lan, t0.Add(1*time.Minute), 10*time.Minute))
	a = ts.claimed(claim(a, lan, t0.Add(2*time.Minute), 10*time.Minute))
	assert.Equal(t, []int64{b.ID, a.ID}, ts.claims(lan))
	assert.Empty(t, ts.open(10))
	got, err := st.ClaimsOf(ctx(t), lan)
	require.NoError(t, err)
	assertTicket(t, b, got[0], "ClaimsOf returns whole tickets")

	// A reply clears the lease; the ticket stays claimed, listed once.
	b = ts.replied(b, t0.Add(3*time.Minute))
	assert.Equal(t, []int64{b.ID, a.ID}, ts.claims(lan))

	// Released back to the queue.
	a = ts.requeued(a)
	assert.Equal(t, []int64{b.ID}, ts.claims(lan))
	assert.Equal(t, []int64{a.ID}, ts.open(10))
	assert.Equal(t, 1, ts.position(a.ID))

	// Re-claimed by someone else.
	a = ts.claimed(claim(a, minh, t0.Add(4*time.Minute), 10*time.Minute))
	assert.Equal(t, []int64{b.ID}, ts.claims(lan))
	assert.Equal(t, []int64{a.ID}, ts.claims(minh))
	assert.Empty(t, ts.open(10))

	// Handed over directly from one volunteer to the other.
	b = ts.claimed(claim(b, minh, t0.Add(5*time.Minute), 0))
	assert.Empty(t, ts.claims(lan))
	assert.Equal(t, []int64{a.ID, b.ID}, ts.claims(minh))

	// Closed: nobody's claim any more, though VolunteerID stays.
	a = ts.closed(closeTicket(a, t0.Add(time.Hour)))
	assert.Equal(t, int64(minh), a.VolunteerID)
	assert.Equal(t, []int64{b.ID}, ts.claims(minh))
	ts.closed(closeTicket(b, t0.Add(time.Hour)))
	assert.Empty(t, ts.claims(minh))
	assert.Empty(t, ts.claims(lan))
	assert.Empty(t, ts.open(10))
}

func (s suite) testTicketLeases(t *testing.T) {
	st, clock := s.store(t)
	ts := ticketStore{t, st}
	t0 := clock.Now() // has a sub-millisecond part

	a := ts.claimed(claim(ts.opened(newTicket(1, t0)), 100, t0, 10*time.Minute))
	b := ts.claimed(claim(ts.opened(newTicket(2, t0)), 100, t0, 5*time.Minute))
	c := ts.claimed(claim(ts.opened(newTicket(3, t0)), 200, t0, 20*time.Minute))
	ts.replied(ts.claimed(claim(ts.opened(newTicket(4, t0)), 200, t0, time.Minute)), t0) // answered: no lease
	open := newTicket(5, t0)
	open.LeaseUntil = t0 // not claimed: not a lease, whatever the field says
	ts.opened(open)

	assert.Empty(t, ts.lapsed(clock.Now(), 10))
	assert.Empty(t, ts.lapsed(b.LeaseUntil.Add(-time.Nanosecond), 10), "to the nanosecond")

	clock.Advance(5 * time.Minute)
	assert.Equal(t, []int64{b.ID}, ts.lapsed(clock.Now(), 10), "a lease lapses at LeaseUntil")

	clock.Advance(10 * time.Minute)
	assert.Equal(t, []int64{b.ID, a.ID}, ts.lapsed(clock.Now(), 10), "earliest first")
	assert.Equal(t, []int64{b.ID}, ts.lapsed(clock.Now(), 1))
	assert.Empty(t, ts.lapsed(clock.Now(), 0))

	// A reply clears LeaseUntil: no longer lapsing.
	ts.replied(b, clock.Now())
	assert.Equal(t, []int64{a.ID}, ts.lapsed(clock.Now(), 10))

	// The sweeper releases a: gone from the leases.
	ts.requeued(a)
	assert.Empty(t, ts.lapsed(clock.Now(), 10))

	clock.Advance(time.Hour)
	assert.Equal(t, []int64{c.ID}, ts.lapsed(clock.Now(), 10))
	ts.closed(closeTicket(c, clock.Now()))
	assert.Empty(t, ts.lapsed(clock.Now(), 10))
}

func (s suite) testActiveTicketOf(t *testing.T) {
	st, clock := s.store(t)
	ts := ticketStore{t, st}
	t0 := clock.Now()
	const resident = 42
	active := func() (domain.Ticket, error) { return st.ActiveTicketOf(ctx(t), resident) }
	is := func(want domain.Ticket) {
		t.Helper()
		got, err := active()
		require.NoError(t, err)
		assertTicket(t, want, got)
	}
	none := func() {
		t.Helper()
		_, err := active()
		require.ErrorIs(t, err, storage.ErrNotFound)
	}

	none()
	a := ts.opened(newTicket(resident, t0))
	other := ts.opened(newTicket(resident+1, t0))
	is(a)
	a = ts.claimed(claim(a, 100, t0.Add(time.Minute), time.Minute))
	is(a)
	a = ts.requeued(a)
	is(a)
	ts.closed(closeTicket(a, t0.Add(time.Hour)))
	none()
	b := ts.opened(newTicket(resident, t0.Add(time.Hour)))
	is(b)
	b.State = domain.TicketCanceled
	ts.closed(b)
	none()

	got, err := st.ActiveTicketOf(ctx(t), resident+1)
	require.NoError(t, err)
	assertTicket(t, other, got, "other residents are untouched")
}

// testClaimRace has 1,000 goroutines, acting for 50 volunteers, read one
// open ticket and try to claim it: exactly one claim may win. Every
// goroutine reads before any saves, so all of them find the ticket open and
// race to save over the same version.
func (s suite) testClaimRace(t *testing.T) {
	const (
		racers     = 1000
		volunteers = 50
	)
	st, clock := s.store(t)
	ts := ticketStore{t, st}
	open := ts.opened(newTicket(1, clock.Now()))
	now := clock.Now().Add(time.Minute)

	var (
		wg, read              sync.WaitGroup
		mu                    sync.Mutex
		winners               []domain.Ticket
		conflicts, sawClaimed int
		errs                  []error
	)
	gate, allRead := make(chan struct{}), make(chan struct{})
	read.Add(racers)
	for i := range racers {
		volunteer := int64(i%volunteers + 1)
		wg.Go(func() {
			<-gate
			cur, err := st.GetTicket(ctx(t), open.ID)
			read.Done()
			<-allRead
			if err == nil && cur.State != domain.TicketOpen {
				mu.Lock()
				sawClaimed++
				mu.Unlock()
				return
			}
			if err == nil {
				cur, err = st.ClaimTicket(ctx(t), claim(cur, volunteer, now, 10*time.Minute))
			}
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				winners = append(winners, cur)
			case errors.Is(err, storage.ErrConflict):
				conflicts++
			default:
				errs = append(errs, err)
			}
		})
	}
	close(gate)
	read.Wait()
	close(allRead)
	wg.Wait()

	for _, err := range errs {
		require.NoError(t, err)
	}
	require.Lenf(t, winners, 1, "exactly one claim wins (%d conflicts, %d saw it claimed)", conflicts, sawClaimed)
	t.Logf("claim race: 1 winner, %d lost with ErrConflict, %d saw the ticket already claimed", conflicts, sawClaimed)
	winner := winners[0]
	assert.Equal(t, racers-1, conflicts+sawClaimed)
	assert.Equal(t, open.Version+1, winner.Version)

	stored := ts.get(open.ID)
	assertTicket(t, winner, stored)
	assert.Equal(t, domain.TicketClaimed, stored.State)
	for v := int64(1); v <= volunteers; v++ {
		if v == winner.VolunteerID {
			assert.Equalf(t, []int64{open.ID}, ts.claims(v), "the winner, volunteer %d, holds the claim", v)
		} else {
			assert.Emptyf(t, ts.claims(v), "volunteer %d lost", v)
		}
	}
	assert.Empty(t, ts.open(10))
	ts.notQueued(open.ID)
	assert.Equal(t, []int64{open.ID}, ts.lapsed(now.Add(time.Hour), 10), "one lease, listed once")
}

// withVersion is t as if read at version v.
func withVersion(t domain.Ticket, v int64) domain.Ticket {
	t.Version = v
	return t
}

func ticketIDs(ts []domain.Ticket) []int64 {
	ids := make([]int64, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	return ids
}

// assertTicket compares tickets, times by instant. Nil and empty Answers
// and Notes are the same thing.
func assertTicket(t *testing.T, want, got domain.Ticket, msgAndArgs ...any) {
	t.Helper()
	times := func(tk *domain.Ticket) []*time.Time {
		return []*time.Time{&tk.CreatedAt, &tk.ClaimedAt, &tk.RepliedAt, &tk.LeaseUntil,
			&tk.AnnouncedAt, &tk.EscalatedAt, &tk.ClosedAt}
	}
	wt, gt := times(&want), times(&got)
	for i := range wt {
		assert.Truef(t, wt[i].Equal(*gt[i]), "ticket %d time %d: want %v, got %v", want.ID, i, *wt[i], *gt[i])
		*wt[i], *gt[i] = time.Time{}, time.Time{}
	}
	for _, tk := range []*domain.Ticket{&want, &got} {
		if len(tk.Answers) == 0 {
			tk.Answers = nil
		}
		if len(tk.Notes) == 0 {
			tk.Notes = nil
		}
	}
	assert.Equal(t, want, got, msgAndArgs...)
}
