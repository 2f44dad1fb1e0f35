package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/flows"
)

// sosStart is where every "did you already give it away?" answer leads.
const sosStart = "sos/cut_network"

// shortestTaps returns the buttons to tap from the flow's start to reach
// step id, fewest first (breadth first over the flow's buttons).
func shortestTaps(f *flows.Flow, id string) ([]flows.Edge, bool) {
	prev := map[string]flows.Edge{}
	seen := map[string]bool{f.Start: true}
	queue := []string{f.Start}
	for len(queue) > 0 {
		at := queue[0]
		queue = queue[1:]
		if at == id {
			var path []flows.Edge
			for at != f.Start {
				e := prev[at]
				path = append([]flows.Edge{e}, path...)
				at = e.From
			}
			return path, true
		}
		for _, e := range f.Edges(f.Steps[at]) {
			if _, ok := f.Steps[e.To]; ok && e.Tapped() && !seen[e.To] {
				seen[e.To], prev[e.To] = true, e
				queue = append(queue, e.To)
			}
		}
	}
	return nil, false
}

// Every button that answers "yes, I already gave it / tapped it / paid",
// in every flow and both languages, leads by one tap to the first SOS
// step, and ⬅️ Back from there returns to where the resident was.
func TestSOSFromEveryAlreadyGaveItAnswer(t *testing.T) {
	lib, texts := shipped(t)
	sos, ok := lib.Flow("sos")
	require.True(t, ok)
	first := sos.Steps[sos.Start]
	type entry struct {
		flow *flows.Flow
		edge flows.Edge
	}
	var entries []entry
	for _, f := range lib.Flows() {
		for _, id := range f.StepIDs {
			for _, e := range f.Edges(f.Steps[id]) {
				if e.To == sosStart {
					require.True(t, e.Tapped(), "%s/%s: SOS by a button", f.ID, id)
					entries = append(entries, entry{f, e})
				}
			}
		}
	}
	require.GreaterOrEqual(t, len(entries), 10, "the flows send scam victims to SOS from many answers")
	forEachBackend(t, func(t *testing.T, backend string) {
		a := startApp(t, backend, nil)
		var wg sync.WaitGroup
		id := int64(400000)
		for _, en := range entries {
			for _, lang := range texts.Languages() {
				id++
				w := &walker{api: a.api, lib: lib, user: resident(id, lang), lang: lang, texts: texts}
				wg.Add(1)
				go func() {
					defer wg.Done()
					t.Run(fmt.Sprintf("%s/%s/%s", en.flow.ID, en.edge.From, lang), func(t *testing.T) {
						w.t = t
						path, ok := shortestTaps(en.flow, en.edge.From)
						require.True(t, ok, "reachable by tapping")
						w.start(en.flow)
						for i, e := range path {
							w.tap(en.flow, e, fmt.Sprintf("to %s, tap %d", en.edge.From, i))
						}
						w.tap(en.flow, en.edge, "the already-gave-it answer")
						w.press(texts.T(lang, "button.back"))
						w.expectStep(w.next(), en.flow, en.flow.Steps[en.edge.From], en.edge.From == en.flow.Start, "back from SOS")
					})
				}()
			}
		}
		wg.Wait()
		assert.Empty(t, a.api.Refused())

		// And from the main menu.
		res := newChat(t, a, 499999, "vi")
		res.say("/start")
		menu := res.next()
		require.Equal(t, "🆘 Tôi bị lừa / lỡ đưa mã", labels(menu)[0], "SOS is the first button of the menu")
		res.press("🆘 Tôi bị lừa / lỡ đưa mã")
		assert.Equal(t, strings.TrimSpace(first.Text["vi"]), res.nextText())
	})
}

// The SOS steps come in the order banks and police advise, each reached
// by one tap from the one before.
func TestSOSStepsInTheAdvisedOrder(t *testing.T) {
	lib, _ := shipped(t)
	sos, _ := lib.Flow("sos")
	order := []struct{ step, says string }{
		{"cut_network", "Chế độ máy bay"},
		{"call_bank", "số in ở mặt sau thẻ"},
		{"police", "113"},
		{"reset_phone", "khôi phục cài đặt gốc"},
		{"change_passwords", "đổi mật khẩu"},
		{"report_number", "5656"},
	}
	for i, o := range order {
		s := sos.Steps[o.step]
		require.NotNil(t, s, o.step)
		assert.Contains(t, s.Text["vi"], o.says, o.step)
		if i+1 < len(order) {
			path, ok := shortestTaps(sos, order[i+1].step)
			require.True(t, ok)
			require.Equal(t, o.step, path[len(path)-1].From, "%s comes right before %s", o.step, order[i+1].step)
		}
	}
	assert.Contains(t, sos.Steps["report_number"].Text["vi"], "V [số đã gọi]")
	assert.Contains(t, sos.Steps["report_number"].Text["vi"], "S [số đã nhắn]")
	assert.Contains(t, sos.Steps["report_number"].Text["vi"], "156")
}

// An urgent hand-over from any SOS step goes to the head of the queue,
// ahead of older questions, and its card says so; /next takes it first.
func TestUrgentHandOverGoesToTheHeadOfTheQueue(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		a := startApp(t, backend, map[string]string{"ORGANIZER_IDS": "900"})
		org, vol := newChat(t, a, 900, "vi"), newChat(t, a, 510, "vi")
		joinVolunteer(t, org, vol, "Minh - Đoàn phường Sầm Sơn")
		vol.say("/off")
		vol.next()

		for _, id := range []int64{61, 62} {
			res := newChat(t, a, id, "vi")
			res.say("/ask")
			assert.Contains(t, res.nextText(), "vị trí số")
		}
		victim := newChat(t, a, 63, "vi")
		victim.say("/start")
		victim.next()
		victim.press("🆘 Tôi bị lừa / lỡ đưa mã")
		victim.next()
		victim.press("✅ Đã tắt mạng")
		assert.Contains(t, victim.nextText(), "Bước 2")
		victim.press("🆘 Gọi tình nguyện viên gấp")
		assert.Contains(t, victim.nextText(), "đầu hàng chờ")

		vol.say("/queue")
		queue := vol.nextText()
		assert.Contains(t, queue, "Có 3 câu hỏi đang chờ")
		first, second := strings.Index(queue, "#3"), strings.Index(queue, "#1")
		require.True(t, first >= 0 && second >= 0, queue)
		assert.Less(t, first, second, "the urgent question is listed first:\n%s", queue)

		vol.say("/on")
		vol.next()
		vol.say("/next")
		brief := vol.nextText()
		assert.Contains(t, brief, "🆘 GẤP")
		assert.Contains(t, brief, "❓ Câu hỏi #3")
		assert.Contains(t, brief, "Bước 2", "the step the resident was on")
		assert.Contains(t, victim.nextText(), "đã nhận câu hỏi")

		a.stop(t)
		t3, err := openStoreOf(t, a).GetTicket(context.Background(), 3)
		require.NoError(t, err)
		assert.True(t, t3.Urgent)
		assert.Equal(t, domain.TicketClaimed, t3.State)
		assert.Equal(t, "sos", t3.FlowID)
		assert.Equal(t, "call_bank", t3.Step)
	})
}

// A question asked before, made urgent from SOS, moves to the head of the
// queue and its card is marked.
func TestAnOpenQuestionBecomesUrgent(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		a := deskApp(t, backend)
		older := newChat(t, a, 71, "vi")
		older.say("/ask")
		older.next()
		res := newChat(t, a, 72, "vi")
		res.say("/ask")
		assert.Contains(t, res.nextText(), "vị trí số 2")
		res.say("/start")
		res.next()
		res.press("🆘 Tôi bị lừa / lỡ đưa mã")
		res.next()
		res.press("🆘 Gọi tình nguyện viên gấp")
		assert.Contains(t, res.nextText(), "đầu hàng chờ")
		require.NoError(t, a.api.WaitFor(wait, func(s *telegramtest.Snapshot) bool {
			for _, m := range s.Messages(volunteerGroup) {
				if strings.Contains(m.Text, "❓ Câu hỏi #2") && strings.Contains(m.Text, "🆘 GẤP") {
					return true
				}
			}
			return false
		}), "the card in the volunteer group is marked urgent")
		res.say("/ask")
		assert.Contains(t, res.nextText(), "vị trí số 1", "ahead of the older question")
	})
}
