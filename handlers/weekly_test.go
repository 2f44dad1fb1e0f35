package handlers

import (
	"bytes"
	"context"
	"encoding/csv"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/broadcast"
	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/flows"
	"github.com/hotroso/hotroso/locales"
	"github.com/hotroso/hotroso/storage"
	"github.com/hotroso/hotroso/storage/embedded"
)

// countingMessenger counts what a desk sends to each chat.
type countingMessenger struct {
	recordingMessenger
	mu     sync.Mutex
	byChat map[int64]int
}

func (m *countingMessenger) Send(_ context.Context, r Reply) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.byChat == nil {
		m.byChat = map[int64]int{}
	}
	m.byChat[r.ChatID]++
	return m.byChat[r.ChatID], nil
}

var vn = time.FixedZone("ICT", 7*3600)

// weeklyDesk is a desk on store at Monday 9 March 2026, 07:05 in Vietnam,
// with organizer 900 (ORGANIZER_IDS) and a Quảng Phú organizer, 901.
func weeklyDesk(t *testing.T, store storage.Store, m Messenger) *Desk {
	t.Helper()
	texts, err := locales.Load()
	require.NoError(t, err)
	lib, err := flows.Load(flows.Embedded(), texts.Languages(), flows.WordsFrom(texts))
	require.NoError(t, err)
	return New(Config{Store: store, Messenger: m, Texts: texts, Flows: lib, Organizers: []int64{900},
		Quiet: broadcast.QuietHours{Start: 21, End: 7, Location: vn},
		Now:   func() time.Time { return time.Date(2026, 3, 9, 7, 5, 0, 0, vn) }})
}

// weeklyStore is an embedded store with the Quảng Phú organizer and last
// week's records: 2 in Quảng Phú, 1 elsewhere.
func weeklyStore(t *testing.T) storage.Store {
	t.Helper()
	store, err := embedded.Open(filepath.Join(t.TempDir(), "weekly.db"))
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	ctx := context.Background()
	require.NoError(t, store.PutUser(ctx, domain.User{ID: 901, Role: domain.RoleOrganizer, Scope: "16522", Language: "vi"}))
	last := time.Date(2026, 3, 3, 9, 0, 0, 0, vn)
	for _, a := range []domain.Assist{
		{At: last, Kind: domain.AssistFlow, FlowID: "vneid", Commune: "16522"},
		{At: last.Add(time.Hour), Kind: domain.AssistInPerson, People: 2, Commune: "16522"},
		{At: last, Kind: domain.AssistFlow, FlowID: "sim", Commune: "16417"},
	} {
		require.NoError(t, store.RecordAssist(ctx, a))
	}
	return store
}

// Two desks over one store (the embedded store serves one process: two
// instances of the desk in it) send each organizer's report once.
func TestWeeklyReportsOnceWithTwoDesksOverOneStore(t *testing.T) {
	store := weeklyStore(t)
	ma, mb := &countingMessenger{}, &countingMessenger{}
	a, b := weeklyDesk(t, store, ma), weeklyDesk(t, store, mb)
	var sent atomic.Int32
	var wg sync.WaitGroup
	for _, d := range []*Desk{a, b, a, b} {
		wg.Go(func() {
			week, n, err := d.SendWeeklyReports(context.Background(), "")
			assert.NoError(t, err)
			assert.Equal(t, "20260302", week)
			sent.Add(int32(n))
		})
	}
	wg.Wait()
	assert.Equal(t, int32(2), sent.Load(), "one report for each of the two organizers")
	for _, id := range []int64{900, 901} {
		assert.Equal(t, 2, ma.byChat[id]+mb.byChat[id], "organizer %d: the figures and the chart, once", id)
	}
	week, n, err := a.SendWeeklyReports(context.Background(), "20260302")
	require.NoError(t, err)
	assert.Equal(t, "20260302", week)
	assert.Zero(t, n, "a week done is not looked at again")
}

// The weekly CSV holds the organizer's scope alone.
func TestWeeklyCSVIsTheOrganizersScope(t *testing.T) {
	store := weeklyStore(t)
	d := weeklyDesk(t, store, &countingMessenger{})
	rows := func(u domain.User) int {
		resp, err := d.organizer.weeklyCSV(context.Background(), &request{Event: Event{ChatID: u.ID, UserID: u.ID, Kind: EventButton}, user: u, lang: "vi"}, "20260302")
		require.NoError(t, err)
		require.Len(t, resp.Replies, 1)
		require.NotNil(t, resp.Replies[0].Document)
		all, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(resp.Replies[0].Document.Data, []byte("\xEF\xBB\xBF")))).ReadAll()
		require.NoError(t, err)
		return len(all) - 1
	}
	assert.Equal(t, 2, rows(domain.User{ID: 901, Role: domain.RoleOrganizer, Scope: "16522"}), "Quảng Phú's records")
	assert.Equal(t, 3, rows(domain.User{ID: 900, Role: domain.RoleOrganizer}), "the province's")
	resp, err := d.organizer.weeklyCSV(context.Background(), &request{Event: Event{Kind: EventButton}, user: domain.User{ID: 900, Role: domain.RoleOrganizer}, lang: "vi"}, "20260309")
	require.NoError(t, err)
	assert.Equal(t, d.texts.T("vi", "button.stale"), resp.Notice, "a week not over yet")
}
