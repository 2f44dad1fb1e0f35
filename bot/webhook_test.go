package bot

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/storage"
)

// memoryQueue records what the webhook handler enqueues.
type memoryQueue struct {
	mu     sync.Mutex
	seen   map[int64]bool
	shards map[int64]int
	down   bool
}

func (q *memoryQueue) EnqueueUpdate(_ context.Context, id int64, shard int, _ []byte) (bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.down {
		return false, storage.ErrUnavailable
	}
	if q.seen[id] {
		return false, nil
	}
	q.seen[id], q.shards[id] = true, shard
	return true, nil
}

func (q *memoryQueue) HoldShard(context.Context, int, string, time.Time, time.Duration) (bool, error) {
	return false, errors.New("not used")
}
func (q *memoryQueue) ReleaseShard(context.Context, int, string) error { return nil }
func (q *memoryQueue) Heartbeat(context.Context, string, time.Time, time.Duration) (int, error) {
	return 1, nil
}
func (q *memoryQueue) Leave(context.Context, string) error { return nil }
func (q *memoryQueue) TakeOverUpdates(context.Context, int, string) ([]storage.QueuedUpdate, error) {
	return nil, nil
}
func (q *memoryQueue) ReadUpdates(context.Context, int, string, int, time.Duration) ([]storage.QueuedUpdate, error) {
	return nil, nil
}
func (q *memoryQueue) AckUpdate(context.Context, int, string, int64) error { return nil }

func TestWebhookHandlerChecksStoresAndRefuses(t *testing.T) {
	r := startBot(t)
	q := &memoryQueue{seen: map[int64]bool{}, shards: map[int64]int{}}
	h := r.bot.WebhookHandler(WebhookConfig{Secret: "right", Queue: q, Shards: 16})
	call := func(method, secret, body string) int {
		req := httptest.NewRequest(method, "/telegram/hook", strings.NewReader(body))
		if secret != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	update := `{"update_id": 77, "message": {"message_id": 1, "date": 1, "chat": {"id": -1001234, "type": "supergroup"}, "from": {"id": 5, "is_bot": false, "first_name": "A"}, "text": "hi"}}`

	assert.Equal(t, http.StatusMethodNotAllowed, call("GET", "right", ""))
	assert.Equal(t, http.StatusUnauthorized, call("POST", "", update), "no secret")
	assert.Equal(t, http.StatusUnauthorized, call("POST", "wrong", update), "a wrong secret")
	assert.Empty(t, q.seen, "nothing stored for a refused call")

	assert.Equal(t, http.StatusOK, call("POST", "right", update))
	assert.Equal(t, http.StatusOK, call("POST", "right", update), "a retried update is accepted again")
	require.True(t, q.seen[77])
	assert.Equal(t, shardOf(-1001234, 16), q.shards[77], "sharded by chat, negative ids too")

	assert.Equal(t, http.StatusOK, call("POST", "right", `{"update_id": `), "malformed JSON is taken and dropped, not retried forever")
	assert.Equal(t, http.StatusOK, call("POST", "right", `{}`), "an update without an id is dropped")

	q.down = true
	assert.Equal(t, http.StatusServiceUnavailable, call("POST", "right", strings.Replace(update, "77", "78", 1)), "Telegram retries when the queue is down")
	assert.False(t, q.seen[78])
}

func TestShardOfSpreadsChats(t *testing.T) {
	used := map[int]bool{}
	for chat := int64(-50); chat < 50; chat++ {
		s := shardOf(chat, 16)
		require.GreaterOrEqual(t, s, 0)
		require.Less(t, s, 16)
		used[s] = true
		assert.Equal(t, s, shardOf(chat, 16), "stable")
	}
	assert.Len(t, used, 16)
}

// scriptedQueue is a one-shard queue holding one update that was read but
// not acknowledged: TakeOverUpdates hands it out until it is acknowledged.
// HoldShard answers from holds, then true.
type scriptedQueue struct {
	memoryQueue
	mu        sync.Mutex
	holds     []bool
	takeovers int
	acked     bool
}

func (q *scriptedQueue) HoldShard(context.Context, int, string, time.Time, time.Duration) (bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.holds) == 0 {
		return true, nil
	}
	ok := q.holds[0]
	q.holds = q.holds[1:]
	return ok, nil
}

func (q *scriptedQueue) TakeOverUpdates(context.Context, int, string) ([]storage.QueuedUpdate, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.takeovers++
	if q.acked {
		return nil, nil
	}
	raw := `{"update_id":7,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"text":"hi"}}`
	return []storage.QueuedUpdate{{EntryID: "1-0", Raw: []byte(raw)}}, nil
}

func (q *scriptedQueue) ReadUpdates(context.Context, int, string, int, time.Duration) ([]storage.QueuedUpdate, error) {
	time.Sleep(5 * time.Millisecond) // a blocking read with nothing new: not a wait for a result
	return nil, nil
}

func (q *scriptedQueue) AckUpdate(context.Context, int, string, int64) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.acked = true
	return nil
}

func (q *scriptedQueue) counts() (takeovers int, acked bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.takeovers, q.acked
}

// An instance that loses a shard's lease while an update of it is being
// handled does not take the shard again (which would take over that same
// update and handle it twice) until the update is handled.
func TestLostShardIsNotTakenAgainWhileItsUpdateIsInHand(t *testing.T) {
	q := &scriptedQueue{holds: []bool{true, false}} // taken, then the renewal fails
	release := make(chan struct{})
	handled := make(chan int64, 4)
	b := &Bot{log: slog.New(slog.DiscardHandler)}
	b.work = newDispatcher(2, 8, func(r received) {
		handled <- r.update.ID
		<-release
		r.ack()
	})
	c := &consumer{bot: b, cfg: WebhookConfig{Queue: q, Shards: 1, Lease: time.Hour}, owner: "me",
		held: map[int]context.CancelFunc{}, draining: map[int]bool{}, ackCtx: context.Background()}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() {
		cancel()
		c.stopAll()
		c.workers.Wait()
		b.work.close()
	})

	c.balance(ctx) // takes the shard; its reader takes the update over
	assert.Equal(t, int64(7), <-handled)
	c.balance(ctx) // the renewal fails: the lease is lost
	c.balance(ctx)
	c.balance(ctx)
	takeovers, _ := q.counts()
	assert.Equal(t, 1, takeovers, "not taken again while the update is in hand")

	close(release)
	require.Eventually(t, func() bool {
		_, acked := q.counts()
		return acked && c.inflight[0].Load() == 0 && c.readers[0].Load() == 0
	}, 5*time.Second, time.Millisecond, "the update is handled and the stopped reader returns")
	c.balance(ctx) // released
	c.balance(ctx) // taken again: nothing is left to take over
	require.Eventually(t, func() bool {
		takeovers, _ := q.counts()
		return takeovers == 2
	}, 5*time.Second, time.Millisecond, "the shard is taken again")
	select {
	case id := <-handled:
		t.Fatalf("update %d handled twice", id)
	default:
	}
}
