package storagetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
)

func (s suite) testErasure(t *testing.T) {
	t.Run("EraseResident", s.testEraseResident)
	t.Run("EraseIsIdempotent", s.testEraseTwice)
	t.Run("ScrubOnlyWhenErased", s.testScrubWhenDue)
}

// testEraseResident: every ticket of the resident goes, with its indexes
// and rating; their assist records stay, anonymous, with the rating
// folded in; another resident's tickets and records are untouched.
func (s suite) testEraseResident(t *testing.T) {
	st, clock := s.store(t)
	ts := ticketStore{t, st}
	const who, other, volunteer = 501, 502, 900
	closed := ts.closed(closeTicket(ts.claimed(claim(ts.opened(newTicket(who, clock.Now())), volunteer, clock.Now(), time.Minute)), clock.Now()))
	require.NoError(t, st.RecordAssist(ctx(t), domain.Assist{Kind: domain.AssistTicket, TicketID: closed.ID, Resident: "hash-501", VolunteerID: volunteer, Outcome: "solved"}))
	require.NoError(t, st.RecordAssist(ctx(t), domain.Assist{Kind: domain.AssistFlow, FlowID: "vneid", Resident: "hash-501"}))
	require.NoError(t, st.RateTicket(ctx(t), closed.ID, 5, "yes"))
	claimed := ts.claimed(claim(ts.opened(newTicket(who, clock.Now())), volunteer, clock.Now(), time.Minute))
	theirs := ts.opened(newTicket(other, clock.Now()))
	require.NoError(t, st.RecordAssist(ctx(t), domain.Assist{Kind: domain.AssistFlow, FlowID: "sim", Resident: "hash-502"}))

	erased, err := st.EraseResident(ctx(t), who, "hash-501")
	require.NoError(t, err)
	assert.ElementsMatch(t, []int64{closed.ID, claimed.ID}, ticketIDs(erased), "both of the resident's tickets are returned")
	for _, e := range erased {
		if e.ID == claimed.ID {
			assert.Equal(t, domain.TicketClaimed, e.State, "the active ticket comes back as it was, for the desk to withdraw")
		}
	}
	for _, id := range []int64{closed.ID, claimed.ID} {
		_, err := st.GetTicket(ctx(t), id)
		require.ErrorIs(t, err, storage.ErrNotFound, "ticket %d is gone", id)
	}
	_, err = st.ActiveTicketOf(ctx(t), who)
	require.ErrorIs(t, err, storage.ErrNotFound)
	assert.Empty(t, ts.claims(volunteer), "no claim is left to the volunteer")
	assert.Equal(t, []int64{theirs.ID}, ts.open(10), "the other resident's question still waits")
	assert.Empty(t, ts.lapsed(clock.Now().Add(time.Hour), 10), "no lease is left")

	log, err := st.AssistsBetween(ctx(t), clock.Now().Add(-time.Hour), clock.Now().Add(time.Hour))
	require.NoError(t, err)
	require.Len(t, log, 3, "the records stay, for the reports")
	for _, a := range log {
		if a.Resident == "hash-502" {
			continue
		}
		assert.Zero(t, a.TicketID, "no ticket id links back")
		assert.Empty(t, a.Resident, "no resident hash links back")
		if a.Kind == domain.AssistTicket {
			assert.Equal(t, 5, a.Rating, "the rating is kept in the record")
			assert.Equal(t, "yes", a.Worked)
			assert.Equal(t, "solved", a.Outcome)
		}
	}
	// A new question of the resident opens afresh.
	again := ts.opened(newTicket(who, clock.Now()))
	assert.NotEqual(t, claimed.ID, again.ID)
}

func (s suite) testEraseTwice(t *testing.T) {
	st, clock := s.store(t)
	ts := ticketStore{t, st}
	ts.opened(newTicket(601, clock.Now()))
	first, err := st.EraseResident(ctx(t), 601, "hash-601")
	require.NoError(t, err)
	require.Len(t, first, 1)
	second, err := st.EraseResident(ctx(t), 601, "hash-601")
	require.NoError(t, err)
	assert.Empty(t, second, "nothing more to erase")
	nobody, err := st.EraseResident(ctx(t), 602, "")
	require.NoError(t, err)
	assert.Empty(t, nobody)
}

// testScrubWhenDue: ScrubErased rewrites only after an erasure, once, and
// the store works as before afterwards.
func (s suite) testScrubWhenDue(t *testing.T) {
	st, clock := s.store(t)
	ts := ticketStore{t, st}
	did, err := st.ScrubErased(ctx(t))
	require.NoError(t, err)
	assert.False(t, did, "nothing was erased")
	ts.opened(newTicket(701, clock.Now()))
	kept := ts.opened(newTicket(702, clock.Now()))
	_, err = st.EraseResident(ctx(t), 701, "hash-701")
	require.NoError(t, err)
	did, err = st.ScrubErased(ctx(t))
	require.NoError(t, err)
	assert.True(t, did, "an erasure makes a scrub due")
	did, err = st.ScrubErased(ctx(t))
	require.NoError(t, err)
	assert.False(t, did, "once")
	assert.Equal(t, kept, ts.get(kept.ID), "what was kept reads back the same")
	assert.Equal(t, []int64{kept.ID}, ts.open(10))
	ts.opened(newTicket(703, clock.Now()))
}
