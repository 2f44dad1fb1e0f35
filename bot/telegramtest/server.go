package telegramtest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// DefaultToken is the bot token used unless WithToken is given.
const DefaultToken = "123456:TEST-token"

// DefaultBotUsername is the bot's username unless WithBotUser is given.
const DefaultBotUsername = "hotroso_test_bot"

// Option configures a Server.
type Option func(*config)

type config struct {
	token         string
	botUsername   string
	botFirstName  string
	ratePerSecond float64
	retryAfter    int
	lenientMarkup bool
	clock         func() time.Time
	chatLimits    *ChatLimits
}

// WithToken sets the bot token the server accepts (default DefaultToken).
// The bot's user id is the part before the colon.
func WithToken(token string) Option { return func(c *config) { c.token = token } }

// WithBotUser sets the username getMe reports (default DefaultBotUsername).
func WithBotUser(username string) Option {
	return func(c *config) { c.botUsername = strings.TrimPrefix(username, "@") }
}

// WithBotName sets the first_name getMe reports.
func WithBotName(firstName string) Option { return func(c *config) { c.botFirstName = firstName } }

// WithRateLimit enables a global flood limit on sending methods (send*,
// copy*, forward*; not sendChatAction): a token bucket holding
// max(1, perSecond) tokens, refilled at perSecond tokens per real second.
// A send that finds the bucket empty is answered 429 with
// parameters.retry_after = retryAfter (1 if retryAfter <= 0). perSecond <= 0
// disables the limit (the default).
func WithRateLimit(perSecond float64, retryAfter int) Option {
	return func(c *config) {
		c.ratePerSecond = perSecond
		c.retryAfter = retryAfter
	}
}

// WithLenientMarkup disables parse_mode checking: HTML/Markdown that the
// real API would refuse with "can't parse entities" is accepted verbatim.
func WithLenientMarkup() Option { return func(c *config) { c.lenientMarkup = true } }

// WithClock sets the clock used for timestamps (Call.At, Message.Date and
// the date fields of updates). It does not affect timeouts, long polling or
// the rate limiter, which always use real time.
func WithClock(now func() time.Time) Option { return func(c *config) { c.clock = now } }

// Server is a fake Telegram Bot API server. All methods are safe for
// concurrent use.
type Server struct {
	cfg    config
	botID  int64
	ts     *httptest.Server
	closed chan struct{}
	once   sync.Once

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every state change
	queueCh chan struct{} // closed and replaced when the update queue changes

	// updates
	nextUpdateID   int64
	pending        []*queuedUpdate // pushed, not yet confirmed; ascending ids but for redeliveries
	pushedCount    int64
	pushedRaw      map[int64][]byte // every pushed update by id, for Redeliver
	onBotMessage   func(chatID int64)
	allowedUpdates []string // nil: Telegram's default set
	activePolls    int      // getUpdates requests currently blocked waiting
	webhookURL     string

	// chats and messages
	chats map[int64]*chatState

	// recorded calls
	calls []Call

	// callback queries by id
	callbacks    map[string]*callbackState
	callbackByUp map[int64]string
	nextCallback int64

	// files by file_id and by file_path
	files      map[string]*File
	filePaths  map[string]string // file_path -> file_id
	nextFileID int64

	// parsed reply markups by their text
	markups map[string]markup

	// bot commands by scope key
	commands map[string]json.RawMessage

	// faults
	faults  map[string][]Fault // lower-case method name ("*" = any)
	blocked map[int64]bool
	bucket  *tokenBucket
	perChat *chatLimiter
}

// New starts a fake Bot API server for a test and closes it in t.Cleanup.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := NewServer(opts...)
	t.Cleanup(s.Close)
	return s
}

// NewServer starts a fake Bot API server. Call Close when done.
func NewServer(opts ...Option) *Server {
	cfg := config{
		token:        DefaultToken,
		botUsername:  DefaultBotUsername,
		botFirstName: "Hotroso Test Bot",
		clock:        time.Now,
	}
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{
		cfg:          cfg,
		closed:       make(chan struct{}),
		changed:      make(chan struct{}),
		queueCh:      make(chan struct{}),
		nextUpdateID: 1,
		chats:        make(map[int64]*chatState),
		callbacks:    make(map[string]*callbackState),
		callbackByUp: make(map[int64]string),
		files:        make(map[string]*File),
		filePaths:    make(map[string]string),
		markups:      make(map[string]markup),
		commands:     make(map[string]json.RawMessage),
		faults:       make(map[string][]Fault),
		blocked:      make(map[int64]bool),
	}
	if id, err := strconv.ParseInt(strings.SplitN(cfg.token, ":", 2)[0], 10, 64); err == nil {
		s.botID = id
	}
	if cfg.ratePerSecond > 0 {
		s.bucket = newTokenBucket(cfg.ratePerSecond)
	}
	if cfg.chatLimits != nil {
		s.perChat = newChatLimiter(*cfg.chatLimits)
	}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// Close releases blocked long polls and delayed responses, then shuts the
// HTTP server down. It is safe to call more than once.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.closed)
		s.mu.Lock()
		s.notifyLocked()
		s.mu.Unlock()
		// Graceful: requests already being answered complete; long polls
		// and injected delays return promptly because s.closed is closed.
		s.ts.Close()
	})
}

// URL returns the server's base URL, suitable for bot.WithServerURL.
func (s *Server) URL() string { return s.ts.URL }

// Token returns the bot token the server accepts.
func (s *Server) Token() string { return s.cfg.token }

// BotID returns the bot's user id (the numeric prefix of the token).
func (s *Server) BotID() int64 { return s.botID }

// BotUsername returns the bot's username (without "@").
func (s *Server) BotUsername() string { return s.cfg.botUsername }

// Client returns an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.ts.Client() }

func (s *Server) now() time.Time { return s.cfg.clock() }

// isClosed reports whether Close was called.
func (s *Server) isClosed() bool {
	select {
	case <-s.closed:
		return true
	default:
		return false
	}
}

// notifyLocked wakes every waiter; s.mu must be held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// queueChangedLocked wakes long polls (and every waiter); s.mu must be held.
func (s *Server) queueChangedLocked() {
	close(s.queueCh)
	s.queueCh = make(chan struct{})
	s.notifyLocked()
}

// apiError is an error answer of the Bot API.
type apiError struct {
	Code        int
	Description string
	RetryAfter  int
}

// Error returns the description, as the API would.
func (e *apiError) Error() string { return e.Description }

func badRequest(desc string) *apiError {
	return &apiError{Code: http.StatusBadRequest, Description: "Bad Request: " + desc}
}

// writeBody writes a JSON answer.
func writeBody(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeResult writes a successful answer. The body is what a
// json.Encoder writes for {"ok":true,"result":result}.
func writeResult(w http.ResponseWriter, result any) {
	buf := getBuffer()
	b := append(*buf, `{"ok":true,"result":`...)
	switch r := result.(type) {
	case apiMessage:
		b = r.appendJSON(b)
	case bool:
		b = strconv.AppendBool(b, r)
	default:
		b = append(b, mustJSON(result)...)
	}
	b = append(b, "}\n"...)
	writeBody(w, http.StatusOK, b)
	putBuffer(buf, b)
}

// writeAPIError writes an error answer, with the members in the order
// encoding/json gives them.
func writeAPIError(w http.ResponseWriter, e *apiError) {
	o := beginObject(make([]byte, 0, 128))
	o.string("description", e.Description)
	o.int("error_code", int64(e.Code))
	o.bool("ok", false)
	if e.RetryAfter > 0 {
		o.name("parameters")
		p := beginObject(o.buf)
		p.int("retry_after", int64(e.RetryAfter))
		o.buf = p.end()
	}
	writeBody(w, e.Code, append(o.end(), '\n'))
}

// serveHTTP routes /bot<token>/<method> and /file/bot<token>/<path>.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	switch {
	case strings.HasPrefix(path, "/file/bot"):
		s.serveFile(w, r, strings.TrimPrefix(path, "/file/bot"))
	case strings.HasPrefix(path, "/bot"):
		rest := strings.TrimPrefix(path, "/bot")
		token, method, ok := strings.Cut(rest, "/")
		if !ok {
			writeAPIError(w, &apiError{Code: http.StatusNotFound, Description: "Not Found"})
			return
		}
		// go-telegram/bot's test environment uses /bot<token>/test/<method>.
		method = strings.TrimPrefix(method, "test/")
		if token != s.cfg.token {
			e := &apiError{Code: http.StatusUnauthorized, Description: "Unauthorized"}
			s.record(Call{Method: method, At: s.now()}, e)
			writeAPIError(w, e)
			return
		}
		s.serveMethod(w, r, method)
	default:
		writeAPIError(w, &apiError{Code: http.StatusNotFound, Description: "Not Found"})
	}
}

// record appends a call (with its outcome) and wakes waiters.
func (s *Server) record(c Call, err *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recordLocked(c, err)
}

func (s *Server) recordLocked(c Call, err *apiError) {
	if err != nil {
		c.Code = err.Code
		c.Err = err.Description
	}
	s.calls = append(s.calls, c)
	s.notifyLocked()
}
