package main

import (
	"testing"

	"github.com/hotroso/hotroso/bot/telegramtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOneChatsUpdatesAreHandledInOrder(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		a := startApp(t, backend, nil)
		u := resident(1401, "vi")
		a.api.SendText(u, "/lang")
		msgs, err := a.api.WaitMessages(u.ID, 1, wait)
		require.NoError(t, err)
		// 50 language switches arrive at once; handled in order, the
		// replies alternate exactly.
		const n = 50
		for i := range n {
			a.api.PressData(u, msgs[0].MessageID, []string{"l:en", "l:vi"}[i%2])
		}
		msgs, err = a.api.WaitMessages(u.ID, 1+n, wait)
		require.NoError(t, err)
		for i, m := range msgs[1:] {
			want := []string{"Switched to English", "Đã chuyển sang tiếng Việt"}[i%2]
			require.Contains(t, m.Text, want, "reply %d out of order", i)
		}
	})
}

func TestManyChatsAtOnceAreAllAnswered(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		a := startApp(t, backend, nil)
		const chats = 200
		for i := range chats {
			a.api.SendText(resident(int64(20000+i), "vi"), "/start")
		}
		err := a.api.WaitFor(wait, func(s *telegramtest.Snapshot) bool {
			for i := range chats {
				if len(s.Messages(int64(20000+i))) == 0 {
					return false
				}
			}
			return true
		})
		require.NoError(t, err)
		for i := range chats {
			msgs := a.api.Messages(int64(20000 + i))
			require.Len(t, msgs, 1, "chat %d answered exactly once", i)
		}
	})
}

func TestDuplicateUpdatesAreHandledOnce(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		a := startApp(t, backend, nil)
		u := resident(1601, "vi")
		id := a.api.SendText(u, "/start")
		_, err := a.api.WaitMessages(u.ID, 1, wait)
		require.NoError(t, err)
		require.NoError(t, a.api.Redeliver(id)) // Telegram sends update 1 again
		a.api.SendText(u, "/help")              // handled after the copy
		_, err = a.api.WaitMessages(u.ID, 2, wait)
		require.NoError(t, err)
		require.NoError(t, a.api.WaitUpdatesConsumed(wait))
		msgs := a.api.Messages(u.ID)
		require.Len(t, msgs, 2, "the repeated update_id is handled once")
		assert.Contains(t, msgs[1].Text, "Cách dùng")
	})
}
