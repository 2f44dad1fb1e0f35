package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/joho/godotenv"

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
	ClaimTimeout     time.Duration
	MaxOpenClaims    int
	EscalateAfter    time.Duration
	InviteTTL        time.Duration
	LinkAllowlist    []string
	QuietStart       int
	QuietEnd         int
	Location         *time.Location
	CommunesFile     string
	BroadcastLease   time.Duration
	WebhookLease     time.Duration
}

// settingError is a wrong or missing setting: one line naming the key and
// what to do.
type settingError struct {
	Key, Problem string
}

func (e *settingError) Error() string { return e.Key + ": " + e.Problem }

var (
	tokenPattern  = regexp.MustCompile(`^[0-9]+:[A-Za-z0-9_-]{20,}$`)
	secretPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
)

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

// loadConfig reads and checks every setting. requireToken is false for
// commands that do not talk to Telegram.
func loadConfig(getenv func(string) string, requireToken bool) (config, error) {
	c := config{
		Token:            getenv("TELEGRAM_BOT_TOKEN"),
		APIURL:           orDefault(getenv("TELEGRAM_API_URL"), "https://api.telegram.org"),
		RedisURL:         getenv("REDIS_URL"),
		RedisKeyPrefix:   orDefault(getenv("REDIS_KEY_PREFIX"), "hotroso"),
		RedisAddrs:       getenv("REDIS_ADDRS"),
		RedisMaster:      getenv("REDIS_SENTINEL_MASTER"),
		RedisPassword:    getenv("REDIS_PASSWORD"),
		DataDir:          orDefault(getenv("DATA_DIR"), "./data"),
		DefaultLanguage:  orDefault(getenv("DEFAULT_LANGUAGE"), "vi"),
		HTTPAddr:         orDefault(getenv("HTTP_ADDR"), ":8080"),
		WebhookURL:       getenv("WEBHOOK_URL"),
		WebhookSecret:    getenv("WEBHOOK_SECRET"),
		FlowsDir:         getenv("FLOWS_DIR"),
		BroadcastRate:    25,
		FlowAbandonAfter: 24 * time.Hour,
		ClaimTimeout:     15 * time.Minute,
		MaxOpenClaims:    3,
		EscalateAfter:    30 * time.Minute,
		InviteTTL:        48 * time.Hour,
		LinkAllowlist:    []string{"gov.vn", "play.google.com", "apps.apple.com"},
		QuietStart:       21,
		QuietEnd:         7,
		CommunesFile:     getenv("COMMUNES_FILE"),
		BroadcastLease:   time.Minute,
		WebhookLease:     10 * time.Second,
	}
	if requireToken {
		switch {
		case c.Token == "":
			return c, &settingError{"TELEGRAM_BOT_TOKEN", "not set. In Telegram, talk to @BotFather, send /newbot, and put the token it gives you in .env as TELEGRAM_BOT_TOKEN=...; or run `hotroso try` to see the bot without one"}
		case !tokenPattern.MatchString(c.Token):
			return c, &settingError{"TELEGRAM_BOT_TOKEN", "does not look like a bot token (digits, a colon, then letters); copy it again from @BotFather"}
		}
	}
	if u, err := url.Parse(c.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, &settingError{"TELEGRAM_API_URL", fmt.Sprintf("%q is not an http(s) URL; leave it unset to use https://api.telegram.org", c.APIURL)}
	}
	c.APIURL = strings.TrimRight(c.APIURL, "/")
	if c.RedisURL != "" {
		if u, err := url.Parse(c.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
			return c, &settingError{"REDIS_URL", "want redis://host:port/db or rediss://...; leave it unset to use the embedded store"}
		}
	}
	switch {
	case c.RedisURL != "" && c.RedisAddrs != "":
		return c, &settingError{"REDIS_ADDRS", "set either REDIS_URL (one server) or REDIS_ADDRS (a Cluster, or Sentinels with REDIS_SENTINEL_MASTER), not both"}
	case c.RedisMaster != "" && c.RedisAddrs == "":
		return c, &settingError{"REDIS_SENTINEL_MASTER", "needs REDIS_ADDRS: the sentinels' host:port, separated by commas"}
	case c.RedisAddrs != "":
		if _, err := redis.ParseAddrs(c.RedisAddrs, c.RedisMaster, c.RedisPassword); err != nil {
			return c, &settingError{"REDIS_ADDRS", "want host:port addresses separated by commas (" + err.Error() + ")"}
		}
	}
	if strings.ContainsAny(c.RedisKeyPrefix, "{} ") {
		return c, &settingError{"REDIS_KEY_PREFIX", "may not contain braces or spaces; default hotroso"}
	}
	var err error
	if c.OrganizerIDs, err = parseIDs(getenv("ORGANIZER_IDS")); err != nil {
		return c, &settingError{"ORGANIZER_IDS", "want Telegram user ids separated by commas, e.g. 12345,67890 (" + err.Error() + ")"}
	}
	if v := getenv("VOLUNTEER_CHAT_ID"); v != "" {
		if c.VolunteerChatID, err = strconv.ParseInt(v, 10, 64); err != nil {
			return c, &settingError{"VOLUNTEER_CHAT_ID", "want the group's numeric chat id, e.g. -1001234567890"}
		}
	}
	if c.DefaultLanguage != "vi" && c.DefaultLanguage != "en" {
		return c, &settingError{"DEFAULT_LANGUAGE", "want vi or en"}
	}
	switch strings.ToLower(getenv("REDIS_AUTOPIPELINE")) {
	case "", "false", "off", "0":
	case "true", "on", "1":
		c.RedisPipeline = true
	default:
		return c, &settingError{"REDIS_AUTOPIPELINE", "want true or false; default false"}
	}
	if v := getenv("BROADCAST_RATE"); v != "" {
		if c.BroadcastRate, err = strconv.ParseFloat(v, 64); err != nil || c.BroadcastRate <= 0 || c.BroadcastRate > 1000 {
			return c, &settingError{"BROADCAST_RATE", "want messages per second above 0 (Telegram allows about 30 free, up to 1000 with paid broadcasts); default 25"}
		}
	}
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		return c, &settingError{"HTTP_ADDR", "want host:port, e.g. :8080"}
	}
	if c.WebhookURL != "" || c.WebhookSecret != "" {
		u, err := url.Parse(c.WebhookURL)
		switch {
		case err != nil || u.Scheme != "https" || u.Host == "":
			return c, &settingError{"WEBHOOK_URL", "want the public https:// URL Telegram should post updates to; unset it for long polling"}
		case !secretPattern.MatchString(c.WebhookSecret):
			return c, &settingError{"WEBHOOK_SECRET", "want 1 to 256 characters of A-Z, a-z, 0-9, _ and -; Telegram sends it back on every update"}
		case c.RedisURL == "" && c.RedisAddrs == "":
			return c, &settingError{"WEBHOOK_URL", "webhook mode keeps updates in Redis: set REDIS_URL too, or unset WEBHOOK_URL for long polling"}
		}
	}
	if c.LogLevel, err = parseLevel(orDefault(getenv("LOG_LEVEL"), "info")); err != nil {
		return c, &settingError{"LOG_LEVEL", "want debug, info, warn or error"}
	}
	if v := getenv("FLOW_ABANDON_AFTER"); v != "" {
		if c.FlowAbandonAfter, err = time.ParseDuration(v); err != nil || c.FlowAbandonAfter < time.Minute {
			return c, &settingError{"FLOW_ABANDON_AFTER", "want a duration of at least 1m, e.g. 24h"}
		}
	}
	for _, d := range []struct {
		key  string
		dst  *time.Duration
		hint string
	}{
		{"CLAIM_TIMEOUT", &c.ClaimTimeout, "15m"},
		{"ESCALATE_AFTER", &c.EscalateAfter, "30m"},
		{"INVITE_TTL", &c.InviteTTL, "48h"},
		{"BROADCAST_LEASE", &c.BroadcastLease, "1m"},
		{"WEBHOOK_LEASE", &c.WebhookLease, "10s"},
	} {
		if v := getenv(d.key); v != "" {
			if *d.dst, err = time.ParseDuration(v); err != nil || *d.dst < time.Second {
				return c, &settingError{d.key, "want a duration such as " + d.hint}
			}
		}
	}
	if v := getenv("MAX_OPEN_CLAIMS"); v != "" {
		if c.MaxOpenClaims, err = strconv.Atoi(v); err != nil || c.MaxOpenClaims < 1 || c.MaxOpenClaims > 20 {
			return c, &settingError{"MAX_OPEN_CLAIMS", "want a whole number from 1 to 20; default 3"}
		}
	}
	if v := getenv("LINK_ALLOWLIST"); v != "" {
		c.LinkAllowlist = nil
		for _, domain := range strings.Split(v, ",") {
			domain = strings.ToLower(strings.TrimSpace(domain))
			if domain == "" {
				continue
			}
			if !strings.Contains(domain, ".") || strings.ContainsAny(domain, "/: ") {
				return c, &settingError{"LINK_ALLOWLIST", fmt.Sprintf("%q is not a domain; want domains separated by commas, e.g. gov.vn,play.google.com", domain)}
			}
			c.LinkAllowlist = append(c.LinkAllowlist, domain)
		}
	}
	if v := getenv("QUIET_HOURS"); v != "" {
		start, end, ok := strings.Cut(v, "-")
		a, errA := strconv.Atoi(strings.TrimSpace(start))
		b, errB := strconv.Atoi(strings.TrimSpace(end))
		if !ok || errA != nil || errB != nil || a < 0 || a > 23 || b < 0 || b > 23 {
			return c, &settingError{"QUIET_HOURS", "want two hours like 21-7 (from 21:00 to 07:00); 0-0 turns quiet hours off"}
		}
		c.QuietStart, c.QuietEnd = a, b
	}
	if c.Location, err = time.LoadLocation(orDefault(getenv("TIMEZONE"), "Asia/Ho_Chi_Minh")); err != nil {
		return c, &settingError{"TIMEZONE", "want a time zone name such as Asia/Ho_Chi_Minh"}
	}
	return c, nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func parseIDs(list string) ([]int64, error) {
	var ids []int64
	for _, part := range strings.Split(list, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, err := strconv.ParseInt(part, 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("%q is not a user id", part)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	err := l.UnmarshalText([]byte(s))
	return l, err
}
