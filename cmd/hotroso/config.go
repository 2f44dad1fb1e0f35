package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/joho/godotenv"

	"github.com/hotroso/hotroso/handlers"
	"github.com/hotroso/hotroso/storage/redis"
)

// config is the program's configuration; the keys and defaults are the
// design's contract and are documented in .env.example.
type config struct {
	Token            string
	APIURL           string
	RedisURL         string
	RedisKeyPrefix   string
	RedisAddrs       string
	RedisMaster      string
	RedisPassword    string
	RedisPipeline    bool
	DataDir          string
	OrganizerIDs     []int64
	VolunteerChatID  int64
	DefaultLanguage  string
	BroadcastRate    float64
	HTTPAddr         string
	WebhookURL       string
	WebhookSecret    string
	FlowsDir         string
	LogLevel         slog.Level
	FlowAbandonAfter time.Duration
	FunnelRetention  time.Duration
	ClaimTimeout     time.Duration
	MaxOpenClaims    int
	EscalateAfter    time.Duration
	ScrubEvery       time.Duration
	// WeeklyReport sends organizers the weekly report (WEEKLY_REPORT).
	WeeklyReport   bool
	InviteTTL      time.Duration
	LinkAllowlist  []string
	QuietStart     int
	QuietEnd       int
	DeskStart      int
	DeskEnd        int
	Location       *time.Location
	CommunesFile   string
	BroadcastLease time.Duration
	WebhookLease   time.Duration
	Limits         handlers.ResidentLimits
	EditInterval   time.Duration
	WebChat        bool
	PublicURL      string
}

// settingError is a wrong or missing setting: one line naming the key and
// what to do.
type settingError struct {
	Key, Problem string
}

func (e *settingError) Error() string { return e.Key + ": " + e.Problem }

// envLookup returns a getenv that reads the environment first and then the
// .env file in the working directory, if there is one. The process
// environment is not modified.
func envLookup(getenv func(string) string) (func(string) string, error) {
	file, err := godotenv.Read(".env")
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			file = nil
		} else {
			return nil, fmt.Errorf(".env: cannot read it (%v); fix the line or remove the file", err)
		}
	}
	return func(key string) string {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			return v
		}
		return strings.TrimSpace(file[key])
	}, nil
}

// loadConfig reads and checks every setting (settings), then what keys
// say together. requireToken is false for commands that do not talk to
// Telegram.
func loadConfig(getenv func(string) string, requireToken bool) (config, error) {
	var c config
	for _, s := range settings {
		v := getenv(s.Key)
		if v == "" {
			v = s.Default
		}
		if err := s.set(&c, v); err != nil {
			return c, &settingError{s.Key, err.Error()}
		}
	}
	for _, check := range []func(config, bool) *settingError{checkToken, checkRedis, checkWebhook} {
		if err := check(c, requireToken); err != nil {
			return c, err
		}
	}
	return c, nil
}

// checkToken: a command that talks to Telegram needs a token.
func checkToken(c config, requireToken bool) *settingError {
	if requireToken && c.Token == "" {
		return &settingError{"TELEGRAM_BOT_TOKEN", "not set. In Telegram, talk to @BotFather, send /newbot, and put the token it gives you in .env as TELEGRAM_BOT_TOKEN=...; or run `hotroso try` to see the bot without one"}
	}
	return nil
}

// checkRedis: one server, or a Cluster or Sentinels, not both.
func checkRedis(c config, _ bool) *settingError {
	switch {
	case c.RedisURL != "" && c.RedisAddrs != "":
		return &settingError{"REDIS_ADDRS", "set either REDIS_URL (one server) or REDIS_ADDRS (a Cluster, or Sentinels with REDIS_SENTINEL_MASTER), not both"}
	case c.RedisMaster != "" && c.RedisAddrs == "":
		return &settingError{"REDIS_SENTINEL_MASTER", "needs REDIS_ADDRS: the sentinels' host:port, separated by commas"}
	case c.RedisAddrs != "":
		if _, err := redis.ParseAddrs(c.RedisAddrs, c.RedisMaster, c.RedisPassword); err != nil {
			return &settingError{"REDIS_ADDRS", "want host:port addresses separated by commas (" + err.Error() + ")"}
		}
	}
	return nil
}

// checkWebhook: a public https URL, a secret, and Redis to queue updates.
func checkWebhook(c config, _ bool) *settingError {
	if c.WebhookURL == "" && c.WebhookSecret == "" {
		return nil
	}
	u, err := url.Parse(c.WebhookURL)
	switch {
	case err != nil || u.Scheme != "https" || u.Host == "":
		return &settingError{"WEBHOOK_URL", "want the public https:// URL Telegram should post updates to; unset it for long polling"}
	case !secretPattern.MatchString(c.WebhookSecret):
		return &settingError{"WEBHOOK_SECRET", "want 1 to 256 characters of A-Z, a-z, 0-9, _ and -; Telegram sends it back on every update"}
	case c.RedisURL == "" && c.RedisAddrs == "":
		return &settingError{"WEBHOOK_URL", "webhook mode keeps updates in Redis: set REDIS_URL too, or unset WEBHOOK_URL for long polling"}
	}
	return nil
}
