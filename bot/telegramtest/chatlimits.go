package telegramtest

import (
	"math"
	"net/http"
	"strings"
	"time"
)

// ChatLimits are Telegram's per-chat flood limits, as WithChatLimits makes
// the fake enforce them. Each counts the messages the bot posts into the
// chat (send*, copy*, forward*; not sendChatAction) and its edits
// (editMessage*), over real time.
type ChatLimits struct {
	// PrivatePerSecond and PrivateBurst limit each private chat: a token
	// bucket of PrivateBurst tokens (at least 1), refilled at
	// PrivatePerSecond. Zero PrivatePerSecond: no limit.
	PrivatePerSecond float64
	PrivateBurst     int
	// GroupPerMinute limits each group, supergroup or channel: at most
	// this many in any 60 seconds. Zero: no limit.
	GroupPerMinute int
}

// WithChatLimits makes the fake answer 429 to a message or an edit that
// would break a chat's limit, with parameters.retry_after the whole seconds
// until one would be allowed again (at least 1), as Telegram does for a
// chat flooded by a bot. The global WithRateLimit is checked first.
func WithChatLimits(l ChatLimits) Option {
	return func(c *config) { c.chatLimits = &l }
}

// chatLimiter keeps the state of WithChatLimits, under Server.mu.
type chatLimiter struct {
	limits  ChatLimits
	private map[int64]*tokenBucket
	groups  map[int64][]time.Time // when each group's sends within the last minute went
}

func newChatLimiter(l ChatLimits) *chatLimiter {
	return &chatLimiter{limits: l, private: map[int64]*tokenBucket{}, groups: map[int64][]time.Time{}}
}

// isChatLimited reports whether a method counts against WithChatLimits.
func isChatLimited(name string) bool {
	return isRateLimited(name) || strings.HasPrefix(name, "editMessage")
}

// take counts one message into ch at now, or refuses it with the 429 to
// answer.
func (l *chatLimiter) take(ch *chatState, now time.Time) *apiError {
	var wait time.Duration
	if ch.kind == ChatPrivate {
		wait = l.takePrivate(ch.id, now)
	} else {
		wait = l.takeGroup(ch.id, now)
	}
	if wait <= 0 {
		return nil
	}
	return Fault{Status: http.StatusTooManyRequests, RetryAfter: int(math.Ceil(wait.Seconds()))}.apiError()
}

func (l *chatLimiter) takePrivate(id int64, now time.Time) time.Duration {
	if l.limits.PrivatePerSecond <= 0 {
		return 0
	}
	b := l.private[id]
	if b == nil {
		b = newTokenBucket(l.limits.PrivatePerSecond)
		b.capacity = float64(max(l.limits.PrivateBurst, 1))
		b.tokens = b.capacity
		l.private[id] = b
	}
	if b.take(now) {
		return 0
	}
	return time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
}

func (l *chatLimiter) takeGroup(id int64, now time.Time) time.Duration {
	if l.limits.GroupPerMinute <= 0 {
		return 0
	}
	sent := l.groups[id]
	for len(sent) > 0 && now.Sub(sent[0]) >= time.Minute {
		sent = sent[1:]
	}
	l.groups[id] = sent
	if len(sent) >= l.limits.GroupPerMinute {
		return sent[0].Add(time.Minute).Sub(now)
	}
	l.groups[id] = append(sent, now)
	return 0
}

// TooManyRequests counts the calls the fake answered 429, whatever the
// cause (WithRateLimit, WithChatLimits or FailNext).
func (s *Server) TooManyRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if c.Code == http.StatusTooManyRequests {
			n++
		}
	}
	return n
}
