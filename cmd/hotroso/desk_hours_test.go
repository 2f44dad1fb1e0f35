package main

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
)

// vietnamAt is an hour of testEpoch's day (Monday 9 March 2026) in
// Vietnam.
func vietnamAt(hour, minute int) time.Time {
	return time.Date(2026, time.March, 9, hour, minute, 0, 0, vietnam)
}

// startAppAt starts the program on env (appEnv, perhaps seeded) with its
// clock starting at from, and waits until it polls.
func startAppAt(t *testing.T, env map[string]string, from time.Time) *app {
	t.Helper()
	api := newFakeAPI(t)
	env["TELEGRAM_BOT_TOKEN"], env["TELEGRAM_API_URL"] = api.Token(), api.URL()
	return startWithClock(t, api, env, testClockFrom(from))
}

// sosButton is the main menu's button of the SOS flow.
const sosButton = "🆘 Tôi bị lừa / lỡ đưa mã"

// A question at 22:00, with the desk staffed 7-21 (the default), is told
// honestly: the volunteers are off, the question is kept, someone answers
// tomorrow morning from 7, and what to do if it is urgent, with the SOS
// flow's button. Asking again says the same; an English resident reads it
// in English.
func TestQuestionAtNightIsToldWhenAnAnswerComesAndWhatToDoIfUrgent(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		a := startAppAt(t, appEnv(t, backend, nil), vietnamAt(22, 0))
		res := newChat(t, a, 41, "vi")
		res.say("Cháu ơi tài khoản VNeID của bác bị khoá")
		res.next()
		res.press("🙋 Gửi câu này cho tình nguyện viên")
		told := res.next()
		for _, want := range []string{"đang nghỉ", "Câu hỏi của bác đã được giữ lại", "vị trí số 1", "sáng mai từ 7 giờ", "bấm 🆘", "gọi 113"} {
			assert.Contains(t, told.Text, want)
		}
		assert.Equal(t, []string{sosButton}, labels(told), "the SOS flow is one tap away")

		res.say("/ask")
		again := res.nextText()
		assert.Contains(t, again, "vẫn đang chờ")
		assert.Contains(t, again, "sáng mai từ 7 giờ")

		res.press(sosButton)
		assert.Contains(t, res.nextText(), "Bước 1", "the button starts the SOS flow")

		en := newChat(t, a, 42, "en")
		en.say("/ask")
		told = en.next()
		assert.Contains(t, told.Text, "off duty")
		assert.Contains(t, told.Text, "tomorrow morning from 7:00")
		assert.Contains(t, told.Text, "call 113")
		assert.Equal(t, []string{"🆘 Scammed / gave a code"}, labels(told))
	})
}

// Before dawn the answer comes this morning, not tomorrow.
func TestQuestionBeforeDawnIsAnsweredThisMorning(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		a := startAppAt(t, appEnv(t, backend, nil), vietnamAt(5, 0))
		res := newChat(t, a, 41, "vi")
		res.say("/ask")
		told := res.nextText()
		assert.Contains(t, told, "sáng nay từ 7 giờ")
		assert.NotContains(t, told, "sáng mai")
		assert.Contains(t, told, "gọi 113")
	})
}

// In desk hours with a volunteer on duty, the resident is told the usual
// wait: the median of the recent questions asked and taken in desk hours
// (five of about 10 minutes; five asked at night and taken in the
// morning, nine hours later, do not count).
func TestQuestionWithAVolunteerOnDutyIsToldTheUsualWait(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		env := appEnv(t, backend, map[string]string{"ORGANIZER_IDS": "900"})
		seedStore(t, env, func(s storage.Store) {
			ctx := context.Background()
			require.NoError(t, s.PutUser(ctx, domain.User{ID: 500, Role: domain.RoleVolunteer, DisplayName: "Lan", OnDuty: true}))
			for i, minutes := range []int{9, 10, 10, 10, 11} {
				claimed := vietnamAt(8, 10*i)
				require.NoError(t, s.RecordAssist(ctx, domain.Assist{At: claimed.Add(5 * time.Minute), Kind: domain.AssistTicket, TicketID: int64(i + 1),
					Waiting: time.Duration(minutes) * time.Minute, Handling: 5 * time.Minute, Outcome: domain.OutcomeSolved, VolunteerID: 500}))
			}
			for i := range 5 {
				claimed := vietnamAt(7, 5*i)
				require.NoError(t, s.RecordAssist(ctx, domain.Assist{At: claimed.Add(time.Minute), Kind: domain.AssistTicket, TicketID: int64(10 + i),
					Waiting: 9 * time.Hour, Handling: time.Minute, Outcome: domain.OutcomeSolved, VolunteerID: 500}))
			}
		})
		a := startAppAt(t, env, vietnamAt(10, 0))
		res := newChat(t, a, 41, "vi")
		res.say("/ask")
		told := res.next()
		assert.Contains(t, told.Text, "vị trí số 1")
		assert.Contains(t, told.Text, "thường chờ khoảng 10 phút")
		assert.NotContains(t, told.Text, "đang nghỉ")
		assert.Empty(t, labels(told))
	})
}

// In desk hours with nobody on duty, the resident is told so; once the
// question has waited 15 minutes, the organizers are told, with a button
// to the queue. A question is told of once: after a restart, the next
// message names only the question that waited since.
func TestQuestionsWaitingWithNobodyOnDutyAreToldToOrganizersOnce(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		env := appEnv(t, backend, map[string]string{"ORGANIZER_IDS": "900", "ESCALATE_AFTER": "2h"})
		a := startAppAt(t, env, vietnamAt(10, 0))
		org := newChat(t, a, 900, "vi")
		org.say("/start")
		org.next()
		first := newChat(t, a, 41, "vi")
		first.say("/ask")
		told := first.next()
		assert.Contains(t, told.Text, "chưa có bạn tình nguyện viên nào đang trực")
		assert.Contains(t, told.Text, "gọi 113")
		assert.Equal(t, []string{sosButton}, labels(told))
		a.stop(t)

		a = startWithClock(t, a.api, env, testClockFrom(vietnamAt(10, 20)))
		alert := org.next()
		assert.Contains(t, alert.Text, "Chưa có tình nguyện viên nào đang trực")
		assert.Contains(t, alert.Text, "hơn 15 phút: #1.")
		require.Equal(t, []string{"📋 Mở hàng chờ"}, labels(alert))
		org.press("📋 Mở hàng chờ")
		assert.Contains(t, org.nextText(), "#1 ·", "the button opens the queue")
		second := newChat(t, a, 42, "vi")
		second.say("/ask")
		second.next()
		a.stop(t)

		a = startWithClock(t, a.api, env, testClockFrom(vietnamAt(10, 40)))
		alert = org.next()
		assert.Contains(t, alert.Text, "hơn 15 phút: #2.", "only the question not told of yet")
		assert.NotContains(t, alert.Text, "#1")
		a.stop(t)
	})
}
