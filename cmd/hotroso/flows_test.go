package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
	"github.com/hotroso/hotroso/flows"
	"github.com/hotroso/hotroso/locales"
	"github.com/hotroso/hotroso/storage"
	"github.com/hotroso/hotroso/storage/embedded"
	"github.com/hotroso/hotroso/storage/redis"
)

// shipped loads the built-in flows and texts.
func shipped(t testing.TB) (*flows.Library, *locales.Catalog) {
	t.Helper()
	texts, err := locales.Load()
	require.NoError(t, err)
	lib, err := flows.Load(flows.Embedded(), texts.Languages())
	require.NoError(t, err)
	return lib, texts
}

// openStoreOf opens the store a stopped app used, to check what it recorded.
func openStoreOf(t testing.TB, a *app) storage.Store {
	t.Helper()
	var (
		s   storage.Store
		err error
	)
	if url := a.env["REDIS_URL"]; url != "" {
		s, err = redis.Open(context.Background(), url, redis.WithPrefix(a.env["REDIS_KEY_PREFIX"]))
	} else {
		s, err = embedded.Open(filepath.Join(a.env["DATA_DIR"], "hotroso.db"))
	}
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// walker drives one resident through the fake Bot API.
type walker struct {
	t     testing.TB
	api   *telegramtest.Server
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
// its choices and the buttons every step has.
func (w *walker) expectStep(m telegramtest.Message, f *flows.Flow, s *flows.Step, where string) {
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
	require.Contains(w.t, got, w.texts.T(w.lang, "button.menu"), "%s: menu button on %s/%s", where, f.ID, s.ID)
	require.Contains(w.t, got, w.texts.T(w.lang, "button.ask"), "%s: ask button on %s/%s", where, f.ID, s.ID)
}

func (w *walker) press(label string) {
	w.t.Helper()
	_, err := w.api.PressButton(w.user, label)
	require.NoError(w.t, err)
}

// walk opens the menu, starts the flow and follows the path to its end.
func (w *walker) walk(f *flows.Flow, path []flows.Edge) {
	w.t.Helper()
	w.api.SendText(w.user, "/start")
	w.next()
	w.press(f.Title[w.lang])
	w.expectStep(w.next(), f, f.Steps[f.Start], "start")
	for i, e := range path {
		from := f.Steps[e.From]
		if e.Choice >= 0 {
			w.press(from.Choices[e.Choice].Label[w.lang])
		} else {
			w.api.SendText(w.user, e.Input[w.lang])
		}
		w.expectStep(w.next(), f, f.Steps[e.To], fmt.Sprintf("edge %d", i))
	}
}

// TestEveryPathOfEveryFlow walks every path (no step visited twice) of every
// shipped flow from its graph, in both languages, through the fake Bot API,
// each path as its own resident, and checks each step's text and buttons and
// that each finish is recorded with its outcome.
func TestEveryPathOfEveryFlow(t *testing.T) {
	lib, texts := shipped(t)
	forEachBackend(t, func(t *testing.T, backend string) {
		a := startApp(t, backend, nil)
		type finish struct{ flow, step, outcome string }
		var walks sync.WaitGroup
		want := map[finish]int{}
		id := int64(300000)
		for _, f := range lib.Flows() {
			paths := f.Paths(0)
			require.NotEmpty(t, paths, f.ID)
			for _, lang := range texts.Languages() {
				for _, path := range paths {
					id++
					last := f.Start
					if len(path) > 0 {
						last = path[len(path)-1].To
					}
					want[finish{f.ID, last, string(f.Steps[last].Outcome)}]++
					user := resident(id, lang)
					walks.Add(1)
					go func() {
						defer walks.Done()
						// Each walk is a subtest, so that a failing step
						// stops only its walk and names it.
						t.Run(fmt.Sprintf("%s/%s/%d", f.ID, lang, user.ID), func(t *testing.T) {
							(&walker{t: t, api: a.api, user: user, lang: lang, texts: texts}).walk(f, path)
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
			case storage.FlowFinished:
				got[finish{e.FlowID, e.Step, e.Outcome}]++
			case storage.FlowStarted:
				started++
			}
		}
		assert.Equal(t, want, got, "every finish recorded once, with its outcome")
		total := 0
		for _, n := range want {
			total += n
		}
		assert.Equal(t, total, started, "one start per walk")
		t.Logf("%s: %d walks, %d funnel events", backend, total, len(events))
	})
}
