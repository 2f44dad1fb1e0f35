package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/hotroso/hotroso/bot"
	"github.com/hotroso/hotroso/broadcast"
	"github.com/hotroso/hotroso/flows"
	"github.com/hotroso/hotroso/handlers"
	"github.com/hotroso/hotroso/locales"
	"github.com/hotroso/hotroso/metrics"
	"github.com/hotroso/hotroso/places"
	"github.com/hotroso/hotroso/storage"
	"github.com/hotroso/hotroso/storage/embedded"
	"github.com/hotroso/hotroso/storage/redis"
)

// core is the desk with what it needs (store, texts, flows), whatever
// channel it speaks through: Telegram (serve) or the terminal (try).
type core struct {
	cfg       config
	log       *slog.Logger
	texts     *locales.Catalog
	flows     *flows.Library
	store     storage.Store
	storeName string
	desk      *handlers.Desk
	quiet     broadcast.QuietHours
}

// openDesk loads the texts, flows and communes, opens the store and makes
// the desk. The caller closes the store.
func openDesk(ctx context.Context, cfg config, sys system) (*core, error) {
	log := newLogger(sys.Stderr, cfg.LogLevel)
	texts, err := locales.Load()
	if err != nil {
		return nil, err
	}
	fsys, source := flowFiles(cfg.FlowsDir)
	lib, err := flows.Load(fsys, texts.Languages(), flows.WordsFrom(texts))
	if err != nil {
		return nil, fmt.Errorf("flows from %s do not load (run hotroso flows lint):\n%w", source, err)
	}
	communes, err := loadCommunes(cfg.CommunesFile)
	if err != nil {
		return nil, err
	}
	store, storeName, err := openStore(ctx, cfg, sys.Now)
	if err != nil {
		return nil, err
	}
	quiet := broadcast.QuietHours{Start: cfg.QuietStart, End: cfg.QuietEnd, Location: cfg.Location}
	desk := handlers.New(handlers.Config{Store: store, Texts: texts, Flows: lib, DefaultLanguage: cfg.DefaultLanguage, Logger: log,
		Organizers: cfg.OrganizerIDs, VolunteerChatID: cfg.VolunteerChatID, ClaimTimeout: cfg.ClaimTimeout, MaxOpenClaims: cfg.MaxOpenClaims,
		EscalateAfter: cfg.EscalateAfter, InviteTTL: cfg.InviteTTL, LinkAllowlist: cfg.LinkAllowlist, Places: communes,
		BroadcastRate: cfg.BroadcastRate, Quiet: quiet, Now: sys.Now})
	return &core{cfg: cfg, log: log, texts: texts, flows: lib, store: store, storeName: storeName, desk: desk, quiet: quiet}, nil
}

// loadCommunes reads COMMUNES_FILE, or gives the built-in list.
func loadCommunes(path string) (*places.List, error) {
	if path == "" {
		return places.Default(), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("COMMUNES_FILE: %v", err)
	}
	defer f.Close()
	communes, err := places.Load(f)
	if err != nil {
		return nil, fmt.Errorf("COMMUNES_FILE: %v", err)
	}
	return communes, nil
}

// runJobs starts the desk's background work until ctx ends: marking
// abandoned flows, lapsing leases and escalating, and sending broadcasts
// through deliver.
func (a *core) runJobs(ctx context.Context, deliver broadcast.Deliverer, m *metrics.Metrics, now func() time.Time) {
	go every(ctx, time.Minute, func() {
		if n, err := a.desk.SweepAbandoned(ctx, a.cfg.FlowAbandonAfter); err != nil {
			a.log.Warn("abandoned-flow sweep failed", "err", err)
		} else if n > 0 {
			a.log.Info("flows marked abandoned", "count", n)
		}
	})
	go every(ctx, 30*time.Second, func() {
		if lapsed, escalated, err := a.desk.Tick(ctx); err != nil {
			a.log.Warn("desk tick failed", "err", err)
		} else if lapsed+escalated > 0 {
			a.log.Info("desk tick", "leases_lapsed", lapsed, "escalated", escalated)
		}
	})
	runner := broadcast.NewRunner(broadcast.Config{Store: a.store, Deliver: deliver, Rate: a.cfg.BroadcastRate,
		Quiet: a.quiet, Lease: a.cfg.BroadcastLease, Progress: a.desk.BroadcastProgress, Log: a.log, Metrics: m, Now: now})
	go runner.Run(ctx, time.Second)
}

// serve runs the bot until ctx ends.
func serve(ctx context.Context, cfg config, sys system) error {
	app, err := openDesk(ctx, cfg, sys)
	if err != nil {
		return err
	}
	defer app.store.Close()
	m := metrics.New()
	b, err := bot.New(ctx, bot.Config{Token: cfg.Token, ServerURL: cfg.APIURL, Handler: app.desk, Store: app.store, Logger: app.log, Metrics: m})
	if err != nil {
		return err
	}
	app.desk.SetMessenger(b.Messenger())
	descriptions := map[string]map[string]string{}
	for _, lang := range app.texts.Languages() {
		descriptions[lang] = app.desk.CommandDescriptions(lang)
	}
	names := make([]string, 0, len(handlers.ResidentCommands))
	for _, c := range handlers.ResidentCommands {
		names = append(names, c.Name)
	}
	if err := b.SetCommands(ctx, names, descriptions, cfg.DefaultLanguage); err != nil {
		return err
	}
	app.runJobs(ctx, b.Deliverer(app.desk.BroadcastButtons()), m, sys.Now)
	mux := observability(m, app.store, b)
	var hook bot.WebhookConfig
	if cfg.WebhookURL != "" {
		queue, ok := app.store.(bot.UpdateQueue)
		if !ok {
			return fmt.Errorf("WEBHOOK_URL: webhook mode needs the Redis store")
		}
		u, _ := url.Parse(cfg.WebhookURL)
		hook = bot.WebhookConfig{URL: cfg.WebhookURL, Secret: cfg.WebhookSecret, Queue: queue, Shards: redis.UpdateShards, Lease: cfg.WebhookLease}
		mux.Handle("POST "+path.Clean("/"+u.Path), b.WebhookHandler(hook))
	}
	addr, stopHTTP, err := serveHTTP(cfg.HTTPAddr, mux)
	if err != nil {
		return err
	}
	defer stopHTTP()
	mode := "long polling"
	if hook.Queue != nil {
		mode = "webhook " + cfg.WebhookURL
	}
	fmt.Fprintf(sys.Stdout, "hotroso is running as @%s with %d flows, on the %s, by %s; health and metrics on http://%s. Press Ctrl+C to stop.\n",
		b.Username(), len(app.flows.Flows()), app.storeName, mode, addr)
	if hook.Queue != nil {
		return b.RunWebhook(ctx, hook)
	}
	return b.Run(ctx)
}

// redisConnections is how many connections to each Redis server the
// program keeps at least: one for each update worker and each webhook
// shard's blocked reader, and some for the sweepers, broadcasts and the
// webhook handler.
const redisConnections = bot.DefaultWorkers + redis.UpdateShards + 16

// openStore opens Redis when REDIS_URL is set, else the embedded store
// under DATA_DIR; the store stamps its records by now.
func openStore(ctx context.Context, cfg config, now func() time.Time) (storage.Store, string, error) {
	redisOptions := []redis.Option{redis.WithPrefix(cfg.RedisKeyPrefix), redis.WithMinPoolSize(redisConnections), redis.WithClock(now)}
	if cfg.RedisPipeline {
		redisOptions = append(redisOptions, redis.WithAutoPipeline())
	}
	if cfg.RedisURL != "" {
		s, err := redis.Open(ctx, cfg.RedisURL, redisOptions...)
		if err != nil {
			return nil, "", fmt.Errorf("REDIS_URL: cannot connect (%v); check the address, or unset it to use the embedded store", err)
		}
		return s, "Redis store", nil
	}
	if cfg.RedisAddrs != "" {
		opts, err := redis.ParseAddrs(cfg.RedisAddrs, cfg.RedisMaster, cfg.RedisPassword)
		if err == nil {
			var s *redis.Store
			if s, err = redis.OpenUniversal(ctx, opts, redisOptions...); err == nil {
				return s, "Redis store (" + cfg.RedisAddrs + ")", nil
			}
		}
		return nil, "", fmt.Errorf("REDIS_ADDRS: cannot connect (%v); check the addresses and REDIS_SENTINEL_MASTER", err)
	}
	path := filepath.Join(cfg.DataDir, "hotroso.db")
	s, err := embedded.Open(path, embedded.WithClock(now))
	if err != nil {
		return nil, "", fmt.Errorf("DATA_DIR: cannot open %s (%v); set DATA_DIR to a writable folder", path, err)
	}
	return s, "embedded store (" + path + ")", nil
}

// every runs job now and then every period until ctx ends.
func every(ctx context.Context, period time.Duration, job func()) {
	tick := time.NewTicker(period)
	defer tick.Stop()
	for {
		job()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
