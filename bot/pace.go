package bot

import (
	"context"
	"strconv"
	"sync"
	"time"
)

// Telegram's limits on one chat, as the Sender keeps them.
const (
	// groupRate and groupBurst pace every group chat (a negative chat id),
	// sends and edits together, across instances: a burst of 5, then one
	// every 4 seconds. No 60 seconds then hold more than 5+14 = 19
	// messages, under Telegram's 20 a minute, whatever the instances'
	// clocks and the network's delays.
	groupRate  = 15.0 / 60
	groupBurst = 5
	// slowInterval and slowFor: Telegram allows a private chat short
	// bursts and asks for about one message a second; after a 429 about a
	// private chat, the chat gets one message per slowInterval for slowFor.
	slowInterval = time.Second
	slowFor      = time.Minute
	// paceSweepEvery is how many turns pass between sweeps of the chats
	// whose pauses and pace are over.
	paceSweepEvery = 1024
)

// groupInterval is the time between two messages to a group at groupRate.
var groupInterval = time.Duration(float64(time.Second) / groupRate)

// pacer holds, in this process, the pauses Telegram asked for and the pace
// of each chat.
type pacer struct {
	mu sync.Mutex
	// global is when every call may go again: Telegram answered 429 to a
	// call about no chat, which is a limit on the whole bot.
	global time.Time
	chats  map[int64]*chatPace
	turns  int
}

// chatPace is one chat's state.
type chatPace struct {
	// pausedUntil is the end of Telegram's retry_after for this chat.
	pausedUntil time.Time
	// slowUntil: a private chat is paced at slowInterval until then.
	slowUntil time.Time
	// tat is the chat's theoretical arrival time (the generic cell rate
	// algorithm): of a slow private chat, or of a group when the shared
	// limiter is unavailable.
	tat time.Time
}

// waitTurn waits until a call about chatID may go: the pauses Telegram
// asked for, the pace of a slowed private chat, and the pace of a group.
// It waits for nothing else, so no chat waits behind another.
func (s *Sender) waitTurn(ctx context.Context, chatID int64) error {
	for {
		wait := s.pace.local(chatID, s.now())
		if wait <= 0 && chatID < 0 {
			wait = s.groupTurn(ctx, chatID)
		}
		if wait <= 0 {
			return nil
		}
		if err := s.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// groupTurn takes a group's next turn from the limiter shared by every
// instance, or from this process's own count when there is none or it is
// unavailable. It returns 0 when the message may go (and counts it), else
// how long to wait.
func (s *Sender) groupTurn(ctx context.Context, chatID int64) time.Duration {
	if s.groups != nil {
		wait, err := s.groups.Reserve(ctx, groupKey(chatID), groupRate, groupBurst, s.now())
		if err == nil {
			return wait
		}
		s.log.Warn("group pace kept by this instance alone", "err", err)
	}
	return s.pace.localGroup(chatID, s.now())
}

// tooMany records a 429 that asked to wait for wait: about chatID only
// (shared with the other instances for a group), or, about no chat, for
// every call.
func (s *Sender) tooMany(ctx context.Context, chatID int64, wait time.Duration) {
	until := s.now().Add(wait)
	s.pace.pause(chatID, until)
	scope := "chat"
	switch {
	case chatID == 0:
		scope = "bot"
	case chatID < 0:
		scope = "group"
		if s.groups != nil {
			if err := s.groups.PauseUntil(ctx, groupKey(chatID), until); err != nil {
				s.log.Warn("group pause not shared", "err", err)
			}
		}
	}
	s.log.Warn("telegram asked to slow down", "scope", scope, "retry_after_s", wait.Seconds())
}

// groupKey is a group's key in the shared limiter.
func groupKey(chatID int64) string {
	return "telegram:chat:" + strconv.FormatInt(chatID, 10)
}

// local is how long a call about chatID must wait for the pauses and the
// pace this process knows; 0 when it may go (a slowed chat's turn is then
// counted).
func (p *pacer) local(chatID int64, now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sweep(now)
	wait := p.global.Sub(now)
	st := p.chats[chatID]
	if st == nil || chatID == 0 {
		return wait
	}
	if wait = max(wait, st.pausedUntil.Sub(now)); wait > 0 {
		return wait
	}
	if chatID > 0 && now.Before(st.slowUntil) {
		return gcra(&st.tat, now, slowInterval, 1)
	}
	return 0
}

// localGroup paces a group in this process alone.
func (p *pacer) localGroup(chatID int64, now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return gcra(&p.chat(chatID).tat, now, groupInterval, groupBurst)
}

// pause records Telegram's retry_after: for every call when chatID is 0,
// else for the chat, and a private chat goes slowly for a while after.
func (p *pacer) pause(chatID int64, until time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if chatID == 0 {
		p.global = later(p.global, until)
		return
	}
	st := p.chat(chatID)
	st.pausedUntil = later(st.pausedUntil, until)
	if chatID > 0 {
		st.slowUntil = later(st.slowUntil, until.Add(slowFor))
	}
}

// chat is a chat's state, created when missing. p.mu must be held.
func (p *pacer) chat(chatID int64) *chatPace {
	st := p.chats[chatID]
	if st == nil {
		if p.chats == nil {
			p.chats = map[int64]*chatPace{}
		}
		st = &chatPace{}
		p.chats[chatID] = st
	}
	return st
}

// sweep drops, every paceSweepEvery turns, the chats whose pauses and pace
// are all over: a missing chat means the same. p.mu must be held.
func (p *pacer) sweep(now time.Time) {
	if p.turns++; p.turns < paceSweepEvery {
		return
	}
	p.turns = 0
	for id, st := range p.chats {
		if !st.pausedUntil.After(now) && !st.slowUntil.After(now) && !st.tat.After(now) {
			delete(p.chats, id)
		}
	}
}

// gcra is the generic cell rate algorithm on one theoretical arrival time:
// a message may go when tat is at most burst-1 intervals ahead of now, and
// moves it one interval on. It returns 0 when the message may go, else how
// long to wait (nothing counted).
func gcra(tat *time.Time, now time.Time, interval time.Duration, burst int) time.Duration {
	t := later(*tat, now)
	if ahead := t.Sub(now) - interval*time.Duration(max(burst, 1)-1); ahead > 0 {
		return ahead
	}
	*tat = t.Add(interval)
	return 0
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
