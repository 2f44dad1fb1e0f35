package bot

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/handlers"
	"github.com/hotroso/hotroso/storage"
	"github.com/hotroso/hotroso/storage/embedded"
)

const wait = 20 * time.Second

const testToken = "123456789:AAFakeTokenForTestsOnly_abcdefghijk"

// scriptedDesk answers by the text it gets: "boom" panics, "down" fails as
// if the store were unavailable, "long" answers with 9,000 characters,
// anything else is echoed with a button.
type scriptedDesk struct{}

func (scriptedDesk) Handle(_ context.Context, ev handlers.Event) (handlers.Response, error) {
	switch {
	case ev.Text == "boom":
		panic("handler bug")
	case ev.Text == "down":
		return handlers.Response{}, errors.Join(storage.ErrUnavailable, errors.New("connection refused"))
	case ev.Text == "long":
		return handlers.Response{Replies: []handlers.Reply{{Text: strings.Repeat("dòng chữ dài\n", 700), Buttons: [][]handlers.Button{{{Label: "OK", Data: "ok"}}}}}}, nil
	case ev.Kind == handlers.EventButton:
		return handlers.Response{Notice: "got " + ev.Data}, nil
	}
	return handlers.Response{Replies: []handlers.Reply{{Text: "echo: " + ev.Text, Buttons: [][]handlers.Button{{{Label: "Press", Data: "p"}}}}}}, nil
}

func (scriptedDesk) Apology(ev handlers.Event) handlers.Reply {
	return handlers.Reply{ChatID: ev.ChatID, Text: "sorry"}
}

func (scriptedDesk) Busy(ev handlers.Event) handlers.Reply {
	return handlers.Reply{ChatID: ev.ChatID, Text: "busy"}
}

type running struct {
	api   *telegramtest.Server
	bot   *Bot
	store storage.Store
}

func startBot(t *testing.T) *running {
	t.Helper()
	api := telegramtest.New(t, telegramtest.WithToken(testToken))
	store, err := embedded.Open(filepath.Join(t.TempDir(), "bot.db"))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	b, err := New(ctx, Config{Token: testToken, ServerURL: api.URL(), Store: store, Workers: 4})
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx, scriptedDesk{}) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
		require.NoError(t, store.Close())
	})
	require.NoError(t, api.WaitPolling(wait))
	return &running{api: api, bot: b, store: store}
}

func TestPanickingHandlerIsRecoveredAndTheUserGetsAnApology(t *testing.T) {
	r := startBot(t)
	u := telegramtest.User{ID: 11}
	r.api.SendText(u, "boom")
	r.api.SendText(u, "still there?")
	msgs, err := r.api.WaitMessages(u.ID, 2, wait)
	require.NoError(t, err)
	assert.Equal(t, "sorry", msgs[0].Text)
	assert.Equal(t, "echo: still there?", msgs[1].Text, "the chat goes on after a panic")
}

func TestStoreOutageGetsABusyMessage(t *testing.T) {
	r := startBot(t)
	u := telegramtest.User{ID: 12}
	r.api.SendText(u, "down")
	msgs, err := r.api.WaitMessages(u.ID, 1, wait)
	require.NoError(t, err)
	assert.Equal(t, "busy", msgs[0].Text)
}

func TestEveryButtonIsAnswered(t *testing.T) {
	r := startBot(t)
	u := telegramtest.User{ID: 13}
	r.api.SendText(u, "hi")
	_, err := r.api.WaitMessages(u.ID, 1, wait)
	require.NoError(t, err)
	id, err := r.api.PressButton(u, "Press")
	require.NoError(t, err)
	answer, err := r.api.WaitCallbackAnswer(id, wait)
	require.NoError(t, err)
	assert.Equal(t, "got p", answer.Params["text"])
	// A button from a message the bot cannot see any more, and one with
	// data of another bot's, are acknowledged too.
	ids := []int64{
		r.api.PushUpdate(map[string]any{"callback_query": map[string]any{"id": "cq-inline", "from": map[string]any{"id": 13, "is_bot": false, "first_name": "U"}, "chat_instance": "1", "data": "x"}}),
	}
	for _, id := range ids {
		_, err := r.api.WaitCallbackAnswer(id, wait)
		require.NoError(t, err)
	}
	assert.Empty(t, r.api.Unanswered())
}

func TestLongTextIsSplitWithTheButtonsUnderTheLastPart(t *testing.T) {
	r := startBot(t)
	u := telegramtest.User{ID: 14}
	r.api.SendText(u, "long")
	require.NoError(t, r.api.WaitUpdatesConsumed(wait))
	msgs, err := r.api.WaitMessages(u.ID, 3, wait)
	require.NoError(t, err)
	var joined strings.Builder
	for i, m := range msgs {
		joined.WriteString(m.Text)
		assert.Equal(t, i == len(msgs)-1, m.Buttons != nil, "buttons only under the last part")
	}
	assert.Equal(t, 700, strings.Count(joined.String(), "dòng chữ dài"), "nothing lost")
	assert.Empty(t, r.api.Refused())
}

// fakeClock is a Sender's clock that moves only when the Sender sleeps,
// at once, by the whole wait; it records the waits.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2026, 3, 9, 8, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.waits = append(c.waits, d)
		c.now = c.now.Add(d)
	}
	return ctx.Err()
}

func (c *fakeClock) recorded() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

// senderFor is a Sender on the running bot's API and store (which paces
// groups), on a fake clock.
func senderFor(t *testing.T, r *running) (*Sender, *fakeClock) {
	clock := newFakeClock()
	s := NewSender(r.bot.api, r.store, r.store, time.Second, r.bot.log)
	s.now, s.sleep = clock.Now, clock.sleep
	t.Cleanup(func() { s.Close(context.Background()) })
	return s, clock
}

func TestSenderWaitsOutTooManyRequestsAndRetries(t *testing.T) {
	r := startBot(t)
	u := telegramtest.User{ID: 15}
	r.api.AddChat(u.ID, telegramtest.ChatPrivate) // the user has opened the chat

	s, clock := senderFor(t, r)
	r.api.FailNext("sendMessage", 2, telegramtest.Fault{Status: 429, RetryAfter: 3})
	require.NoError(t, sendErr(s.Send(context.Background(), u.ID, handlers.Reply{Text: "after the wait"})))
	msgs := r.api.Messages(u.ID)
	assert.Equal(t, "after the wait", msgs[len(msgs)-1].Text)
	assert.Equal(t, []time.Duration{3 * time.Second, 3 * time.Second}, clock.recorded(), "waited retry_after twice")
	assert.Len(t, r.api.CallsOf("sendMessage"), 3, "2 refused, 1 delivered")
}

func TestSenderRetriesServerErrors(t *testing.T) {
	r := startBot(t)
	u := telegramtest.User{ID: 16}
	r.api.AddChat(u.ID, telegramtest.ChatPrivate) // the user has opened the chat
	s, _ := senderFor(t, r)
	r.api.FailNext("sendMessage", 1, telegramtest.Fault{Status: 500})
	require.NoError(t, sendErr(s.Send(context.Background(), u.ID, handlers.Reply{Text: "through"})))
	r.api.FailNext("sendMessage", 5, telegramtest.Fault{Status: 500})
	assert.Error(t, sendErr(s.Send(context.Background(), u.ID, handlers.Reply{Text: "gives up"})))
}

func TestSenderMarksUsersWhoBlockedTheBot(t *testing.T) {
	r := startBot(t)
	u := telegramtest.User{ID: 17}
	ctx := context.Background()
	require.NoError(t, r.store.PutUser(ctx, domain.User{ID: u.ID, Role: domain.RoleResident}))
	r.api.AddChat(u.ID, telegramtest.ChatPrivate) // the user has opened the chat
	r.api.BlockedBy(u.ID)
	s, _ := senderFor(t, r)
	err := sendErr(s.Send(ctx, u.ID, handlers.Reply{Text: "anyone?"}))
	assert.ErrorIs(t, err, ErrBlocked)
	stored, err := r.store.GetUser(ctx, u.ID)
	require.NoError(t, err)
	assert.True(t, stored.Blocked)
}

func TestPhotoWithALongCaptionSendsTheTextAfterIt(t *testing.T) {
	r := startBot(t)
	u := telegramtest.User{ID: 18}
	r.api.AddChat(u.ID, telegramtest.ChatPrivate) // the user has opened the chat
	s, _ := senderFor(t, r)
	png := []byte("\x89PNG\r\n\x1a\n")
	text := strings.Repeat("chú thích ", 150) // 1,500 characters: over the caption limit
	require.NoError(t, sendErr(s.Send(context.Background(), u.ID, handlers.Reply{Text: text, Photo: &handlers.Photo{Name: "a.png", Data: png}, Buttons: [][]handlers.Button{{{Label: "OK", Data: "ok"}}}})))
	msgs := r.api.Messages(u.ID)
	photo, caption := msgs[len(msgs)-2], msgs[len(msgs)-1]
	assert.True(t, photo.Photo)
	assert.Empty(t, photo.Caption)
	assert.Equal(t, text, caption.Text)
	assert.NotNil(t, caption.Buttons)
}

func sendErr(_ int, err error) error { return err }
