package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
)

// wait bounds every wait on the fake API: generous for a loaded CI machine,
// and never reached when things work (waits end as soon as the condition
// holds).
const wait = 20 * time.Second

// testToken looks like a token from @BotFather.
const testToken = "123456789:AAFakeTokenForTestsOnly_abcdefghijk"

// backends are the stores every end-to-end test runs on.
var backends = []string{"embedded", "redis"}

// app is the whole program started through run() against a fake Bot API.
type app struct {
	api    *telegramtest.Server
	env    map[string]string
	stdout *syncBuffer
	stderr *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startApp runs the program on the given backend and waits until it polls.
// extra settings override the defaults.
func startApp(t testing.TB, backend string, extra map[string]string) *app {
	t.Helper()
	api := newFakeAPI(t)
	env := map[string]string{
		"TELEGRAM_BOT_TOKEN": api.Token(),
		"TELEGRAM_API_URL":   api.URL(),
		"DATA_DIR":           t.TempDir(),
		"LOG_LEVEL":          "warn",
		"HTTP_ADDR":          "127.0.0.1:0",
	}
	if backend == "redis" {
		env["REDIS_URL"], env["REDIS_KEY_PREFIX"] = testRedis(t)
	}
	for k, v := range extra {
		env[k] = v
	}
	return startWith(t, api, env)
}

func startWith(t testing.TB, api *telegramtest.Server, env map[string]string) *app {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a := &app{api: api, env: env, stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	go func() { a.done <- run(ctx, nil, func(k string) string { return env[k] }, a.stdout, a.stderr) }()
	t.Cleanup(func() { a.stop(t) })
	polling := make(chan error, 1)
	go func() { polling <- api.WaitPolling(wait) }()
	select {
	case err := <-polling:
		require.NoError(t, err, "the bot never polled; stderr:\n%s", a.stderr.String())
	case err := <-a.done:
		a.done <- err
		t.Fatalf("run ended before polling: %v\nstderr:\n%s", err, a.stderr.String())
	}
	return a
}

// stop cancels run and waits for it to return; it may be called twice.
func (a *app) stop(t testing.TB) {
	a.cancel()
	select {
	case err, ok := <-a.done:
		if ok {
			require.NoError(t, err)
			close(a.done)
		}
	case <-time.After(wait):
		t.Fatalf("run did not stop")
	}
}

// testRedis gives a Redis URL and a fresh key prefix: the server in
// REDIS_TEST_URL when set (keys removed afterwards), else an in-process one.
func testRedis(t testing.TB) (url, prefix string) {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix = "hotrosotest" + hex.EncodeToString(b[:])
	if url = os.Getenv("REDIS_TEST_URL"); url != "" {
		t.Cleanup(func() { dropKeys(t, url, prefix) })
		return url, prefix
	}
	return "redis://" + miniredis.RunT(t).Addr(), prefix
}

func dropKeys(t testing.TB, url, prefix string) {
	opts, err := goredis.ParseURL(url)
	require.NoError(t, err)
	client := goredis.NewClient(opts)
	defer client.Close()
	ctx := context.Background()
	iter := client.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		client.Del(ctx, iter.Val())
	}
	require.NoError(t, iter.Err())
}

// newFakeAPI starts a fake Telegram Bot API with a realistic token.
func newFakeAPI(t testing.TB, opts ...telegramtest.Option) *telegramtest.Server {
	return telegramtest.New(t, append([]telegramtest.Option{telegramtest.WithToken(testToken)}, opts...)...)
}

// resident is a Telegram user for tests.
func resident(id int64, lang string) telegramtest.User {
	return telegramtest.User{ID: id, FirstName: "Resident", LanguageCode: lang}
}

// labels lists a message's button labels, row by row.
func labels(m telegramtest.Message) []string {
	var out []string
	for _, row := range m.Buttons {
		for _, b := range row {
			out = append(out, b.Text)
		}
	}
	return out
}
