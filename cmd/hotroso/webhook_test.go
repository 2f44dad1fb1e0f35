package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
	"github.com/hotroso/hotroso/storage/redis"
)

const webhookSecret = "s3cret-Token_for-tests"

// webhookUpdate is a private text message as Telegram would post it.
func webhookUpdate(updateID, user int64, messageID int, text string) []byte {
	msg := map[string]any{"message_id": messageID, "date": time.Now().Unix(),
		"chat": map[string]any{"id": user, "type": "private"},
		"from": map[string]any{"id": user, "is_bot": false, "first_name": "R", "language_code": "vi"}, "text": text}
	if strings.HasPrefix(text, "/") {
		msg["entities"] = []map[string]any{{"type": "bot_command", "offset": 0, "length": len(text)}}
	}
	raw, _ := json.Marshal(map[string]any{"update_id": updateID, "message": msg})
	return raw
}

// post delivers an update to an instance's webhook as Telegram does.
func post(t testing.TB, base string, raw []byte, secret string) int {
	req, err := http.NewRequest("POST", base+"/telegram/hook", bytes.NewReader(raw))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

func (p *program) httpBase(t testing.TB) string {
	t.Helper()
	return p.expect(`health and metrics on (http://[0-9.]+:[0-9]+)`)[1]
}

func TestWebhookTwoInstancesExactlyOnceInOrderAndATakeOver(t *testing.T) {
	t.Parallel()
	skipLong(t, "two webhook instances and a take-over")
	const residents, perResident = 500, 6
	url, prefix := testRedis(t)
	api := newFakeAPI(t)
	for i := range residents {
		api.AddChat(int64(200000+i), telegramtest.ChatPrivate)
	}
	env := map[string]string{"TELEGRAM_BOT_TOKEN": api.Token(), "TELEGRAM_API_URL": api.URL(), "REDIS_URL": url, "REDIS_KEY_PREFIX": prefix,
		"WEBHOOK_URL": "https://hotroso.example.test/telegram/hook", "WEBHOOK_SECRET": webhookSecret, "WEBHOOK_LEASE": "2s",
		"HTTP_ADDR": "127.0.0.1:0", "LOG_LEVEL": "warn", "DATA_DIR": t.TempDir()}
	first, second := startProgram(t, envList(env)), startProgram(t, envList(env))
	bases := []string{first.httpBase(t), second.httpBase(t)}
	_, err := api.WaitCalls("setWebhook", 2, wait)
	require.NoError(t, err)
	hook := api.CallsOf("setWebhook")[0]
	assert.Equal(t, webhookSecret, hook.Params["secret_token"])
	assert.Equal(t, 401, post(t, bases[0], webhookUpdate(1, 200000, 1, "/start"), "wrong"), "a wrong secret is refused")

	// Each resident sends /help and /menu in turn; every update is posted
	// twice, to either instance, as Telegram does when an answer is late.
	var nextID atomic.Int64
	nextID.Store(1000)
	send := func(round int, targets []string) {
		var wg sync.WaitGroup
		sem := make(chan struct{}, 32)
		for i := range residents {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				user := int64(200000 + i)
				for k := range perResident / 2 {
					n := round*perResident/2 + k
					text := []string{"/help", "/menu"}[n%2]
					raw := webhookUpdate(nextID.Add(1), user, n+1, text)
					for copy := range 2 {
						assert.Equal(t, 200, post(t, targets[(i+k+copy)%len(targets)], raw, webhookSecret))
					}
				}
			}()
		}
		wg.Wait()
	}
	store, err := redis.Open(context.Background(), url, redis.WithPrefix(prefix))
	require.NoError(t, err)
	defer store.Close()
	drained := func(timeout time.Duration) {
		deadline := time.Now().Add(timeout)
		for {
			n, err := store.UpdatesPending(context.Background())
			require.NoError(t, err)
			if n == 0 {
				return
			}
			if !time.Now().Before(deadline) {
				second.mu.Lock()
				out := second.out.String()
				second.mu.Unlock()
				t.Fatalf("%d updates still queued; the survivor said:\n%s", n, out[max(0, len(out)-3000):])
			}
			time.Sleep(50 * time.Millisecond) // polling the queue's length
		}
	}

	start := time.Now()
	send(0, bases)
	drained(wait)
	// One instance dies (kill -9); the updates that land on its shards
	// from now on are taken over by the survivor.
	require.NoError(t, first.cmd.Process.Kill())
	<-first.done
	send(1, bases[1:])
	drained(time.Minute)
	elapsed := time.Since(start)

	for i := range residents {
		msgs := api.Messages(int64(200000 + i))
		require.Len(t, msgs, perResident, "resident %d: every update handled once", i)
		for n, m := range msgs {
			want := []string{"Cách dùng", "Bác muốn làm gì"}[n%2]
			require.Contains(t, m.Text, want, "resident %d: reply %d in order", i, n)
		}
	}
	t.Logf("webhook: %d residents × %d updates, each posted twice, over two instances (one killed midway): %v", residents, perResident, elapsed.Round(time.Millisecond))
}

func TestWebhookUpdateInFlightAtAKillIsHandledByTheNextInstance(t *testing.T) {
	t.Parallel()
	skipLong(t, "a kill and a lease take-over")
	url, prefix := testRedis(t)
	api := newFakeAPI(t)
	const user = 210000
	api.AddChat(user, telegramtest.ChatPrivate)
	env := map[string]string{"TELEGRAM_BOT_TOKEN": api.Token(), "TELEGRAM_API_URL": api.URL(), "REDIS_URL": url, "REDIS_KEY_PREFIX": prefix,
		"WEBHOOK_URL": "https://hotroso.example.test/telegram/hook", "WEBHOOK_SECRET": webhookSecret, "WEBHOOK_LEASE": "2s",
		"HTTP_ADDR": "127.0.0.1:0", "LOG_LEVEL": "warn", "DATA_DIR": t.TempDir()}
	first := startProgram(t, envList(env))
	base := first.httpBase(t)
	_, err := api.WaitCalls("setWebhook", 1, wait)
	require.NoError(t, err)

	// The reply hangs in Telegram; the instance is killed while it waits.
	api.FailNext("sendMessage", 1, telegramtest.Fault{Delay: time.Minute})
	require.Equal(t, 200, post(t, base, webhookUpdate(3001, user, 1, "/help"), webhookSecret))
	require.NoError(t, api.WaitFor(wait, func(*telegramtest.Snapshot) bool { return api.FaultsLeft("sendMessage") == 0 }),
		"the instance is handling the update")
	require.NoError(t, first.cmd.Process.Kill())
	<-first.done

	second := startProgram(t, envList(env))
	secondBase := second.httpBase(t)
	msgs, err := api.WaitMessages(user, 1, wait)
	require.NoError(t, err, "the next instance handles the update the dead one was handling")
	assert.Contains(t, msgs[0].Text, "Cách dùng")
	require.Equal(t, 200, post(t, secondBase, webhookUpdate(3002, user, 2, "/menu"), webhookSecret))
	msgs, err = api.WaitMessages(user, 2, wait)
	require.NoError(t, err)
	assert.Len(t, msgs, 2, "handled once, then the next update")
}
