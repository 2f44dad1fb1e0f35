package bot

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
	"github.com/hotroso/hotroso/handlers"
)

func TestSplitTextKeepsEverythingWithinTheLimit(t *testing.T) {
	line := strings.Repeat("Bác bấm vào nút “Kích hoạt”. ", 10) + "\n"
	text := strings.Repeat(line, 40) // about 12,000 characters
	pieces := SplitText(text, MaxTextRunes)
	assert.Greater(t, len(pieces), 2)
	for _, p := range pieces {
		assert.LessOrEqual(t, utf8.RuneCountInString(p), MaxTextRunes)
		assert.True(t, utf8.ValidString(p))
		assert.True(t, strings.HasSuffix(p, "\n") || p == pieces[len(pieces)-1], "cut after a line break")
	}
	assert.Equal(t, text, strings.Join(pieces, ""), "no character is lost")
	assert.Equal(t, []string{"short"}, SplitText("short", MaxTextRunes))
	unbroken := strings.Repeat("x", 9000)
	got := SplitText(unbroken, MaxTextRunes)
	assert.Equal(t, []int{4096, 4096, 808}, []int{len(got[0]), len(got[1]), len(got[2])})
}

func TestSplitCaptionCutsAtACleanPoint(t *testing.T) {
	short := strings.Repeat("x", MaxCaptionRunes)
	caption, rest := splitCaption(short)
	assert.Equal(t, short, caption)
	assert.Empty(t, rest)

	label := "🙋 Lan - Youth Union: "
	text := label + strings.Repeat("the screen says ", 64)[:1023] + "!"
	caption, rest = splitCaption(text)
	assert.LessOrEqual(t, utf8.RuneCountInString(caption), MaxCaptionRunes)
	assert.True(t, strings.HasSuffix(caption, " "), "cut after a space, not inside a word")
	assert.Equal(t, text, caption+rest, "nothing lost")
}

// gate is a Sender's clock whose sleeps block until the test opens the
// gate (or the sleep's context ends); each sleep announces its length on
// asleep, and moves the clock by it when it ends.
type gate struct {
	mu     sync.Mutex
	now    time.Time
	asleep chan time.Duration
	open   chan struct{}
}

func newGate() *gate {
	return &gate{now: time.Date(2026, 3, 9, 8, 0, 0, 0, time.UTC), asleep: make(chan time.Duration, 16), open: make(chan struct{})}
}

func (g *gate) Now() time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.now
}

func (g *gate) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	g.asleep <- d
	select {
	case <-g.open:
		g.mu.Lock()
		g.now = g.now.Add(d)
		g.mu.Unlock()
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// waitAsleep returns the length of the next sleep to begin.
func (g *gate) waitAsleep(t *testing.T) time.Duration {
	t.Helper()
	select {
	case d := <-g.asleep:
		return d
	case <-time.After(wait):
		t.Fatal("nothing went to sleep")
		return 0
	}
}

// noneAsleep checks that no sleep began.
func (g *gate) noneAsleep(t *testing.T) {
	t.Helper()
	select {
	case d := <-g.asleep:
		t.Fatalf("something went to sleep for %v", d)
	default:
	}
}

// within runs f and fails the test when it has not returned in a few
// seconds (it went to sleep at the gate).
func within(t *testing.T, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("still waiting after 5 s")
		return nil
	}
}

func gatedSender(t *testing.T, r *running, editEvery time.Duration) (*Sender, *gate) {
	g := newGate()
	s := NewSender(r.bot.api, r.store, r.store, editEvery, r.bot.log)
	s.now, s.sleep = g.Now, g.sleep
	t.Cleanup(func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // the gate never opens by itself: abandon what waits
		s.Close(ctx)
	})
	return s, g
}

// A 429 about one chat pauses that chat only: another chat's reply goes at
// once while the first waits out its retry_after; then the first chat goes
// slowly (one message a second) for a while, the other not.
func TestSenderA429PausesOnlyItsChat(t *testing.T) {
	r := startBot(t)
	a, b := telegramtest.User{ID: 21}, telegramtest.User{ID: 22}
	r.api.AddChat(a.ID, telegramtest.ChatPrivate)
	r.api.AddChat(b.ID, telegramtest.ChatPrivate)
	s, g := gatedSender(t, r, time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel) // ends what a failure left asleep

	r.api.FailNext("sendMessage", 1, telegramtest.Fault{Status: 429, RetryAfter: 30})
	sentA := make(chan error, 1)
	go func() { sentA <- sendErr(s.Send(ctx, a.ID, handlers.Reply{Text: "to A"})) }()
	assert.Equal(t, 30*time.Second, g.waitAsleep(t), "A waits out its retry_after")

	require.NoError(t, within(t, func() error { return sendErr(s.Send(ctx, b.ID, handlers.Reply{Text: "to B, at once"})) }), "B does not wait behind A")
	assert.Error(t, within(t, func() error { return s.AnswerButton(ctx, "", "") }), "nor does a button's answer (refused at once: it has no id)")
	g.noneAsleep(t)
	assert.Equal(t, "to B, at once", r.api.Messages(b.ID)[0].Text)
	assert.Empty(t, r.api.Messages(a.ID))

	g.open <- struct{}{}
	require.NoError(t, <-sentA)
	assert.Equal(t, "to A", r.api.Messages(a.ID)[0].Text)

	// A is slow now: its next message waits a second; B's do not.
	require.NoError(t, within(t, func() error { return sendErr(s.Send(ctx, b.ID, handlers.Reply{Text: "B again"})) }))
	require.NoError(t, within(t, func() error { return sendErr(s.Send(ctx, b.ID, handlers.Reply{Text: "B again and again"})) }))
	g.noneAsleep(t)
	go func() { sentA <- sendErr(s.Send(ctx, a.ID, handlers.Reply{Text: "A again"})) }()
	assert.Equal(t, time.Second, g.waitAsleep(t))
	g.open <- struct{}{}
	require.NoError(t, <-sentA)
}

// A 429 about no chat (the answer to a button) is a limit on the whole
// bot: every call waits it out.
func TestSenderA429AboutNoChatPausesEveryCall(t *testing.T) {
	r := startBot(t)
	u := telegramtest.User{ID: 23}
	r.api.AddChat(u.ID, telegramtest.ChatPrivate)
	s, g := gatedSender(t, r, time.Second)
	ctx := context.Background()

	r.api.FailNext("answerCallbackQuery", 1, telegramtest.Fault{Status: 429, RetryAfter: 7})
	r.api.FailNext("answerCallbackQuery", 1, telegramtest.Fault{Status: 400})
	answered := make(chan error, 1)
	go func() { answered <- s.AnswerButton(ctx, "cq-1", "") }()
	assert.Equal(t, 7*time.Second, g.waitAsleep(t))
	sent := make(chan error, 1)
	go func() { sent <- sendErr(s.Send(ctx, u.ID, handlers.Reply{Text: "after the bot's pause"})) }()
	assert.Equal(t, 7*time.Second, g.waitAsleep(t), "a send to any chat waits too")
	close(g.open)
	assert.Error(t, <-answered) // the second try was refused (400)
	require.NoError(t, <-sent)
}

// A group gets a burst of 5 messages, then one every 4 seconds: never more
// than 19 in a minute, under Telegram's 20, edits included.
func TestSenderKeepsAGroupUnderTwentyAMinute(t *testing.T) {
	r := startBot(t)
	const group = -100555
	r.api.AddChat(group, telegramtest.ChatSupergroup)
	s, clock := senderFor(t, r)
	ctx := context.Background()
	start := clock.Now()
	var at []time.Time
	for i := range 30 {
		id, err := s.Send(ctx, group, handlers.Reply{Text: "card " + strconv.Itoa(i)})
		require.NoError(t, err)
		at = append(at, clock.Now())
		require.NoError(t, s.editNow(ctx, group, id, "card "+strconv.Itoa(i)+" taken", nil))
		at = append(at, clock.Now())
	}
	for i := range at {
		inMinute := 0
		for _, t2 := range at[i:] {
			if t2.Sub(at[i]) < time.Minute {
				inMinute++
			}
		}
		assert.LessOrEqual(t, inMinute, 19, "messages in the minute from message %d", i)
	}
	assert.Equal(t, time.Duration(len(at)-groupBurst)*4*time.Second, clock.Now().Sub(start), "no slower than the limit needs")

	// A private chat is not paced at all until Telegram asks.
	u := telegramtest.User{ID: 24}
	r.api.AddChat(u.ID, telegramtest.ChatPrivate)
	before := len(clock.recorded())
	for range 10 {
		require.NoError(t, sendErr(s.Send(ctx, u.ID, handlers.Reply{Text: "hi"})))
	}
	assert.Len(t, clock.recorded(), before)
}

// The edits of one message are coalesced: the first goes at once, the
// ones during the rest after it wait, and only the latest goes, when the
// rest is over; Close sends what waits without resting.
func TestSenderCoalescesTheEditsOfAMessage(t *testing.T) {
	r := startBot(t)
	const group = -100556
	r.api.AddChat(group, telegramtest.ChatSupergroup)
	s, g := gatedSender(t, r, 3*time.Second)
	ctx := context.Background()
	id, err := s.Send(ctx, group, handlers.Reply{Text: "card"})
	require.NoError(t, err)
	text := func() string { m, _ := r.api.Message(group, id); return m.Text }

	require.NoError(t, s.Edit(ctx, group, id, "note 1", nil))
	_, err = r.api.WaitCalls("editMessageText", 1, wait)
	require.NoError(t, err)
	assert.Equal(t, 3*time.Second, g.waitAsleep(t), "then a rest")
	for i := 2; i <= 9; i++ {
		require.NoError(t, s.Edit(ctx, group, id, "note "+strconv.Itoa(i), nil))
	}
	assert.Len(t, r.api.CallsOf("editMessageText"), 1, "no edit during the rest")
	g.open <- struct{}{}
	_, err = r.api.WaitCalls("editMessageText", 2, wait)
	require.NoError(t, err)
	assert.Equal(t, "note 9", text(), "the latest text lands")
	assert.Equal(t, 3*time.Second, g.waitAsleep(t))

	require.NoError(t, s.Edit(ctx, group, id, "claimed", nil))
	closed := make(chan struct{})
	go func() { s.Close(ctx); close(closed) }()
	select {
	case <-closed:
	case <-time.After(wait):
		t.Fatal("Close did not send the edit that waited")
	}
	assert.Equal(t, "claimed", text())
	assert.Len(t, r.api.CallsOf("editMessageText"), 3)
}

func TestDocumentWithALongCaptionSendsTheRestAfterIt(t *testing.T) {
	r := startBot(t)
	u := telegramtest.User{ID: 25}
	r.api.AddChat(u.ID, telegramtest.ChatPrivate)
	s, _ := senderFor(t, r)
	text := strings.Repeat("Nhật ký hỗ trợ ", 100) // 1,500 characters
	_, err := s.Send(context.Background(), u.ID, handlers.Reply{Text: text, Document: &handlers.Photo{Name: "log.csv", Data: []byte("a,b\n")},
		Buttons: [][]handlers.Button{{{Label: "OK", Data: "ok"}}}})
	require.NoError(t, err)
	msgs := r.api.Messages(u.ID)
	require.Len(t, msgs, 2)
	assert.Equal(t, "document", msgs[0].Kind)
	assert.LessOrEqual(t, utf8.RuneCountInString(msgs[0].Caption), MaxCaptionRunes)
	assert.Nil(t, msgs[0].Buttons)
	assert.Equal(t, text, msgs[0].Caption+msgs[1].Text, "nothing lost")
	assert.NotNil(t, msgs[1].Buttons, "the buttons under the last message")
	assert.Empty(t, r.api.Refused())
}

// TestKeyboardButtonsHaveOneKindEach checks the JSON sent for buttons: a
// label and exactly one of url or callback_data (go-telegram/bot's own
// button type adds an empty copy_text to each).
func TestKeyboardButtonsHaveOneKindEach(t *testing.T) {
	raw, err := json.Marshal(keyboard([][]handlers.Button{{{Label: "Tiếp", Data: "f:vneid:prep"}, {Label: "Cổng", URL: "https://dichvucong.gov.vn"}}}))
	require.NoError(t, err)
	assert.JSONEq(t, `{"inline_keyboard":[[{"text":"Tiếp","callback_data":"f:vneid:prep"},{"text":"Cổng","url":"https://dichvucong.gov.vn"}]]}`, string(raw))
	assert.Nil(t, keyboard(nil), "no buttons, no markup: an edit without one removes the keyboard")
}
