package main

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
)

// A resident who writes more messages than a question keeps notes for is
// told their newest are put together, and the volunteer who takes the
// question reads every one. Before, notes past the twentieth were dropped
// while the resident read "đã ghi thêm".
func TestNotesPastTheCapAreMergedNotDropped(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		// More messages a minute than the flood limit allows, which is not
		// what this test is about.
		a := startApp(t, backend, map[string]string{"ORGANIZER_IDS": "900", "VOLUNTEER_CHAT_ID": "-100123456", "RESIDENT_MESSAGES_PER_MINUTE": "60"})
		a.api.AddChat(volunteerGroup, telegramtest.ChatSupergroup)
		org, vol, res := newChat(t, a, 900, "vi"), newChat(t, a, 540, "vi"), newChat(t, a, 52, "vi")
		joinVolunteer(t, org, vol, "Nga - Đoàn xã Vĩnh Lộc")
		res.say("/ask")
		res.next()
		const messages = 23 // the question, twenty notes, two more
		for i := 1; i <= messages; i++ {
			res.say(fmt.Sprintf("tin số %d của bác", i))
			reply := res.nextText()
			if i > 21 {
				assert.Contains(t, reply, "gộp các tin mới", "message %d: the resident is told", i)
			} else {
				assert.Contains(t, reply, "đã ghi thêm", "message %d", i)
			}
		}
		vol.say("/next")
		var brief strings.Builder
		for !strings.Contains(brief.String(), "/done") {
			brief.WriteString(vol.nextText())
		}
		for i := 1; i <= messages; i++ {
			assert.Contains(t, brief.String(), fmt.Sprintf("tin số %d của bác", i), "the volunteer reads message %d", i)
		}
	})
}

// A card that grows past what one Telegram message holds is shortened,
// keeps updating, and offers the whole question on a button, sent in
// private. Before, the edit was refused ("message is too long") and the
// card stopped updating.
func TestLongQuestionsKeepTheirCardAndTheWholeTextOnDemand(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		a := deskApp(t, backend)
		org, vol, res := newChat(t, a, 900, "vi"), newChat(t, a, 541, "vi"), newChat(t, a, 53, "vi")
		joinVolunteer(t, org, vol, "Quân - Đoàn xã Yên Định")
		res.say("/ask")
		res.next()
		long := func(i int) string {
			return fmt.Sprintf("đoạn %d: ", i) + strings.Repeat("bác không biết bấm vào đâu cho đúng ", 25)
		}
		const parts = 8
		for i := 1; i <= parts; i++ {
			res.say(long(i))
			res.next()
		}
		require.NoError(t, a.api.WaitFor(wait, func(s *telegramtest.Snapshot) bool {
			m, _ := s.LastMessage(volunteerGroup)
			return strings.Contains(m.Text, fmt.Sprintf("đoạn %d:", parts))
		}), "the card shows the newest message")
		card, _ := a.api.LastMessage(volunteerGroup)
		assert.LessOrEqual(t, utf8.RuneCountInString(card.Text), 4096)
		assert.Contains(t, card.Text, "bấm “📄 Đọc hết”")
		assert.Empty(t, a.api.Refused(), "no edit was refused")

		_, err := a.api.PressButtonIn(volunteerGroup, vol.user, "📄 Đọc hết")
		require.NoError(t, err)
		var whole strings.Builder
		for !strings.Contains(whole.String(), fmt.Sprintf("đoạn %d:", parts)) {
			whole.WriteString(vol.nextText())
		}
		for i := 1; i <= parts; i++ {
			assert.Contains(t, whole.String(), long(i), "part %d arrives whole", i)
		}
	})
}

// A relay that Telegram fails to take waits in the outbox and arrives
// later; the resident is told it will, and need not send it again. Before,
// the relay was lost and the resident told nothing.
func TestARelayThatFailsWaitsInTheOutboxAndArrives(t *testing.T) {
	t.Parallel() // waits on the clock's real seconds (paced group, retries), not the CPU
	forEachBackend(t, func(t *testing.T, backend string) {
		a := deskApp(t, backend)
		org, vol, res := newChat(t, a, 900, "vi"), newChat(t, a, 542, "vi"), newChat(t, a, 54, "vi")
		joinVolunteer(t, org, vol, "Hiền - Đoàn xã Thiệu Hoá")
		askAndClaim(t, a, res, vol, "bác chưa cài được ứng dụng")

		a.api.FailNext("sendMessage", 3, telegramtest.FaultInternal) // every try of the relay
		res.say("máy bác báo lỗi mạng cháu ạ")
		assert.Contains(t, res.nextText(), "sẽ tự gửi khi được")
		assert.Equal(t, "👤 Người dân (#1): máy bác báo lỗi mạng cháu ạ", vol.nextText(), "it arrives from the outbox")

		a.api.FailNext("sendMessage", 3, telegramtest.FaultInternal)
		vol.say("Bác thử tắt mạng rồi bật lại nhé")
		assert.Contains(t, vol.nextText(), "sẽ tự gửi khi được")
		assert.Contains(t, res.nextText(), "Bác thử tắt mạng rồi bật lại nhé")
	})
}

// A report that cannot be sent says so. Before, a failed /export file or
// /stats chart left the organizer with nothing.
func TestFailedReportsSaySo(t *testing.T) {
	a := deskApp(t, "embedded")
	org := newChat(t, a, 900, "vi")
	a.api.FailNext("sendDocument", 1, telegramtest.Fault{Status: 400, Description: "Bad Request: file is too big"})
	org.say("/export")
	assert.Contains(t, org.nextText(), "Không tạo hoặc gửi được tệp báo cáo")
	a.api.FailNext("sendPhoto", 1, telegramtest.Fault{Status: 400, Description: "Bad Request: PHOTO_INVALID_DIMENSIONS"})
	org.say("/stats")
	org.next()
	assert.Contains(t, org.nextText(), "Không gửi được biểu đồ")
}

// A broadcast whose preview or progress message cannot be shown says so,
// and the organizer still gets the result. Before, the organizer was shown
// nothing and, with no progress message, never heard how it ended.
func TestBroadcastWithoutPreviewOrProgressSaysSo(t *testing.T) {
	a := startApp(t, "embedded", map[string]string{"ORGANIZER_IDS": "900", "QUIET_HOURS": "0-0"})
	org, res := newChat(t, a, 900, "vi"), newChat(t, a, 55, "vi")
	res.say("/start")
	res.next()
	org.say("/broadcast")
	org.next()
	org.say("Chủ nhật này tổ công nghệ số hỗ trợ tại nhà văn hoá")
	org.next()
	a.api.FailNext("copyMessage", 1, telegramtest.Fault{Status: 400, Description: "Bad Request: message to copy not found"})
	org.press("Tất cả mọi người")
	preview := org.nextText()
	assert.Contains(t, preview, "Không hiện được bản xem trước")
	a.api.FailNext("sendMessage", 1, telegramtest.Fault{Status: 400, Description: "Bad Request: chat not found"})
	org.press("📣 Gửi ngay")
	assert.Contains(t, org.nextText(), "không hiện được bảng tiến độ")
	var got []string
	for !strings.Contains(strings.Join(got, "\n"), "Đã gửi xong") {
		got = append(got, org.nextText()) // the organizer's own copy may come first
	}
	assert.Contains(t, res.nextText(), "Chủ nhật này tổ công nghệ số")
}
