package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
)

func TestMissingTokenStopsWithOneLine(t *testing.T) {
	t.Chdir(t.TempDir())
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), testSystem(nil, nil, &stdout, &stderr, testClock()))
	require.Error(t, err)
	msg := err.Error()
	assert.True(t, strings.HasPrefix(msg, "TELEGRAM_BOT_TOKEN: not set"), msg)
	assert.Contains(t, msg, "@BotFather")
	assert.NotContains(t, msg, "\n", "one line")
	assert.Equal(t, 1, exitCode(err), "non-zero exit")
}

func TestWrongSettingsNameTheKey(t *testing.T) {
	t.Chdir(t.TempDir())
	base := map[string]string{"TELEGRAM_BOT_TOKEN": "123456:" + strings.Repeat("A", 30)}
	for key, value := range map[string]string{
		"TELEGRAM_BOT_TOKEN": "not-a-token",
		"TELEGRAM_API_URL":   "ftp://x",
		"REDIS_URL":          "localhost:6379",
		"ORGANIZER_IDS":      "12,abc",
		"VOLUNTEER_CHAT_ID":  "group",
		"DEFAULT_LANGUAGE":   "fr",
		"BROADCAST_RATE":     "5000",
		"HTTP_ADDR":          "8080",
		"LOG_LEVEL":          "loud",
		"FLOW_ABANDON_AFTER": "soon",
		"REDIS_AUTOPIPELINE": "maybe",
		"DESK_HOURS":         "8am-5pm",
	} {
		env := map[string]string{key: value}
		for k, v := range base {
			if _, set := env[k]; !set {
				env[k] = v
			}
		}
		err := run(context.Background(), testSystem(nil, env, &bytes.Buffer{}, &bytes.Buffer{}, testClock()))
		require.Error(t, err, key)
		assert.True(t, strings.HasPrefix(err.Error(), key+": "), "%s: %v", key, err)
		assert.NotContains(t, err.Error(), "\n", key)
	}
}

func TestDotEnvFileIsRead(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".env"), []byte("TELEGRAM_BOT_TOKEN=123456:"+strings.Repeat("B", 30)+"\nDEFAULT_LANGUAGE=fr\n"), 0o600))
	err := run(context.Background(), testSystem(nil, nil, &bytes.Buffer{}, &bytes.Buffer{}, testClock()))
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "DEFAULT_LANGUAGE:"), "the token came from .env, the next check fails: %v", err)
}

func TestUnknownSubcommandIsAUsageError(t *testing.T) {
	t.Chdir(t.TempDir())
	err := run(context.Background(), testSystem([]string{"frobnicate"}, nil, &bytes.Buffer{}, &bytes.Buffer{}, testClock()))
	require.Error(t, err)
	assert.Equal(t, 2, exitCode(err))
}

// With its Redis commands autopipelined, the desk works the same: a
// resident starts a flow (a session saved by script) and moves on.
func TestRunsWithRedisAutopipelining(t *testing.T) {
	a := startApp(t, "redis", map[string]string{"REDIS_AUTOPIPELINE": "true"})
	res := newChat(t, a, 1802, "vi")
	res.say("/start")
	assert.Contains(t, res.nextText(), "Xin chào bác")
	res.press("Tài khoản VNeID")
	res.next()
	res.press("Làm tài khoản từ đầu")
	assert.Contains(t, res.nextText(), "Thẻ căn cước gắn chip")
	a.stop(t)
	sess, err := openStoreOf(t, a).GetSession(context.Background(), 1802)
	require.NoError(t, err)
	assert.Equal(t, "prep", sess.Step)
}

func TestRunsOnRedisAddrs(t *testing.T) {
	// A Redis Cluster when CI provides one, else one standalone server.
	addrs := os.Getenv("REDIS_CLUSTER_TEST_ADDRS")
	if addrs == "" {
		addrs = miniredis.RunT(t).Addr()
	}
	_, prefix := testRedis(t)
	a := startApp(t, "embedded", map[string]string{"REDIS_ADDRS": addrs, "REDIS_KEY_PREFIX": prefix})
	assert.Contains(t, a.stdout.String(), "Redis store ("+addrs+")")
	u := resident(1801, "vi")
	a.api.SendText(u, "/start")
	msgs, err := a.api.WaitMessages(u.ID, 1, wait)
	require.NoError(t, err)
	assert.Contains(t, msgs[0].Text, "Xin chào bác")
}

func TestCommandsAreRegisteredInBothLanguages(t *testing.T) {
	a := startApp(t, "embedded", nil)
	waitForCommands(t, a) // registered in the background
	for lang, want := range map[string]string{"vi": "Đổi ngôn ngữ", "en": "Change language", "": "Đổi ngôn ngữ"} {
		cmds := a.api.MyCommands(lang)
		require.Len(t, cmds, 8, "language %q", lang)
		found := false
		for _, c := range cmds {
			found = found || (c.Command == "lang" && c.Description == want)
		}
		assert.True(t, found, "language %q: /lang described as %q in %v", lang, want, cmds)
	}
}

// startFailingCommands starts the program against a fake whose
// setMyCommands fails n times with f (then works), and checks that it
// serves at once: a resident's /start is answered.
func startFailingCommands(t *testing.T, n int, f telegramtest.Fault) *app {
	t.Helper()
	api := newFakeAPI(t)
	api.FailNext("setMyCommands", n, f)
	env := appEnv(t, "embedded", nil)
	env["TELEGRAM_BOT_TOKEN"], env["TELEGRAM_API_URL"] = api.Token(), api.URL()
	a := startWith(t, api, env)
	res := newChat(t, a, 1901, "vi")
	res.say("/start")
	assert.Contains(t, res.nextText(), "Xin chào bác", "the bot serves while the command menu fails")
	return a
}

// waitForCommands waits until the command menu is registered in every
// language.
func waitForCommands(t *testing.T, a *app) {
	t.Helper()
	require.NoError(t, a.api.WaitFor(wait, func(*telegramtest.Snapshot) bool {
		return len(a.api.MyCommands("")) == 8 && len(a.api.MyCommands("vi")) == 8 && len(a.api.MyCommands("en")) == 8
	}), "the command menu was registered once the fake recovered; stderr:\n%s", a.stderr.String())
}

// A 5xx from setMyCommands is a warning: the bot serves, and registers the
// menu once Telegram recovers.
func TestCommandMenuServerErrorIsRetriedWhileTheBotServes(t *testing.T) {
	t.Parallel()
	a := startFailingCommands(t, 2, telegramtest.FaultInternal)
	waitForCommands(t, a)
	calls := a.api.CallsOf("setMyCommands")
	require.Len(t, calls, 5, "2 refused, then the 3 lists")
	for i, c := range calls {
		assert.Equal(t, i < 2, c.Code == 500, "call %d: %s", i, c.Err)
	}
	assert.Contains(t, a.stderr.String(), "command menu not registered yet; will retry")
}

// A 429 is waited out, its retry_after honoured.
func TestCommandMenuTooManyRequestsWaitsRetryAfter(t *testing.T) {
	t.Parallel()
	a := startFailingCommands(t, 1, telegramtest.Fault{Status: 429, RetryAfter: 1})
	waitForCommands(t, a)
	calls := a.api.CallsOf("setMyCommands")
	require.Len(t, calls, 4)
	assert.Equal(t, 429, calls[0].Code)
	assert.GreaterOrEqual(t, calls[1].At.Sub(calls[0].At), time.Second, "asked again after retry_after")
}

// A Bot API server without setMyCommands answers 404: the bot serves
// without the menu and does not ask again.
func TestCommandMenuMethodNotFoundIsGivenUp(t *testing.T) {
	t.Parallel()
	a := startFailingCommands(t, 100, telegramtest.Fault{Status: 404, Description: "Not Found: method not found"})
	pollUntil(t, wait, "three lists given up", func() bool {
		return strings.Count(a.stderr.String(), "command menu refused; not asked again") == 3
	})
	assert.Len(t, a.api.CallsOf("setMyCommands"), 3, "one try per list")
	assert.Empty(t, a.api.MyCommands(""))
	res := newChat(t, a, 1902, "en")
	res.say("/help")
	assert.Contains(t, res.nextText(), "It is simple", "still serving")
}
