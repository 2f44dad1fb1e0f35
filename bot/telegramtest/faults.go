package telegramtest

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Fault is an injected failure for FailNext.
type Fault struct {
	// Status is the error_code to answer with (429, 403, 500, 400, ...).
	// Zero means "no error": with a Delay the call is then processed
	// normally after the delay.
	Status int
	// RetryAfter is parameters.retry_after for 429 answers (default 1).
	RetryAfter int
	// Description overrides the default error description.
	Description string
	// Delay holds the response back this long. The delay is cut short when
	// the request is cancelled or the server closes.
	Delay time.Duration
	// Disconnect drops the connection without answering (a network error
	// for the client), after Delay.
	Disconnect bool
}

// Common faults.
var (
	// FaultTooManyRequests is a 429 with retry_after 1.
	FaultTooManyRequests = Fault{Status: http.StatusTooManyRequests, RetryAfter: 1}
	// FaultForbidden is a 403 "bot was blocked by the user".
	FaultForbidden = Fault{Status: http.StatusForbidden}
	// FaultInternal is a 500 internal server error.
	FaultInternal = Fault{Status: http.StatusInternalServerError}
)

func (f Fault) apiError() *apiError {
	e := &apiError{Code: f.Status, Description: f.Description}
	switch f.Status {
	case http.StatusTooManyRequests:
		e.RetryAfter = f.RetryAfter
		if e.RetryAfter <= 0 {
			e.RetryAfter = 1
		}
		if e.Description == "" {
			e.Description = fmt.Sprintf("Too Many Requests: retry after %d", e.RetryAfter)
		}
	case http.StatusForbidden:
		if e.Description == "" {
			e.Description = "Forbidden: bot was blocked by the user"
		}
	case http.StatusInternalServerError:
		if e.Description == "" {
			e.Description = "Internal Server Error"
		}
	case http.StatusBadRequest:
		if e.Description == "" {
			e.Description = "Bad Request"
		}
	default:
		if e.Description == "" {
			e.Description = http.StatusText(f.Status)
		}
	}
	return e
}

// AnyMethod makes FailNext apply to whichever method is called next
// (getUpdates excepted).
const AnyMethod = "*"

// FailNext makes the next n calls of method (case-insensitive, or
// AnyMethod) fail with f. Faults queue up: later FailNext calls apply after
// earlier ones are used up. Faulted calls are recorded with Err set.
// It panics if method is not a Bot API method.
func (s *Server) FailNext(method string, n int, f Fault) {
	key := AnyMethod
	if method != AnyMethod {
		m, ok := lookupMethod(method)
		if !ok {
			panic(fmt.Sprintf("telegramtest: FailNext: unknown method %q", method))
		}
		key = strings.ToLower(m.Name)
	}
	if f.Status == 0 && f.Delay == 0 && !f.Disconnect {
		panic("telegramtest: FailNext: fault has no Status, Delay or Disconnect")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[key] = append(s.faults[key], f)
	}
}

// ClearFaults drops all queued faults.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.faults)
}

// FaultsLeft returns how many queued faults for method (or AnyMethod) have
// not been used yet. Taking a fault wakes WaitFor, so a test can wait until
// a delayed request has arrived.
func (s *Server) FaultsLeft(method string) int {
	key := AnyMethod
	if method != AnyMethod {
		key = strings.ToLower(method)
		if m, ok := lookupMethod(method); ok {
			key = strings.ToLower(m.Name)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.faults[key])
}

// takeFault pops the next fault for a method, if any.
func (s *Server) takeFault(method string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.faults) == 0 {
		return Fault{}, false
	}
	keys := []string{strings.ToLower(method)}
	if method != "getUpdates" {
		keys = append(keys, AnyMethod)
	}
	for _, k := range keys {
		if q := s.faults[k]; len(q) > 0 {
			f := q[0]
			if len(q) == 1 {
				delete(s.faults, k)
			} else {
				s.faults[k] = q[1:]
			}
			s.notifyLocked()
			return f, true
		}
	}
	return Fault{}, false
}

// BlockedBy makes the user block the bot: every send to their private chat
// (send*, copy*, forward*, sendChatAction) is answered 403 "Forbidden: bot
// was blocked by the user" until Unblock.
func (s *Server) BlockedBy(userID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocked[userID] = true
}

// Unblock undoes BlockedBy.
func (s *Server) Unblock(userID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.blocked, userID)
}

// isSendMethod reports whether a method posts into a chat (and is thus
// subject to BlockedBy).
func isSendMethod(name string) bool {
	return strings.HasPrefix(name, "send") || strings.HasPrefix(name, "copyMessage") || strings.HasPrefix(name, "forwardMessage")
}

// isRateLimited reports whether a method counts against WithRateLimit.
func isRateLimited(name string) bool {
	return isSendMethod(name) && name != "sendChatAction"
}

// tokenBucket is a simple token bucket over real time.
type tokenBucket struct {
	rate     float64
	capacity float64
	tokens   float64
	last     time.Time
}

func newTokenBucket(perSecond float64) *tokenBucket {
	c := max(perSecond, 1)
	return &tokenBucket{rate: perSecond, capacity: c, tokens: c, last: time.Now()}
}

// take consumes one token if available.
func (b *tokenBucket) take(now time.Time) bool {
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = min(b.capacity, b.tokens+elapsed*b.rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true
	}
	return false
}
