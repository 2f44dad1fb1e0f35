package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
)

func forEachBackend(t *testing.T, test func(t *testing.T, backend string)) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			test(t, backend)
		})
	}
}

func TestStartGreetsWithTheMenu(t *testing.T) {
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

func TestCommandsAreRegisteredInBothLanguages(t *testing.T) {
	a := startApp(t, "embedded", nil)
	for lang, want := range map[string]string{"vi": "Đổi ngôn ngữ", "en": "Change language", "": "Đổi ngôn ngữ"} {
		cmds := a.api.MyCommands(lang)
		require.Len(t, cmds, 8, "language %q", lang)
		found := false
		for _, c := range cmds {
			found = found || (c.Command == "lang" && c.Description == want)
		}
		assert.True(t, found, "language %q: /lang described as %q in %v", lang, want, cmds)
	}
}

func TestLanguageSwitchIsRemembered(t *testing.T) {
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

func TestOneChatsUpdatesAreHandledInOrder(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		a := startApp(t, backend, nil)
		u := resident(1401, "vi")
		a.api.SendText(u, "/lang")
		msgs, err := a.api.WaitMessages(u.ID, 1, wait)
		require.NoError(t, err)
		// 50 language switches arrive at once; handled in order, the
		// replies alternate exactly.
		const n = 50
		for i := range n {
			a.api.PressData(u, msgs[0].MessageID, []string{"l:en", "l:vi"}[i%2])
		}
		msgs, err = a.api.WaitMessages(u.ID, 1+n, wait)
		require.NoError(t, err)
		for i, m := range msgs[1:] {
			want := []string{"Switched to English", "Đã chuyển sang tiếng Việt"}[i%2]
			require.Contains(t, m.Text, want, "reply %d out of order", i)
		}
	})
}

func TestManyChatsAtOnceAreAllAnswered(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		a := startApp(t, backend, nil)
		const chats = 200
		for i := range chats {
			a.api.SendText(resident(int64(20000+i), "vi"), "/start")
		}
		err := a.api.WaitFor(wait, func(s *telegramtest.Snapshot) bool {
			for i := range chats {
				if len(s.Messages(int64(20000+i))) == 0 {
					return false
				}
			}
			return true
		})
		require.NoError(t, err)
		for i := range chats {
			msgs := a.api.Messages(int64(20000 + i))
			require.Len(t, msgs, 1, "chat %d answered exactly once", i)
		}
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

func TestDuplicateUpdatesAreHandledOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		a := startApp(t, backend, nil)
		u := resident(1601, "vi")
		id := a.api.SendText(u, "/start")
		_, err := a.api.WaitMessages(u.ID, 1, wait)
		require.NoError(t, err)
		require.NoError(t, a.api.Redeliver(id)) // Telegram sends update 1 again
		a.api.SendText(u, "/help")              // handled after the copy
		_, err = a.api.WaitMessages(u.ID, 2, wait)
		require.NoError(t, err)
		require.NoError(t, a.api.WaitUpdatesConsumed(wait))
		msgs := a.api.Messages(u.ID)
		require.Len(t, msgs, 2, "the repeated update_id is handled once")
		assert.Contains(t, msgs[1].Text, "Cách dùng")
	})
}

func TestForgetErasesTheUser(t *testing.T) {
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

func TestMissingTokenStopsWithOneLine(t *testing.T) {
	t.Chdir(t.TempDir())
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), testSystem(nil, nil, &stdout, &stderr, testClock()))
	require.Error(t, err)
	msg := err.Error()
	assert.True(t, strings.HasPrefix(msg, "TELEGRAM_BOT_TOKEN: not set"), msg)
	assert.Contains(t, msg, "@BotFather")
	assert.NotContains(t, msg, "\n", "one line")
	assert.Equal(t, 1, exitCode(err), "non-zero exit")
}

func TestWrongSettingsNameTheKey(t *testing.T) {
	t.Chdir(t.TempDir())
	base := map[string]string{"TELEGRAM_BOT_TOKEN": "123456:" + strings.Repeat("A", 30)}
	for key, value := range map[string]string{
		"TELEGRAM_BOT_TOKEN": "not-a-token",
		"TELEGRAM_API_URL":   "ftp://x",
		"REDIS_URL":          "localhost:6379",
		"ORGANIZER_IDS":      "12,abc",
		"VOLUNTEER_CHAT_ID":  "group",
		"DEFAULT_LANGUAGE":   "fr",
		"BROADCAST_RATE":     "5000",
		"HTTP_ADDR":          "8080",
		"LOG_LEVEL":          "loud",
		"FLOW_ABANDON_AFTER": "soon",
		"REDIS_AUTOPIPELINE": "maybe",
	} {
		env := map[string]string{key: value}
		for k, v := range base {
			if _, set := env[k]; !set {
				env[k] = v
			}
		}
		err := run(context.Background(), testSystem(nil, env, &bytes.Buffer{}, &bytes.Buffer{}, testClock()))
		require.Error(t, err, key)
		assert.True(t, strings.HasPrefix(err.Error(), key+": "), "%s: %v", key, err)
		assert.NotContains(t, err.Error(), "\n", key)
	}
}

// With its Redis commands autopipelined, the desk works the same: a
// resident starts a flow (a session saved by script) and moves on.
func TestRunsWithRedisAutopipelining(t *testing.T) {
	a := startApp(t, "redis", map[string]string{"REDIS_AUTOPIPELINE": "true"})
	res := newChat(t, a, 1802, "vi")
	res.say("/start")
	assert.Contains(t, res.nextText(), "Xin chào bác")
	res.press("Tài khoản VNeID")
	res.next()
	res.press("Làm tài khoản từ đầu")
	assert.Contains(t, res.nextText(), "Thẻ căn cước gắn chip")
	a.stop(t)
	sess, err := openStoreOf(t, a).GetSession(context.Background(), 1802)
	require.NoError(t, err)
	assert.Equal(t, "prep", sess.Step)
}

func TestDotEnvFileIsRead(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".env"), []byte("TELEGRAM_BOT_TOKEN=123456:"+strings.Repeat("B", 30)+"\nDEFAULT_LANGUAGE=fr\n"), 0o600))
	err := run(context.Background(), testSystem(nil, nil, &bytes.Buffer{}, &bytes.Buffer{}, testClock()))
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "DEFAULT_LANGUAGE:"), "the token came from .env, the next check fails: %v", err)
}

func TestUnknownSubcommandIsAUsageError(t *testing.T) {
	t.Chdir(t.TempDir())
	err := run(context.Background(), testSystem([]string{"frobnicate"}, nil, &bytes.Buffer{}, &bytes.Buffer{}, testClock()))
	require.Error(t, err)
	assert.Equal(t, 2, exitCode(err))
}

func TestRunsOnRedisAddrs(t *testing.T) {
	// A Redis Cluster when CI provides one, else one standalone server.
	addrs := os.Getenv("REDIS_CLUSTER_TEST_ADDRS")
	if addrs == "" {
		addrs = miniredis.RunT(t).Addr()
	}
	_, prefix := testRedis(t)
	a := startApp(t, "embedded", map[string]string{"REDIS_ADDRS": addrs, "REDIS_KEY_PREFIX": prefix})
	assert.Contains(t, a.stdout.String(), "Redis store ("+addrs+")")
	u := resident(1801, "vi")
	a.api.SendText(u, "/start")
	msgs, err := a.api.WaitMessages(u.ID, 1, wait)
	require.NoError(t, err)
	assert.Contains(t, msgs[0].Text, "Xin chào bác")
}
