package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"time"

	"github.com/hotroso/hotroso/bot"
	"github.com/hotroso/hotroso/broadcast"
	"github.com/hotroso/hotroso/circuit"
	"github.com/hotroso/hotroso/flows"
	"github.com/hotroso/hotroso/handlers"
	"github.com/hotroso/hotroso/locales"
	"github.com/hotroso/hotroso/metrics"
	"github.com/hotroso/hotroso/places"
	"github.com/hotroso/hotroso/storage"
	"github.com/hotroso/hotroso/storage/embedded"
	"github.com/hotroso/hotroso/storage/redis"
)

// core is what the desk needs (settings, texts, flows, communes, the
// store), whatever channel it speaks through: Telegram (serve) or the
// terminal (try).
type core struct {
	cfg       config
	now       func() time.Time
	log       *slog.Logger
	texts     *locales.Catalog
	flows     *flows.Library
	communes  *places.List
	store     storage.Store
	storeName string
}

// openCore loads the texts, flows and communes and opens the store. The
// caller closes the store.
func openCore(ctx context.Context, cfg config, sys system) (*core, error) {
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
	return &core{cfg: cfg, now: sys.Now, log: newLogger(sys.Stderr, cfg.LogLevel), texts: texts, flows: lib, communes: communes,
		store: store, storeName: storeName}, nil
}

// quiet are the quiet hours in the settings' time zone.
func (c *core) quiet() broadcast.QuietHours {
	return broadcast.QuietHours{Start: c.cfg.QuietStart, End: c.cfg.QuietEnd, Location: c.cfg.Location}
}

// desk is the desk, speaking to other chats through m.
func (c *core) desk(m handlers.Messenger) *handlers.Desk {
	return handlers.New(handlers.Config{Store: c.store, Messenger: m, Texts: c.texts, Flows: c.flows, DefaultLanguage: c.cfg.DefaultLanguage,
		Logger: c.log, Now: c.now, Organizers: c.cfg.OrganizerIDs, VolunteerChatID: c.cfg.VolunteerChatID, ClaimTimeout: c.cfg.ClaimTimeout,
		MaxOpenClaims: c.cfg.MaxOpenClaims, EscalateAfter: c.cfg.EscalateAfter, InviteTTL: c.cfg.InviteTTL, LinkAllowlist: c.cfg.LinkAllowlist,
		Places: c.communes, BroadcastRate: c.cfg.BroadcastRate, Quiet: c.quiet(), Limits: c.cfg.Limits,
		DeskHours: handlers.DeskHours{Start: c.cfg.DeskStart, End: c.cfg.DeskEnd, Location: c.cfg.Location}})
}

// runJobs starts the desk's background work until ctx ends: marking
// abandoned flows, lapsing leases and escalating, recording the gathered
// funnel events, rewriting the store's files after an erasure, asking the
// follow-up questions that are due, the weekly reports (WEEKLY_REPORT),
// and sending broadcasts through deliver (probe, when set, asks whether the messenger
// answers). It returns the broadcast sender's circuit breaker.
func (c *core) runJobs(ctx context.Context, desk *handlers.Desk, deliver broadcast.Deliverer, probe func(context.Context) error, m *metrics.Metrics) *circuit.Breaker {
	go desk.RunFunnel(ctx)
	go c.runFollowUps(ctx, desk, m)
	go c.runWeeklyReports(ctx, desk, m)
	go every(ctx, time.Minute, func() {
		if n, err := desk.SweepAbandoned(ctx, c.cfg.FlowAbandonAfter); err != nil {
			c.log.Warn("abandoned-flow sweep failed", "err", err)
		} else if n > 0 {
			c.log.Info("flows marked abandoned", "count", n)
		}
	})
	go every(ctx, 30*time.Second, func() {
		if lapsed, escalated, err := desk.Tick(ctx); err != nil {
			c.log.Warn("desk tick failed", "err", err)
		} else if lapsed+escalated > 0 {
			c.log.Info("desk tick", "leases_lapsed", lapsed, "escalated", escalated)
		}
	})
	go every(ctx, c.cfg.ScrubEvery, func() {
		if did, err := c.store.ScrubErased(ctx); err != nil {
			c.log.Warn("erased data not yet rewritten off the disk; will try again", "err", err)
		} else if did {
			c.log.Info("store files rewritten after an erasure")
		}
	})
	breaker := circuit.New(circuit.Config{Now: c.now})
	runner := broadcast.NewRunner(broadcast.Config{Store: c.store, Deliver: deliver, Rate: c.cfg.BroadcastRate,
		Quiet: c.quiet(), Lease: c.cfg.BroadcastLease, Progress: desk.BroadcastProgress, Log: c.log, Metrics: m, Now: c.now,
		Breaker: breaker, Probe: probe})
	go runner.Run(ctx, time.Second)
	return breaker
}

// serve runs the bot on Telegram until ctx ends: the core, the bot, the
// desk speaking through it, the jobs, the HTTP listener, then updates.
func serve(ctx context.Context, cfg config, sys system) error {
	app, err := openCore(ctx, cfg, sys)
	if err != nil {
		return err
	}
	defer app.store.Close()
	m := metrics.New()
	b, err := bot.New(ctx, bot.Config{Token: cfg.Token, ServerURL: cfg.APIURL, Store: app.store, Logger: app.log, Metrics: m,
		EditInterval: cfg.EditInterval, Now: sys.Now})
	if err != nil {
		return err
	}
	chat, err := app.openWebChat(b, m)
	if err != nil {
		return err
	}
	desk := app.desk(b.Messenger())
	registerCommands(ctx, b, desk, app.texts, cfg.DefaultLanguage)
	attachWebChat(chat, desk, b)
	breaker := app.runJobs(ctx, desk, deliverer(b, chat, desk.BroadcastButtons()), b.Ping, m)
	go every(ctx, time.Second, func() {
		if n, err := b.DeliverOutbox(ctx); err != nil {
			app.log.Warn("outbox not drained", "err", err)
		} else if n > 0 {
			app.log.Info("delayed relays delivered", "count", n)
		}
	})
	mux := observability(m, app.store, b, breaker)
	serveWebChat(chat, mux)
	hook, err := webhookRoute(cfg, app.store, b, mux)
	if err != nil {
		return err
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
	if chat != nil {
		mode += ", web chat at http://" + addr.String() + "/chat"
	}
	fmt.Fprintf(sys.Stdout, "hotroso is running as @%s with %d flows, on the %s, by %s; health and metrics on http://%s. Press Ctrl+C to stop.\n",
		b.Username(), len(app.flows.Flows()), app.storeName, mode, addr)
	if hook.Queue != nil {
		err = b.RunWebhook(ctx, hook, desk)
	} else {
		err = b.Run(ctx, desk)
	}
	app.stopDesk(ctx, desk)
	return err
}

// stopDesk records what the desk still holds before the store closes.
func (c *core) stopDesk(ctx context.Context, desk *handlers.Desk) {
	if err := desk.FlushFunnel(context.WithoutCancel(ctx)); err != nil {
		c.log.Warn("funnel events lost at stop", "err", err)
	}
}

// registerCommands sets the resident commands in Telegram's command menu,
// in every language, in the background: a failure is only a warning.
func registerCommands(ctx context.Context, b *bot.Bot, desk *handlers.Desk, texts *locales.Catalog, defaultLang string) {
	descriptions := map[string]map[string]string{}
	for _, lang := range texts.Languages() {
		descriptions[lang] = desk.CommandDescriptions(lang)
	}
	names := make([]string, 0, len(handlers.ResidentCommands))
	for _, c := range handlers.ResidentCommands {
		names = append(names, c.Name)
	}
	b.RegisterCommands(ctx, names, descriptions, defaultLang, nil)
}

// webhookRoute, in webhook mode, routes Telegram's POSTs to the bot's
// webhook handler on mux and returns the webhook's settings; in polling
// mode, a zero WebhookConfig.
func webhookRoute(cfg config, store storage.Store, b *bot.Bot, mux *http.ServeMux) (bot.WebhookConfig, error) {
	if cfg.WebhookURL == "" {
		return bot.WebhookConfig{}, nil
	}
	queue, ok := store.(bot.UpdateQueue)
	if !ok {
		return bot.WebhookConfig{}, fmt.Errorf("WEBHOOK_URL: webhook mode needs the Redis store")
	}
	u, _ := url.Parse(cfg.WebhookURL)
	hook := bot.WebhookConfig{URL: cfg.WebhookURL, Secret: cfg.WebhookSecret, Queue: queue, Shards: redis.UpdateShards, Lease: cfg.WebhookLease,
		Staff: staffOf(store, cfg.OrganizerIDs)}
	mux.Handle("POST "+path.Clean("/"+u.Path), b.WebhookHandler(hook))
	return hook, nil
}

// staffOf reports whether a user is a volunteer or an organizer (a stored
// role, or ORGANIZER_IDS): their texts reach the webhook queue unmasked.
func staffOf(store storage.Users, organizers []int64) func(context.Context, int64) (bool, error) {
	return func(ctx context.Context, id int64) (bool, error) {
		if slices.Contains(organizers, id) {
			return true, nil
		}
		u, err := store.GetUser(ctx, id)
		if errors.Is(err, storage.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		return u.CanVolunteer(), nil
	}
}

// loadCommunes reads COMMUNES_FILE, or gives the built-in list.
func loadCommunes(file string) (*places.List, error) {
	if file == "" {
		return places.Default(), nil
	}
	f, err := os.Open(file)
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

// redisConnections is how many connections to each Redis server the
// program keeps at least: one for each update worker and each webhook
// shard's blocked reader, and some for the sweepers, broadcasts and the
// webhook handler.
const redisConnections = bot.DefaultWorkers + redis.UpdateShards + 16

// openStore opens Redis when REDIS_URL is set, else the embedded store
// under DATA_DIR; the store stamps its records by now.
func openStore(ctx context.Context, cfg config, now func() time.Time) (storage.Store, string, error) {
	redisOptions := []redis.Option{redis.WithPrefix(cfg.RedisKeyPrefix), redis.WithMinPoolSize(redisConnections), redis.WithClock(now),
		redis.WithLocation(cfg.Location), redis.WithFunnelRetention(cfg.FunnelRetention)}
	if cfg.RedisPipeline {
		redisOptions = append(redisOptions, redis.WithAutoPipeline())
	}
	if cfg.RedisURL != "" {
		s, err := redis.Open(ctx, cfg.RedisURL, redisOptions...)
		if err != nil {
			return nil, "", fmt.Errorf("REDIS_URL: cannot connect (%v); check the address, or unset it to use the embedded store", err)
		}
		return migrated(ctx, s, "Redis store")
	}
	if cfg.RedisAddrs != "" {
		opts, err := redis.ParseAddrs(cfg.RedisAddrs, cfg.RedisMaster, cfg.RedisPassword)
		if err == nil {
			var s *redis.Store
			if s, err = redis.OpenUniversal(ctx, opts, redisOptions...); err == nil {
				return migrated(ctx, s, "Redis store ("+cfg.RedisAddrs+")")
			}
		}
		return nil, "", fmt.Errorf("REDIS_ADDRS: cannot connect (%v); check the addresses and REDIS_SENTINEL_MASTER", err)
	}
	file := filepath.Join(cfg.DataDir, "hotroso.db")
	s, err := embedded.Open(file, embedded.WithClock(now), embedded.WithLocation(cfg.Location), embedded.WithFunnelRetention(cfg.FunnelRetention))
	if err != nil {
		return nil, "", fmt.Errorf("DATA_DIR: cannot open %s (%v); set DATA_DIR to a writable folder", file, err)
	}
	return s, "embedded store (" + file + ")", nil
}

// migrated runs the store's one-time migration (storage.Migrator): the
// counters built from a log written before them. The embedded store does
// it when it opens the file.
func migrated(ctx context.Context, s *redis.Store, name string) (storage.Store, string, error) {
	if err := s.Migrate(ctx); err != nil {
		_ = s.Close()
		return nil, "", fmt.Errorf("%s: cannot build the report counters from the existing log (%v); try again, or ask the system administrator", name, err)
	}
	return s, name, nil
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
