package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"os"
	"strings"
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

// vietnam is the desk's default time zone (TIMEZONE).
var vietnam = mustLoadLocation("Asia/Ho_Chi_Minh")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// testEpoch is where every end-to-end test's clock starts: twenty past
// midnight on a Monday in Vietnam, when it is still Sunday in UTC and in
// every zone west of it. A report that counts days in the machine's zone,
// or in UTC, fails here at any hour the tests are run.
var testEpoch = time.Date(2026, time.March, 9, 0, 20, 0, 0, vietnam)

// testClock starts at testEpoch and runs at the speed of real time, so
// leases and timeouts still pass as the test runs.
func testClock() func() time.Time {
	start := time.Now()
	return func() time.Time { return testEpoch.Add(time.Since(start)) }
}

// testSystem is the program's world in a test: args, env as the whole
// environment, no input, the given output and clock.
func testSystem(args []string, env map[string]string, stdout, stderr io.Writer, now func() time.Time) system {
	return system{Args: args, Getenv: func(k string) string { return env[k] }, Stdin: strings.NewReader(""), Stdout: stdout, Stderr: stderr, Now: now}
}

// app is the whole program started through run() against a fake Bot API.
type app struct {
	api *telegramtest.Server
	env map[string]string
	// now is the program's clock (testClock).
	now    func() time.Time
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
	a := &app{api: api, env: env, stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan error, 1), now: testClock()}
	go func() { a.done <- run(ctx, testSystem(nil, env, a.stdout, a.stderr, a.now)) }()
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
