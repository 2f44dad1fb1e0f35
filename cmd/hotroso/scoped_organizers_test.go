package main

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
	"github.com/hotroso/hotroso/domain"
)

// inviteCode is the /start payload of the invite link in text.
func inviteCode(t *testing.T, text string) string {
	t.Helper()
	i := strings.Index(text, "start=")
	require.Positive(t, i, "an invite link in %q", text)
	return strings.Fields(text[i+len("start="):])[0]
}

// An organizer invited for one commune: their invites, /volunteers,
// removals and broadcast audiences stay within it, checked on the server
// whatever a button says; the province organizer's are unchanged.
func TestCommuneOrganizersActWithinTheirCommune(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		a := startApp(t, backend, map[string]string{"ORGANIZER_IDS": "900", "QUIET_HOURS": "0-0"})
		province, commune := newChat(t, a, 900, "vi"), newChat(t, a, 700, "vi")
		ours, theirs := newChat(t, a, 500, "vi"), newChat(t, a, 501, "vi")

		province.say("/invite organizer 15499")
		link := province.nextText()
		assert.Contains(t, link, "Đường dẫn mời người tổ chức (Xã Thọ Xuân")
		commune.say("/start " + inviteCode(t, link))
		assert.Contains(t, commune.nextText(), "Chào mừng bạn làm người tổ chức (Xã Thọ Xuân)")
		commune.say("Hà - Đoàn xã Thọ Xuân")
		commune.next()

		// Their volunteer invite makes volunteers of their commune.
		commune.say("/invite")
		link = commune.nextText()
		assert.Contains(t, link, "sẽ thuộc Xã Thọ Xuân")
		ours.say("/start " + inviteCode(t, link))
		ours.next()
		ours.say("Lan - Đoàn xã Thọ Xuân")
		ours.next()
		joinVolunteer(t, province, theirs, "Minh - Đoàn phường Sầm Sơn")
		setCommune(theirs, "sam son", "Phường Sầm Sơn")

		list := commune.sayNext(t, "/volunteers")
		assert.Contains(t, list.Text, "Có 1 tình nguyện viên")
		assert.Contains(t, list.Text, "Lan - Đoàn xã Thọ Xuân")
		assert.NotContains(t, list.Text, "Minh")
		assert.Contains(t, province.sayNext(t, "/volunteers").Text, "Có 2 tình nguyện viên", "the province organizer sees all")

		// Removing another commune's volunteer, by a forged button: refused.
		a.api.PressData(commune.user, list.MessageID, "vr:501")
		assert.Contains(t, commune.nextText(), "Việc này chỉ dành cho")
		// Inviting an organizer of another commune, or of the province: refused.
		pick := commune.sayNext(t, "/invite organizer sam son")
		assert.Contains(t, labels(pick), "Phường Sầm Sơn")
		commune.press("Phường Sầm Sơn")
		assert.Contains(t, commune.nextText(), "Việc này chỉ dành cho")
		a.api.PressData(commune.user, pick.MessageID, "ip")
		assert.Contains(t, commune.nextText(), "Việc này chỉ dành cho")
		assert.Contains(t, commune.sayNext(t, "/invite organizer").Text, "Đường dẫn mời người tổ chức (Xã Thọ Xuân", "their own commune's")

		// Residents: two in Thọ Xuân, one in Sầm Sơn.
		for i, c := range []string{"tho xuan", "tho xuan", "sam son"} {
			res := newChat(t, a, int64(60+i), "vi")
			setCommune(res, c, map[string]string{"tho xuan": "Xã Thọ Xuân", "sam son": "Phường Sầm Sơn"}[c])
		}

		// Their broadcast: everyone means everyone in their commune.
		commune.say("/broadcast")
		commune.next()
		commune.say("Thứ bảy tập huấn VNeID ở nhà văn hoá xã")
		audiences := commune.next()
		assert.Equal(t, []string{"Mọi người ở Xã Thọ Xuân", "Tình nguyện viên", "Người làm dở một hướng dẫn", "✖️ Huỷ"}, labels(audiences))
		commune.press("Mọi người ở Xã Thọ Xuân")
		commune.next() // the copy
		preview := commune.next()
		assert.Contains(t, preview.Text, "Gửi tới 3 người", "two residents and the volunteer of Thọ Xuân")
		id := strings.TrimPrefix(buttonData(t, preview, "📣 Gửi ngay"), "bg:")
		// A forged audience of another commune on their own draft: refused.
		a.api.PressData(commune.user, preview.MessageID, "bm:"+id+":16531")
		assert.Contains(t, commune.nextText(), "Việc này chỉ dành cho")

		// The province organizer's broadcast reaches everyone, and the
		// commune organizer may not steer it.
		province.say("/broadcast")
		province.next()
		province.say("Lịch trực tuần này")
		assert.Contains(t, labels(province.next()), "Một xã/phường")
		province.press("Tất cả mọi người")
		province.next()
		whole := province.next()
		assert.Contains(t, whole.Text, "Gửi tới 7 người")
		other := strings.TrimPrefix(buttonData(t, whole, "📣 Gửi ngay"), "bg:")
		a.api.PressData(commune.user, 0, "bx:"+other)
		assert.Contains(t, commune.nextText(), "Việc này chỉ dành cho")
		province.press("✖️ Huỷ")
		assert.Empty(t, a.api.Refused())
		a.stop(t)

		st := openStoreOf(t, a)
		u, err := st.GetUser(context.Background(), 700)
		require.NoError(t, err)
		assert.Equal(t, domain.RoleOrganizer, u.Role, "an invited organizer stays one")
		assert.Equal(t, "15499", u.Scope)
		v, err := st.GetUser(context.Background(), 501)
		require.NoError(t, err)
		assert.Equal(t, domain.RoleVolunteer, v.Role, "not removed")
		p, err := st.GetUser(context.Background(), 900)
		require.NoError(t, err)
		assert.Empty(t, p.Scope, "ORGANIZER_IDS stay province-wide")
	})
}

// sayNext says text and returns the bot's next message.
func (c *chat) sayNext(t *testing.T, text string) telegramtest.Message {
	t.Helper()
	c.say(text)
	return c.next()
}
