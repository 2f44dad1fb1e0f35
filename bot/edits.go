package bot

import (
	"context"
	"strings"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/hotroso/hotroso/handlers"
)

// edits coalesces the edits of each message: the first goes at once, and
// the ones that come within the interval after it wait, each replacing the
// text the last one wanted, until the interval has passed; then the latest
// text goes (the trailing edit), and so on. A question's card that a
// flood of notes would edit a hundred times is edited once every few
// seconds, and always ends with the latest text.
type edits struct {
	every   time.Duration
	mu      sync.Mutex
	pending map[editKey]*edit // messages with an editor running
	closed  bool
	// rest is cancelled by Close: editors stop resting between edits.
	rest     context.Context
	stopRest context.CancelFunc
	// life is cancelled when Close gives up waiting: editors stop.
	life    context.Context
	stopAll context.CancelFunc
	wg      sync.WaitGroup
}

// editKey names a message.
type editKey struct {
	chatID    int64
	messageID int
}

// edit is the text and buttons a message should have; dirty while they
// are not sent yet.
type edit struct {
	text    string
	buttons [][]handlers.Button
	dirty   bool
}

func (e *edits) init(every time.Duration) {
	e.every = every
	e.pending = map[editKey]*edit{}
	e.rest, e.stopRest = context.WithCancel(context.Background())
	e.life, e.stopAll = context.WithCancel(context.Background())
}

// Edit replaces a message's text and buttons. Edits of one message are
// coalesced: the first goes at once, later ones at most once in the edit
// interval, the latest text last; so Edit returns before the edit is made,
// and its failures are logged, not returned. After Close, it edits at
// once. An edit that changes nothing is not an error.
func (s *Sender) Edit(ctx context.Context, chatID int64, messageID int, text string, buttons [][]handlers.Button) error {
	if s.otherChannel(chatID, nil) {
		return s.elsewhere.Edit(ctx, chatID, messageID, text, buttons)
	}
	e := &s.edits
	e.mu.Lock()
	key := editKey{chatID, messageID}
	want, running := e.pending[key]
	if e.closed && !running {
		e.mu.Unlock()
		return s.editNow(ctx, chatID, messageID, text, buttons)
	}
	if !running {
		want = &edit{}
		e.pending[key] = want
	}
	want.text, want.buttons, want.dirty = text, buttons, true
	if !running {
		e.wg.Add(1)
		go s.editor(key, want)
	}
	e.mu.Unlock()
	return nil
}

// editor makes a message's edits: the text it should have, then a rest of
// the edit interval, as long as a new text came meanwhile.
func (s *Sender) editor(key editKey, want *edit) {
	e := &s.edits
	defer e.wg.Done()
	for {
		e.mu.Lock()
		if !want.dirty {
			delete(e.pending, key)
			e.mu.Unlock()
			return
		}
		text, buttons := want.text, want.buttons
		want.dirty = false
		e.mu.Unlock()
		if err := s.editNow(e.life, key.chatID, key.messageID, text, buttons); err != nil {
			s.log.Warn("message not edited", "err", err)
		}
		_ = s.sleep(e.rest, e.every) // cut short by Close: the rest goes at once
	}
}

// editNow replaces a message's text and buttons now.
func (s *Sender) editNow(ctx context.Context, chatID int64, messageID int, text string, buttons [][]handlers.Button) error {
	params := &tgbot.EditMessageTextParams{ChatID: chatID, MessageID: messageID, Text: text, ReplyMarkup: keyboard(buttons),
		LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tgbot.True()}}
	err := s.call(ctx, chatID, func(ctx context.Context) error {
		_, err := s.api.EditMessageText(ctx, params)
		return err
	})
	if err != nil && strings.Contains(err.Error(), "message is not modified") {
		return nil
	}
	return err
}

// Close sends the edits that wait, without resting between them, and
// returns when they are made or, when ctx ends first, abandons them. Edits
// after Close are made at once.
func (s *Sender) Close(ctx context.Context) {
	e := &s.edits
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	e.stopRest()
	done := make(chan struct{})
	go func() { e.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		e.stopAll()
		<-done
	}
}
