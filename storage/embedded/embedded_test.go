package embedded_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/flows"
	"github.com/hotroso/hotroso/storage"
	"github.com/hotroso/hotroso/storage/embedded"
	"github.com/hotroso/hotroso/storage/storagetest"
)

func openStore(t testing.TB, path string, opts ...embedded.Option) *embedded.Store {
	t.Helper()
	s, err := embedded.Open(path, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, clock *storagetest.Clock) storage.Store {
		return openStore(t, filepath.Join(t.TempDir(), "hotroso.db"), embedded.WithClock(clock.Now))
	})
}

func TestOpenCreatesParentDirs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "hotroso.db")
	openStore(t, path)
	_, err := os.Stat(path)
	require.NoError(t, err)
}

func TestPersistence(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hotroso.db")
	clock := storagetest.NewClock(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))

	s, err := embedded.Open(path, embedded.WithClock(clock.Now))
	require.NoError(t, err)
	u := domain.User{ID: 1, Language: "vi", CreatedAt: clock.Now(), UpdatedAt: clock.Now()}
	require.NoError(t, s.PutUser(ctx, u))
	saved, err := s.SaveSession(ctx, domain.Session{ChatID: 2, Position: flows.Position{FlowID: "f", Step: "s"}})
	require.NoError(t, err)
	first, err := s.FirstSeen(ctx, 3)
	require.NoError(t, err)
	require.True(t, first)
	require.NoError(t, s.RecordFunnel(ctx, domain.FunnelEvent{Kind: domain.FlowStarted, FlowID: "f"}))
	ticket, err := s.OpenTicket(ctx, domain.Ticket{ResidentID: 1, State: domain.TicketOpen, CreatedAt: clock.Now()})
	require.NoError(t, err)
	salt, err := s.Salt(ctx)
	require.NoError(t, err)
	require.NoError(t, s.Close())

	require.ErrorIs(t, s.Ping(ctx), storage.ErrUnavailable, "a closed store is unavailable")
	_, err = s.GetUser(ctx, 1)
	require.ErrorIs(t, err, storage.ErrUnavailable)

	clock.Advance(time.Hour)
	s = openStore(t, path, embedded.WithClock(clock.Now))
	got, err := s.GetUser(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, "vi", got.Language)
	sess, err := s.GetSession(ctx, 2)
	require.NoError(t, err)
	assert.Equal(t, saved, sess)
	idle, err := s.IdleSessions(ctx, clock.Now(), 10)
	require.NoError(t, err)
	assert.Equal(t, []domain.Session{saved}, idle, "the idle index persists too")
	first, err = s.FirstSeen(ctx, 3)
	require.NoError(t, err)
	assert.False(t, first)
	events, err := s.FunnelEvents(ctx, time.Time{}, clock.Now())
	require.NoError(t, err)
	assert.Len(t, events, 1)
	open, err := s.OpenTickets(ctx, 10)
	require.NoError(t, err)
	require.Len(t, open, 1, "tickets and their indexes persist")
	assert.Equal(t, ticket.ID, open[0].ID)
	next, err := s.OpenTicket(ctx, domain.Ticket{ResidentID: 2, State: domain.TicketOpen, CreatedAt: clock.Now()})
	require.NoError(t, err)
	assert.Equal(t, ticket.ID+1, next.ID, "the id sequence persists")
	again, err := s.Salt(ctx)
	require.NoError(t, err)
	assert.Equal(t, salt, again, "the salt persists")
}

func TestLockedFileIsUnavailable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hotroso.db")
	openStore(t, path)
	_, err := embedded.Open(path, embedded.WithLockTimeout(50*time.Millisecond))
	require.ErrorIs(t, err, storage.ErrUnavailable)
}

func TestCanceledContext(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "hotroso.db"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.SaveSession(ctx, domain.Session{ChatID: 1})
	require.ErrorIs(t, err, context.Canceled)
	_, err = s.GetSession(context.Background(), 1)
	require.ErrorIs(t, err, storage.ErrNotFound)
}

// TestBroadcastsPersist: after a restart, sending resumes where it stopped:
// the broadcast, its pending, in-flight and recorded recipients and the
// id sequence are all in the file.
func TestBroadcastsPersist(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hotroso.db")
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

	s, err := embedded.Open(path)
	require.NoError(t, err)
	b := storagetest.BroadcastIn(t, s, domain.Broadcast{CreatedBy: 1, CreatedAt: now}, domain.BroadcastScheduled)
	require.NoError(t, s.AddRecipients(ctx, b.ID, []int64{5, 4, 3, 2, 1}))
	taken, err := s.TakeRecipients(ctx, b.ID, 3, now)
	require.NoError(t, err)
	require.Equal(t, []int64{5, 4, 3}, taken)
	ok, err := s.RecordDelivery(ctx, b.ID, 4, domain.DeliverySent)
	require.NoError(t, err)
	require.True(t, ok)
	require.NoError(t, s.Close())

	s = openStore(t, path)
	active, err := s.ActiveBroadcasts(ctx)
	require.NoError(t, err)
	require.Len(t, active, 1)
	assert.Equal(t, b.ID, active[0].ID)
	counts, err := s.BroadcastCounts(ctx, b.ID)
	require.NoError(t, err)
	assert.Equal(t, domain.BroadcastCounts{Total: 5, Sent: 1, InFlight: 2}, counts)
	n, err := s.ReclaimInFlight(ctx, b.ID, now.Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, 2, n, "the dead process's recipients")
	rest, err := s.TakeRecipients(ctx, b.ID, 10, now.Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, []int64{5, 3, 2, 1}, rest)
	ok, err = s.RecordDelivery(ctx, b.ID, 4, domain.DeliveryFailed)
	require.NoError(t, err)
	assert.False(t, ok, "the result recorded before the restart stands")
	next, err := s.CreateBroadcast(ctx, domain.Broadcast{CreatedBy: 1, State: domain.BroadcastDraft, CreatedAt: now})
	require.NoError(t, err)
	assert.Equal(t, b.ID+1, next.ID, "the id sequence persists")
}

func TestClosedLimiterIsUnavailable(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "hotroso.db"))
	ctx := context.Background()
	_, err := s.Reserve(ctx, "bot", 25, 1, time.Now())
	require.NoError(t, err)
	require.NoError(t, s.Close())
	_, err = s.Reserve(ctx, "bot", 25, 1, time.Now())
	require.ErrorIs(t, err, storage.ErrUnavailable)
	require.ErrorIs(t, s.PauseUntil(ctx, "bot", time.Now()), storage.ErrUnavailable)

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	s = openStore(t, filepath.Join(t.TempDir(), "hotroso.db"))
	_, err = s.Reserve(canceled, "bot", 25, 1, time.Now())
	require.ErrorIs(t, err, context.Canceled)
}
