package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/flows"
	"github.com/hotroso/hotroso/storage"
)

// Settings of TestKilledAtRandomMomentsNoUpdateIsLost.
const (
	randomKills     = 10
	randomKillSeed  = 20261207
	killedResidents = 4
	// maxKillDelay bounds the random time between a restart and the next
	// kill: the residents keep the bot busy all along, so most kills land
	// while updates are being handled.
	maxKillDelay = 150 * time.Millisecond
)

// TestKilledAtRandomMomentsNoUpdateIsLost kills the program with kill -9 at
// random moments (seeded) while residents walk a flow by its buttons, ask a
// volunteer and add a note, each acting as soon as the previous answer
// came, and starts it again on the same store and the same Telegram. Long
// polling confirms an update to Telegram only once it was handled, so what
// a kill interrupts comes again after the restart. Checked afterwards:
//
//   - nothing lost: every message and press got its answer (each resident's
//     script ran to its end, each press was acknowledged), and Telegram
//     holds no unconfirmed update;
//   - no press advanced the flow twice: each resident's session is on the
//     last step of their path, with exactly the steps of the path behind it
//     (a press handled again finds its step already left and only gets "Đã
//     chọn rồi ạ"), and the funnel holds no more step events than presses;
//   - no second ticket: each resident has exactly one question, with their
//     note, and its card in the volunteers' group (a repeated ask finds the
//     open question, and posts its card if the kill came before that).
//
// What may double: an update handled, its answer sent, and the process
// killed before its id was recorded, is handled again after the restart.
// For a press that is only a notice, for /start a second menu, for a note a
// second copy of it in the question: those are counted and logged, not
// failed.
func TestKilledAtRandomMomentsNoUpdateIsLost(t *testing.T) {
	skipLong(t, "ten kill -9 and restarts")
	lib, _ := shipped(t)
	vneid, ok := lib.Flow("vneid")
	require.True(t, ok)
	path := tappedPathToAnEnd(t, vneid)
	forEachBackend(t, func(t *testing.T, backend string) {
		r := newRestartable(t, backend, map[string]string{"VOLUNTEER_CHAT_ID": strconv.Itoa(volunteerGroup)})
		r.api.AddChat(volunteerGroup, telegramtest.ChatSupergroup)
		var stop atomic.Bool
		var walkers sync.WaitGroup
		residents := make([]*killedResident, killedResidents)
		for i := range residents {
			res := &killedResident{api: r.api, user: resident(int64(6100+i), "vi"), flow: vneid, path: path, askAt: 1 + i%3}
			residents[i] = res
			walkers.Add(1)
			go func() {
				defer walkers.Done()
				res.err = res.run(&stop)
			}()
		}
		rng := rand.New(rand.NewPCG(randomKillSeed, uint64(len(backend))))
		for range randomKills {
			time.Sleep(time.Duration(rng.Int64N(int64(maxKillDelay)))) // a random moment, not a wait for a result
			r.kill()
			r.start()
		}
		stop.Store(true)
		walkers.Wait()
		for _, res := range residents {
			require.NoError(t, res.err, "resident %d: every message and press got its answer", res.user.ID)
		}
		require.NoError(t, r.api.WaitUpdatesConsumed(wait), "Telegram holds no unconfirmed update")
		assert.Empty(t, r.api.Unanswered(), "every press was acknowledged")
		r.kill()
		checkNothingDoubled(t, r.api, openStoreOf(t, &app{env: r.env}), residents)
	})
}

// tappedPathToAnEnd picks a path of f that ends on one of its final steps
// and is walked by buttons alone, of three to six presses.
func tappedPathToAnEnd(t *testing.T, f *flows.Flow) []flows.Edge {
	for _, p := range f.Paths(0) {
		if len(p) < 3 || len(p) > 6 {
			continue
		}
		last, ok := f.Steps[p[len(p)-1].To]
		tapped := ok && last.Final()
		for _, e := range p {
			tapped = tapped && e.Tapped()
		}
		if tapped {
			return p
		}
	}
	t.Fatalf("flow %s has no path of 3 to 6 buttons to an end", f.ID)
	return nil
}

// killedResident walks a flow again and again through the fake Telegram,
// from /start to the path's last step, until told to stop; on round askAt,
// at the end of the path, it asks a volunteer and adds a note. Each step
// waits for its answer; an answer that never comes ends the run with an
// error (the update was lost).
type killedResident struct {
	api    *telegramtest.Server
	user   telegramtest.User
	flow   *flows.Flow
	path   []flows.Edge
	askAt  int
	read   int // messages of the chat read so far
	rounds int
	// repeats counts answers that came again (an update handled twice).
	repeats int
	err     error
}

func (k *killedResident) run(stop *atomic.Bool) error {
	for k.rounds = 0; !stop.Load() || k.rounds <= k.askAt; k.rounds++ {
		if err := k.round(); err != nil {
			return fmt.Errorf("round %d: %w", k.rounds+1, err)
		}
	}
	return nil
}

// round is one walk from /start to the end of the path, with the question
// on round askAt.
func (k *killedResident) round() error {
	k.api.SendText(k.user, "/start")
	if err := k.expect("/start", func(m telegramtest.Message) bool { return strings.Contains(m.Text, "Xin chào bác") }); err != nil {
		return err
	}
	if err := k.tap(k.flow.Title["vi"], k.flow.Steps[k.flow.Start]); err != nil {
		return err
	}
	for _, e := range k.path {
		from := k.flow.Steps[e.From]
		label := ""
		if e.Choice >= 0 {
			label = from.Choices[e.Choice].Label["vi"]
		} else {
			label = from.Answer.Buttons()[e.Pick]["vi"]
		}
		if err := k.tap(label, k.flow.Steps[e.To]); err != nil {
			return err
		}
	}
	if k.rounds != k.askAt {
		return nil
	}
	if _, err := k.api.PressButton(k.user, "🙋 Hỏi tình nguyện viên"); err != nil {
		return err
	}
	// "vị trí số N trong hàng chờ", or, when the question was opened by the
	// same press before a kill, "vẫn đang chờ, ở vị trí số N".
	if err := k.expect("ask", func(m telegramtest.Message) bool { return strings.Contains(m.Text, "vị trí số") }); err != nil {
		return err
	}
	k.api.SendText(k.user, "Bác chưa nhận được mã OTP")
	return k.expect("note", func(m telegramtest.Message) bool { return strings.Contains(m.Text, "Cháu đã ghi thêm") })
}

// tap presses the button labelled label and waits for step.
func (k *killedResident) tap(label string, step *flows.Step) error {
	if _, err := k.api.PressButton(k.user, label); err != nil {
		return err
	}
	want := strings.TrimSpace(step.Text["vi"])
	return k.expect("press "+label, func(m telegramtest.Message) bool { return m.Text == want || m.Caption == want })
}

// expect reads the chat's next messages until one matches; others are
// answers that came again.
func (k *killedResident) expect(what string, match func(telegramtest.Message) bool) error {
	for {
		msgs, err := k.api.WaitMessages(k.user.ID, k.read+1, wait)
		if err != nil {
			return fmt.Errorf("%s: no answer: %w", what, err)
		}
		k.read++
		if match(msgs[k.read-1]) {
			return nil
		}
		k.repeats++
	}
}

// checkNothingDoubled checks the store after the last kill: one question
// per resident with their note and its card in the volunteers' group, each
// session on its path's last step with the path behind it, and no more
// funnel events than the presses made.
func checkNothingDoubled(t *testing.T, api *telegramtest.Server, store storage.Store, residents []*killedResident) {
	ctx := context.Background()
	tickets := map[int64][]domain.Ticket{}
	// Ticket ids may have gaps (an id taken by a kill's ask): look well
	// past the number of residents.
	for id := int64(1); id <= int64(10*len(residents)); id++ {
		tk, err := store.GetTicket(ctx, id)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		require.NoError(t, err)
		tickets[tk.ResidentID] = append(tickets[tk.ResidentID], tk)
	}
	rounds, repeats, notes := 0, 0, 0
	for _, res := range residents {
		rounds += res.rounds
		repeats += res.repeats
		require.Len(t, tickets[res.user.ID], 1, "resident %d asked once: one question", res.user.ID)
		tk := tickets[res.user.ID][0]
		assert.Equal(t, domain.TicketOpen, tk.State)
		card, ok := api.Message(volunteerGroup, tk.CardMessageID)
		assert.True(t, ok && strings.Contains(card.Text, fmt.Sprintf("Câu hỏi #%d", tk.ID)), "question #%d has its card in the volunteers' group", tk.ID)
		n := 0
		for _, note := range append([]string{tk.Question}, tk.Notes...) {
			if strings.Contains(note, "Bác chưa nhận được mã OTP") {
				n++
			}
		}
		assert.Positive(t, n, "resident %d: the note is kept", res.user.ID)
		notes += n - 1
		s, err := store.GetSession(ctx, res.user.ID)
		require.NoError(t, err)
		last := res.path[len(res.path)-1]
		want := make([]string, 0, len(res.path))
		for _, e := range res.path {
			want = append(want, e.From)
		}
		assert.Equal(t, last.To, s.Step, "resident %d ends on the path's last step", res.user.ID)
		assert.Equal(t, want, s.History, "resident %d: each press moved the flow once", res.user.ID)
	}
	events, err := store.FunnelEvents(ctx, time.Time{}, time.Now().Add(24*365*time.Hour))
	require.NoError(t, err)
	count := map[domain.FunnelKind]int{}
	for _, e := range events {
		count[e.Kind]++
	}

	steps := rounds * (1 + len(residents[0].path))
	assert.LessOrEqual(t, count[domain.FlowStarted], rounds, "no flow started twice by one press")
	assert.LessOrEqual(t, count[domain.StepEntered], steps, "no step entered twice by one press")
	t.Logf("%d rounds, %d presses and messages; answers that came again: %d; notes kept twice: %d; funnel events: %v, of %d starts, %d steps (a kill between a move and its event loses the event)",
		rounds, rounds*(2+len(residents[0].path))+2*len(residents), repeats, notes, count, rounds, steps)
}
