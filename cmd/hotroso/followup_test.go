package main

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
	"github.com/hotroso/hotroso/domain"
)

// shiftClock runs at the speed of real time from a start, and jumps ahead
// when a test says so: days pass in a moment. Instances on one store share
// one.
type shiftClock struct {
	from  time.Time
	start time.Time
	shift atomic.Int64
}

func newShiftClock(from time.Time) *shiftClock { return &shiftClock{from: from, start: time.Now()} }

func (c *shiftClock) now() time.Time {
	return c.from.Add(time.Since(c.start) + time.Duration(c.shift.Load()))
}

// advance moves the clock d ahead.
func (c *shiftClock) advance(d time.Duration) { c.shift.Add(int64(d)) }

// metric reads a counter or gauge of the app's /metrics; 0 when absent.
func (a *app) metric(t *testing.T, name string) float64 {
	t.Helper()
	// A second instance on one fake API may not have printed its banner
	// yet when the first already polls.
	require.Eventually(t, func() bool { return strings.Contains(a.stdout.String(), "health and metrics on") }, wait, 10*time.Millisecond)
	_, body := get(t, a.httpAddr(t)+"/metrics")
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		return 0
	}
	v, err := strconv.ParseFloat(m[1], 64)
	require.NoError(t, err)
	return v
}

// waitRuns waits until the app's job counted by the metric has run twice
// more: at least one whole run started after this call (after a clock
// shift, say).
func (a *app) waitRuns(t *testing.T, name string) {
	t.Helper()
	from := a.metric(t, name)
	require.Eventually(t, func() bool { return a.metric(t, name) >= from+2 }, wait, 20*time.Millisecond, "%s did not run", name)
}

const followUpRuns = "hotroso_follow_up_runs_total"

// Follow-up question texts and buttons (locales/vi.yaml).
const (
	fuAccepted = "✅ Xong rồi, đã được nhận"
	fuSentBack = "↩️ Bị trả lại"
	fuStop     = "🔕 Đừng hỏi lại"
	fuAsk      = "Hồ sơ/thanh toán hôm trước của bác thế nào rồi ạ?"
)

// payFee walks the payment flow to fee_done, a step marked follow_up: the
// resident paid a public-service fee in VNeID.
func payFee(c *chat) {
	c.t.Helper()
	c.say("/start")
	c.next()
	for _, label := range []string{"Thanh toán trên mạng", "Trả phí dịch vụ công", "Trong ứng dụng VNeID", "Đang ở trang trả tiền"} {
		c.press(label)
		c.next()
	}
	c.press("Đã trả xong")
	require.Contains(c.t, c.nextText(), "thanh toán thành công")
}

// fileDossier walks the dossier flow from the menu to sent_done, a step
// marked follow_up: the resident sent a dossier in VNeID.
func fileDossier(c *chat) {
	c.t.Helper()
	c.press("🏠 Menu")
	c.next()
	sendDossier(c)
}

// fileDossierFromStart is fileDossier for a resident who has not written
// yet.
func fileDossierFromStart(c *chat) {
	c.t.Helper()
	c.say("/start")
	c.next()
	sendDossier(c)
}

// sendDossier walks the dossier flow from the main menu's choices to
// sent_done.
func sendDossier(c *chat) {
	c.t.Helper()
	for _, label := range []string{"Nộp hồ sơ trên mạng", "Cách đăng nhập và nộp", "Đã có mức 2", "Trong ứng dụng VNeID", "Đã mở mẫu khai", "Đã điền xong", "Đã đính kèm"} {
		c.press(label)
		c.next()
	}
	c.press("Đã gửi")
	require.Contains(c.t, c.nextText(), "Hồ sơ đã được gửi")
}

// noNewMessages asserts that the chat got nothing since the test last read.
func noNewMessages(t *testing.T, c *chat, why string) {
	t.Helper()
	assert.Len(t, c.api.Messages(c.user.ID), c.seen, why)
}

// startFollowUpApp starts the program on the backend with a shift clock
// standing at from, an organizer and a volunteer group, and opens the chat
// of a Vietnamese-speaking resident with the given id.
func startFollowUpApp(t *testing.T, backend string, from time.Time, resident int64) (*app, *shiftClock, *chat) {
	t.Helper()
	clock := newShiftClock(from)
	env := appEnv(t, backend, map[string]string{"ORGANIZER_IDS": "900", "VOLUNTEER_CHAT_ID": strconv.Itoa(volunteerGroup)})
	api := newFakeAPI(t)
	env["TELEGRAM_BOT_TOKEN"], env["TELEGRAM_API_URL"] = api.Token(), api.URL()
	a := startWithClock(t, api, env, clock.now)
	api.AddChat(volunteerGroup, telegramtest.ChatSupergroup)
	return a, clock, newChat(t, a, resident, "vi")
}

// noFollowUpAfter moves the clock d ahead, waits for a whole follow-up run
// of the app and asserts that the chat got nothing.
func noFollowUpAfter(t *testing.T, a *app, clock *shiftClock, c *chat, d time.Duration, why string) {
	t.Helper()
	clock.advance(d)
	a.waitRuns(t, followUpRuns)
	noNewMessages(t, c, why)
}

// A resident who paid a fee is asked once, 48 hours later (not at 47), and
// only once however long the desk runs; the answer is in the assist log
// as a follow_up record without personal data; a second tap is only
// acknowledged.
func TestFollowUpIsAskedOnceTwoDaysAfterAPayment(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		a, clock, res := startFollowUpApp(t, backend, vietnamAt(10, 0), 61)
		payFee(res)

		noFollowUpAfter(t, a, clock, res, 47*time.Hour, "nothing at 47 hours")

		clock.advance(time.Hour)
		q := res.next()
		assert.Contains(t, q.Text, fuAsk)
		assert.Contains(t, q.Text, "Thanh toán trên mạng", "the question names the flow")
		assert.Equal(t, []string{fuAccepted, "⏳ Vẫn đang chờ", fuSentBack, fuStop}, labels(q))

		// An hour on: past the lease of the instance that asked.
		noFollowUpAfter(t, a, clock, res, time.Hour, "asked once")
		assert.Equal(t, 1.0, a.metric(t, "hotroso_follow_ups_asked_total"))

		res.press(fuAccepted)
		assert.Contains(t, res.nextText(), "Tốt quá")
		// The edit is sent beside the reply (edits are coalesced): wait for it.
		require.NoError(t, a.api.WaitFor(wait, func(s *telegramtest.Snapshot) bool {
			for _, m := range s.Messages(res.user.ID) {
				if m.MessageID == q.MessageID {
					return strings.Contains(m.Text, "Bác đã chọn: "+fuAccepted) && len(m.Buttons) == 0
				}
			}
			return false
		}), "the question shows the answer, without its buttons")
		again := a.api.PressData(res.user, q.MessageID, q.Buttons[0][0].Data)
		answer, err := a.api.WaitCallbackAnswer(again, wait)
		require.NoError(t, err)
		assert.Contains(t, answer.Params["text"], "đã trả lời rồi", "a second tap records nothing")
		forged := a.api.PressData(res.user, q.MessageID, "fu:sent_back:payment")
		answer, err = a.api.WaitCallbackAnswer(forged, wait)
		require.NoError(t, err)
		assert.Contains(t, answer.Params["text"], "đã trả lời rồi")
		a.stop(t)

		st := openStoreOf(t, a)
		log, err := st.AssistsBetween(context.Background(), time.Time{}, clock.now().Add(time.Hour))
		require.NoError(t, err)
		var followUps []domain.Assist
		for _, rec := range log {
			if rec.Kind == domain.AssistFollowUp {
				followUps = append(followUps, rec)
			}
		}
		require.Len(t, followUps, 1, "one answer recorded")
		f := followUps[0]
		assert.Equal(t, "payment", f.FlowID)
		assert.Equal(t, "fee_done", f.Step)
		assert.Equal(t, domain.FollowUpAccepted, f.Outcome)
		assert.Regexp(t, "^[0-9a-f]{24}$", f.Resident, "the resident as the salted hash, not their id")
	})
}

// A follow-up due at 22:00 waits for the end of quiet hours (21-7, the
// default) and goes at 07:00.
func TestFollowUpWaitsForTheEndOfQuietHours(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		a, clock, res := startFollowUpApp(t, backend, vietnamAt(22, 0), 62)
		payFee(res)

		noFollowUpAfter(t, a, clock, res, 48*time.Hour+time.Minute, "not at 22:01, in quiet hours") // Wednesday 22:01
		noFollowUpAfter(t, a, clock, res, 8*time.Hour+57*time.Minute, "not at 06:58")               // Thursday 06:58
		clock.advance(2 * time.Minute)
		// Asked at 07:00, the end of quiet hours (not at 06:58, above), and once.
		q := res.next()
		assert.Contains(t, q.Text, fuAsk)
		noFollowUpAfter(t, a, clock, res, time.Hour, "asked once")
	})
}

// "Don't ask again" is one tap: it cancels the pending follow-up (here,
// of a dossier filed after the payment) and none is kept later.
func TestFollowUpOptOutStopsThemAll(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		a, clock, res := startFollowUpApp(t, backend, vietnamAt(10, 0), 63)
		payFee(res)
		clock.advance(48 * time.Hour)
		assert.Contains(t, res.nextText(), fuAsk)

		fileDossier(res) // a new follow-up, pending
		res.press(fuStop)
		assert.Contains(t, res.nextText(), "không hỏi lại nữa")
		noFollowUpAfter(t, a, clock, res, 49*time.Hour, "the pending follow-up was canceled")

		payFee(res) // and none is kept from now on
		noFollowUpAfter(t, a, clock, res, 49*time.Hour, "never asked after opting out")
		assert.Zero(t, a.metric(t, "hotroso_follow_ups_dropped_total"), "none was even kept")
	})
}

// "Sent back" offers a volunteer, and the question reaches the volunteers
// with the flow's step as its context.
func TestFollowUpSentBackOffersAVolunteer(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		a, clock, res := startFollowUpApp(t, backend, vietnamAt(10, 0), 64)
		fileDossierFromStart(res)
		clock.advance(48 * time.Hour)
		assert.Contains(t, res.nextText(), fuAsk)

		res.press(fuSentBack)
		offer := res.next()
		assert.Contains(t, offer.Text, "tình nguyện viên")
		res.press("🙋 Hỏi tình nguyện viên")
		assert.Contains(t, res.nextText(), "Câu hỏi của bác đã được giữ lại", "the question is queued")
		card, err := a.api.WaitMessage(volunteerGroup, wait, func(m telegramtest.Message) bool { return strings.Contains(m.Text, "bị trả lại") })
		require.NoError(t, err, "the card reaches the volunteers")
		assert.Contains(t, card.Text, "Nộp hồ sơ trên mạng › Xong rồi bác! Hồ sơ đã được gửi", "with the flow's step")
		a.stop(t)

		st := openStoreOf(t, a)
		tk, err := st.ActiveTicketOf(context.Background(), res.user.ID)
		require.NoError(t, err)
		assert.Equal(t, "dossier", tk.FlowID)
		assert.Equal(t, "sent_done", tk.Step)
		log, err := st.AssistsBetween(context.Background(), time.Time{}, clock.now().Add(time.Hour))
		require.NoError(t, err)
		require.NotEmpty(t, log)
		last := log[len(log)-1]
		assert.Equal(t, domain.AssistFollowUp, last.Kind)
		assert.Equal(t, domain.FollowUpSentBack, last.Outcome)
		assert.Equal(t, "dossier", last.FlowID)
	})
}

// /forget removes a pending follow-up from the store.
func TestForgetRemovesAPendingFollowUp(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		a, clock, res := startFollowUpApp(t, backend, vietnamAt(10, 0), 65)
		payFee(res)
		res.say("/forget")
		res.next()
		res.press("Có, xoá hết")
		assert.Contains(t, res.nextText(), "Cháu đã xoá hết thông tin về bác")
		a.stop(t)

		st := openStoreOf(t, a)
		due, err := st.TakeDueFollowUps(context.Background(), clock.now().Add(49*time.Hour), time.Minute, 10)
		require.NoError(t, err)
		assert.Empty(t, due, "no follow-up is left to ask")
	})
}

// Two instances on one Redis ask a follow-up exactly once.
func TestFollowUpTwoInstancesAskOnce(t *testing.T) {
	t.Parallel()
	clock := newShiftClock(vietnamAt(10, 0))
	env := appEnv(t, "redis", nil)
	api := newFakeAPI(t)
	env["TELEGRAM_BOT_TOKEN"], env["TELEGRAM_API_URL"] = api.Token(), api.URL()
	a := startWithClock(t, api, env, clock.now)
	residents := make([]*chat, 5)
	for i := range residents {
		residents[i] = newChat(t, a, int64(70+i), "vi")
		payFee(residents[i])
	}
	// The second instance starts once the flows are done: two instances
	// take a chat's updates in order in webhook mode, not when both poll.
	b := startWithClock(t, api, env, clock.now)
	clock.advance(48 * time.Hour)
	for _, res := range residents {
		assert.Contains(t, res.nextText(), fuAsk)
	}
	clock.advance(time.Hour) // past every lease
	a.waitRuns(t, followUpRuns)
	b.waitRuns(t, followUpRuns)
	for _, res := range residents {
		noNewMessages(t, res, "asked once")
	}
	asked := a.metric(t, "hotroso_follow_ups_asked_total") + b.metric(t, "hotroso_follow_ups_asked_total")
	assert.Equal(t, float64(len(residents)), asked, "the two instances asked %d between them", len(residents))
}
