package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
	"github.com/hotroso/hotroso/domain"
)

const volunteerGroup = -100123456

// deskApp starts the program with an organizer and a volunteer group.
func deskApp(t *testing.T, backend string) *app {
	t.Helper()
	a := startApp(t, backend, map[string]string{"ORGANIZER_IDS": "900", "VOLUNTEER_CHAT_ID": "-100123456"})
	a.api.AddChat(volunteerGroup, telegramtest.ChatSupergroup)
	return a
}

// chat is one user's private chat with the bot, with a cursor of what the
// test has read.
type chat struct {
	t    *testing.T
	api  *telegramtest.Server
	user telegramtest.User
	seen int
}

func newChat(t *testing.T, a *app, id int64, lang string) *chat {
	return &chat{t: t, api: a.api, user: telegramtest.User{ID: id, FirstName: "Nguyễn Văn A", Username: "nva", LanguageCode: lang}}
}

func (c *chat) say(text string) { c.api.SendText(c.user, text) }

func (c *chat) press(label string) {
	c.t.Helper()
	_, err := c.api.PressButton(c.user, label)
	require.NoError(c.t, err)
}

// next waits for the chat's next message from the bot.
func (c *chat) next() telegramtest.Message {
	c.t.Helper()
	msgs, err := c.api.WaitMessages(c.user.ID, c.seen+1, wait)
	require.NoError(c.t, err)
	c.seen++
	return msgs[c.seen-1]
}

// nextText waits for the next message and returns what the user reads.
func (c *chat) nextText() string {
	m := c.next()
	if m.Caption != "" || m.Photo {
		return m.Caption
	}
	return m.Text
}

func TestResidentAsksAVolunteerAnswersEndToEnd(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		a := deskApp(t, backend)
		org, vol, res := newChat(t, a, 900, "vi"), newChat(t, a, 500, "vi"), newChat(t, a, 41, "vi")

		// An organizer invites a volunteer, who picks a display name.
		org.say("/invite")
		link := regexp.MustCompile(`https://t\.me/hotroso_test_bot\?start=(v_[a-z0-9]+)`).FindStringSubmatch(org.nextText())
		require.NotNil(t, link, "an invite deep link")
		vol.say("/start " + link[1])
		assert.Contains(t, vol.nextText(), "tên hiển thị")
		vol.say("Lan - Đoàn xã Thọ Xuân")
		assert.Contains(t, vol.nextText(), "“Lan - Đoàn xã Thọ Xuân”")
		reuse := newChat(t, a, 501, "vi")
		reuse.say("/start " + link[1])
		assert.Contains(t, reuse.nextText(), "không dùng được nữa", "the invite is single-use")

		// A resident is stuck at a VNeID step and asks.
		res.say("/start")
		res.next()
		res.press("Tài khoản VNeID")
		res.next()
		res.press("Làm tài khoản từ đầu")
		stuck := res.next()
		res.press("🙋 Hỏi tình nguyện viên")
		assert.Contains(t, res.nextText(), "vị trí số 1")
		res.say("Máy không đọc được thẻ, số CCCD của tôi là 038123456789")
		assert.Contains(t, res.nextText(), "đã che các con số riêng tư")
		assert.Contains(t, res.nextText(), "đã ghi thêm")

		// The card in the volunteer group names the step, masks the number.
		cards, err := a.api.WaitMessages(volunteerGroup, 1, wait)
		require.NoError(t, err)
		require.NoError(t, a.api.WaitFor(wait, func(s *telegramtest.Snapshot) bool {
			m, _ := s.LastMessage(volunteerGroup)
			return strings.Contains(m.Text, "••••")
		}), "the card shows the question once it arrives")
		card, _ := a.api.Message(volunteerGroup, cards[0].MessageID)
		assert.Contains(t, card.Text, "❓ Câu hỏi #1 · Tài khoản VNeID › "+firstLineOf(stuck.Text))
		assert.NotContains(t, card.Text, "038123456789")
		assert.NotContains(t, card.Text, "Nguyễn Văn A", "no name")

		// The volunteer claims it from the group.
		_, err = a.api.PressButtonIn(volunteerGroup, vol.user, "🙋 Nhận câu hỏi")
		require.NoError(t, err)
		brief := vol.nextText()
		assert.Contains(t, brief, "❓ Câu hỏi #1")
		assert.Contains(t, brief, "/done")
		assert.Equal(t, "Tình nguyện viên Lan - Đoàn xã Thọ Xuân đã nhận câu hỏi của bác và sẽ trả lời ngay tại đây.", res.nextText())
		require.NoError(t, a.api.WaitFor(wait, func(s *telegramtest.Snapshot) bool {
			m, _ := s.LastMessage(volunteerGroup)
			return strings.Contains(m.Text, "✅ Câu hỏi #1: Lan - Đoàn xã Thọ Xuân đang giúp.") && m.Buttons == nil
		}), "the card shows who has it")

		// Text and photos both ways, under display names only.
		vol.say("Bác bật NFC trong Cài đặt rồi áp thẻ vào lưng máy nhé.")
		assert.Equal(t, "🙋 Lan - Đoàn xã Thọ Xuân: Bác bật NFC trong Cài đặt rồi áp thẻ vào lưng máy nhé.", res.nextText())
		a.api.SendPhoto(vol.user, "chỗ bật NFC")
		photo := res.next()
		assert.True(t, photo.Photo)
		assert.Equal(t, "🙋 Lan - Đoàn xã Thọ Xuân: chỗ bật NFC", photo.Caption)
		res.say("Vẫn báo lỗi ạ")
		assert.Equal(t, "👤 Người dân (#1): Vẫn báo lỗi ạ", vol.nextText())
		a.api.SendPhoto(res.user, "")
		assert.Contains(t, res.nextText(), "không được có thẻ căn cước", "a reminder before the first photo")
		res.press("✅ Gửi ảnh này")
		shot := vol.next()
		assert.True(t, shot.Photo, "the resident's screenshot reaches the volunteer")
		assert.Equal(t, "👤 Người dân (#1): ⚠️ có thể chứa thông tin cá nhân; xem xong đừng lưu, đừng chuyển tiếp.", shot.Caption)
		a.api.SendPhoto(res.user, "")
		assert.True(t, vol.next().Photo, "later photos of the question go without asking again")
		vol.say("Bác xem https://vneid-capnhat.com nhé")
		assert.Contains(t, vol.nextText(), "Tin chưa được gửi")

		// Closing, the rating, and the way back into the flow.
		vol.say("/done")
		vol.next()
		vol.press("✅ Đã giải quyết")
		assert.Contains(t, vol.nextText(), "Đã đóng câu hỏi #1")
		rating := res.next()
		assert.Contains(t, rating.Text, "Lan - Đoàn xã Thọ Xuân đã đóng câu hỏi của bác")
		assert.Contains(t, labels(rating), "▶️ Làm tiếp: Tài khoản VNeID")
		res.press("5⭐")
		assert.Contains(t, res.nextText(), "Cảm ơn bác")
		res.press("✅ Được rồi")
		assert.Contains(t, res.nextText(), "Cảm ơn bác")
		res.press("▶️ Làm tiếp: Tài khoản VNeID")
		assert.Equal(t, stuck.Text, res.next().Text, "back at the step they left")

		for _, m := range append(a.api.Messages(res.user.ID), a.api.Messages(vol.user.ID)...) {
			assert.NotContains(t, m.Text+m.Caption, "Nguyễn Văn A", "no Telegram names pass")
			assert.NotContains(t, m.Text+m.Caption, "@nva")
		}
		assert.Empty(t, a.api.Refused())
		assert.Empty(t, a.api.Unanswered())
		a.stop(t)

		// The assist log names the step.
		assists, err := openStoreOf(t, a).AssistsBetween(context.Background(), time.Time{}, a.now().Add(time.Hour))
		require.NoError(t, err)
		require.Len(t, assists, 1)
		got := assists[0]
		assert.Equal(t, domain.AssistTicket, got.Kind)
		assert.Equal(t, "vneid", got.FlowID)
		assert.Equal(t, "prep", got.Step)
		assert.Equal(t, "solved", got.Outcome)
		assert.Equal(t, 5, got.Rating)
		assert.Equal(t, "yes", got.Worked)
		assert.Equal(t, int64(500), got.VolunteerID)
		assert.Regexp(t, `^[0-9a-f]{24}$`, got.Resident, "the resident only as a salted hash")
	})
}

func firstLineOf(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	if r := []rune(line); len(r) > 60 {
		return string(r[:59]) + "…"
	}
	return line
}

func TestResidentCancelsAndTheCardSaysSo(t *testing.T) {
	a := deskApp(t, "embedded")
	res := newChat(t, a, 42, "en")
	res.say("/ask")
	assert.Contains(t, res.nextText(), "number 1 in line")
	res.say("/ask")
	assert.Contains(t, res.nextText(), "still waiting", "one open question per resident")
	res.say("/cancel")
	assert.Contains(t, res.nextText(), "withdrawn")
	require.NoError(t, a.api.WaitFor(wait, func(s *telegramtest.Snapshot) bool {
		m, _ := s.LastMessage(volunteerGroup)
		return strings.Contains(m.Text, "✖️") && m.Buttons == nil
	}))
}
