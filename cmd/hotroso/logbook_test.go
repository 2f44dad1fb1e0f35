package main

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
	"github.com/hotroso/hotroso/domain"
)

// movableClock is a testClock that a test moves forward at will.
type movableClock struct {
	base  func() time.Time
	ahead atomic.Int64
}

func newMovableClock() *movableClock { return &movableClock{base: testClock()} }

func (c *movableClock) now() time.Time { return c.base().Add(time.Duration(c.ahead.Load())) }

func (c *movableClock) advance(d time.Duration) { c.ahead.Add(int64(d)) }

// startAppOn starts the program on the backend with the clock.
func startAppOn(t *testing.T, backend string, extra map[string]string, now func() time.Time) *app {
	t.Helper()
	env := appEnv(t, backend, extra)
	api := newFakeAPI(t)
	env["TELEGRAM_BOT_TOKEN"], env["TELEGRAM_API_URL"] = api.Token(), api.URL()
	return startWithClock(t, api, env, now)
}

// setCommune says the chat's commune with /commune: typed, then picked.
func setCommune(c *chat, typed, label string) {
	c.t.Helper()
	c.say("/commune")
	c.next()
	c.say(typed)
	c.next()
	c.press(label)
	c.next()
}

// buttonData is the data of the message's button labelled label.
func buttonData(t *testing.T, m telegramtest.Message, label string) string {
	t.Helper()
	b, ok := m.Button(label)
	require.True(t, ok, "button %q in %v", label, labels(m))
	return b.Data
}

// A volunteer logs help given in person in four taps (/log, what, where,
// how many), with their own commune first, another commune found by name,
// or a number typed; adds a note, masked; undoes a record within ten
// minutes, not after; and cannot undo another volunteer's record.
func TestLogInPersonHelpInFourTaps(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		clock := newMovableClock()
		a := startAppOn(t, backend, map[string]string{"ORGANIZER_IDS": "900"}, clock.now)
		org, vol, other := newChat(t, a, 900, "vi"), newChat(t, a, 500, "vi"), newChat(t, a, 501, "vi")
		joinVolunteer(t, org, vol, "Lan - Đoàn xã Thọ Xuân")
		joinVolunteer(t, org, other, "Minh - Đoàn phường Sầm Sơn")
		setCommune(vol, "tho xuan", "Xã Thọ Xuân")

		// Their own commune, a number on a button: four taps.
		vol.say("/log")
		assert.Contains(t, vol.nextText(), "Bạn đã giúp việc gì?")
		vol.press("🪪 Tài khoản VNeID")
		where := vol.next()
		assert.Equal(t, []string{"📍 Xã Thọ Xuân", "🔎 Xã/phường khác"}, labels(where), "their own commune first")
		vol.press("📍 Xã Thọ Xuân")
		assert.Equal(t, []string{"1", "2", "3", "5", "10", "✏️ Số khác"}, labels(vol.next()))
		vol.press("3")
		first := vol.next()
		assert.Contains(t, first.Text, "Đã ghi: 🪪 Tài khoản VNeID · Xã Thọ Xuân · 3 người")
		assert.Equal(t, []string{"📝 Thêm ghi chú", "↩️ Huỷ bản ghi này"}, labels(first))

		vol.press("📝 Thêm ghi chú")
		vol.next()
		vol.say("Bà cụ ở thôn 3, số của bà 0912345678")
		assert.Contains(t, vol.nextText(), "đã che")
		noted := vol.nextText()
		assert.Contains(t, noted, "Bà cụ ở thôn 3")
		assert.NotContains(t, noted, "0912345678")

		// Another commune, found by its name.
		vol.say("/log")
		vol.next()
		vol.press("💳 Thanh toán trực tuyến")
		vol.next()
		vol.press("🔎 Xã/phường khác")
		vol.next()
		vol.say("sam son")
		vol.next()
		vol.press("Phường Sầm Sơn")
		vol.next()
		vol.press("10")
		second := vol.next()
		assert.Contains(t, second.Text, "Phường Sầm Sơn · 10 người")

		// Another number, typed.
		vol.say("/log")
		vol.next()
		vol.press("📄 Nộp hồ sơ trực tuyến")
		vol.next()
		vol.press("📍 Xã Thọ Xuân")
		vol.next()
		vol.press("✏️ Số khác")
		vol.next()
		vol.say("không nhớ")
		assert.Contains(t, vol.nextText(), "Cần một số từ 1 đến 500")
		vol.say("7 người")
		third := vol.next()
		assert.Contains(t, third.Text, "Xã Thọ Xuân · 7 người")
		vol.press("5") // the number buttons of the record just logged: nothing twice
		assert.Contains(t, vol.nextText(), "Lần ghi này đã xong hoặc đã cũ")

		// Undo within ten minutes.
		clock.advance(9 * time.Minute)
		a.api.PressData(vol.user, second.MessageID, buttonData(t, second, "↩️ Huỷ bản ghi này"))
		assert.Contains(t, vol.nextText(), "Đã huỷ bản ghi")

		// Another volunteer's press of the undo, forged: refused.
		other.seen = len(a.api.Messages(other.user.ID))
		a.api.PressData(other.user, 0, buttonData(t, third, "↩️ Huỷ bản ghi này"))
		assert.Contains(t, other.nextText(), "Nút này không phải của bạn")

		// After ten minutes: too late.
		clock.advance(2 * time.Minute)
		a.api.PressData(vol.user, first.MessageID, buttonData(t, first, "↩️ Huỷ bản ghi này"))
		assert.Contains(t, vol.nextText(), "đã quá 10 phút")
		assert.Empty(t, a.api.Refused())
		a.stop(t)

		log, err := openStoreOf(t, a).AssistsBetween(context.Background(), time.Time{}, clock.now().Add(time.Hour))
		require.NoError(t, err)
		require.Len(t, log, 2, "the undone record is gone; the others stay")
		for _, r := range log {
			assert.Equal(t, domain.AssistInPerson, r.Kind)
			assert.Equal(t, int64(500), r.VolunteerID)
			assert.Equal(t, "15499", r.Commune)
			assert.Empty(t, r.Resident)
		}
		assert.Equal(t, domain.TopicVNeIDAccount, log[0].Topic)
		assert.Equal(t, 3, log[0].People)
		assert.Equal(t, domain.TopicDossier, log[1].Topic)
		assert.Equal(t, 7, log[1].People)
		assert.True(t, strings.HasPrefix(log[0].Note, "Bà cụ ở thôn 3"), log[0].Note)
		assert.NotContains(t, log[0].Note, "0912345678", "the note is masked before it is stored")
		assert.Empty(t, log[1].Note)
	})
}
