package telegramtest

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrTimeout is wrapped by the errors the Wait* methods return when the
// condition did not hold within the timeout.
var ErrTimeout = errors.New("telegramtest: timed out")

// ErrClosed is wrapped by the errors the Wait* methods return when the
// server was closed while waiting.
var ErrClosed = errors.New("telegramtest: server closed")

// WaitFor blocks until cond holds, re-evaluating it on every state change
// (recorded call, pushed or confirmed update, ...), or until timeout.
// cond runs without the server's lock held and may call Server methods.
func (s *Server) WaitFor(timeout time.Duration, cond func(*Snapshot) bool) error {
	_, err := s.waitUntil(timeout, "condition", cond)
	return err
}

// waitUntil is the waiting primitive: no polling, no sleeping; the timer is
// only an upper bound.
func (s *Server) waitUntil(timeout time.Duration, what string, cond func(*Snapshot) bool) (*Snapshot, error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		snap := s.snapshotLocked()
		changed := s.changed
		s.mu.Unlock()
		if cond(snap) {
			return snap, nil
		}
		select {
		case <-changed:
			continue
		case <-timer.C:
			if snap := s.Snapshot(); cond(snap) {
				return snap, nil
			}
			return snap, fmt.Errorf("%w after %v waiting for %s; %s", ErrTimeout, timeout, what, describe(snap))
		case <-s.closed:
			if snap := s.Snapshot(); cond(snap) {
				return snap, nil
			}
			return snap, fmt.Errorf("%w while waiting for %s; %s", ErrClosed, what, describe(snap))
		}
	}
}

// describe summarises the state for timeout errors.
func describe(snap *Snapshot) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d calls recorded, %d updates pending", len(snap.calls), snap.pending)
	var refused []string
	for _, c := range snap.calls {
		if c.Err != "" {
			refused = append(refused, c.Method+": "+c.Err)
		}
	}
	if n := len(refused); n > 0 {
		if n > 5 {
			refused = refused[n-5:]
		}
		fmt.Fprintf(&b, ", %d refused (latest: %s)", n, strings.Join(refused, "; "))
	}
	return b.String()
}

// WaitMessages blocks until the bot has sent at least n messages to chatID
// and returns all of them.
func (s *Server) WaitMessages(chatID int64, n int, timeout time.Duration) ([]Message, error) {
	snap, err := s.waitUntil(timeout, fmt.Sprintf("%d bot messages in chat %d", n, chatID), func(sn *Snapshot) bool {
		return sn.messageCount(chatID) >= n
	})
	if err != nil {
		msgs := snap.Messages(chatID)
		return msgs, fmt.Errorf("%w (chat %d has %d: %s)", err, chatID, len(msgs), summarize(msgs))
	}
	return snap.Messages(chatID), nil
}

func summarize(msgs []Message) string {
	if len(msgs) == 0 {
		return "none"
	}
	parts := make([]string, 0, len(msgs))
	for _, m := range msgs {
		body := m.PlainText
		if body == "" {
			body = "[" + m.Kind + "] " + m.PlainCaption
		}
		if len(body) > 60 {
			body = body[:60] + "…"
		}
		parts = append(parts, fmt.Sprintf("#%d %q", m.MessageID, body))
	}
	return strings.Join(parts, ", ")
}

// WaitMessage blocks until a bot message in chatID satisfies match and
// returns the most recent such message.
func (s *Server) WaitMessage(chatID int64, timeout time.Duration, match func(Message) bool) (Message, error) {
	var found Message
	_, err := s.waitUntil(timeout, fmt.Sprintf("a matching bot message in chat %d", chatID), func(sn *Snapshot) bool {
		msgs := sn.Messages(chatID)
		for i := len(msgs) - 1; i >= 0; i-- {
			if match(msgs[i].clone()) {
				found = msgs[i].clone()
				return true
			}
		}
		return false
	})
	return found, err
}

// WaitCalls blocks until at least n calls of method (refused ones
// included) were recorded and returns all calls of that method.
func (s *Server) WaitCalls(method string, n int, timeout time.Duration) ([]Call, error) {
	snap, err := s.waitUntil(timeout, fmt.Sprintf("%d %s calls", n, method), func(sn *Snapshot) bool {
		count := 0
		for _, c := range sn.calls {
			if strings.EqualFold(c.Method, method) {
				count++
			}
		}
		return count >= n
	})
	return snap.CallsOf(method), err
}

// WaitRefused blocks until at least n calls were refused and returns them.
func (s *Server) WaitRefused(n int, timeout time.Duration) ([]Call, error) {
	snap, err := s.waitUntil(timeout, fmt.Sprintf("%d refused calls", n), func(sn *Snapshot) bool {
		count := 0
		for _, c := range sn.calls {
			if c.Err != "" {
				count++
			}
		}
		return count >= n
	})
	return snap.Refused(), err
}

// WaitUpdatesConsumed blocks until every pushed update has been delivered
// through getUpdates and confirmed (a later poll used a higher offset).
// Note that the bot's handler may still be running when it returns.
func (s *Server) WaitUpdatesConsumed(timeout time.Duration) error {
	_, err := s.waitUntil(timeout, "all updates to be consumed", func(sn *Snapshot) bool {
		return sn.pending == 0
	})
	return err
}

// WaitPolling blocks until a getUpdates long poll is waiting for updates,
// i.e. the bot has started and drained everything pending.
func (s *Server) WaitPolling(timeout time.Duration) error {
	_, err := s.waitUntil(timeout, "a waiting getUpdates long poll", func(sn *Snapshot) bool {
		return sn.polling > 0
	})
	return err
}

// WaitCallbackAnswer blocks until the callback query created by the update
// updateID (see PressButton) was answered successfully, and returns the
// answerCallbackQuery call.
func (s *Server) WaitCallbackAnswer(updateID int64, timeout time.Duration) (Call, error) {
	s.mu.Lock()
	id, ok := s.callbackByUp[updateID]
	s.mu.Unlock()
	if !ok {
		return Call{}, fmt.Errorf("telegramtest: update %d is not a callback query", updateID)
	}
	var answer Call
	_, err := s.waitUntil(timeout, "answer to callback query "+id, func(sn *Snapshot) bool {
		for _, c := range sn.calls {
			if c.Method == "answerCallbackQuery" && c.Err == "" && c.Params["callback_query_id"] == id {
				answer = c.clone()
				return true
			}
		}
		return false
	})
	return answer, err
}

// CallbackQueryID returns the callback_query id of the update updateID.
func (s *Server) CallbackQueryID(updateID int64) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.callbackByUp[updateID]
	return id, ok
}
