package bot

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hotroso/hotroso/handlers"
)

// backlog holds the replies to chats that Telegram has slowed down (a 429
// paused the chat, and it is paced for a while after) and sends them in
// the background, each chat's in order. The update that made them is then
// done at once: one chat's pace never holds back the updates behind it,
// which long polling cannot confirm past an update in hand (see poller),
// nor that chat's own next updates.
//
// What waits here is in memory: a crash loses it, as it loses an edit
// that waits (Sender.Edit). It is only ever replies to a chat that is
// receiving faster than Telegram allows, in practice the answers to a
// resident's flood; relays among them that fail go to the outbox as usual.
type backlog struct {
	mu    sync.Mutex
	chats map[int64][]backlogged
	wg    sync.WaitGroup
}

// backlogged is a reply waiting in the backlog, with the update it answers
// (for the logs) and the chat to tell when it fails (Reply.IfFails).
type backlogged struct {
	updateID, eventChat int64
	reply               handlers.Reply
}

// add queues replies to chatID when force is set, or when the chat is
// slowed or already has replies waiting; it reports whether it did, and
// start whether the caller must start the chat's sender.
func (q *backlog) add(chatID int64, rs []backlogged, force, slowed bool) (queued, start bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	waiting, busy := q.chats[chatID]
	if !force && !slowed && !busy {
		return false, false
	}
	if q.chats == nil {
		q.chats = map[int64][]backlogged{}
	}
	q.chats[chatID] = append(waiting, rs...)
	if !busy {
		q.wg.Add(1)
	}
	return true, !busy
}

// next takes the chat's next reply; ok is false, and the chat is done,
// when none is left.
func (q *backlog) next(chatID int64) (r backlogged, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	waiting := q.chats[chatID]
	if len(waiting) == 0 {
		delete(q.chats, chatID)
		q.wg.Done()
		return backlogged{}, false
	}
	q.chats[chatID] = waiting[1:]
	return waiting[0], true
}

// wait waits until every chat's backlog is sent, or ctx ends.
func (q *backlog) wait(ctx context.Context) bool {
	done := make(chan struct{})
	go func() { q.wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}

// deferRest hands replies to chatID to the backlog when the chat is slowed
// or already has some waiting (or force says so), and then starts sending
// them on ctx; it reports whether it took them.
func (b *Bot) deferRest(ctx context.Context, updateID, eventChat, chatID int64, replies []handlers.Reply, force bool) bool {
	rs := make([]backlogged, len(replies))
	for i, r := range replies {
		rs[i] = backlogged{updateID: updateID, eventChat: eventChat, reply: r}
	}
	queued, start := b.backlog.add(chatID, rs, force, b.sender.Slowed(chatID))
	if start {
		go b.sendBacklog(context.WithoutCancel(ctx), chatID)
	}
	return queued
}

// sendBacklog sends a chat's backlog in order until none is left. It stops
// early, dropping the rest, when the bot stops (b.stopBacklog) and the chat
// blocked the bot.
func (b *Bot) sendBacklog(ctx context.Context, chatID int64) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(b.backlogCtx, cancel)
	defer stop()
	gaveUp := false
	for {
		r, ok := b.backlog.next(chatID)
		if !ok {
			return
		}
		if gaveUp || ctx.Err() != nil {
			b.log.Warn("reply dropped from a slowed chat's backlog", "update_id", r.updateID)
			continue
		}
		if _, err := b.sender.Send(ctx, chatID, r.reply); err != nil {
			b.log.Warn("reply not sent", "update_id", r.updateID, "err", err)
			if errors.Is(err, ErrBlocked) {
				gaveUp = true
				continue
			}
			b.undelivered(ctx, r.eventChat, r.reply, err)
		}
	}
}

// mayDefer marks a context whose first API call about a private chat may
// give up at once on a 429 (errWouldWait) instead of waiting out the pause,
// so that the reply can join the backlog; once a call went through, the
// rest of the reply (its other parts) waits as usual.
type mayDeferKey struct{}

func withMayDefer(ctx context.Context) context.Context {
	f := &atomic.Bool{}
	f.Store(true)
	return context.WithValue(ctx, mayDeferKey{}, f)
}

// mayDefer reports whether the context still allows giving up on a 429,
// and the flag to clear once a call went through (nil: never allowed).
func mayDefer(ctx context.Context) *atomic.Bool {
	f, _ := ctx.Value(mayDeferKey{}).(*atomic.Bool)
	return f
}

// errWouldWait: Telegram paused the chat, and the call gave up at once
// (withMayDefer) rather than wait.
var errWouldWait = errors.New("bot: the chat is paused by Telegram")

// Slowed reports whether a private chat is paused or paced after a 429:
// a reply to it would wait.
func (s *Sender) Slowed(chatID int64) bool {
	return chatID > 0 && s.pace.slowed(chatID, s.now())
}

// slowed reports whether the chat is paused or paced at now.
func (p *pacer) slowed(chatID int64, now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.chats[chatID]
	return st != nil && (st.pausedUntil.After(now) || st.slowUntil.After(now))
}
