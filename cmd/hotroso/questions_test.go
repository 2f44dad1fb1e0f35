package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hotroso/hotroso/bot/telegramtest"
	"github.com/hotroso/hotroso/domain"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResidentAsksAVolunteerAnswersEndToEnd(t *testing.T) {
	t.Parallel()
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

// Before a resident's first photo in a question goes anywhere, they are
// reminded what never to photograph and confirm with one tap; "don't
// send" sends nothing. A confirmed photo waits with the question by
// reference (no bytes: the bot never downloads a file) and reaches the
// volunteer who takes it, marked as possibly personal.
func TestPhotosReachVolunteersOnlyAfterAReminder(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		a := startApp(t, backend, map[string]string{"ORGANIZER_IDS": "900"})
		org, vol, res := newChat(t, a, 900, "vi"), newChat(t, a, 520, "vi"), newChat(t, a, 81, "vi")
		joinVolunteer(t, org, vol, "Hà - Đoàn xã Nga Thắng")
		vol.say("/off")
		vol.next()

		res.say("/ask")
		res.next()
		a.api.SendPhoto(res.user, "")
		reminder := res.next()
		assert.Contains(t, reminder.Text, "thẻ căn cước, mã QR của VNeID, thẻ ngân hàng hay màn hình có mã OTP")
		assert.Equal(t, []string{"✅ Gửi ảnh này", "✖️ Không gửi"}, labels(reminder))
		res.press("✖️ Không gửi")

		a.api.SendPhoto(res.user, "lỗi ở bước quét thẻ")
		assert.Contains(t, res.nextText(), "đã ghi thêm", "the caption joins the question as text")
		res.next() // the reminder again: no photo was confirmed yet
		res.press("✅ Gửi ảnh này")
		assert.Contains(t, res.nextText(), "tình nguyện viên nhận câu hỏi sẽ xem được ngay")

		vol.say("/on")
		vol.next()
		vol.say("/next")
		brief := vol.next()
		assert.Contains(t, brief.Text, "lỗi ở bước quét thẻ")
		photo := vol.next()
		require.True(t, photo.Photo, "the kept photo follows the brief")
		assert.Equal(t, "👤 Người dân (#1): ⚠️ có thể chứa thông tin cá nhân; xem xong đừng lưu, đừng chuyển tiếp.", photo.Caption)
		assert.Empty(t, a.api.CallsOf("getFile"), "the bot never fetches a photo's bytes")
		copies := a.api.CallsOf("copyMessage")
		assert.Len(t, copies, 1, "one photo copied: the one the resident confirmed")

		a.stop(t)
		tk, err := openStoreOf(t, a).GetTicket(context.Background(), 1)
		require.NoError(t, err)
		assert.Empty(t, tk.Media, "a relayed photo is not kept")
		assert.True(t, tk.PhotosOK)
	})
}

func TestVolunteerDutyQueueNextReleaseAndRemoval(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		a := startApp(t, backend, map[string]string{"ORGANIZER_IDS": "900"}) // no group: cards go to volunteers on duty
		org, vol, res := newChat(t, a, 900, "vi"), newChat(t, a, 510, "vi"), newChat(t, a, 45, "vi")
		joinVolunteer(t, org, vol, "Minh - Đoàn phường Sầm Sơn")

		vol.say("/off")
		assert.Contains(t, vol.nextText(), "nghỉ trực")
		res.say("/ask")
		res.next()
		vol.say("/queue")
		queue := vol.nextText()
		assert.Contains(t, queue, "Có 1 câu hỏi đang chờ", "off duty: no card, but the queue shows it")
		vol.say("/on")
		assert.Contains(t, vol.nextText(), "đang trực")

		vol.say("/next")
		assert.Contains(t, vol.nextText(), "❓ Câu hỏi #1")
		assert.Contains(t, res.nextText(), "Minh - Đoàn phường Sầm Sơn đã nhận")
		vol.say("/release")
		both := vol.nextText() + "\n" + vol.nextText() // the new card comes before the reply
		assert.Contains(t, both, "Đã trả câu hỏi #1 về hàng chờ")
		assert.Contains(t, both, "❓ Câu hỏi #1", "announced again to volunteers on duty")
		assert.Contains(t, res.nextText(), "trả câu hỏi của bác về hàng chờ")

		vol.say("/next")
		vol.next()
		res.next()
		org.say("/volunteers")
		list := org.next()
		assert.Contains(t, list.Text, "Minh - Đoàn phường Sầm Sơn (đang trực)")
		org.press("Xoá Minh - Đoàn phường …")
		assert.Contains(t, org.nextText(), "câu hỏi họ đang giữ đã về hàng chờ")
		assert.Contains(t, res.nextText(), "hàng chờ", "the resident's question is waiting again")
		require.NoError(t, a.api.WaitFor(wait, func(s *telegramtest.Snapshot) bool {
			m, _ := s.LastMessage(vol.user.ID)
			return strings.Contains(m.Text, "đưa bạn ra khỏi đội")
		}))
		vol.seen = len(a.api.Messages(vol.user.ID))
		vol.say("/next")
		assert.Contains(t, vol.nextText(), "chỉ dành cho tình nguyện viên", "no longer a volunteer")
	})
}
