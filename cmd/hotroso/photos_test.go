package main

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Before a resident's first photo in a question goes anywhere, they are
// reminded what never to photograph and confirm with one tap; "don't
// send" sends nothing. A confirmed photo waits with the question by
// reference (no bytes: the bot never downloads a file) and reaches the
// volunteer who takes it, marked as possibly personal.
func TestPhotosReachVolunteersOnlyAfterAReminder(t *testing.T) {
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

// A number answer stays typed and shows how to type it; a yes/no answer
// shows its two buttons; typing the words or the labels works too.
func TestNumberAnswersShowAnExample(t *testing.T) {
	const ageFlow = `id: age
version: 1
order: 1
title: {vi: "Tuổi", en: "Age"}
reviewed: 2026-12-01
sources: ["test fixture"]
start: intro
steps:
  intro:
    text: {vi: "Mình tính tuổi nhé.", en: "Let's check your age."}
    choices:
      - label: {vi: "Bắt đầu", en: "Start"}
        next: age
  age:
    text: {vi: "Bác bao nhiêu tuổi?", en: "How old are you?"}
    answer:
      type: number
      min: 1
      max: 120
      next: done
      example: {vi: "Ví dụ: 70", en: "For example: 70"}
      hint: {vi: "Bác gõ số tuổi, ví dụ 70.", en: "Type your age, e.g. 70."}
  done:
    text: {vi: "Cảm ơn bác.", en: "Thank you."}
    outcome: done
`
	a := startApp(t, "embedded", map[string]string{"FLOWS_DIR": flowsDir(t, map[string]string{"age.yaml": ageFlow})})
	res := newChat(t, a, 82, "vi")
	res.say("/start")
	res.next()
	res.press("Tuổi")
	res.next()
	res.say("bắt đầu") // a button's label, typed
	step := res.next()
	assert.Equal(t, "Bác bao nhiêu tuổi?\nVí dụ: 70", step.Text)
	assert.Equal(t, []string{"⬅️ Quay lại", "🏠 Menu", "🙋 Hỏi tình nguyện viên"}, labels(step), "no button per number")
	res.say("bảy mươi")
	assert.Equal(t, "Bác gõ số tuổi, ví dụ 70.", res.nextText())
	res.say("70 tuổi")
	assert.Equal(t, "Cảm ơn bác.", res.nextText())
}
