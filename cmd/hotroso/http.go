package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/hotroso/hotroso/bot"
	"github.com/hotroso/hotroso/circuit"
	"github.com/hotroso/hotroso/metrics"
	"github.com/hotroso/hotroso/storage"
)

// observability is the HTTP handler for /healthz, /readyz and /metrics,
// with the store's queue and broadcasts and the broadcast sender's breaker
// as gauges. An open breaker makes the instance not ready.
func observability(m *metrics.Metrics, store storage.Store, b *bot.Bot, breaker *circuit.Breaker) *http.ServeMux {
	m.Gauge("hotroso_queue_length", "Questions waiting for a volunteer.", func(ctx context.Context) (float64, error) {
		open, err := store.OpenTickets(ctx, 100000)
		return float64(len(open)), err
	})
	m.Gauge("hotroso_broadcast_pending", "Recipients of active broadcasts without a result yet.", func(ctx context.Context) (float64, error) {
		active, err := store.ActiveBroadcasts(ctx)
		if err != nil {
			return 0, err
		}
		pending := 0
		for _, bc := range active {
			c, err := store.BroadcastCounts(ctx, bc.ID)
			if err != nil {
				return 0, err
			}
			pending += c.Total - c.Done()
		}
		return float64(pending), nil
	})
	if counted, ok := store.(interface{ RoundTrips() int64 }); ok {
		m.CounterFunc("hotroso_redis_round_trips_total", "Calls to Redis: a command, a script or a pipeline counts one.", func() float64 {
			return float64(counted.RoundTrips())
		})
	}
	m.Gauge("hotroso_broadcast_breaker_state", "This instance's broadcast sender: 0 sending (closed), 1 trying Telegram again (half-open), 2 paused, Telegram unreachable (open).",
		func(context.Context) (float64, error) { return float64(breaker.State()), nil })
	health := metrics.NewHealth(map[string]metrics.Check{"store": store.Ping, "telegram": b.Ping, "broadcasts": breakerCheck(breaker)})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", health.Live)
	mux.HandleFunc("GET /readyz", health.Ready)
	mux.Handle("GET /metrics", m.Handler())
	return mux
}

// breakerCheck is the readiness check of the broadcast sender: failing
// while its breaker is open, saying since when, why and when it tries
// again.
func breakerCheck(breaker *circuit.Breaker) metrics.Check {
	return func(context.Context) error {
		s := breaker.Status()
		if s.State != circuit.Open {
			return nil
		}
		reason := s.Reason
		if r := []rune(reason); len(r) > 200 {
			reason = string(r[:200]) + "…"
		}
		return fmt.Errorf("paused since %s: %d calls to Telegram failed in a row (last: %s); its recipients were given back; next try at %s",
			s.Since.Format(time.RFC3339), s.Failures, reason, s.RetryAt.Format(time.RFC3339))
	}
}

// serveHTTP listens on addr and serves h; stop shuts the server down,
// letting requests in flight finish.
func serveHTTP(addr string, h http.Handler) (listening net.Addr, stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("HTTP_ADDR: cannot listen on %s (%v); choose a free port", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Println("hotroso: HTTP server:", err)
		}
	}()
	return ln.Addr(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	}, nil
}
