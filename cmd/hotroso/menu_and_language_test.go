package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStartGreetsWithTheMenu(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		a := startApp(t, backend, nil)
		vi, en := resident(1001, "vi"), resident(1002, "en-US")
		a.api.SendText(vi, "/start")
		a.api.SendText(en, "/start")

		msgs, err := a.api.WaitMessages(vi.ID, 1, wait)
		require.NoError(t, err)
		assert.Contains(t, msgs[0].Text, "Xin chào bác")
		assert.Equal(t, []string{"🆘 Tôi bị lừa / lỡ đưa mã", "Tài khoản VNeID", "SIM chính chủ, đổi số", "Giấy tờ trên VNeID", "Thẻ căn cước hết hạn, mất",
			"Thanh toán trên mạng", "Trả tiền điện, nước, cước", "Nộp hồ sơ trên mạng", "Lương hưu, trợ cấp", "An toàn, chống lừa đảo",
			"🙋 Hỏi tình nguyện viên", "📍 Xã/phường", "🌐 Ngôn ngữ / Language"}, labels(msgs[0]), "SOS first, then the flows in menu order")

		msgs, err = a.api.WaitMessages(en.ID, 1, wait)
		require.NoError(t, err)
		assert.Contains(t, msgs[0].Text, "Hello!")
		assert.Contains(t, labels(msgs[0]), "🙋 Ask a volunteer")
		assert.Contains(t, labels(msgs[0]), "VNeID account")
		assert.Empty(t, a.api.Refused(), "the fake refused nothing")
	})
}

func TestLanguageSwitchIsRemembered(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		a := startApp(t, backend, nil)
		u := resident(1101, "vi")
		a.api.SendText(u, "/lang")
		_, err := a.api.WaitMessages(u.ID, 1, wait)
		require.NoError(t, err)
		_, err = a.api.PressButton(u, "English")
		require.NoError(t, err)
		msgs, err := a.api.WaitMessages(u.ID, 2, wait)
		require.NoError(t, err)
		assert.Contains(t, msgs[1].Text, "Switched to English")

		a.api.SendText(u, "/help")
		msgs, err = a.api.WaitMessages(u.ID, 3, wait)
		require.NoError(t, err)
		assert.Contains(t, msgs[2].Text, "It is simple", "Telegram still reports vi, the choice wins")
	})
}

func TestUnknownInputGetsAKindHintAndTheMenu(t *testing.T) {
	a := startApp(t, "embedded", nil)
	u := resident(1201, "vi")
	a.api.SendText(u, "/xyz")
	a.api.SendText(u, "alo alo")
	a.api.SendSticker(u)
	a.api.SendText(u, strings.Repeat("dài quá ", 500))
	msgs, err := a.api.WaitMessages(u.ID, 4, wait)
	require.NoError(t, err)
	assert.Contains(t, msgs[0].Text, "không biết lệnh này")
	assert.Contains(t, msgs[1].Text, "chưa hiểu ý bác")
	assert.Contains(t, msgs[2].Text, "chỉ đọc được chữ")
	assert.Contains(t, msgs[3].Text, "chưa hiểu ý bác")
	for _, m := range msgs {
		assert.Contains(t, labels(m), "Tài khoản VNeID", "every hint comes with the menu")
	}
}

func TestStaleAndForgedButtonsGetAKindAnswer(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		a := startApp(t, backend, nil)
		u := resident(1301, "vi")
		a.api.SendText(u, "/start")
		msgs, err := a.api.WaitMessages(u.ID, 1, wait)
		require.NoError(t, err)
		menuID := msgs[0].MessageID

		forged := []string{"c:vneid:no_such_step:0", "zzz", "c:../../etc:x:1", "l:fr", "k:vneid", "f:nosuchflow", "b:vneid:welcome"}
		var ids []int64
		for _, data := range forged {
			ids = append(ids, a.api.PressData(u, menuID, data))
		}
		msgs, err = a.api.WaitMessages(u.ID, 1+len(forged), wait)
		require.NoError(t, err)
		for i, id := range ids {
			answer, err := a.api.WaitCallbackAnswer(id, wait)
			require.NoError(t, err, "button %q answered", forged[i])
			assert.Equal(t, "Nút này đã cũ", answer.Params["text"], "button %q", forged[i])
			assert.Contains(t, msgs[1+i].Text, "đã cũ", "button %q", forged[i])
			assert.Contains(t, labels(msgs[1+i]), "Tài khoản VNeID", "button %q shows the menu", forged[i])
		}
		// The bot is still alive.
		a.api.SendText(u, "/start")
		_, err = a.api.WaitMessages(u.ID, 2+len(forged), wait)
		require.NoError(t, err)
		assert.Empty(t, a.api.Unanswered())
		assert.Empty(t, a.api.Refused())
	})
}

func TestGroupChatsAreAskedToTalkPrivately(t *testing.T) {
	a := startApp(t, "embedded", nil)
	u := resident(1501, "vi")
	a.api.SendTextInGroup(-100777, u, "chào cả nhà")
	a.api.SendTextInGroup(-100777, u, "/start@"+a.api.BotUsername())
	msgs, err := a.api.WaitMessages(-100777, 1, wait)
	require.NoError(t, err)
	assert.Contains(t, msgs[0].Text, "nhắn riêng")
	require.NoError(t, a.api.WaitUpdatesConsumed(wait))
	assert.Len(t, a.api.Messages(-100777), 1, "ordinary group chatter gets no answer")
}

func TestForgetErasesTheUser(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		a := startApp(t, backend, nil)
		u := resident(1701, "vi")
		a.api.SendText(u, "/lang")
		_, err := a.api.WaitMessages(u.ID, 1, wait)
		require.NoError(t, err)
		_, err = a.api.PressButton(u, "English")
		require.NoError(t, err)
		a.api.SendText(u, "/forget")
		_, err = a.api.WaitMessages(u.ID, 3, wait)
		require.NoError(t, err)
		_, err = a.api.PressButton(u, "Yes, erase it all")
		require.NoError(t, err)
		msgs, err := a.api.WaitMessages(u.ID, 4, wait)
		require.NoError(t, err)
		assert.Contains(t, msgs[3].Text, "erased everything")
		a.api.SendText(u, "/start")
		msgs, err = a.api.WaitMessages(u.ID, 5, wait)
		require.NoError(t, err)
		assert.Contains(t, msgs[4].Text, "Xin chào bác", "the language choice is gone: back to Vietnamese")
	})
}

func TestResidentChoosesACommune(t *testing.T) {
	a := startApp(t, "embedded", nil)
	res := newChat(t, a, 43, "vi")
	res.say("/commune")
	assert.Contains(t, res.nextText(), "xã/phường nào")
	res.say("tho xuan")
	pick := res.next()
	assert.Contains(t, labels(pick), "Xã Thọ Xuân")
	res.press("Xã Thọ Xuân")
	assert.Contains(t, res.nextText(), "Cháu đã ghi: Xã Thọ Xuân")
	res.say("/commune")
	assert.Contains(t, res.nextText(), "Cháu đang ghi bác ở: Xã Thọ Xuân")
	res.press("Bỏ qua")
	assert.True(t, strings.Contains(res.nextText(), "Bác muốn làm gì"))
}
