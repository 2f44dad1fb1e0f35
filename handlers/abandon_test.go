package handlers_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/flows"
	"github.com/hotroso/hotroso/handlers"
	"github.com/hotroso/hotroso/locales"
	"github.com/hotroso/hotroso/storage"
	"github.com/hotroso/hotroso/storage/embedded"
	"github.com/hotroso/hotroso/storage/storagetest"
)

// clockAdvancer is the test clock as desk tests use it.
type clockAdvancer interface{ Advance(time.Duration) }

func newDesk(t *testing.T) (*handlers.Desk, storage.Store, *storagetest.Clock) {
	t.Helper()
	d, store, clock := newDeskWith(t, handlers.Config{})
	return d, store, clock.(*storagetest.Clock)
}

func newDeskWith(t *testing.T, cfg handlers.Config) (*handlers.Desk, storage.Store, clockAdvancer) {
	t.Helper()
	clock := storagetest.NewClock(time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC))
	store, err := embedded.Open(filepath.Join(t.TempDir(), "desk.db"), embedded.WithClock(clock.Now))
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	texts, err := locales.Load()
	require.NoError(t, err)
	lib, err := flows.Load(flows.Embedded(), texts.Languages(), flows.WordsFrom(texts))
	require.NoError(t, err)
	cfg.Store, cfg.Texts, cfg.Flows, cfg.Now = store, texts, lib, clock.Now
	// The program's defaults (cmd/hotroso/settings.go), unless a test
	// sets its own.
	if cfg.ClaimTimeout == 0 {
		cfg.ClaimTimeout = 15 * time.Minute
	}
	if cfg.MaxOpenClaims == 0 {
		cfg.MaxOpenClaims = 3
	}
	if cfg.EscalateAfter == 0 {
		cfg.EscalateAfter = 30 * time.Minute
	}
	if cfg.InviteTTL == 0 {
		cfg.InviteTTL = 48 * time.Hour
	}
	if cfg.LinkAllowlist == nil {
		cfg.LinkAllowlist = []string{"gov.vn", "play.google.com", "apps.apple.com"}
	}
	if cfg.BroadcastRate == 0 {
		cfg.BroadcastRate = 25
	}
	return handlers.New(cfg), store, clock
}

func press(t *testing.T, d *handlers.Desk, user int64, data string) handlers.Response {
	t.Helper()
	resp, err := d.Handle(context.Background(), handlers.Event{ChatID: user, UserID: user, Kind: handlers.EventButton, Data: data})
	require.NoError(t, err)
	return resp
}

func TestIdleFlowsAreCountedAbandonedOnceAndCanBeResumed(t *testing.T) {
	ctx := context.Background()
	d, store, clock := newDesk(t)
	const walker, finisher = 41, 42
	press(t, d, walker, flows.StartData("safety"))
	resp := press(t, d, finisher, flows.StartData("safety"))
	require.NotEmpty(t, resp.Replies)

	clock.Advance(23 * time.Hour)
	n, err := d.SweepAbandoned(ctx, 24*time.Hour)
	require.NoError(t, err)
	assert.Zero(t, n, "not idle long enough")

	clock.Advance(2 * time.Hour)
	n, err = d.SweepAbandoned(ctx, 24*time.Hour)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	n, err = d.SweepAbandoned(ctx, 24*time.Hour)
	require.NoError(t, err)
	assert.Zero(t, n, "each abandonment counted once")

	events, err := store.FunnelEvents(ctx, time.Time{}, clock.Now().Add(time.Second))
	require.NoError(t, err)
	abandoned := 0
	for _, e := range events {
		if e.Kind == domain.FlowAbandoned {
			abandoned++
			assert.Equal(t, "safety", e.FlowID)
			assert.NotEmpty(t, e.Step)
		}
	}
	assert.Equal(t, 2, abandoned)

	// The resident who comes back still has their place.
	s, err := store.GetSession(ctx, walker)
	require.NoError(t, err)
	assert.True(t, s.InFlow())
	resp = press(t, d, walker, flows.ContinueData("safety"))
	require.Len(t, resp.Replies, 1)
}

// "Continue" of a flow the resident has since left for another shows the
// step they are on now, with a word that the button was old: never
// nothing (it once answered with an empty response).
func TestContinueOfAFlowLeftSinceShowsTheCurrentStep(t *testing.T) {
	d, _, _ := newDesk(t)
	const resident = 43
	press(t, d, resident, flows.StartData("vneid"))
	current := press(t, d, resident, flows.StartData("safety"))
	require.NotEmpty(t, current.Replies)
	resp := press(t, d, resident, flows.ContinueData("vneid"))
	assert.NotEmpty(t, resp.Notice, "the old button is answered")
	require.Len(t, resp.Replies, 1)
	assert.Equal(t, current.Replies[len(current.Replies)-1].Text, resp.Replies[0].Text, "the safety step, where the resident is")
}
