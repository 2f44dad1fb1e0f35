package main

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hotroso/hotroso/bot/telegramtest"
	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
	"github.com/hotroso/hotroso/storage/redis"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// restartable runs the program as a process that a test can kill -9 and
// start again on the same store and the same fake Telegram.
type restartable struct {
	t   *testing.T
	env map[string]string
	api *telegramtest.Server
	p   *program
}

func (r *restartable) start() {
	r.p = startProgram(r.t, envList(r.env))
	r.p.expect("hotroso is running")
}

func (r *restartable) kill() {
	require.NoError(r.t, r.p.cmd.Process.Kill())
	<-r.p.done
	_ = r.p.cmd.Wait()
}

func newRestartable(t *testing.T, backend string, extra map[string]string) *restartable {
	env := appEnv(t, backend, extra)
	api := newFakeAPI(t)
	env["TELEGRAM_BOT_TOKEN"], env["TELEGRAM_API_URL"] = api.Token(), api.URL()
	env["LOG_LEVEL"] = "error"
	r := &restartable{t: t, env: env, api: api}
	r.start()
	return r
}

func waitRedis(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		s, err := redis.Open(context.Background(), url)
		if err == nil {
			s.Close()
			return
		}
		require.True(t, time.Now().Before(deadline), "redis-server did not start: %v", err)
		time.Sleep(20 * time.Millisecond) // polling until the server listens
	}
}

func TestKilledMidFlowTheResidentContinues(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		r := newRestartable(t, backend, nil)
		res := &chat{t: t, api: r.api, user: resident(4001, "vi")}
		res.say("/start")
		res.next()
		res.press("Tài khoản VNeID")
		res.next()
		res.press("Làm tài khoản từ đầu")
		step := res.next()
		r.kill() // kill -9 mid-flow
		r.start()
		res.say("/start")
		// The press answered just before the kill may not have been
		// recorded yet: then it comes again and its step is shown again
		// before the menu.
		menu := res.next()
		for menu.Text == step.Text {
			menu = res.next()
		}
		require.Contains(t, labels(menu), "▶️ Làm tiếp: Tài khoản VNeID", "the step survived the kill")
		res.press("▶️ Làm tiếp: Tài khoản VNeID")
		assert.Equal(t, step.Text, res.next().Text)
	})
}

func TestKilledMidClaimTheTicketIsNeitherLostNorDoubled(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		r := newRestartable(t, backend, map[string]string{"ORGANIZER_IDS": "900"})
		env := r.env
		// A volunteer on duty (seeded while the process runs is not possible
		// on the embedded file: seed before a restart instead).
		r.kill()
		seedStore(t, env, func(s storage.Store) {
			require.NoError(t, s.PutUser(context.Background(), domain.User{ID: 500, Role: domain.RoleVolunteer, DisplayName: "Lan", OnDuty: true}))
		})
		r.api.AddChat(500, telegramtest.ChatPrivate)
		r.start()
		res := &chat{t: t, api: r.api, user: resident(4101, "vi")}
		vol := &chat{t: t, api: r.api, user: telegramtest.User{ID: 500, FirstName: "V"}}
		res.say("/ask")
		res.next()
		vol.next() // the card
		vol.press("🙋 Nhận câu hỏi")
		r.kill() // kill -9 right after the claim was pressed
		r.start()
		// Whatever the kill interrupted, the ticket is in one consistent
		// state: the volunteer either holds it or it waits in the queue.
		vol.say("/queue")
		reply, err := r.api.WaitMessage(500, wait, func(m telegramtest.Message) bool {
			return strings.Contains(m.Text, "Câu hỏi bạn đang giữ") || strings.Contains(m.Text, "đang chờ:") || strings.Contains(m.Text, "Hàng chờ đang trống")
		})
		require.NoError(t, err)
		queue := reply.Text
		held := strings.Contains(queue, "Câu hỏi bạn đang giữ")
		waiting := strings.Contains(queue, "Có 1 câu hỏi đang chờ")
		assert.True(t, held != waiting, "held or waiting, not both, not neither: %q", queue)
		r.kill()
		store := openStoreOf(t, &app{env: env})
		open, err := store.OpenTickets(context.Background(), 10)
		require.NoError(t, err)
		claims, err := store.ClaimsOf(context.Background(), 500)
		require.NoError(t, err)
		assert.Equal(t, 1, len(open)+len(claims), "exactly one active ticket")
	})
}

// TestRedisRestartWithAOFKeepsEverything runs its own redis-server with AOF
// on, kills it (SIGKILL) after a resident's step and a ticket, starts it
// again on the same files, and checks that nothing was lost.
func TestRedisRestartWithAOFKeepsEverything(t *testing.T) {
	server, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not installed (.ci/run installs it)")
	}
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	startRedis := func() *exec.Cmd {
		cmd := exec.Command(server, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "",
			"--appendonly", "yes", "--appendfsync", "always")
		require.NoError(t, cmd.Start())
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		return cmd
	}
	url := "redis://127.0.0.1:" + strconv.Itoa(port)
	redisProc := startRedis()
	waitRedis(t, url)

	a := startApp(t, "embedded", map[string]string{"REDIS_URL": url, "REDIS_KEY_PREFIX": "aof"})
	res := newChat(t, a, 4201, "vi")
	res.say("/start")
	res.next()
	res.press("Tài khoản VNeID")
	res.next()
	res.press("Làm tài khoản từ đầu")
	step := res.next()
	res.press("🙋 Hỏi tình nguyện viên")
	res.next()
	a.stop(t)

	require.NoError(t, redisProc.Process.Kill()) // Redis dies without a clean shutdown
	_ = redisProc.Wait()
	_, err = os.Stat(filepath.Join(dir, "appendonlydir"))
	require.NoError(t, err, "the AOF was written")
	startRedis()
	waitRedis(t, url)

	store, err := redis.Open(context.Background(), url, redis.WithPrefix("aof"))
	require.NoError(t, err)
	defer store.Close()
	s, err := store.GetSession(context.Background(), 4201)
	require.NoError(t, err)
	assert.Equal(t, "vneid", s.FlowID)
	assert.NotEqual(t, "welcome", s.Step, "the step after %q survived", step.Text)
	tk, err := store.ActiveTicketOf(context.Background(), 4201)
	require.NoError(t, err, "the question survived")
	assert.Equal(t, domain.TicketOpen, tk.State)
}

func TestRedisOutageGetsABusyAnswerAndWorkResumes(t *testing.T) {
	t.Parallel()
	skipLong(t, "a Redis outage and its recovery")
	mr := miniredis.RunT(t)
	a := startApp(t, "embedded", map[string]string{"REDIS_URL": "redis://" + mr.Addr(), "REDIS_KEY_PREFIX": "outage"})
	res := newChat(t, a, 3101, "vi")
	res.say("/start")
	res.next()
	res.press("Tài khoản VNeID")
	step := res.next()

	mr.Close() // Redis goes away
	res.say("/help")
	assert.Equal(t, "Hệ thống đang bận. Bác vui lòng thử lại sau một phút nhé.", res.nextText())
	res.press("Làm tài khoản từ đầu")
	assert.Contains(t, res.nextText(), "đang bận", "a button during the outage gets the same kind answer")
	code, body := get(t, a.httpAddr(t)+"/readyz")
	assert.Equal(t, 503, code)
	assert.Contains(t, body, `"store":"failing`)

	require.NoError(t, mr.Restart()) // Redis is back, with its data
	// The client reconnects by itself within a moment; readiness says when.
	ready := time.After(wait)
	for code != 200 {
		select {
		case <-ready:
			t.Fatal("the store never became ready again")
		case <-time.After(100 * time.Millisecond):
		}
		code, _ = get(t, a.httpAddr(t)+"/readyz")
	}
	res.press("Làm tài khoản từ đầu")
	next := res.next()
	assert.NotEqual(t, step.Text, next.Text, "the step the resident was on was kept: the button moves on")
	assert.True(t, strings.Contains(next.Text, "Thẻ căn cước"), next.Text)
	assert.NotContains(t, a.stderr.String(), "panicked")
}

// holdNextSend makes the program's next sendMessage hang, and waits until
// it is hanging: what the update being handled stored is stored, its
// answer not sent. A kill then lands between the two.
func holdNextSend(t *testing.T, api *telegramtest.Server) {
	t.Helper()
	api.FailNext("sendMessage", 1, telegramtest.Fault{Delay: time.Minute})
}

func waitHeld(t *testing.T, api *telegramtest.Server) {
	t.Helper()
	require.NoError(t, api.WaitFor(wait, func(*telegramtest.Snapshot) bool { return api.FaultsLeft("sendMessage") == 0 }), "the answer is on its way")
}

// Killed after a press moved the flow but before its answer went out: the
// press comes again after the restart, and the resident gets the step it
// led to (not only "Đã chọn rồi ạ"); the flow moved once.
func TestKilledBeforeTheAnswerTheStepComesAfterTheRestart(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		r := newRestartable(t, backend, nil)
		res := &chat{t: t, api: r.api, user: resident(4301, "vi")}
		res.say("/start")
		res.next()
		res.press("Tài khoản VNeID")
		res.next()
		holdNextSend(t, r.api)
		res.press("Làm tài khoản từ đầu")
		waitHeld(t, r.api)
		r.kill()
		r.start()
		assert.Contains(t, res.nextText(), "Thẻ căn cước gắn chip", "the step, after the restart")
		r.kill()
		s, err := openStoreOf(t, &app{env: r.env}).GetSession(context.Background(), 4301)
		require.NoError(t, err)
		assert.Equal(t, "prep", s.Step)
		assert.Equal(t, []string{"welcome"}, s.History, "moved once")
	})
}

// Killed after a volunteer's claim was stored but before anyone was told:
// the press comes again after the restart, and the resident hears who
// took the question and the volunteer gets it.
func TestKilledMidClaimTheVolunteerStillGetsTheQuestion(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		r := newRestartable(t, backend, nil)
		r.kill()
		seedStore(t, r.env, func(s storage.Store) {
			require.NoError(t, s.PutUser(context.Background(), domain.User{ID: 501, Role: domain.RoleVolunteer, DisplayName: "Lan", OnDuty: true}))
		})
		r.api.AddChat(501, telegramtest.ChatPrivate)
		r.start()
		res := &chat{t: t, api: r.api, user: resident(4302, "vi")}
		vol := &chat{t: t, api: r.api, user: telegramtest.User{ID: 501, FirstName: "V"}}
		res.say("/ask")
		res.next()
		res.say("Bác không nhận được mã OTP")
		res.next()
		card, err := r.api.WaitMessage(501, wait, func(m telegramtest.Message) bool { return m.HasButton("🙋 Nhận câu hỏi") })
		require.NoError(t, err)
		vol.seen = len(r.api.Messages(501))
		holdNextSend(t, r.api) // the resident's "Lan đã nhận câu hỏi"
		_, err = r.api.PressButtonIn(501, vol.user, "🙋 Nhận câu hỏi")
		require.NoError(t, err)
		waitHeld(t, r.api)
		r.kill()
		r.start()
		assert.Contains(t, res.nextText(), "Tình nguyện viên Lan đã nhận câu hỏi của bác", "the resident is told")
		brief := vol.nextText()
		assert.Contains(t, brief, "Bác không nhận được mã OTP", "the volunteer gets the question (card #%d)", card.MessageID)
		assert.Contains(t, brief, "/done để đóng")
	})
}
