package web

import (
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/hotroso/hotroso/metrics"
)

// The page's events are counted beside Telegram's updates, as channel
// "web": the greeting of a new resident (a command) and a button.
func TestWebEventsAreCountedByChannel(t *testing.T) {
	m := metrics.New()
	c := newTestChat(t, "embedded", func(cfg *Config) { cfg.Metrics = m })
	b := c.browser(t)
	b.get("/chat")
	b.post("/chat/press", url.Values{"csrf": {b.csrf()}, "data": {"f:vneid"}, "label": {"Tài khoản VNeID"}, "msg": {"1"}})
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	assert.Contains(t, rec.Body.String(), `hotroso_updates_total{channel="web",kind="message",outcome="handled"} 1`)
	assert.Contains(t, rec.Body.String(), `hotroso_updates_total{channel="web",kind="button",outcome="handled"} 1`)
	assert.Contains(t, rec.Body.String(), `hotroso_update_seconds_count{channel="web"} 2`)
}
