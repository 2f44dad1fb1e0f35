package domain

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func draft() Broadcast {
	return Broadcast{ID: 3, CreatedBy: organizer.ID, State: BroadcastDraft, CreatedAt: t0}
}

func TestBroadcastLifeAllowedMoves(t *testing.T) {
	b := draft()
	require.NoError(t, b.Prepare(organizer))
	assert.Equal(t, BroadcastPreparing, b.State)
	assert.False(t, b.Active(), "the senders leave it alone while recipients are added")

	require.NoError(t, b.Confirm(organizer, false, time.Time{}, t0.Add(time.Minute)))
	assert.Equal(t, BroadcastScheduled, b.State)
	assert.Equal(t, t0.Add(time.Minute), b.ScheduledAt, "no time given: now")
	assert.True(t, b.Active())

	require.NoError(t, b.Start(t0.Add(2*time.Minute)))
	assert.Equal(t, BroadcastRunning, b.State)
	require.NoError(t, b.Pause(organizer))
	require.NoError(t, b.Resume(organizer))
	assert.Equal(t, BroadcastRunning, b.State)
	require.NoError(t, b.Finish(t0.Add(time.Hour)))
	assert.Equal(t, BroadcastDone, b.State)
	assert.Equal(t, t0.Add(time.Hour), b.FinishedAt)

	later := draft()
	require.NoError(t, later.Prepare(organizer))
	require.NoError(t, later.Confirm(organizer, true, t0.Add(48*time.Hour), t0))
	assert.Equal(t, t0.Add(48*time.Hour), later.ScheduledAt)
	assert.True(t, later.Force)
	require.NoError(t, later.Pause(organizer), "a scheduled broadcast can be paused")
	require.NoError(t, later.Cancel(organizer, t0))
	assert.Equal(t, BroadcastCanceled, later.State)
}

func TestBroadcastIllegalMoves(t *testing.T) {
	at := func(s BroadcastState) Broadcast { b := draft(); b.State = s; return b }
	cases := map[string]struct {
		move func() error
		want error
	}{
		"confirm a draft not prepared": {func() error { b := draft(); return b.Confirm(organizer, false, t0, t0) }, ErrIllegal},
		"prepare twice":                {func() error { b := at(BroadcastPreparing); return b.Prepare(organizer) }, ErrIllegal},
		"start a paused one":           {func() error { b := at(BroadcastPaused); return b.Start(t0) }, ErrIllegal},
		"pause a draft":                {func() error { b := draft(); return b.Pause(organizer) }, ErrIllegal},
		"pause a done one":             {func() error { b := at(BroadcastDone); return b.Pause(organizer) }, ErrIllegal},
		"resume a running one":         {func() error { b := at(BroadcastRunning); return b.Resume(organizer) }, ErrIllegal},
		"cancel a done one":            {func() error { b := at(BroadcastDone); return b.Cancel(organizer, t0) }, ErrIllegal},
		"cancel twice":                 {func() error { b := at(BroadcastCanceled); return b.Cancel(organizer, t0) }, ErrIllegal},
		"finish a paused one":          {func() error { b := at(BroadcastPaused); return b.Finish(t0) }, ErrIllegal},
		"prepare as a volunteer":       {func() error { b := draft(); return b.Prepare(lan) }, ErrNotAllowed},
		"pause as a resident":          {func() error { b := at(BroadcastRunning); return b.Pause(resident) }, ErrNotAllowed},
		"cancel as a volunteer":        {func() error { b := at(BroadcastRunning); return b.Cancel(lan, t0) }, ErrNotAllowed},
	}
	for name, c := range cases {
		assert.ErrorIs(t, c.move(), c.want, name)
	}
}
