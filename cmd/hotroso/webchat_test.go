package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
	"github.com/hotroso/hotroso/domain"
)

// A resident on the web page, without JavaScript, walks a flow by tapping
// and asks; a volunteer on Telegram claims and replies while the page's
// live stream is cut, and the stream resumes with the reply once; photos
// cross both ways; the resident rates, a reload keeps the conversation,
// and /forget erases it.
func TestWebResidentAsksAVolunteerOnTelegramAnswers(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		a, base := webChatApp(t, backend)
		org, vol := newChat(t, a, 900, "vi"), newChat(t, a, 500, "vi")
		joinVolunteer(t, org, vol, "Lan - Đoàn xã Thọ Xuân")

		w := newWebResident(t, base)
		w.open()
		assert.True(t, w.shows("Xin chào bác"), "the greeting, as on Telegram")
		w.press("Tài khoản VNeID")
		w.press("Làm tài khoản từ đầu")
		stuck := w.last()
		w.press("🙋 Hỏi tình nguyện viên")
		assert.Contains(t, w.last(), "vị trí số 1")
		w.say("Máy không đọc được thẻ, số CCCD của tôi là 038123456789")
		assert.NotContains(t, w.page, "038123456789", "masked on the page too")
		assert.True(t, w.shows("đã che các con số riêng tư"))

		// The card reaches the volunteers' Telegram group, masked.
		require.NoError(t, a.api.WaitFor(wait, func(s *telegramtest.Snapshot) bool {
			m, _ := s.LastMessage(volunteerGroup)
			return strings.Contains(m.Text, "••••")
		}), "the card shows the question")
		_, err := a.api.PressButtonIn(volunteerGroup, vol.user, "🙋 Nhận câu hỏi")
		require.NoError(t, err)
		assert.Contains(t, vol.nextText(), "❓ Câu hỏi #1")

		// The live stream brings the claim; it is cut while the volunteer
		// replies, and resumes from the last event it had.
		live := w.stream(strconv.FormatInt(w.lastSeq(), 10))
		claimed := live.until(t, "Lan - Đoàn xã Thọ Xuân đã nhận câu hỏi của bác")
		live.cut()
		vol.say("Bác bật NFC trong Cài đặt rồi áp thẻ vào lưng máy nhé.")
		w.waitFor("Bác bật NFC")
		resumed := w.stream(claimed.ID)
		reply := resumed.next(t)
		assert.Contains(t, reply.Data, "🙋 Lan - Đoàn xã Thọ Xuân: Bác bật NFC trong Cài đặt rồi áp thẻ vào lưng máy nhé.", "the reply missed while cut comes first")
		assert.Equal(t, claimedSeq(t, claimed)+1, claimedSeq(t, reply), "nothing skipped")
		vol.say("Được chưa bác?")
		again := resumed.next(t)
		assert.Contains(t, again.Data, "Được chưa bác?", "the next one, not the reply twice")
		assert.Equal(t, claimedSeq(t, reply)+1, claimedSeq(t, again))

		// A volunteer's photo is fetched from Telegram and shown.
		a.api.SendPhoto(vol.user, "chỗ bật NFC")
		photo := resumed.until(t, "chỗ bật NFC")
		assert.Contains(t, eventHTML(t, photo), `<img src="/chat/media/`+photo.ID+`"`)
		resp, err := w.client.Get(base + "/chat/media/" + photo.ID)
		require.NoError(t, err)
		assert.Equal(t, "image/jpeg", resp.Header.Get("Content-Type"))
		assert.Contains(t, readBody(t, resp), "telegramtest photo", "the bytes Telegram holds")

		// The resident's photo (a PNG named .txt) reaches the volunteer as a photo.
		shot := testPNG(t, 40)
		status, _ := w.upload("anh-man-hinh.txt", shot, "")
		require.Equal(t, http.StatusOK, status)
		assert.Contains(t, w.last(), "không được có thẻ căn cước", "the reminder before the first photo")
		w.press("✅ Gửi ảnh này")
		got := vol.next()
		require.True(t, got.Photo, "the screenshot reaches the volunteer")
		require.NotNil(t, got.File)
		assert.Equal(t, shot, got.File.Data, "the bytes uploaded")
		assert.Contains(t, got.Caption, "👤 Người dân (#1)")

		// Closing, the rating, the way back into the flow.
		vol.say("/done")
		vol.next()
		vol.press("✅ Đã giải quyết")
		assert.Contains(t, vol.nextText(), "Đã đóng câu hỏi #1")
		w.waitFor("Lan - Đoàn xã Thọ Xuân đã đóng câu hỏi của bác")
		w.press("5⭐")
		assert.Contains(t, w.last(), "Cảm ơn bác")
		w.press("▶️ Làm tiếp: Tài khoản VNeID")
		assert.Equal(t, stuck, w.last(), "back at the step they left")

		// The same browser comes back to its conversation.
		w.open()
		assert.True(t, w.shows("Xin chào bác"))
		assert.True(t, w.shows("🙋 Lan - Đoàn xã Thọ Xuân: Bác bật NFC"))
		for _, m := range a.api.Messages(vol.user.ID) {
			assert.NotContains(t, m.Text+m.Caption, "038123456789")
		}
		assert.Empty(t, a.api.Refused())

		// /forget works here too.
		w.say("/forget")
		w.press("Có, xoá hết")
		assert.Contains(t, w.last(), "Cháu đã xoá hết thông tin về bác")
		w.open()
		assert.False(t, w.shows("Bác bật NFC"), "the conversation is erased")
		a.stop(t)

		assists, err := openStoreOf(t, a).AssistsBetween(context.Background(), time.Time{}, a.now().Add(time.Hour))
		require.NoError(t, err)
		require.Len(t, assists, 1)
		assert.Equal(t, domain.AssistTicket, assists[0].Kind)
		assert.Equal(t, domain.ChannelWeb, assists[0].Channel, "counted for the web channel")
	})
}

// eventHTML is an event's message as the page inserts it.
func eventHTML(t *testing.T, ev sseEvent) string {
	t.Helper()
	var m struct {
		HTML string `json:"html"`
	}
	require.NoError(t, json.Unmarshal([]byte(ev.Data), &m))
	return m.HTML
}

// claimedSeq is an event's seq, as its id and in its data.
func claimedSeq(t *testing.T, ev sseEvent) int64 {
	t.Helper()
	var m struct {
		Seq int64 `json:"seq"`
	}
	require.NoError(t, json.Unmarshal([]byte(ev.Data), &m))
	require.Equal(t, ev.ID, strconv.FormatInt(m.Seq, 10))
	return m.Seq
}
