package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
)

// An organizer's announcement reaches a Telegram resident by Telegram and
// a web resident on their page: live on the open page's stream, and in
// the page at the next visit, with the button that stops announcements.
// Both count as sent, none as failed.
func TestBroadcastReachesWebResidents(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		a := startApp(t, backend, map[string]string{"ORGANIZER_IDS": "900", "WEB_CHAT": "on", "QUIET_HOURS": "0-0"})
		base := webChatBase(t, a)
		tg := newChat(t, a, 44, "vi")
		tg.say("/start")
		tg.next()
		w := newWebResident(t, base)
		w.open()
		require.True(t, w.shows("Xin chào bác"))
		live := w.stream("")
		org := newChat(t, a, 900, "vi")

		final := announce(t, a, org, "Chủ nhật này tổ công nghệ số hướng dẫn cài VNeID tại nhà văn hoá.\nBác mang theo thẻ căn cước nhé.")
		// Everyone: the two residents and the organizer.
		assert.Contains(t, final, "3/3 · đã gửi 3 · đã chặn bot 0 · lỗi 0", "the web resident counts as sent")
		assert.Equal(t, 1, copiesPerChat(a.api)[44], "the Telegram resident gets it by Telegram")
		ev := live.until(t, "Chủ nhật này tổ công nghệ số")
		assert.Contains(t, ev.Data, "Bác mang theo thẻ căn cước nhé.", "the whole announcement, not its first line")
		w.open()
		assert.Contains(t, w.last(), "Chủ nhật này tổ công nghệ số hướng dẫn cài VNeID tại nhà văn hoá.", "on the page at the next visit")
		w.press("🔕 Không nhận thông báo nữa")
		assert.Contains(t, w.last(), "không nhận thông báo", "the stop button works on the page")

		announce(t, a, org, "Thông báo thứ hai")
		w.open()
		assert.False(t, w.shows("Thông báo thứ hai"), "the web resident who stopped them gets no more")
	})
}

// webChatBase is the web chat's base URL from the program's banner.
func webChatBase(t *testing.T, a *app) string {
	t.Helper()
	a.api.AddChat(volunteerGroup, telegramtest.ChatSupergroup)
	m := webChatURL.FindStringSubmatch(a.stdout.String())
	require.NotNil(t, m, "the banner names the web chat; stdout:\n%s", a.stdout.String())
	return m[1]
}
