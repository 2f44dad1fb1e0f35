package metrics

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMetricsAreExposed(t *testing.T) {
	m := New()
	m.Update("message", "handled", 12*time.Millisecond)
	m.Update("button", "duplicate", 0)
	m.UpdateOn("web", "button", "handled", time.Millisecond)
	m.Send("ok")
	m.TooManyRequests()
	m.BroadcastDelivery("blocked")
	m.Gauge("hotroso_queue_length", "Open tickets.", func(context.Context) (float64, error) { return 7, nil })
	m.Gauge("hotroso_broken", "A failing read.", func(context.Context) (float64, error) { return 0, errors.New("down") })
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(body)
	for _, want := range []string{
		`hotroso_updates_total{channel="telegram",kind="message",outcome="handled"} 1`,
		`hotroso_updates_total{channel="telegram",kind="button",outcome="duplicate"} 1`,
		`hotroso_update_seconds_count{channel="telegram"} 1`,
		`hotroso_updates_total{channel="web",kind="button",outcome="handled"} 1`,
		`hotroso_update_seconds_count{channel="web"} 1`,
		`hotroso_sends_total{outcome="ok"} 1`,
		`hotroso_telegram_429_total 1`,
		`hotroso_broadcast_deliveries_total{result="blocked"} 1`,
		`hotroso_queue_length 7`,
		`hotroso_broken -1`,
		`go_goroutines`,
	} {
		assert.Contains(t, text, want)
	}
}

// A nil *Metrics is what parts of the program hold when nobody collects
// metrics (tests, try): every method must be safe to call on it and do
// nothing, while a real one counts each call.
func TestNilMetricsRecordNothing(t *testing.T) {
	calls := map[string]func(*Metrics){
		"Update":            func(m *Metrics) { m.Update("message", "handled", time.Second) },
		"UpdateOn":          func(m *Metrics) { m.UpdateOn("web", "message", "handled", time.Second) },
		"Send":              func(m *Metrics) { m.Send("ok") },
		"TooManyRequests":   func(m *Metrics) { m.TooManyRequests() },
		"BroadcastDelivery": func(m *Metrics) { m.BroadcastDelivery("sent") },
	}
	real := New()
	for name, call := range calls {
		assert.NotPanics(t, func() { call(nil) }, "%s on a nil *Metrics", name)
		call(real)
	}
	rec := httptest.NewRecorder()
	real.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{`hotroso_updates_total{channel="telegram",kind="message",outcome="handled"} 1`, `hotroso_sends_total{outcome="ok"} 1`,
		"hotroso_telegram_429_total 1", `hotroso_broadcast_deliveries_total{result="sent"} 1`} {
		assert.Contains(t, rec.Body.String(), want, "a real one counts")
	}
}

func TestReadiness(t *testing.T) {
	var storeErr error
	h := NewHealth(map[string]Check{
		"store":    func(context.Context) error { return storeErr },
		"telegram": func(context.Context) error { return nil },
	})
	h.ttl = 0
	rec := httptest.NewRecorder()
	h.Ready(rec, httptest.NewRequest("GET", "/readyz", nil))
	assert.Equal(t, 200, rec.Code)
	assert.Contains(t, rec.Body.String(), `"store":"ok"`)

	storeErr = errors.New("connection refused")
	rec = httptest.NewRecorder()
	h.Ready(rec, httptest.NewRequest("GET", "/readyz", nil))
	assert.Equal(t, 503, rec.Code)
	assert.True(t, strings.Contains(rec.Body.String(), "failing: connection refused"))

	rec = httptest.NewRecorder()
	h.Live(rec, httptest.NewRequest("GET", "/healthz", nil))
	assert.Equal(t, 200, rec.Code)
}
