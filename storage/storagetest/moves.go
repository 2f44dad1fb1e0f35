package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
)

// BroadcastOrganizer is who moves the broadcasts BroadcastIn makes.
var BroadcastOrganizer = domain.User{ID: 900, Role: domain.RoleOrganizer}

// BroadcastIn stores b as a new draft and moves it into state with the
// domain's moves and the store's operation for each, as the desk and the
// senders do: prepared, confirmed (with b's Force and ScheduledAt, now
// when that is zero), started, then paused, canceled or finished. It fails
// the test on any error.
func BroadcastIn(t testing.TB, st storage.Store, b domain.Broadcast, state domain.BroadcastState) domain.Broadcast {
	t.Helper()
	c := context.Background()
	force, at, now := b.Force, b.ScheduledAt, b.CreatedAt
	b.State, b.Force, b.ScheduledAt = domain.BroadcastDraft, false, time.Time{}
	b, err := st.CreateBroadcast(c, b)
	require.NoError(t, err)
	steps := []struct {
		move  func(*domain.Broadcast) error
		store func(context.Context, domain.Broadcast) (domain.Broadcast, error)
	}{
		{func(b *domain.Broadcast) error { return b.Prepare(BroadcastOrganizer) }, st.PrepareBroadcast},
		{func(b *domain.Broadcast) error { return b.Confirm(BroadcastOrganizer, force, at, now) }, st.ConfirmBroadcast},
		{func(b *domain.Broadcast) error { return b.Start(now) }, st.StartBroadcast},
	}
	last := map[domain.BroadcastState]func(*domain.Broadcast) error{
		domain.BroadcastPaused:   func(b *domain.Broadcast) error { return b.Pause(BroadcastOrganizer) },
		domain.BroadcastCanceled: func(b *domain.Broadcast) error { return b.Cancel(BroadcastOrganizer, now) },
		domain.BroadcastDone:     func(b *domain.Broadcast) error { return b.Finish(now) },
	}
	lastStore := map[domain.BroadcastState]func(context.Context, domain.Broadcast) (domain.Broadcast, error){
		domain.BroadcastPaused: st.PauseBroadcast, domain.BroadcastCanceled: st.CancelBroadcast, domain.BroadcastDone: st.FinishBroadcast,
	}
	for _, step := range steps {
		if b.State == state {
			return b
		}
		require.NoError(t, step.move(&b))
		if b, err = step.store(c, b); err != nil {
			require.NoError(t, err)
		}
	}
	if move, ok := last[state]; ok {
		require.NoError(t, move(&b))
		b, err = lastStore[state](c, b)
		require.NoError(t, err)
	}
	require.Equal(t, state, b.State, "BroadcastIn cannot reach %s", state)
	return b
}
