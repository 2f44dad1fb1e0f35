package bot

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
)

// A chat that Telegram slowed down (a 429 about it) gets every reply, in
// order, from the backlog, while the updates that made them are done at
// once: long polling confirms them before their replies are all sent, so
// they hold back no other chat's updates (polling sees at most the 100
// oldest unconfirmed updates).
func TestASlowedChatsRepliesWaitInTheBacklogNotItsUpdates(t *testing.T) {
	api := telegramtest.New(t, telegramtest.WithToken(testToken),
		telegramtest.WithChatLimits(telegramtest.ChatLimits{PrivatePerSecond: 1, PrivateBurst: 2, GroupPerMinute: 20}))
	sent := &offsets{more: make(chan struct{})}
	runBot(t, api, openTestStore(t), scriptedDesk{}, 10*time.Second, func(next http.RoundTripper) http.RoundTripper {
		sent.next = next
		return sent
	})
	flooder := telegramtest.User{ID: 71, FirstName: "A"}
	const n = 6
	var last int64
	for i := range n {
		last = api.SendText(flooder, fmt.Sprintf("m%d", i))
	}
	for confirmed := false; !confirmed; {
		offs := sent.after(t, 1)
		confirmed = offs[len(offs)-1] > last
	}
	assert.Less(t, len(api.Messages(flooder.ID)), n, "every update was confirmed before its replies were all sent")

	got, err := api.WaitMessages(flooder.ID, n, 2*wait)
	require.NoError(t, err)
	for i, m := range got {
		assert.Equal(t, fmt.Sprintf("echo: m%d", i), m.Text, "in order")
	}
	assert.LessOrEqual(t, api.TooManyRequests(), 1, "after one 429 the chat is paced, not refused again")
}
