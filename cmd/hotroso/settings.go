package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// setting is one configuration key, declared once: its default, what it
// means (the README's table is checked against these), and how its value
// is read into the config. set returns the problem to report, naming what
// to do, when the value is wrong.
type setting struct {
	Key     string
	Default string // "" when unset by default
	Meaning string
	set     func(c *config, v string) error
}

var (
	tokenPattern     = regexp.MustCompile(`^[0-9]+:[A-Za-z0-9_-]{20,}$`)
	secretPattern    = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
	deskHoursPattern = regexp.MustCompile(`^([0-9]{1,2})-([0-9]{1,2})$`)
)

// settings are every key the program reads, in the README's order.
var settings = []setting{
	{"TELEGRAM_BOT_TOKEN", "", "token from @BotFather; required to run against Telegram", setToken},
	{"TELEGRAM_API_URL", "https://api.telegram.org", "Bot API base URL (a local Bot API server, or a fake one in tests)", setAPIURL},
	{"REDIS_URL", "", "`redis://` or `rediss://` URL; when unset the embedded store is used", setRedisURL},
	{"REDIS_ADDRS", "", "instead of REDIS_URL: Cluster nodes (two or more host:port), or Sentinels with REDIS_SENTINEL_MASTER", text(func(c *config) *string { return &c.RedisAddrs })},
	{"REDIS_SENTINEL_MASTER", "", "the Sentinel master's name", text(func(c *config) *string { return &c.RedisMaster })},
	{"REDIS_PASSWORD", "", "the Redis data nodes' password (REDIS_ADDRS)", text(func(c *config) *string { return &c.RedisPassword })},
	{"REDIS_AUTOPIPELINE", "false", "send the Redis commands of concurrent updates together (go-redis autopipelining, experimental there); standalone and Sentinel", setPipeline},
	{"REDIS_KEY_PREFIX", "hotroso", "prefix of every Redis key", setKeyPrefix},
	{"DATA_DIR", "./data", "where the embedded store keeps its file (`hotroso.db`)", text(func(c *config) *string { return &c.DataDir })},
	{"ORGANIZER_IDS", "", "comma-separated Telegram user IDs with organizer rights", setOrganizers},
	{"VOLUNTEER_CHAT_ID", "", "Telegram group where new questions are posted for volunteers", setVolunteerChat},
	{"DEFAULT_LANGUAGE", "vi", "`vi` or `en`", setLanguage},
	{"BROADCAST_RATE", "25", "messages per second for broadcasts, all instances together", setBroadcastRate},
	{"BROADCAST_LEASE", "1m", "a broadcast recipient taken by an instance that died is taken back after this long", duration(func(c *config) *time.Duration { return &c.BroadcastLease }, time.Second)},
	{"QUIET_HOURS", "21-7", "hours when broadcasts wait unless forced, and follow-up questions wait (`0-0`: none)", setQuietHours},
	{"DESK_HOURS", "7-21", "hours when volunteers staff the desk (`7-21`: 07:00 to 21:00; `0-24`: always); outside them a resident who asks is told when an answer is likely", setDeskHours},
	{"TIMEZONE", "Asia/Ho_Chi_Minh", "time zone of quiet hours, desk hours, reports and scheduled broadcasts", setTimezone},
	{"COMMUNES_FILE", "", "tab-separated communes (code, kind, name) replacing the built-in Thanh Hóa list", text(func(c *config) *string { return &c.CommunesFile })},
	{"HTTP_ADDR", ":8080", "health, metrics (and webhook) listener", setHTTPAddr},
	{"WEB_CHAT", "off", "`on`: serve the web chat page for residents at `/chat` on HTTP_ADDR, beside the bot (`/chat/c/<commune code>` opens it with the commune chosen)", setWebChat},
	{"PUBLIC_URL", "", "the public base address of HTTP_ADDR (`https://…`), for links to the web chat; its cookies are then sent over HTTPS only", setPublicURL},
	{"WEBHOOK_URL", "", "webhook mode instead of long polling (needs Redis); Telegram posts to its path on HTTP_ADDR", text(func(c *config) *string { return &c.WebhookURL })},
	{"WEBHOOK_SECRET", "", "the secret Telegram sends back with every webhook update", text(func(c *config) *string { return &c.WebhookSecret })},
	{"WEBHOOK_LEASE", "10s", "how long an instance holds a shard of the webhook queue without renewing it", duration(func(c *config) *time.Duration { return &c.WebhookLease }, time.Second)},
	{"FLOWS_DIR", "", "read flow files from here instead of the built-in ones", text(func(c *config) *string { return &c.FlowsDir })},
	{"FLOW_ABANDON_AFTER", "24h", "a flow with no answer for this long counts as abandoned in reports", duration(func(c *config) *time.Duration { return &c.FlowAbandonAfter }, time.Minute)},
	{"FUNNEL_RETENTION", "2160h", "how long raw flow events (each step a resident took) are kept; the reports' flow figures come from counters kept forever", duration(func(c *config) *time.Duration { return &c.FunnelRetention }, time.Hour)},
	{"CLAIM_TIMEOUT", "15m", "a claim lapses when no reply reached the resident this long", duration(func(c *config) *time.Duration { return &c.ClaimTimeout }, time.Second)},
	{"MAX_OPEN_CLAIMS", "3", "questions one volunteer may hold at once", setMaxClaims},
	{"ESCALATE_AFTER", "30m", "an unclaimed question is posted again, and organizers told, after this long", duration(func(c *config) *time.Duration { return &c.EscalateAfter }, time.Second)},
	{"INVITE_TTL", "48h", "how long a volunteer invite link works", duration(func(c *config) *time.Duration { return &c.InviteTTL }, time.Second)},
	{"SCRUB_EVERY", "1h", "how often, after a resident erased their data, the store's files are rewritten so that it leaves the disk (Redis AOF rewrite, bbolt compaction)", duration(func(c *config) *time.Duration { return &c.ScrubEvery }, 100*time.Millisecond)},
	{"LINK_ALLOWLIST", "gov.vn,play.google.com,apps.apple.com", "domains volunteers may link residents to (subdomains included)", setAllowlist},
	{"RESIDENT_MESSAGES_PER_MINUTE", "20", "messages one resident may send the desk in a minute (typed, media, \"send this photo\"; not commands or flow buttons); more are not passed on, and the resident is told so once a minute at most (`0`: no limit)", count(func(c *config) *int { return &c.Limits.MessagesPerMinute })},
	{"RESIDENT_MESSAGES_PER_DAY", "300", "the same, in a day (`0`: no limit)", count(func(c *config) *int { return &c.Limits.MessagesPerDay })},
	{"RESIDENT_ASKS_PER_HOUR", "5", "questions one resident may open in an hour, so asking and withdrawing again and again posts no more cards (`0`: no limit)", count(func(c *config) *int { return &c.Limits.AsksPerHour })},
	{"EDIT_INTERVAL", "3s", "a message the bot keeps editing (a question's card, a broadcast's progress) is edited at most once in this long; the latest text always lands", duration(func(c *config) *time.Duration { return &c.EditInterval }, time.Millisecond)},
	{"WEEKLY_REPORT", "on", "every Monday from 07:00 (TIMEZONE) each organizer gets their scope's previous week: figures, change from the week before, the chart and its CSV (`off`: none)", setWeeklyReport},
	{"LOG_LEVEL", "info", "debug, info, warn, error", setLogLevel},
}

func setWeeklyReport(c *config, v string) error {
	switch strings.ToLower(v) {
	case "on", "true", "1":
		c.WeeklyReport = true
	case "off", "false", "0":
		c.WeeklyReport = false
	default:
		return errors.New("want on or off; default on")
	}
	return nil
}

// count reads a whole number from 0 (no limit) to 100,000.
func count(field func(*config) *int) func(*config, string) error {
	return func(c *config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 100_000 {
			return errors.New("want a whole number from 0 (no limit) to 100000")
		}
		*field(c) = n
		return nil
	}
}

// text stores the value as it is.
func text(field func(*config) *string) func(*config, string) error {
	return func(c *config, v string) error { *field(c) = v; return nil }
}

// duration reads a duration of at least least.
func duration(field func(*config) *time.Duration, least time.Duration) func(*config, string) error {
	return func(c *config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < least {
			return fmt.Errorf("want a duration of at least %s, e.g. 15m or 24h", least)
		}
		*field(c) = d
		return nil
	}
}

func setToken(c *config, v string) error {
	if v != "" && !tokenPattern.MatchString(v) {
		return errors.New("does not look like a bot token (digits, a colon, then letters); copy it again from @BotFather")
	}
	c.Token = v
	return nil
}

func setAPIURL(c *config, v string) error {
	if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL; leave it unset to use https://api.telegram.org", v)
	}
	c.APIURL = strings.TrimRight(v, "/")
	return nil
}

func setRedisURL(c *config, v string) error {
	if u, err := url.Parse(v); v != "" && (err != nil || (u.Scheme != "redis" && u.Scheme != "rediss")) {
		return errors.New("want redis://host:port/db or rediss://...; leave it unset to use the embedded store")
	}
	c.RedisURL = v
	return nil
}

func setPipeline(c *config, v string) error {
	switch strings.ToLower(v) {
	case "false", "off", "0":
		c.RedisPipeline = false
	case "true", "on", "1":
		c.RedisPipeline = true
	default:
		return errors.New("want true or false; default false")
	}
	return nil
}

func setWebChat(c *config, v string) error {
	switch strings.ToLower(v) {
	case "off", "false", "0":
		c.WebChat = false
	case "on", "true", "1":
		c.WebChat = true
	default:
		return errors.New("want on or off; default off")
	}
	return nil
}

func setPublicURL(c *config, v string) error {
	if v == "" {
		c.PublicURL = ""
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("want the public base address, such as https://hotroso.example.vn")
	}
	c.PublicURL = strings.TrimSuffix(v, "/")
	return nil
}

func setKeyPrefix(c *config, v string) error {
	if strings.ContainsAny(v, "{} ") {
		return errors.New("may not contain braces or spaces; default hotroso")
	}
	c.RedisKeyPrefix = v
	return nil
}

func setOrganizers(c *config, v string) error {
	ids, err := parseIDs(v)
	if err != nil {
		return fmt.Errorf("want Telegram user ids separated by commas, e.g. 12345,67890 (%v)", err)
	}
	c.OrganizerIDs = ids
	return nil
}

func setVolunteerChat(c *config, v string) error {
	if v == "" {
		return nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return errors.New("want the group's numeric chat id, e.g. -1001234567890")
	}
	c.VolunteerChatID = id
	return nil
}

func setLanguage(c *config, v string) error {
	if v != "vi" && v != "en" {
		return errors.New("want vi or en")
	}
	c.DefaultLanguage = v
	return nil
}

func setBroadcastRate(c *config, v string) error {
	rate, err := strconv.ParseFloat(v, 64)
	if err != nil || rate <= 0 || rate > 1000 {
		return errors.New("want messages per second above 0 (Telegram allows about 30 free, up to 1000 with paid broadcasts); default 25")
	}
	c.BroadcastRate = rate
	return nil
}

func setQuietHours(c *config, v string) error {
	start, end, ok := strings.Cut(v, "-")
	a, errA := strconv.Atoi(strings.TrimSpace(start))
	b, errB := strconv.Atoi(strings.TrimSpace(end))
	if !ok || errA != nil || errB != nil || a < 0 || a > 23 || b < 0 || b > 23 {
		return errors.New("want two hours like 21-7 (from 21:00 to 07:00); 0-0 turns quiet hours off")
	}
	c.QuietStart, c.QuietEnd = a, b
	return nil
}

// setDeskHours reads two whole hours, from-to, in TIMEZONE: 7-21 is
// 07:00 to 21:00, 19-2 runs across midnight, 0-24 is always.
func setDeskHours(c *config, v string) error {
	m := deskHoursPattern.FindStringSubmatch(v)
	if m != nil {
		start, _ := strconv.Atoi(m[1])
		end, _ := strconv.Atoi(m[2])
		if start <= 23 && end <= 24 && start != end {
			c.DeskStart, c.DeskEnd = start, end
			return nil
		}
	}
	return fmt.Errorf("%q: want two whole hours like 7-21 (staffed from 07:00 to 21:00 in TIMEZONE); 0-24 for always", v)
}

func setTimezone(c *config, v string) error {
	loc, err := time.LoadLocation(v)
	if err != nil {
		return errors.New("want a time zone name such as Asia/Ho_Chi_Minh")
	}
	c.Location = loc
	return nil
}

func setHTTPAddr(c *config, v string) error {
	if _, _, err := net.SplitHostPort(v); err != nil {
		return errors.New("want host:port, e.g. :8080")
	}
	c.HTTPAddr = v
	return nil
}

func setMaxClaims(c *config, v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 20 {
		return errors.New("want a whole number from 1 to 20; default 3")
	}
	c.MaxOpenClaims = n
	return nil
}

func setAllowlist(c *config, v string) error {
	c.LinkAllowlist = nil
	for _, domain := range strings.Split(v, ",") {
		domain = strings.ToLower(strings.TrimSpace(domain))
		if domain == "" {
			continue
		}
		if !strings.Contains(domain, ".") || strings.ContainsAny(domain, "/: ") {
			return fmt.Errorf("%q is not a domain; want domains separated by commas, e.g. gov.vn,play.google.com", domain)
		}
		c.LinkAllowlist = append(c.LinkAllowlist, domain)
	}
	return nil
}

func setLogLevel(c *config, v string) error {
	if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
		return errors.New("want debug, info, warn or error")
	}
	return nil
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
