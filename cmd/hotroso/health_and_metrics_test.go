package main

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// httpAddr is where the app serves health and metrics, from its banner.
func (a *app) httpAddr(t *testing.T) string {
	t.Helper()
	m := regexp.MustCompile(`health and metrics on (http://[0-9.]+:[0-9]+)`).FindStringSubmatch(a.stdout.String())
	require.NotNil(t, m, "the banner names the address: %s", a.stdout.String())
	return m[1]
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

func TestHealthReadinessAndMetrics(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		a := startApp(t, backend, nil)
		u := resident(3001, "vi")
		a.api.SendText(u, "/start")
		_, err := a.api.WaitMessages(u.ID, 1, wait)
		require.NoError(t, err)
		base := a.httpAddr(t)

		code, body := get(t, base+"/healthz")
		assert.Equal(t, 200, code)
		assert.Equal(t, "ok\n", body)
		code, body = get(t, base+"/readyz")
		assert.Equal(t, 200, code, body)
		assert.Contains(t, body, `"store":"ok"`)
		assert.Contains(t, body, `"telegram":"ok"`)
		assert.Contains(t, body, `"broadcasts":"ok"`)

		// The reply reaches the fake Telegram a moment before the bot counts
		// it: poll until the counters have caught up.
		wants := []string{`hotroso_updates_total{channel="telegram",kind="message",outcome="handled"}`, "hotroso_update_seconds_bucket", `hotroso_sends_total{outcome="ok"}`, "hotroso_queue_length 0", "hotroso_broadcast_pending 0", "hotroso_broadcast_breaker_state 0"}
		require.Eventually(t, func() bool {
			code, body = get(t, base+"/metrics")
			for _, want := range wants {
				if !strings.Contains(body, want) {
					return false
				}
			}
			return code == 200
		}, wait, 10*time.Millisecond, "metrics have %v; last:\n%s", wants, body)
	})
}
