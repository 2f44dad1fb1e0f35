package bot

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
	"github.com/hotroso/hotroso/storage/embedded"
)

// idleBot is a Bot on a fake API that does not poll.
func idleBot(t *testing.T) (*Bot, *telegramtest.Server) {
	t.Helper()
	api := telegramtest.New(t, telegramtest.WithToken(testToken))
	store, err := embedded.Open(filepath.Join(t.TempDir(), "bot.db"))
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	b, err := New(context.Background(), Config{Token: testToken, ServerURL: api.URL(), Store: store})
	require.NoError(t, err)
	return b, api
}

var testMenus = []commandMenu{{lang: "vi"}, {lang: "en"}, {lang: ""}}

func TestCommandMenuRetriesWithGrowingWaits(t *testing.T) {
	b, api := idleBot(t)
	api.FailNext("setMyCommands", 3, telegramtest.FaultInternal)
	api.FailNext("setMyCommands", 1, telegramtest.Fault{Status: 429, RetryAfter: 7})
	sleeper := &fakeSleep{}
	assert.Equal(t, 3, b.registerMenus(context.Background(), testMenus, sleeper.sleep))
	assert.Equal(t, []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 7 * time.Second}, sleeper.waits,
		"doubling waits; a 429's retry_after when longer")
	assert.Len(t, api.CallsOf("setMyCommands"), 7)
}

func TestCommandMenuRefusedForGoodIsNotAskedAgain(t *testing.T) {
	b, api := idleBot(t)
	api.FailNext("setMyCommands", 2, telegramtest.Fault{Status: 404})
	sleeper := &fakeSleep{}
	assert.Equal(t, 1, b.registerMenus(context.Background(), testMenus, sleeper.sleep))
	assert.Empty(t, sleeper.waits)
	assert.Len(t, api.CallsOf("setMyCommands"), 3, "one try each")
}

func TestCommandMenuRetriesAreBounded(t *testing.T) {
	b, api := idleBot(t)
	api.FailNext("setMyCommands", 100, telegramtest.FaultInternal)
	sleeper := &fakeSleep{}
	assert.Equal(t, 0, b.registerMenus(context.Background(), testMenus, sleeper.sleep))
	assert.Len(t, api.CallsOf("setMyCommands"), commandsRetry.attempts)
	require.Len(t, sleeper.waits, commandsRetry.attempts-1)
	assert.Equal(t, commandsRetry.longest, sleeper.waits[len(sleeper.waits)-1], "waits stop growing")
}

func TestCommandMenuRetriesStopWithTheContext(t *testing.T) {
	b, api := idleBot(t)
	api.FailNext("setMyCommands", 100, telegramtest.FaultInternal)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() { done <- b.registerMenus(ctx, testMenus, sleepCtx) }()
	_, err := api.WaitCalls("setMyCommands", 1, wait)
	require.NoError(t, err)
	cancel()
	select {
	case n := <-done:
		assert.Zero(t, n)
	case <-time.After(wait):
		t.Fatal("the retries went on after the context ended")
	}
}

// fakeSleep records the waits asked of it and returns at once.
type fakeSleep struct{ waits []time.Duration }

func (f *fakeSleep) sleep(ctx context.Context, d time.Duration) error {
	f.waits = append(f.waits, d)
	return ctx.Err()
}
