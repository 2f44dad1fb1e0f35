package main

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/flows"
	"github.com/hotroso/hotroso/storage"
)

// Broadcast tests run in real time. Telegram allows about 30 messages a
// second and hotroso sends 25 by default: to keep 10,000 sends short, the
// tests scale both by the same factor (the fake allows 30×k, the bot sends
// 25×k), which keeps what matters, the default rate's margin under
// Telegram's limit.
const (
	scale        = 16
	fakeRate     = 30 * scale
	defaultScale = 25 * scale
)

// seedResidents stores n residents (ids from first) and opens their chats in
// the fake, as if each had pressed Start.
func seedResidents(t *testing.T, env map[string]string, api *telegramtest.Server, first int64, n int) {
	t.Helper()
	seedStore(t, env, func(s storage.Store) {
		var wg sync.WaitGroup
		ids := make(chan int64)
		for range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for id := range ids {
					if err := s.PutUser(context.Background(), domain.User{ID: id, Role: domain.RoleResident, Language: "vi"}); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		for i := range n {
			ids <- first + int64(i)
		}
		close(ids)
		wg.Wait()
	})
	for i := range n {
		api.AddChat(first+int64(i), telegramtest.ChatPrivate)
	}
}

// announce runs an organizer's /broadcast to everyone and waits for the
// final report.
func announce(t *testing.T, a *app, org *chat, text string) string {
	t.Helper()
	org.seen = len(a.api.Messages(org.user.ID)) // skip earlier announcements the organizer got
	org.say("/broadcast")
	org.next()
	org.say(text)
	org.next()
	org.press("Tất cả mọi người")
	org.next() // the preview copy
	preview := org.next()
	require.Contains(t, preview.Text, "Gửi tới")
	org.press("📣 Gửi ngay")
	progress := org.next()
	var final string
	require.NoError(t, a.api.WaitFor(10*time.Minute, func(s *telegramtest.Snapshot) bool {
		for _, m := range s.Messages(org.user.ID) {
			if m.MessageID == progress.MessageID && strings.Contains(m.Text, "Đã gửi xong") {
				final = m.Text
				return true
			}
		}
		return false
	}), "the broadcast finishes")
	return final
}

// copiesPerChat counts the successful copies of the announcement per chat.
func copiesPerChat(api *telegramtest.Server) map[int64]int {
	got := map[int64]int{}
	for _, c := range api.CallsOf("copyMessage") {
		if c.Refused() || c.Params["reply_markup"] == "" {
			continue // refused, or the organizer's preview (no stop button)
		}
		id, _ := strconv.ParseInt(c.Params["chat_id"], 10, 64)
		got[id]++
	}
	return got
}

func TestBroadcastReachesTenThousandResidentsOnceEach(t *testing.T) {
	skipLong(t, "10,000 sends at a real rate")
	forEachBackend(t, func(t *testing.T, backend string) {
		const residents = 10000
		env := appEnv(t, backend, map[string]string{"ORGANIZER_IDS": "900", "QUIET_HOURS": "0-0", "BROADCAST_RATE": strconv.Itoa(defaultScale)})
		api := newFakeAPI(t, telegramtest.WithRateLimit(fakeRate, 3))
		seedResidents(t, env, api, 100000, residents)
		env["TELEGRAM_BOT_TOKEN"], env["TELEGRAM_API_URL"] = api.Token(), api.URL()
		blocked := []int64{100007, 100070, 100700, 107000}
		for _, id := range blocked {
			api.BlockedBy(id)
		}
		a := startWith(t, api, env)
		org := newChat(t, a, 900, "vi")
		start := time.Now()
		final := announce(t, a, org, "Ngày hội toàn dân học tập số 10/10 tại nhà văn hoá xã!")
		elapsed := time.Since(start)

		assert.Contains(t, final, "đã chặn bot 4")
		got := copiesPerChat(api)
		for i := range residents {
			id := int64(100000 + i)
			want := 1
			for _, b := range blocked {
				if id == b {
					want = 0
				}
			}
			require.Equal(t, want, got[id], "resident %d", id)
		}
		assert.Equal(t, 1, got[900], "the organizer is one of everyone")
		for _, c := range api.Refused() {
			assert.NotEqual(t, 429, c.Code, "the default rate draws no 429")
		}
		t.Logf("%s: %d sends in %v: %.0f/s against a configured %d/s", backend, residents, elapsed.Round(time.Millisecond), float64(residents)/elapsed.Seconds(), defaultScale)
		a.stop(t)
		store := openStoreOf(t, a)
		for _, id := range blocked {
			u, err := store.GetUser(context.Background(), id)
			require.NoError(t, err)
			assert.True(t, u.Blocked, "blocked users are marked")
		}
	})
}

func TestBroadcastSurvivesAnInjected429(t *testing.T) {
	t.Parallel()
	skipLong(t, "a broadcast waiting out a 429")
	env := appEnv(t, "embedded", map[string]string{"ORGANIZER_IDS": "900", "QUIET_HOURS": "0-0"})
	api := newFakeAPI(t)
	seedResidents(t, env, api, 100000, 60)
	env["TELEGRAM_BOT_TOKEN"], env["TELEGRAM_API_URL"] = api.Token(), api.URL()
	a := startWith(t, api, env)
	api.FailNext("copyMessage", 1, telegramtest.Fault{Status: 429, RetryAfter: 1})
	announce(t, a, newChat(t, a, 900, "vi"), "Tối nay 19:30 tập huấn VNeID tại nhà văn hoá thôn.")
	got := copiesPerChat(api)
	for i := range 60 {
		assert.Equal(t, 1, got[int64(100000+i)], "resident %d", 100000+i)
	}
}

func TestResidentStopsAnnouncements(t *testing.T) {
	t.Parallel()
	env := appEnv(t, "embedded", map[string]string{"ORGANIZER_IDS": "900", "QUIET_HOURS": "0-0"})
	api := newFakeAPI(t)
	env["TELEGRAM_BOT_TOKEN"], env["TELEGRAM_API_URL"] = api.Token(), api.URL()
	a := startWith(t, api, env)
	res := newChat(t, a, 44, "vi")
	res.say("/start")
	res.next()
	org := newChat(t, a, 900, "vi")
	announce(t, a, org, "Thông báo thứ nhất")
	first := res.next()
	assert.Equal(t, "Thông báo thứ nhất", first.Text)
	res.press("🔕 Không nhận thông báo nữa")
	assert.Contains(t, res.nextText(), "không nhận thông báo")
	announce(t, a, org, "Thông báo thứ hai")
	assert.Equal(t, 0, copiesPerChat(api)[44]-1, "the second announcement skipped the resident")
}

func TestBroadcastFinishesAfterTheProcessIsKilled(t *testing.T) {
	skipLong(t, "3,000 sends, a kill and a restart")
	forEachBackend(t, func(t *testing.T, backend string) {
		const residents, workers = 3000, 4
		env := appEnv(t, backend, map[string]string{"ORGANIZER_IDS": "900", "QUIET_HOURS": "0-0",
			"BROADCAST_RATE": strconv.Itoa(defaultScale), "BROADCAST_LEASE": "2s", "LOG_LEVEL": "error"})
		api := newFakeAPI(t, telegramtest.WithRateLimit(fakeRate, 3))
		seedResidents(t, env, api, 100000, residents)
		env["TELEGRAM_BOT_TOKEN"], env["TELEGRAM_API_URL"] = api.Token(), api.URL()

		first := startProgram(t, envList(env))
		waitPolls(t, api)
		org := &chat{t: t, api: api, user: telegramtest.User{ID: 900, LanguageCode: "vi"}}
		org.say("/broadcast")
		org.next()
		org.say("Lịch tiêm chủng mở rộng tại trạm y tế xã")
		org.next()
		org.press("Tất cả mọi người")
		org.next()
		org.next()
		org.press("📣 Gửi ngay")
		require.NoError(t, api.WaitFor(wait, func(s *telegramtest.Snapshot) bool { return len(s.CallsOf("copyMessage")) >= residents/2 }))
		require.NoError(t, first.cmd.Process.Kill()) // kill -9, halfway
		<-first.done
		_ = first.cmd.Wait()
		killedAt := len(copiesPerChat(api))

		startProgram(t, envList(env))
		require.NoError(t, api.WaitFor(2*time.Minute, func(s *telegramtest.Snapshot) bool {
			return strings.Contains(lastProgress(s, 900), "Đã gửi xong")
		}), "the restarted process finishes the broadcast")

		got := copiesPerChat(api)
		duplicates := 0
		for i := range residents {
			n := got[int64(100000+i)]
			require.GreaterOrEqual(t, n, 1, "resident %d got it", 100000+i)
			duplicates += n - 1
		}
		assert.LessOrEqual(t, duplicates, workers, "at most the sends in flight at the kill go twice")
		t.Logf("%s: killed after %d of %d recipients; after the restart all got it, %d twice", backend, killedAt, residents, duplicates)
	})
}

// lastProgress is the text of the organizer's latest progress message.
func lastProgress(s *telegramtest.Snapshot, organizer int64) string {
	text := ""
	for _, m := range s.Messages(organizer) {
		if strings.HasPrefix(m.Text, "📣 Thông báo #") {
			text = m.Text
		}
	}
	return text
}

func TestTwoInstancesShareOneBroadcastWithinTheCombinedRate(t *testing.T) {
	t.Parallel()
	skipLong(t, "two instances sharing a broadcast at a real rate")
	const residents, rate = 2000, 200
	env := appEnv(t, "redis", map[string]string{"ORGANIZER_IDS": "900", "QUIET_HOURS": "0-0", "BROADCAST_RATE": strconv.Itoa(rate)})
	// The fake allows 20% more than the combined rate: two instances that
	// each kept 200/s on their own would draw 429s.
	api := newFakeAPI(t, telegramtest.WithRateLimit(rate*1.2, 3))
	seedResidents(t, env, api, 100000, residents)
	env["TELEGRAM_BOT_TOKEN"], env["TELEGRAM_API_URL"] = api.Token(), api.URL()
	a := startWith(t, api, env)
	startWith(t, api, env) // a second instance on the same Redis and the same bot
	start := time.Now()
	announce(t, a, newChat(t, a, 900, "vi"), "Hai máy cùng gửi một thông báo")
	elapsed := time.Since(start)

	got := copiesPerChat(api)
	for i := range residents {
		require.Equal(t, 1, got[int64(100000+i)], "resident %d", 100000+i)
	}
	for _, c := range api.Refused() {
		assert.NotEqual(t, 429, c.Code, "together they stay within the rate")
	}
	achieved := float64(residents) / elapsed.Seconds()
	assert.Less(t, achieved, rate*1.1, "not faster than the combined rate")
	t.Logf("two instances: %d sends in %v, %.0f/s against %d/s configured", residents, elapsed.Round(time.Millisecond), achieved, rate)
}

func TestBroadcastScheduleAudienceAndControls(t *testing.T) {
	t.Parallel()
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
	t.Parallel() // waits on the clock's real seconds (paced group, retries), not the CPU
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
