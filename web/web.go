// Package web is the desk's second channel beside bot/: a chat page for
// residents who cannot reach Telegram. It serves /chat on the program's
// HTTP listener: server-rendered HTML whose every button is a plain form
// post (it works with JavaScript off), and one small script that upgrades
// the page to live replies by Server-Sent Events and posts without
// reloading. A resident is an anonymous web id (domain.NewWebID) in a
// signed cookie; every message to them goes into a durable, numbered log
// in the store (storage.WebChats), from which the page renders and the
// event stream resumes, so a dropped connection loses nothing and shows
// nothing twice. The desk reaches web residents through the Telegram
// sender, which hands this channel every reply, edit and copy of a web
// chat (bot.Route): so a volunteer's reply from Telegram reaches the page,
// and a web resident's photo reaches the volunteer as a new photo.
package web

import (
	"context"
	"embed"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/handlers"
	"github.com/hotroso/hotroso/locales"
	"github.com/hotroso/hotroso/metrics"
	"github.com/hotroso/hotroso/places"
	"github.com/hotroso/hotroso/storage"
)

// Desk is the desk as the web channel sees it.
type Desk interface {
	Handle(ctx context.Context, ev handlers.Event) (handlers.Response, error)
	// Apology is shown when handling failed unexpectedly.
	Apology(ev handlers.Event) handlers.Reply
	// Busy is shown when the store is unavailable.
	Busy(ev handlers.Event) handlers.Reply
}

// Telegram is the other channel, for what crosses between them: a web
// resident's card and photos to volunteers, a volunteer's photo to the page.
type Telegram interface {
	handlers.Messenger
	// Download fetches a file Telegram holds, by its file id.
	Download(ctx context.Context, fileID string) ([]byte, error)
}

// Store is what the web channel keeps, and the limiter of its rate limits.
type Store interface {
	storage.WebChats
	storage.Limiter
	storage.Outbox
	GetUser(ctx context.Context, id int64) (domain.User, error)
}

// Config is what a Channel needs. Zero durations and rates take the
// defaults named.
type Config struct {
	Store  Store
	Texts  *locales.Catalog
	Places *places.List
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// DefaultLanguage is the page's language until the resident picks one.
	DefaultLanguage string
	// Secure marks the cookies Secure (PUBLIC_URL is https).
	Secure bool
	// KeyRotation is how long a cookie key signs new cookies; the one
	// before it is still accepted. Default 30 days.
	KeyRotation time.Duration
	// IPRate and IPBurst bound requests from one address (default 3 a
	// second, bursts of 60); ResidentRate and ResidentBurst the posts of one
	// resident (default 1 a second, bursts of 20).
	IPRate        float64
	IPBurst       int
	ResidentRate  float64
	ResidentBurst int
	// Poll is how often a live page's stream also looks in the store, for
	// messages another instance wrote. Default 2 s.
	Poll time.Duration
	// Metrics counts the page's events beside Telegram's updates
	// (channel "web"); nil counts nothing.
	Metrics *metrics.Metrics
}

// MaxUpload is the largest photo a resident may send.
const MaxUpload = 10 << 20

//go:embed assets
var assets embed.FS

// Channel is the web chat. Its Messenger methods are safe for concurrent
// use.
type Channel struct {
	cfg    Config
	desk   Desk
	tg     Telegram
	keys   *keyRing
	live   *notifier
	locks  *chatLocks
	page   *template.Template
	mux    *http.ServeMux
	update atomic.Int64
}

// New makes the web chat.
func New(cfg Config) (*Channel, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Places == nil {
		cfg.Places = places.Default()
	}
	if cfg.DefaultLanguage == "" || !cfg.Texts.Has(cfg.DefaultLanguage) {
		cfg.DefaultLanguage = locales.Default
	}
	cfg.KeyRotation = orDefault(cfg.KeyRotation, 30*24*time.Hour)
	cfg.Poll = orDefault(cfg.Poll, 2*time.Second)
	cfg.IPRate, cfg.IPBurst = orDefault(cfg.IPRate, 3), orDefault(cfg.IPBurst, 60)
	cfg.ResidentRate, cfg.ResidentBurst = orDefault(cfg.ResidentRate, 1), orDefault(cfg.ResidentBurst, 20)
	page, err := template.New("chat.html").Funcs(template.FuncMap{"isImage": isImage}).ParseFS(assets, "assets/chat.html")
	if err != nil {
		return nil, fmt.Errorf("web: page template: %w", err)
	}
	c := &Channel{cfg: cfg, keys: newKeyRing(cfg.Store, cfg.Now, cfg.KeyRotation), live: newNotifier(), locks: newChatLocks(), page: page}
	c.update.Store(cfg.Now().UnixNano())
	c.mux = c.routes()
	return c, nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Attach gives the channel the desk it hands residents' events to and the
// Telegram channel it reaches volunteers through. Call it before serving.
func (c *Channel) Attach(desk Desk, tg Telegram) { c.desk, c.tg = desk, tg }

// ServeHTTP serves /chat and everything under it.
func (c *Channel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	c.mux.ServeHTTP(w, r)
}

// contentSecurityPolicy allows the page's own script, style and images
// only: no inline script or style, no other origin, no framing.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self'; " +
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// routes are the channel's paths.
func (c *Channel) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /chat", c.showPage)
	mux.HandleFunc("GET /chat/{$}", c.showPage)
	mux.HandleFunc("GET /chat/c/{code}", c.setCommune)
	mux.HandleFunc("POST /chat/press", c.press)
	mux.HandleFunc("POST /chat/say", c.say)
	mux.HandleFunc("POST /chat/lang", c.switchLanguage)
	mux.HandleFunc("GET /chat/events", c.stream)
	mux.HandleFunc("GET /chat/media/{seq}", c.media)
	mux.Handle("GET /chat/static/", http.StripPrefix("/chat/static/", staticFiles()))
	return mux
}
