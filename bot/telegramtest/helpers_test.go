package telegramtest_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
)

const wait = 10 * time.Second

var (
	alice = telegramtest.User{ID: 1001, FirstName: "Alice", LanguageCode: "en", Username: "alice"}
	bob   = telegramtest.User{ID: 1002, FirstName: "Bob", LanguageCode: "ru"}
)

// errorLog collects errors reported by go-telegram/bot's error handler.
type errorLog struct {
	mu   sync.Mutex
	errs []error
}

func (l *errorLog) add(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, err)
}

func (l *errorLog) all() []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]error(nil), l.errs...)
}

// startBot creates a go-telegram/bot client pointed at srv, starts its
// long-polling loop, and stops it (waiting for it to return) at cleanup.
func startBot(t *testing.T, srv *telegramtest.Server, handler bot.HandlerFunc, opts ...bot.Option) (*bot.Bot, *errorLog) {
	t.Helper()
	log := &errorLog{}
	if handler == nil {
		handler = func(context.Context, *bot.Bot, *models.Update) {}
	}
	all := append([]bot.Option{
		bot.WithServerURL(srv.URL()),
		bot.WithDefaultHandler(handler),
		bot.WithNotAsyncHandlers(),
		bot.WithErrorsHandler(log.add),
	}, opts...)
	b, err := bot.New(srv.Token(), all...)
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.Start(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return b, log
}

// newClient returns a bot that is not polling, for calling methods only.
func newClient(t *testing.T, srv *telegramtest.Server) *bot.Bot {
	t.Helper()
	b, err := bot.New(srv.Token(), bot.WithServerURL(srv.URL()), bot.WithSkipGetMe())
	require.NoError(t, err)
	return b
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	t.Cleanup(cancel)
	return ctx
}

// button is an InlineKeyboardButton as the Bot API specifies it, with one
// kind of field. go-telegram/bot's models.InlineKeyboardButton always sends
// an empty copy_text beside the others, which the fake refuses.
type button struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data,omitempty"`
	URL          string `json:"url,omitempty"`
}

// keyboard is an InlineKeyboardMarkup of buttons.
type keyboard struct {
	InlineKeyboard [][]button `json:"inline_keyboard"`
}

func inlineKeyboard(rows ...[]button) *keyboard {
	return &keyboard{InlineKeyboard: rows}
}

func cb(text, data string) button {
	return button{Text: text, CallbackData: data}
}
