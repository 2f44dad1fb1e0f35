package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
	"github.com/hotroso/hotroso/flows"
	"github.com/hotroso/hotroso/locales"
	"github.com/hotroso/hotroso/storage"
	"github.com/hotroso/hotroso/storage/embedded"
	"github.com/hotroso/hotroso/storage/redis"
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
func testClock() func() time.Time { return testClockFrom(testEpoch) }

// testClockFrom is a testClock that starts at from: for what the desk does
// at a given hour of the day.
func testClockFrom(from time.Time) func() time.Time {
	start := time.Now()
	return func() time.Time { return from.Add(time.Since(start)) }
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
		// Card edits wait for the clock's real seconds: a short interval
		// keeps tests quick (the limits tests set the production one).
		"EDIT_INTERVAL": "100ms",
		"WEEKLY_REPORT": "off", // tests of the weekly report turn it on
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
	return startWithClock(t, api, env, testClock())
}

// startWithClock is startWith on a given clock: instances that share a
// store should share one clock too, as machines synchronized by NTP do
// (their shared rate limit runs on their clocks).
func startWithClock(t testing.TB, api *telegramtest.Server, env map[string]string, now func() time.Time) *app {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a := &app{api: api, env: env, stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan error, 1), now: now}
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

// skipLong skips, under -short, a test that takes seconds of real time
// (thousands of sends, kills and restarts, failovers); go test ./... and
// .ci/run run them all.
func skipLong(t testing.TB, what string) {
	t.Helper()
	if testing.Short() {
		t.Skip(what + ": skipped with -short")
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

// TestMain lets tests run this test binary as the real program: with
// HOTROSO_TEST_MAIN=1 it runs main() instead of the tests, so a test can
// drive the program through its standard input and output, or kill it.
func TestMain(m *testing.M) {
	if os.Getenv("HOTROSO_TEST_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	// The parallel end-to-end tests mostly wait on the clock (paced
	// groups, retries, broadcasts' rate), not the CPU: run six at a time
	// rather than one per core, unless -parallel says otherwise.
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		_ = flag.Set("test.parallel", "6")
	}
	os.Exit(m.Run())
}

func forEachBackend(t *testing.T, test func(t *testing.T, backend string)) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			test(t, backend)
		})
	}
}

// chat is one user's private chat with the bot, with a cursor of what the
// test has read.
type chat struct {
	t    *testing.T
	api  *telegramtest.Server
	user telegramtest.User
	seen int
}

func newChat(t *testing.T, a *app, id int64, lang string) *chat {
	return &chat{t: t, api: a.api, user: telegramtest.User{ID: id, FirstName: "Nguyễn Văn A", Username: "nva", LanguageCode: lang}}
}

func (c *chat) say(text string) { c.api.SendText(c.user, text) }

func (c *chat) press(label string) {
	c.t.Helper()
	_, err := c.api.PressButton(c.user, label)
	require.NoError(c.t, err)
}

// next waits for the chat's next message from the bot.
func (c *chat) next() telegramtest.Message {
	c.t.Helper()
	msgs, err := c.api.WaitMessages(c.user.ID, c.seen+1, wait)
	require.NoError(c.t, err)
	c.seen++
	return msgs[c.seen-1]
}

// nextText waits for the next message and returns what the user reads.
func (c *chat) nextText() string {
	m := c.next()
	if m.Caption != "" || m.Photo {
		return m.Caption
	}
	return m.Text
}

func firstLineOf(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	if r := []rune(line); len(r) > 60 {
		return string(r[:59]) + "…"
	}
	return line
}

// seedStore opens the store an app will use (before it starts), lets fill
// write to it, and closes it. The store's clock reads testEpoch.
func seedStore(t *testing.T, env map[string]string, fill func(storage.Store)) {
	t.Helper()
	var (
		s   storage.Store
		err error
	)
	epoch := func() time.Time { return testEpoch }
	if url := env["REDIS_URL"]; url != "" {
		s, err = redis.Open(context.Background(), url, redis.WithPrefix(env["REDIS_KEY_PREFIX"]), redis.WithClock(epoch))
	} else {
		s, err = embedded.Open(filepath.Join(env["DATA_DIR"], "hotroso.db"), embedded.WithClock(epoch))
	}
	require.NoError(t, err)
	fill(s)
	require.NoError(t, s.Close())
}

// appEnv is the environment startApp would use, without starting.
func appEnv(t *testing.T, backend string, extra map[string]string) map[string]string {
	env := map[string]string{"DATA_DIR": t.TempDir(), "LOG_LEVEL": "warn", "HTTP_ADDR": "127.0.0.1:0",
		"WEEKLY_REPORT": "off"} // tests of the weekly report turn it on
	if backend == "redis" {
		env["REDIS_URL"], env["REDIS_KEY_PREFIX"] = testRedis(t)
	}
	for k, v := range extra {
		env[k] = v
	}
	return env
}

// openStoreOf opens the store a stopped app used, to check what it recorded.
func openStoreOf(t testing.TB, a *app) storage.Store {
	t.Helper()
	var (
		s   storage.Store
		err error
	)
	if url := a.env["REDIS_URL"]; url != "" {
		s, err = redis.Open(context.Background(), url, redis.WithPrefix(a.env["REDIS_KEY_PREFIX"]))
	} else {
		s, err = embedded.Open(filepath.Join(a.env["DATA_DIR"], "hotroso.db"))
	}
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// shipped loads the built-in flows and texts.
func shipped(t testing.TB) (*flows.Library, *locales.Catalog) {
	t.Helper()
	texts, err := locales.Load()
	require.NoError(t, err)
	lib, err := flows.Load(flows.Embedded(), texts.Languages(), flows.WordsFrom(texts))
	require.NoError(t, err)
	return lib, texts
}

// envList turns an environment map into KEY=value lines for a process.
func envList(env map[string]string) []string {
	var out []string
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// waitPolling waits until a (re)started process polls the fake again.
func waitPolls(t *testing.T, api *telegramtest.Server) {
	t.Helper()
	require.NoError(t, api.WaitPolling(wait))
}

// joinVolunteer makes a volunteer through an organizer's invite.
func joinVolunteer(t *testing.T, org, vol *chat, name string) {
	t.Helper()
	org.say("/invite")
	text := org.nextText()
	i := strings.Index(text, "start=")
	require.Positive(t, i)
	vol.say("/start " + strings.Fields(text[i+len("start="):])[0])
	vol.next()
	vol.say(name)
	require.Contains(t, vol.nextText(), name)
}

// deskApp starts the program with an organizer and a volunteer group.
func deskApp(t *testing.T, backend string) *app {
	t.Helper()
	a := startApp(t, backend, map[string]string{"ORGANIZER_IDS": "900", "VOLUNTEER_CHAT_ID": "-100123456"})
	a.api.AddChat(volunteerGroup, telegramtest.ChatSupergroup)
	return a
}

const volunteerGroup = -100123456
