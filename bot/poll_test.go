package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
	"github.com/hotroso/hotroso/handlers"
	"github.com/hotroso/hotroso/storage"
	"github.com/hotroso/hotroso/storage/embedded"
)

// gatedDesk echoes like scriptedDesk, but holds "wait" until gate is
// closed (or the handling is cut short), and records the events it got.
type gatedDesk struct {
	scriptedDesk
	gate    chan struct{}
	holding chan struct{} // closed when "wait" arrived
	mu      sync.Mutex
	events  []handlers.Event
	once    sync.Once
}

func newGatedDesk() *gatedDesk {
	return &gatedDesk{gate: make(chan struct{}), holding: make(chan struct{})}
}

func (d *gatedDesk) Handle(ctx context.Context, ev handlers.Event) (handlers.Response, error) {
	d.mu.Lock()
	d.events = append(d.events, ev)
	d.mu.Unlock()
	if ev.Text == "wait" {
		d.once.Do(func() { close(d.holding) })
		select {
		case <-d.gate:
		case <-ctx.Done():
			return handlers.Response{}, ctx.Err()
		}
	}
	return d.scriptedDesk.Handle(ctx, ev)
}

func (d *gatedDesk) got() []handlers.Event {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]handlers.Event(nil), d.events...)
}

// runBot runs a Bot with desk on api and store until the returned stop is
// called; stop waits for Run to return. wrap, when not nil, wraps the
// bot's HTTP transport.
func runBot(t *testing.T, api *telegramtest.Server, store storage.Store, desk Handler, shutdown time.Duration, wrap func(http.RoundTripper) http.RoundTripper) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b, err := New(ctx, Config{Token: testToken, ServerURL: api.URL(), Store: store, Workers: 4, ShutdownTimeout: shutdown})
	require.NoError(t, err)
	if wrap != nil {
		b.client.Transport = wrap(b.client.Transport)
	}
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx, desk) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			require.NoError(t, <-done)
		})
	}
	t.Cleanup(stop)
	require.NoError(t, api.WaitPolling(wait))
	return stop
}

// offsets records the offset of every getUpdates request, and wakes
// waiters on each.
type offsets struct {
	next http.RoundTripper
	mu   sync.Mutex
	sent []int64
	more chan struct{}
}

func (o *offsets) RoundTrip(req *http.Request) (*http.Response, error) {
	if strings.HasSuffix(req.URL.Path, "/getUpdates") {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		var p struct {
			Offset int64 `json:"offset"`
		}
		_ = json.Unmarshal(body, &p)
		o.mu.Lock()
		o.sent = append(o.sent, p.Offset)
		close(o.more)
		o.more = make(chan struct{})
		o.mu.Unlock()
	}
	return o.next.RoundTrip(req)
}

// after waits until n more getUpdates than now were sent, and returns all
// offsets sent.
func (o *offsets) after(t *testing.T, n int) []int64 {
	t.Helper()
	o.mu.Lock()
	want := len(o.sent) + n
	o.mu.Unlock()
	deadline := time.After(wait)
	for {
		o.mu.Lock()
		sent, more := append([]int64(nil), o.sent...), o.more
		o.mu.Unlock()
		if len(sent) >= want {
			return sent
		}
		select {
		case <-more:
		case <-deadline:
			t.Fatalf("no getUpdates after %d", len(sent))
		}
	}
}

func openTestStore(t *testing.T) storage.Store {
	store, err := embedded.Open(filepath.Join(t.TempDir(), "bot.db"))
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	return store
}

// While one chat's update is being handled, the others' are handled too,
// and no getUpdates confirms past the one in hand.
func TestPollingNeverConfirmsAnUpdateInHand(t *testing.T) {
	api := telegramtest.New(t, telegramtest.WithToken(testToken))
	desk := newGatedDesk()
	sent := &offsets{more: make(chan struct{})}
	runBot(t, api, openTestStore(t), desk, time.Second, func(next http.RoundTripper) http.RoundTripper { sent.next = next; return sent })
	slow, other := telegramtest.User{ID: 31}, telegramtest.User{ID: 32}
	held := api.SendText(slow, "wait")
	<-desk.holding
	for i := range 3 {
		api.SendText(other, "hi "+strconv.Itoa(i))
	}
	_, err := api.WaitMessages(other.ID, 3, wait)
	require.NoError(t, err, "another chat is answered meanwhile")
	for _, offset := range sent.after(t, 2) { // polls made after those were handled
		assert.LessOrEqual(t, offset, held, "getUpdates offset")
	}
	assert.Equal(t, 4, api.PendingUpdates(), "nothing confirmed past the update in hand")
	close(desk.gate)
	_, err = api.WaitMessages(slow.ID, 1, wait)
	require.NoError(t, err)
	require.NoError(t, api.WaitUpdatesConsumed(wait), "confirmed once handled")
	all := sent.after(t, 0)
	assert.Equal(t, held+4, all[len(all)-1], "then past all")
}

// An update whose handling was cut short (here by the shutdown timeout;
// kill -9 in the end-to-end tests) is not confirmed: the next run gets it
// again, marked as a retry, and handles it; the updates after it are not.
func TestAnUpdateCutShortComesAgainAsARetry(t *testing.T) {
	api := telegramtest.New(t, telegramtest.WithToken(testToken))
	store := openTestStore(t)
	first := newGatedDesk()
	stop := runBot(t, api, store, first, 50*time.Millisecond, nil)
	u := telegramtest.User{ID: 33}
	api.SendText(u, "wait")
	<-first.holding
	stop() // the handling is cut short after 50 ms
	assert.Equal(t, 1, api.PendingUpdates(), "not confirmed")

	again := newGatedDesk()
	close(again.gate)
	runBot(t, api, store, again, time.Second, nil)
	msgs, err := api.WaitMessages(u.ID, 1, wait)
	require.NoError(t, err)
	assert.Equal(t, "echo: wait", msgs[0].Text)
	api.SendText(u, "next")
	_, err = api.WaitMessages(u.ID, 2, wait)
	require.NoError(t, err)
	got := again.got()
	require.Len(t, got, 2)
	assert.True(t, got[0].Retry, "delivered again after the cut")
	assert.False(t, got[1].Retry, "a new update")
}

// An update that does not decode is skipped and confirmed, not polled for
// ever, and the updates after it are handled.
func TestAnUndecodableUpdateIsSkipped(t *testing.T) {
	api := telegramtest.New(t, telegramtest.WithToken(testToken))
	runBot(t, api, openTestStore(t), scriptedDesk{}, time.Second, nil)
	u := telegramtest.User{ID: 34}
	api.PushUpdate(map[string]any{"message": "not an object"})
	api.PushUpdate(map[string]any{"message": nil, "callback_query": []int{1}})
	api.SendText(u, "after")
	msgs, err := api.WaitMessages(u.ID, 1, wait)
	require.NoError(t, err)
	assert.Equal(t, "echo: after", msgs[0].Text)
	require.NoError(t, api.WaitUpdatesConsumed(wait))
}

// referenceUpdateID is updateID by encoding/json alone.
func referenceUpdateID(raw []byte) int64 {
	var head struct {
		ID int64 `json:"update_id"`
	}
	if json.Unmarshal(raw, &head) != nil {
		return 0
	}
	return head.ID
}

func FuzzUpdateIDAgreesWithEncodingJSON(f *testing.F) {
	for _, seed := range []string{
		`{"update_id":7,"message":{"text":"update_id","update_id":9}}`,
		`{"message":{"update_id":9,"text":"\"update_id\":3"},"update_id":12}`,
		`{ "update_id" : 5 }`, `{"update_id":5,"update_id":6}`, `{"update_id":"5"}`, `{"update_id":1.0}`,
		`{"update_id":99999999999999999999}`, `{"Update_ID":4}`, `{"update_id":4,"UPDATE_ID":8}`, `{"update\u005fid":3}`,
		`{"x":"update_id","update_id":2}`, `{"update_id":-3}`, `{"update_id":null}`, `null`, `[{"update_id":1}]`, `{}`,
		`{"a":"\\","update_id":10}`, `{"update_id":1e3}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) {
			return // getUpdates' answer was decoded: its updates are valid JSON
		}
		assert.Equal(t, referenceUpdateID(raw), updateID(raw), "%s", raw)
	})
}
