package main

import (
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage/redis"
)

// apiLink is one instance's line to the fake Bot API, which a test can
// cut: while cut, every new request has its connection dropped unanswered
// (a network error for the bot), as when an instance's way to Telegram is
// gone. Requests already under way finish, so a copy either reached the
// fake and its answer the bot, or neither.
type apiLink struct {
	srv       *httptest.Server
	cut       atomic.Bool
	copies    atomic.Int64 // copyMessage calls that went through
	cutAfter  int64        // cut once this many went through (0: never)
	refused   atomic.Int64 // requests dropped while cut
	restored  atomic.Bool
	cutAtCopy atomic.Int64
}

func newAPILink(t *testing.T, api *telegramtest.Server, cutAfterCopies int64) *apiLink {
	t.Helper()
	target, err := url.Parse(api.URL())
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, _ error) { w.WriteHeader(http.StatusBadGateway) } // the bot gave up the request
	l := &apiLink{cutAfter: cutAfterCopies}
	l.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if l.cut.Load() {
			l.refused.Add(1)
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		proxy.ServeHTTP(w, r)
		if strings.HasSuffix(r.URL.Path, "/copyMessage") {
			if n := l.copies.Add(1); n == l.cutAfter && !l.restored.Load() {
				l.cutAtCopy.Store(n)
				l.cut.Store(true)
			}
		}
	}))
	t.Cleanup(l.srv.Close)
	return l
}

func (l *apiLink) URL() string { return l.srv.URL }

// restore mends the line.
func (l *apiLink) restore() {
	l.restored.Store(true)
	l.cut.Store(false)
}

// metric reads one sample's value from a /metrics page (0 when absent).
func metric(t *testing.T, page, name string) float64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindStringSubmatch(page)
	if m == nil {
		return 0
	}
	v, err := strconv.ParseFloat(m[1], 64)
	require.NoError(t, err)
	return v
}

// breakerOpen waits until the app says, in /readyz and /metrics, that its
// broadcast sender is paused and gave back what it held.
func breakerOpen(t *testing.T, a *app) {
	t.Helper()
	base := a.httpAddr(t)
	var ready, page string
	require.Eventually(t, func() bool {
		var code int
		code, ready = get(t, base+"/readyz")
		_, page = get(t, base+"/metrics")
		return code == http.StatusServiceUnavailable && strings.Contains(ready, `"broadcasts":"failing: paused since`) &&
			metric(t, page, "hotroso_broadcast_breaker_state") == 2 && metric(t, page, "hotroso_broadcast_returned_total") > 0
	}, wait, 10*time.Millisecond, "the instance says its broadcasts are paused; /readyz:\n%s\n/metrics:\n%s", ready, page)
	assert.Contains(t, ready, "calls to Telegram failed in a row")
	assert.Zero(t, metric(t, page, `hotroso_broadcast_deliveries_total{result="failed"}`), "nobody was failed for it")
}

// pressSend runs an organizer's /broadcast to everyone up to "send now"
// and returns the progress message.
func pressSend(t *testing.T, org *chat, text string) telegramtest.Message {
	t.Helper()
	org.say("/broadcast")
	org.next()
	org.say(text)
	org.next()
	org.press("Tất cả mọi người")
	org.next() // the preview copy
	require.Contains(t, org.nextText(), "Gửi tới")
	org.press("📣 Gửi ngay")
	return org.next()
}

// Two instances send one broadcast; one loses its way to Telegram part-way
// (the audit's stray instance). It stops taking recipients and gives back
// what it held, at once, not after BROADCAST_LEASE; the other sends the
// rest. Every resident gets exactly one copy and nobody counts as failed.
// Redis only: two processes cannot share the embedded store (see the
// single-instance test below for it).
func TestBroadcastSurvivesAnInstanceCutOffFromTelegram(t *testing.T) {
	t.Parallel()
	skipLong(t, "two instances, one cut off from Telegram mid-broadcast")
	const residents = 301
	env := appEnv(t, "redis", map[string]string{"ORGANIZER_IDS": "900", "QUIET_HOURS": "0-0", "BROADCAST_RATE": "100", "BROADCAST_LEASE": "10m"})
	api := newFakeAPI(t)
	seedResidents(t, env, api, 100000, residents)
	env["TELEGRAM_BOT_TOKEN"], env["TELEGRAM_API_URL"] = api.Token(), api.URL()
	healthy := startWith(t, api, env)
	link := newAPILink(t, api, 40)
	sickEnv := maps.Clone(env)
	sickEnv["TELEGRAM_API_URL"] = link.URL()
	sick := startWithClock(t, api, sickEnv, healthy.now)

	pressSend(t, newChat(t, healthy, 900, "vi"), "Hai máy cùng gửi; một máy mất đường tới Telegram")
	var final string
	err := api.WaitFor(time.Minute, func(s *telegramtest.Snapshot) bool {
		final = lastProgress(s, 900)
		return strings.Contains(final, "Đã gửi xong")
	})
	require.True(t, link.cut.Load(), "the sick instance took part and was cut after %d copies (it sent %d)", link.cutAfter, link.copies.Load())
	require.NoError(t, err, "the organizer is told the broadcast is done; last told:\n%s\ncounts in the store: %+v", final, storedCounts(t, env, 1))
	assert.Contains(t, final, "đã gửi 302 · đã chặn bot 0 · lỗi 0")
	got := copiesPerChat(api)
	for i := range residents {
		require.Equal(t, 1, got[int64(100000+i)], "resident %d gets exactly one copy", 100000+i)
	}
	assert.Equal(t, 1, got[900], "the organizer is one of everyone")

	breakerOpen(t, sick)
	code, body := get(t, healthy.httpAddr(t)+"/readyz")
	assert.Equal(t, http.StatusOK, code, "the healthy instance stays ready: %s", body)
	assert.Positive(t, link.refused.Load())
	t.Logf("the sick instance sent %d copies, then had %d requests refused; the healthy one sent the rest", link.cutAtCopy.Load(), link.refused.Load())
}

// storedCounts reads a broadcast's counts from a Redis store in use.
func storedCounts(t *testing.T, env map[string]string, id int64) domain.BroadcastCounts {
	t.Helper()
	s, err := redis.Open(context.Background(), env["REDIS_URL"], redis.WithPrefix(env["REDIS_KEY_PREFIX"]))
	require.NoError(t, err)
	defer s.Close()
	c, err := s.BroadcastCounts(context.Background(), id)
	require.NoError(t, err)
	return c
}

// One instance loses Telegram mid-broadcast and gets it back: the
// broadcast waits, says so in /readyz and /metrics, then resumes by
// itself and completes with nobody counted as failed.
func TestBroadcastResumesWhenTelegramComesBack(t *testing.T) {
	t.Parallel()
	skipLong(t, "a broadcast waits out an outage of Telegram")
	forEachBackend(t, func(t *testing.T, backend string) {
		const residents = 150
		env := appEnv(t, backend, map[string]string{"ORGANIZER_IDS": "900", "QUIET_HOURS": "0-0", "BROADCAST_RATE": "100", "BROADCAST_LEASE": "10m"})
		api := newFakeAPI(t)
		seedResidents(t, env, api, 100000, residents)
		link := newAPILink(t, api, 40)
		env["TELEGRAM_BOT_TOKEN"], env["TELEGRAM_API_URL"] = api.Token(), link.URL()
		a := startWith(t, api, env)
		progress := pressSend(t, newChat(t, a, 900, "vi"), "Mất mạng giữa chừng rồi có lại")

		breakerOpen(t, a)
		assert.Less(t, len(copiesPerChat(api)), residents, "the broadcast waits")
		link.restore()
		require.NoError(t, api.WaitFor(2*time.Minute, func(s *telegramtest.Snapshot) bool {
			return strings.Contains(lastProgress(s, 900), "Đã gửi xong")
		}), "the broadcast resumes by itself and finishes")
		m, ok := api.Message(900, progress.MessageID)
		require.True(t, ok)
		assert.Contains(t, m.Text, "đã gửi 151 · đã chặn bot 0 · lỗi 0")
		got := copiesPerChat(api)
		for i := range residents {
			require.Equal(t, 1, got[int64(100000+i)], "resident %d gets exactly one copy", 100000+i)
		}
		require.Eventually(t, func() bool {
			code, _ := get(t, a.httpAddr(t)+"/readyz")
			return code == http.StatusOK
		}, wait, 10*time.Millisecond, "ready again")
	})
}
