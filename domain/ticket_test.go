package domain

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	t0        = time.Date(2026, 3, 9, 8, 0, 0, 0, time.UTC)
	resident  = User{ID: 41, Role: RoleResident}
	lan       = User{ID: 500, Role: RoleVolunteer, DisplayName: "Lan"}
	minh      = User{ID: 501, Role: RoleVolunteer, DisplayName: "Minh"}
	organizer = User{ID: 900, Role: RoleOrganizer}
)

func claimedBy(v User) Ticket {
	t := NewTicket(resident.ID, t0)
	t.ID = 7
	if err := t.Claim(v, t0.Add(time.Minute), 15*time.Minute); err != nil {
		panic(err)
	}
	return t
}

func TestTicketLifeAllowedMoves(t *testing.T) {
	tk := NewTicket(resident.ID, t0)
	assert.Equal(t, TicketOpen, tk.State)
	assert.True(t, tk.Active())

	require.NoError(t, tk.Claim(lan, t0.Add(time.Minute), 15*time.Minute))
	assert.Equal(t, TicketClaimed, tk.State)
	assert.Equal(t, lan.ID, tk.VolunteerID)
	assert.Equal(t, t0.Add(16*time.Minute), tk.LeaseUntil)

	first, err := tk.Reply(lan, t0.Add(2*time.Minute))
	require.NoError(t, err)
	assert.True(t, first)
	assert.True(t, tk.LeaseUntil.IsZero(), "a reply ends the lease")
	first, err = tk.Reply(lan, t0.Add(3*time.Minute))
	require.NoError(t, err)
	assert.False(t, first)
	assert.Equal(t, t0.Add(2*time.Minute), tk.RepliedAt, "the first reply counts")

	require.NoError(t, tk.Release(lan, t0.Add(4*time.Minute)))
	assert.Equal(t, TicketOpen, tk.State)
	assert.Zero(t, tk.VolunteerID)
	assert.True(t, tk.RepliedAt.IsZero() && tk.ClaimedAt.IsZero())
	assert.Equal(t, t0.Add(4*time.Minute), tk.AnnouncedAt)

	require.NoError(t, tk.Claim(minh, t0.Add(5*time.Minute), time.Minute))
	require.NoError(t, tk.Close(minh, OutcomeSolved, t0.Add(9*time.Minute)))
	assert.Equal(t, TicketClosed, tk.State)
	assert.Equal(t, OutcomeSolved, tk.Outcome)
	assert.False(t, tk.Active())
}

func TestTicketIllegalMoves(t *testing.T) {
	closed := claimedBy(lan)
	require.NoError(t, closed.Close(lan, OutcomeUnsolved, t0.Add(time.Hour)))
	canceled := NewTicket(resident.ID, t0)
	require.NoError(t, canceled.Cancel(t0))
	escalated := NewTicket(resident.ID, t0)
	require.NoError(t, escalated.Escalate(t0.Add(time.Hour)))
	unstaffed := NewTicket(resident.ID, t0)
	require.NoError(t, unstaffed.MarkUnstaffed(t0.Add(time.Hour)))
	assert.Equal(t, t0.Add(time.Hour), unstaffed.UnstaffedAt)

	cases := map[string]struct {
		move func() error
		want error
	}{
		"claim a claimed ticket":    {func() error { tk := claimedBy(lan); return tk.Claim(minh, t0, time.Minute) }, ErrIllegal},
		"claim a closed ticket":     {func() error { tk := closed; return tk.Claim(minh, t0, time.Minute) }, ErrIllegal},
		"claim as a resident":       {func() error { tk := NewTicket(1, t0); return tk.Claim(resident, t0, time.Minute) }, ErrNotAllowed},
		"reply to another's ticket": {func() error { tk := claimedBy(lan); _, err := tk.Reply(minh, t0); return err }, ErrNotAllowed},
		"reply to an open ticket":   {func() error { tk := NewTicket(1, t0); _, err := tk.Reply(lan, t0); return err }, ErrNotAllowed},
		"release another's ticket":  {func() error { tk := claimedBy(lan); return tk.Release(minh, t0) }, ErrNotAllowed},
		"requeue an open ticket":    {func() error { tk := NewTicket(1, t0); return tk.Requeue(t0) }, ErrIllegal},
		"requeue a closed ticket":   {func() error { tk := closed; return tk.Requeue(t0) }, ErrIllegal},
		"close another's ticket":    {func() error { tk := claimedBy(lan); return tk.Close(minh, OutcomeSolved, t0) }, ErrNotAllowed},
		"close as the resident":     {func() error { tk := claimedBy(lan); return tk.Close(resident, OutcomeSolved, t0) }, ErrNotAllowed},
		"close with a made-up end":  {func() error { tk := claimedBy(lan); return tk.Close(lan, "bogus", t0) }, ErrNotAllowed},
		"close an open ticket":      {func() error { tk := NewTicket(1, t0); return tk.Close(lan, OutcomeSolved, t0) }, ErrNotAllowed},
		"cancel a closed ticket":    {func() error { tk := closed; return tk.Cancel(t0) }, ErrIllegal},
		"cancel twice":              {func() error { tk := canceled; return tk.Cancel(t0) }, ErrIllegal},
		"escalate twice":            {func() error { tk := escalated; return tk.Escalate(t0) }, ErrIllegal},
		"escalate a claimed ticket": {func() error { tk := claimedBy(lan); return tk.Escalate(t0) }, ErrIllegal},
		"report unstaffed twice":    {func() error { tk := unstaffed; return tk.MarkUnstaffed(t0) }, ErrIllegal},
		"report a claimed ticket":   {func() error { tk := claimedBy(lan); return tk.MarkUnstaffed(t0) }, ErrIllegal},
		"urgent after closing":      {func() error { tk := closed; _, err := tk.MakeUrgent(); return err }, ErrIllegal},
	}
	for name, c := range cases {
		assert.ErrorIs(t, c.move(), c.want, name)
	}
}

func TestIllegalMovesChangeNothing(t *testing.T) {
	tk := claimedBy(lan)
	before := tk
	assert.Error(t, tk.Claim(minh, t0, time.Minute))
	assert.Error(t, tk.Close(minh, OutcomeSolved, t0))
	assert.Error(t, tk.Release(minh, t0))
	assert.Equal(t, before, tk)
}

func TestLapsedLeaseAndRemovalRequeue(t *testing.T) {
	tk := claimedBy(lan)
	require.NoError(t, tk.Requeue(t0.Add(time.Hour)), "the lease lapsed: no holder needed")
	assert.Equal(t, TicketOpen, tk.State)
	assert.Zero(t, tk.VolunteerID)
}

func TestUrgentAndNotes(t *testing.T) {
	tk := NewTicket(resident.ID, t0)
	plain := tk.QueueRank()
	changed, err := tk.MakeUrgent()
	require.NoError(t, err)
	assert.True(t, changed)
	assert.Less(t, tk.QueueRank(), NewTicket(2, t0.Add(-365*24*time.Hour)).QueueRank(), "ahead of a year-old question")
	assert.Less(t, tk.QueueRank(), plain)
	changed, err = tk.MakeUrgent()
	require.NoError(t, err)
	assert.False(t, changed)

	for i := range MaxNotes + 3 {
		merged, err := tk.AddNote(string(rune('a' + i)))
		require.NoError(t, err)
		assert.Equal(t, i > MaxNotes, merged, "note %d", i)
	}
	assert.Equal(t, "a", tk.Question)
	assert.Len(t, tk.Notes, MaxNotes)
	assert.Equal(t, "b", tk.Notes[0], "nothing is dropped")
	last := string(rune('a'+MaxNotes)) + "\n" + string(rune('a'+MaxNotes+1)) + "\n" + string(rune('a'+MaxNotes+2))
	assert.Equal(t, last, tk.Notes[MaxNotes-1], "later messages join the last note")

	_, err = tk.AddNote(strings.Repeat("x", MaxTicketRunes))
	require.ErrorIs(t, err, ErrTicketFull)
	assert.Equal(t, last, tk.Notes[MaxNotes-1], "a refused message changes nothing")
}

func TestPermissions(t *testing.T) {
	for u, want := range map[Role][2]bool{RoleResident: {false, false}, RoleVolunteer: {true, false}, RoleOrganizer: {true, true}} {
		user := User{ID: 1, Role: u}
		assert.Equal(t, want[0], user.CanVolunteer(), u)
		assert.Equal(t, want[1], user.CanOrganize(), u)
	}
	tk := claimedBy(lan)
	assert.True(t, lan.Holds(tk))
	assert.False(t, minh.Holds(tk))
	demoted := lan
	demoted.Role = RoleResident
	assert.False(t, demoted.Holds(tk), "a volunteer who left holds nothing")
}

func TestOutgoingBacksOffThenGivesUp(t *testing.T) {
	t0 := time.Date(2026, 3, 9, 8, 0, 0, 0, time.UTC)
	o := Outgoing{ChatID: 5, CreatedAt: t0, NextAt: t0}
	var waits []time.Duration
	now := t0
	for o.Failed(now) {
		waits = append(waits, o.NextAt.Sub(now))
		now = o.NextAt
	}
	assert.Equal(t, []time.Duration{2 * time.Second, 10 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute}, waits[:5])
	assert.GreaterOrEqual(t, now.Sub(t0), OutboxGiveUp, "given up only after a day of tries")
	assert.Less(t, now.Sub(t0), OutboxGiveUp+30*time.Minute)
	assert.True(t, o.Involves(5))
	assert.False(t, o.Involves(6))
}
