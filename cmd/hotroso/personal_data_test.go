package main

import (
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
)

// residentMessage is a private message from user as Telegram sends it,
// with the user's names, carrying the given fields.
func residentMessage(user int64, messageID int, fields map[string]any) map[string]any {
	msg := map[string]any{"message_id": messageID, "date": time.Now().Unix(),
		"chat": map[string]any{"id": user, "type": "private", "first_name": "Thị Hoa", "last_name": "Nguyễn", "username": "hoa_thanhhoa1950"},
		"from": map[string]any{"id": user, "is_bot": false, "first_name": "Thị Hoa", "last_name": "Nguyễn", "username": "hoa_thanhhoa1950", "language_code": "vi"}}
	for k, v := range fields {
		msg[k] = v
	}
	return map[string]any{"message": msg}
}

// What a resident might send that must never be copied on or stored.
var (
	sharedContact  = map[string]any{"contact": map[string]any{"phone_number": "+84987654321", "first_name": "Văn Lâm", "last_name": "Trần", "user_id": 777001}}
	sharedLocation = map[string]any{"location": map[string]any{"latitude": 19.807215, "longitude": 105.776543}}
	personalTexts  = []string{"038123456789", "0912345678", "Hoa@1950", "987654321", "Văn Lâm", "19.807215", "105.776543", "hoa_thanhhoa1950", "Thị Hoa"}
)

// A contact card or a location a resident shares with their question is
// never copied to the volunteer: the volunteer reads that one was shared
// (a phone number masked), and the resident is told why. Before, both
// were copied as they were.
func TestContactsAndLocationsAreNeverCopiedToTheVolunteer(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		a := deskApp(t, backend)
		org, vol, res := newChat(t, a, 900, "vi"), newChat(t, a, 530, "vi"), newChat(t, a, 50, "vi")
		joinVolunteer(t, org, vol, "Linh - Đoàn xã Quảng Xương")
		askAndClaim(t, a, res, vol, "bác cần giúp nộp hồ sơ")

		a.api.PushUpdate(residentMessage(res.user.ID, 90001, sharedContact))
		assert.Equal(t, "👤 Người dân (#1): (người dân đã gửi một danh bạ, số điện thoại ••••; cháu không chuyển tiếp)", vol.nextText())
		assert.Contains(t, res.nextText(), "không chuyển danh bạ hay vị trí")
		a.api.PushUpdate(residentMessage(res.user.ID, 90002, sharedLocation))
		assert.Contains(t, vol.nextText(), "đã gửi một vị trí")
		res.next()

		assert.Empty(t, a.api.CallsOf("copyMessage"), "nothing is copied")
		assert.Empty(t, a.api.CallsOf("forwardMessage"))
		for _, m := range a.api.Messages(vol.user.ID) {
			for _, secret := range personalTexts {
				assert.NotContains(t, m.Text+m.Caption, secret)
			}
		}
	})
}

// In webhook mode the durable queue holds only what the desk needs: a
// resident's text masked, no names, usernames, contacts or places. The
// test starts its own redis-server with an append-only file, posts a
// resident's updates full of personal data, and byte-greps every file the
// server wrote once they are handled. Before, the raw updates were
// queued, and the file held all of it.
func TestWebhookQueueKeepsNoPersonalDataOnDisk(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("needs redis-server on the PATH")
	}
	dir, port := t.TempDir(), freePort(t)
	startRedisServer(t, bin, dir, "--port", port, "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--aof-use-rdb-preamble", "no")
	api := newFakeAPI(t)
	const user = 51
	api.AddChat(user, telegramtest.ChatPrivate)
	env := map[string]string{"TELEGRAM_BOT_TOKEN": api.Token(), "TELEGRAM_API_URL": api.URL(), "REDIS_URL": "redis://127.0.0.1:" + port,
		"REDIS_KEY_PREFIX": "hooktest", "WEBHOOK_URL": "https://hotroso.example.test/telegram/hook", "WEBHOOK_SECRET": webhookSecret,
		"HTTP_ADDR": "127.0.0.1:0", "LOG_LEVEL": "warn", "DATA_DIR": t.TempDir()}
	p := startProgram(t, envList(env))
	base := p.httpBase(t)

	updates := []map[string]any{
		residentMessage(user, 1, map[string]any{"text": "CCCD của bác là 038123456789, số máy 0912345678, mật khẩu VNeID: Hoa@1950"}),
		residentMessage(user, 2, sharedContact),
		residentMessage(user, 3, sharedLocation),
		residentMessage(user, 4, map[string]any{"text": "/ask cháu ơi số bác 0912345678"}),
	}
	for i, u := range updates {
		u["update_id"] = 5000 + i
		raw, err := json.Marshal(u)
		require.NoError(t, err)
		require.Equal(t, 200, post(t, base, raw, webhookSecret))
	}
	_, err = api.WaitMessages(user, 4, wait)
	require.NoError(t, err, "every update was handled")
	client := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:" + port})
	defer client.Close()
	pending, err := client.Keys(context.Background(), "hooktest*").Result()
	require.NoError(t, err)
	require.NotEmpty(t, pending, "the program stored its data on this server")
	require.True(t, dirHolds(t, dir, "hooktest"), "the append-only file is where the test looks")
	for _, secret := range personalTexts {
		assert.False(t, dirHolds(t, dir, secret), "%q reached the disk", secret)
	}
	assert.True(t, dirHolds(t, dir, "CCCD của bác là ••••"), "the masked text is what was queued")
	for _, m := range api.Messages(user) {
		assert.False(t, strings.Contains(m.Text, "Hoa@1950"))
	}
}
