// Package metrics holds hotroso's Prometheus metrics, on a registry of its
// own (no global state), and the HTTP handlers for /metrics, /healthz and
// /readyz.
package metrics

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the counters the bot, the sender and the broadcast runner
// update. A nil *Metrics is valid and records nothing.
type Metrics struct {
	registry      *prometheus.Registry
	updates       *prometheus.CounterVec
	latency       *prometheus.HistogramVec
	sends         *prometheus.CounterVec
	tooMany       prometheus.Counter
	broadcastSent *prometheus.CounterVec
	outbox        *prometheus.CounterVec
	returned      prometheus.Counter
}

// New makes the metrics and registers them, with Go and process metrics.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		updates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hotroso_updates_total",
			Help: "Updates received, by channel (telegram, web), kind (message, button, other) and outcome (handled, duplicate, ignored).",
		}, []string{"channel", "kind", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "hotroso_update_seconds", Help: "Time from receiving an update to the last reply sent, by channel.",
			Buckets: []float64{.002, .005, .01, .02, .05, .1, .2, .5, 1, 2, 5},
		}, []string{"channel"}),
		sends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hotroso_sends_total", Help: "Telegram API calls that send or edit, by outcome (ok, blocked, failed).",
		}, []string{"outcome"}),
		tooMany: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hotroso_telegram_429_total", Help: "Too Many Requests answers from Telegram.",
		}),
		broadcastSent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hotroso_broadcast_deliveries_total", Help: "Broadcast deliveries by result (sent, blocked, failed).",
		}, []string{"result"}),
		outbox: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hotroso_outbox_relays_total", Help: "Relays that could not be delivered at once, by what became of them (queued, delivered, dropped).",
		}, []string{"event"}),
	}
	m.returned = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "hotroso_broadcast_returned_total",
		Help: "Broadcast recipients this instance gave back unsent, for any instance to send: it could not reach Telegram, or it stopped.",
	})
	m.registry.MustRegister(m.updates, m.latency, m.sends, m.tooMany, m.broadcastSent, m.outbox, m.returned,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Update counts one Telegram update and, when handled, its latency.
func (m *Metrics) Update(kind, outcome string, took time.Duration) {
	m.UpdateOn("telegram", kind, outcome, took)
}

// UpdateOn counts one update of a channel ("telegram", "web") and, when
// handled, its latency.
func (m *Metrics) UpdateOn(channel, kind, outcome string, took time.Duration) {
	if m == nil {
		return
	}
	m.updates.WithLabelValues(channel, kind, outcome).Inc()
	if outcome == "handled" {
		m.latency.WithLabelValues(channel).Observe(took.Seconds())
	}
}

// Send counts one send by outcome.
func (m *Metrics) Send(outcome string) {
	if m != nil {
		m.sends.WithLabelValues(outcome).Inc()
	}
}

// TooManyRequests counts one 429.
func (m *Metrics) TooManyRequests() {
	if m != nil {
		m.tooMany.Inc()
	}
}

// BroadcastDelivery counts one broadcast delivery by result.
func (m *Metrics) BroadcastDelivery(result string) {
	if m != nil {
		m.broadcastSent.WithLabelValues(result).Inc()
	}
}

// Outbox counts one relay event of the outbox: queued, delivered or
// dropped.
func (m *Metrics) Outbox(event string) {
	if m != nil {
		m.outbox.WithLabelValues(event).Inc()
	}
}

// CounterFunc registers a counter whose value is read when scraped, e.g.
// the store's calls to Redis.
func (m *Metrics) CounterFunc(name, help string, read func() float64) {
	m.registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, read))
}

// BroadcastReturned counts recipients given back unsent.
func (m *Metrics) BroadcastReturned(n int) {
	if m != nil && n > 0 {
		m.returned.Add(float64(n))
	}
}

// Gauge registers a gauge whose value is read when scraped, e.g. the queue
// length from the store. A failing read reports -1.
func (m *Metrics) Gauge(name, help string, read func(context.Context) (float64, error)) {
	m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		v, err := read(ctx)
		if err != nil {
			return -1
		}
		return v
	}))
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// Check is one readiness check: nil when the dependency is reachable.
type Check func(ctx context.Context) error

// Health serves /healthz (the process answers) and /readyz (each check
// passes; results are cached briefly so probes do not load the
// dependencies).
type Health struct {
	checks map[string]Check
	ttl    time.Duration

	mu      sync.Mutex
	checked time.Time
	last    map[string]string
}

// NewHealth builds the health handlers over named checks.
func NewHealth(checks map[string]Check) *Health {
	return &Health{checks: checks, ttl: 2 * time.Second}
}

// Live answers 200 while the process serves.
func (h *Health) Live(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// Ready answers 200 with each check's result when all pass, else 503.
func (h *Health) Ready(w http.ResponseWriter, r *http.Request) {
	results := h.run(r.Context())
	status := http.StatusOK
	for _, res := range results {
		if res != "ok" {
			status = http.StatusServiceUnavailable
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(results)
}

func (h *Health) run(ctx context.Context) map[string]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.last != nil && time.Since(h.checked) < h.ttl {
		return h.last
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	results := map[string]string{}
	for name, check := range h.checks {
		if err := check(ctx); err != nil {
			results[name] = "failing: " + err.Error()
		} else {
			results[name] = "ok"
		}
	}
	h.last, h.checked = results, time.Now()
	return results
}
