package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/flows"
	"github.com/hotroso/hotroso/storage"
)

// joinVolunteer makes a volunteer through an organizer's invite.
func joinVolunteer(t *testing.T, org, vol *chat, name string) {
	t.Helper()
	org.say("/invite")
	text := org.nextText()
	i := strings.Index(text, "start=")
	require.Positive(t, i)
	vol.say("/start " + strings.Fields(text[i+len("start="):])[0])
	vol.next()
	vol.say(name)
	require.Contains(t, vol.nextText(), name)
}

func TestVolunteerDutyQueueNextReleaseAndRemoval(t *testing.T) {
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

func TestBroadcastScheduleAudienceAndControls(t *testing.T) {
	env := appEnv(t, "embedded", map[string]string{"ORGANIZER_IDS": "900", "QUIET_HOURS": "0-0"})
	api := newFakeAPI(t)
	env["TELEGRAM_BOT_TOKEN"], env["TELEGRAM_API_URL"] = api.Token(), api.URL()
	a := startWith(t, api, env)
	org := newChat(t, a, 900, "vi")
	for i, commune := range []string{"tho xuan", "tho xuan", "sam son"} {
		res := newChat(t, a, int64(46+i), "vi")
		res.say("/commune")
		res.next()
		res.say(commune)
		res.next()
		res.press(map[string]string{"tho xuan": "Xã Thọ Xuân", "sam son": "Phường Sầm Sơn"}[commune])
		res.next()
	}

	org.say("/broadcast")
	org.next()
	org.say("Thứ bảy này tập huấn VNeID ở nhà văn hoá xã")
	org.next()
	org.press("Một xã/phường")
	org.next()
	org.say("thọ xuân")
	org.next()
	org.press("Xã Thọ Xuân")
	org.next() // the copy
	assert.Contains(t, org.nextText(), "Gửi tới 2 người (Xã Thọ Xuân)")
	org.press("⏰ Hẹn giờ")
	org.next()
	org.say("không phải giờ")
	assert.Contains(t, org.nextText(), "Không hiểu giờ này")
	later := a.now().Add(48 * time.Hour).In(vietnam).Format("2/1 15:04")
	org.say(later) // two days ahead: it must not start by itself during the test
	progress := org.next()
	require.Contains(t, progress.Text, "Hẹn gửi lúc")
	controls := func() {
		t.Helper()
		_, err := api.WaitMessage(900, wait, func(m telegramtest.Message) bool {
			return strings.HasPrefix(m.Text, "📣 Thông báo #") && m.HasButton("⏸ Tạm dừng")
		})
		require.NoError(t, err, "the progress message gets its buttons")
	}
	controls()
	_, err := api.PressButton(org.user, "⏸ Tạm dừng")
	require.NoError(t, err)
	require.NoError(t, api.WaitFor(wait, func(s *telegramtest.Snapshot) bool {
		return strings.Contains(lastProgress(s, 900), "Đang tạm dừng")
	}))
	_, err = api.PressButton(org.user, "▶️ Tiếp tục")
	require.NoError(t, err)
	require.NoError(t, api.WaitFor(2*time.Minute, func(s *telegramtest.Snapshot) bool {
		return strings.Contains(lastProgress(s, 900), "Đã gửi xong")
	}), "resumed, it goes out at once")
	got := copiesPerChat(api)
	assert.Equal(t, 1, got[46])
	assert.Equal(t, 1, got[47])
	assert.Zero(t, got[48], "another commune")

	org.seen = len(api.Messages(900))
	org.say("/broadcast")
	org.next()
	org.say("Một thông báo sẽ bị huỷ")
	org.next()
	org.press("Tất cả mọi người")
	org.next()
	org.next()
	org.press("⏰ Hẹn giờ")
	org.next()
	org.say(later)
	org.next()
	require.NoError(t, api.WaitFor(wait, func(s *telegramtest.Snapshot) bool {
		m, _ := s.LastMessage(900)
		return strings.HasPrefix(m.Text, "📣 Thông báo #2") && m.HasButton("✖️ Huỷ")
	}), "the second progress message gets its buttons")
	_, err = api.PressButton(org.user, "✖️ Huỷ")
	require.NoError(t, err)
	require.NoError(t, api.WaitFor(wait, func(s *telegramtest.Snapshot) bool {
		return strings.Contains(lastProgress(s, 900), "Đã huỷ")
	}))
	assert.Equal(t, got, copiesPerChat(api), "the canceled one sent nothing")

	// Both have ended: the store keeps their counts, not their recipients.
	a.stop(t)
	store := openStoreOf(t, a)
	for id, want := range map[int64]domain.BroadcastCounts{1: {Total: 2, Sent: 2}, 2: {Total: 4}} {
		counts, err := store.BroadcastCounts(context.Background(), id)
		require.NoError(t, err)
		assert.Equal(t, want, counts, "broadcast %d", id)
		left, err := store.TakeRecipients(context.Background(), id, 10, time.Now())
		require.NoError(t, err)
		assert.Empty(t, left, "broadcast %d's recipients were released", id)
	}
}

// An announcement to the residents part-way through VNeID reaches them
// only: not those who finished it, are in another flow, never started, or
// asked for no announcements.
func TestBroadcastToResidentsPartWayThroughAFlow(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		env := appEnv(t, backend, map[string]string{"ORGANIZER_IDS": "900", "QUIET_HOURS": "0-0"})
		api := newFakeAPI(t)
		env["TELEGRAM_BOT_TOKEN"], env["TELEGRAM_API_URL"] = api.Token(), api.URL()
		sessions := map[int64]domain.Session{
			61: {Position: flows.Position{FlowID: "vneid", FlowVersion: 1, Step: "prep"}},         // part-way: gets it
			62: {Position: flows.Position{FlowID: "vneid", FlowVersion: 1, Step: "install"}},      // part-way: gets it
			63: {Position: flows.Position{FlowID: "vneid", FlowVersion: 1, Step: "kids"}},         // finished
			64: {Position: flows.Position{FlowID: "safety", FlowVersion: 1, Step: "call_menu"}},   // another flow
			65: {},                                                                                // never started
			66: {Position: flows.Position{FlowID: "vneid", FlowVersion: 1, Step: "no_such_step"}}, // a step since removed
			67: {Position: flows.Position{FlowID: "vneid", FlowVersion: 1, Step: "prep"}},         // asked for no announcements
		}
		seedStore(t, env, func(s storage.Store) {
			ctx := context.Background()
			for id, sess := range sessions {
				api.AddChat(id, telegramtest.ChatPrivate)
				require.NoError(t, s.PutUser(ctx, domain.User{ID: id, Role: domain.RoleResident, Language: "vi", NoAnnouncements: id == 67}))
				if sess.FlowID != "" {
					sess.ChatID = id
					_, err := s.SaveSession(ctx, sess)
					require.NoError(t, err)
				}
			}
		})
		a := startWith(t, api, env)
		org := newChat(t, a, 900, "vi")
		org.say("/broadcast")
		org.next()
		org.say("Chiều nay có tổ công nghệ số ở nhà văn hoá, ai đang làm VNeID dở thì mang điện thoại đến nhé")
		org.next()
		org.press("Người làm dở một hướng dẫn")
		org.next()
		org.press("Tài khoản VNeID")
		org.next() // the preview copy
		assert.Contains(t, org.nextText(), "Gửi tới 2 người (người làm dở “Tài khoản VNeID”)")
		org.press("📣 Gửi ngay")
		org.next()
		require.NoError(t, api.WaitFor(wait, func(s *telegramtest.Snapshot) bool {
			return strings.Contains(lastProgress(s, 900), "Đã gửi xong")
		}))
		assert.Equal(t, map[int64]int{61: 1, 62: 1}, copiesPerChat(api))
	})
}
