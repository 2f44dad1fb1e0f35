package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotroso/hotroso/bot/telegramtest"
	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/flows"
	"github.com/hotroso/hotroso/locales"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// walker drives one resident through the fake Bot API.
type walker struct {
	t     testing.TB
	api   *telegramtest.Server
	lib   *flows.Library
	user  telegramtest.User
	lang  string
	texts *locales.Catalog
	seen  int // messages of the chat seen so far
}

// next waits for the chat's next bot message.
func (w *walker) next() telegramtest.Message {
	w.t.Helper()
	msgs, err := w.api.WaitMessages(w.user.ID, w.seen+1, wait)
	require.NoError(w.t, err)
	w.seen = len(msgs)
	return msgs[len(msgs)-1]
}

// expectStep checks that m shows step s of f in the walker's language, with
// its buttons (choices or an answer's), back (unless first is set: the
// flow's first step, reached from the menu), menu, start again on end
// steps, and ask a volunteer (urgent in urgent flows).
func (w *walker) expectStep(m telegramtest.Message, f *flows.Flow, s *flows.Step, first bool, where string) {
	w.t.Helper()
	text := m.Text
	if m.Photo {
		text = m.Caption
	}
	require.Equal(w.t, strings.TrimSpace(s.Text[w.lang]), text, "%s: text of step %s/%s", where, f.ID, s.ID)
	got := labels(m)
	for _, c := range s.Choices {
		require.Contains(w.t, got, c.Label[w.lang], "%s: choice on %s/%s", where, f.ID, s.ID)
	}
	if s.Answer != nil {
		for _, l := range s.Answer.Buttons() {
			require.Contains(w.t, got, l[w.lang], "%s: answer button on %s/%s", where, f.ID, s.ID)
		}
	}
	want := map[string]bool{"button.menu": true, "button.back": !first, "button.restart": s.Final(), "button.ask": !f.Urgent, "button.urgent": f.Urgent}
	for key, present := range want {
		if present {
			require.Contains(w.t, got, w.texts.T(w.lang, key), "%s: %s on %s/%s", where, key, f.ID, s.ID)
		} else {
			require.NotContains(w.t, got, w.texts.T(w.lang, key), "%s: %s on %s/%s", where, key, f.ID, s.ID)
		}
	}
}

func (w *walker) press(label string) {
	w.t.Helper()
	_, err := w.api.PressButton(w.user, label)
	require.NoError(w.t, err)
}

// start opens the menu and starts the flow by its button.
func (w *walker) start(f *flows.Flow) {
	w.t.Helper()
	w.api.SendText(w.user, "/start")
	w.next()
	w.press(f.Title[w.lang])
	w.expectStep(w.next(), f, f.Steps[f.Start], true, "start")
}

// tap follows edge e of flow f by pressing its button (or typing a number
// answer, which has none) and checks the step it leads to, in this flow or
// another. It returns that flow and step.
func (w *walker) tap(f *flows.Flow, e flows.Edge, where string) (*flows.Flow, *flows.Step) {
	w.t.Helper()
	from := f.Steps[e.From]
	switch {
	case e.Choice >= 0:
		w.press(from.Choices[e.Choice].Label[w.lang])
	case e.Pick >= 0:
		w.press(from.Answer.Buttons()[e.Pick][w.lang])
	default:
		w.api.SendText(w.user, e.Input[w.lang])
	}
	to, step := f, f.Steps[e.To]
	if flowID, stepID, external := flows.SplitTarget(e.To); external {
		to, _ = w.lib.Flow(flowID)
		step = to.Steps[stepID]
	}
	w.expectStep(w.next(), to, step, false, where)
	return to, step
}

// walk starts the flow and follows the path to its end by tapping.
func (w *walker) walk(f *flows.Flow, path []flows.Edge) {
	w.t.Helper()
	w.start(f)
	for i, e := range path {
		w.tap(f, e, fmt.Sprintf("edge %d", i))
	}
}

// coveringPaths picks, of paths, a few that together take every edge any of
// them takes: longest new coverage first.
func coveringPaths(paths [][]flows.Edge) [][]flows.Edge {
	type edge struct{ from, to string }
	covered := map[edge]bool{}
	var out [][]flows.Edge
	for {
		best, bestNew := -1, 0
		for i, p := range paths {
			fresh := 0
			for _, e := range p {
				if !covered[edge{e.From, e.To}] {
					fresh++
				}
			}
			if fresh > bestNew {
				best, bestNew = i, fresh
			}
		}
		if best < 0 {
			return out
		}
		for _, e := range paths[best] {
			covered[edge{e.From, e.To}] = true
		}
		out = append(out, paths[best])
	}
}

// TestEveryPathOfEveryFlow walks every path (no step visited twice) of every
// shipped flow from its graph, in both languages, through the fake Bot API,
// by tapping alone, each path as its own resident, and checks each step's
// text and buttons and that each finish is recorded with its outcome. A
// path into another flow ends on that flow's step (its own paths are
// walked from its start). With -short it walks fewer paths that still take
// every step and every button.
func TestEveryPathOfEveryFlow(t *testing.T) {
	lib, texts := shipped(t)
	forEachBackend(t, func(t *testing.T, backend string) {
		a := startApp(t, backend, nil)
		type finish struct{ flow, step, outcome string }
		var walks sync.WaitGroup
		// Walks at once: as many as the bot's workers, so that each
		// walker's wait for a reply measures the bot, not a queue of a
		// thousand others (under -race on two busy cores that queue
		// outlasted the wait).
		walkers := make(chan struct{}, 64)
		want := map[finish]int{}
		id, starts, crossings := int64(300000), 0, 0
		for _, f := range lib.Flows() {
			paths := f.Paths(0)
			require.NotEmpty(t, paths, f.ID)
			if testing.Short() {
				paths = coveringPaths(paths) // every button still pressed once
			}
			for _, lang := range texts.Languages() {
				for _, path := range paths {
					id++
					last := f.Start
					if len(path) > 0 {
						last = path[len(path)-1].To
					}
					end, endStep := f, last
					if flowID, stepID, external := flows.SplitTarget(last); external {
						end, _ = lib.Flow(flowID)
						endStep = stepID
						crossings++
					}
					if s := end.Steps[endStep]; s.Final() {
						want[finish{end.ID, endStep, string(s.Outcome)}]++
					}
					starts++
					user := resident(id, lang)
					walks.Add(1)
					go func() {
						defer walks.Done()
						walkers <- struct{}{}
						defer func() { <-walkers }()
						// Each walk is a subtest, so that a failing step
						// stops only its walk and names it.
						t.Run(fmt.Sprintf("%s/%s/%d", f.ID, lang, user.ID), func(t *testing.T) {
							(&walker{t: t, api: a.api, lib: lib, user: user, lang: lang, texts: texts}).walk(f, path)
						})
					}()
				}
			}
		}
		walks.Wait()
		assert.Empty(t, a.api.Refused())
		assert.Empty(t, a.api.Unanswered())
		a.stop(t)

		events, err := openStoreOf(t, a).FunnelEvents(context.Background(), time.Time{}, a.now().Add(time.Hour))
		require.NoError(t, err)
		got := map[finish]int{}
		started := 0
		for _, e := range events {
			switch e.Kind {
			case domain.FlowFinished:
				got[finish{e.FlowID, e.Step, e.Outcome}]++
			case domain.FlowStarted:
				started++
			}
		}
		assert.Equal(t, want, got, "every finish recorded once, with its outcome")
		assert.Equal(t, starts+crossings, started, "a start per walk, and one more per walk into another flow")
		t.Logf("%s: %d walks (%d into another flow), %d funnel events", backend, starts, crossings, len(events))
	})
}
