package telegramtest_test

import (
	"context"
	"sync"
	"testing"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
)

func TestRedeliverSendsTheSameUpdateIDAgain(t *testing.T) {
	srv := telegramtest.New(t)
	var (
		mu  sync.Mutex
		ids []int64
	)
	got := make(chan struct{}, 4)
	b, err := tgbot.New(srv.Token(), tgbot.WithServerURL(srv.URL()), tgbot.WithNotAsyncHandlers(),
		tgbot.WithDefaultHandler(func(_ context.Context, _ *tgbot.Bot, u *models.Update) {
			mu.Lock()
			ids = append(ids, u.ID)
			mu.Unlock()
			got <- struct{}{}
		}))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.Start(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	first := srv.SendText(telegramtest.User{ID: 5}, "hi")
	<-got
	require.NoError(t, srv.WaitUpdatesConsumed(wait))
	require.NoError(t, srv.Redeliver(first))
	<-got
	second := srv.SendText(telegramtest.User{ID: 5}, "again")
	<-got
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []int64{first, first, second}, ids)
	assert.Error(t, srv.Redeliver(99999))
}
