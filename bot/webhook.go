package bot

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/hotroso/hotroso/storage"
)

// UpdateQueue is the durable, shared queue of webhook mode (storage/redis):
// updates split into shards by chat, each shard consumed by the instance
// that holds its lease.
type UpdateQueue interface {
	EnqueueUpdate(ctx context.Context, updateID int64, shard int, raw []byte) (bool, error)
	HoldShard(ctx context.Context, shard int, owner string, now time.Time, ttl time.Duration) (bool, error)
	ReleaseShard(ctx context.Context, shard int, owner string) error
	Heartbeat(ctx context.Context, owner string, now time.Time, ttl time.Duration) (int, error)
	Leave(ctx context.Context, owner string) error
	TakeOverUpdates(ctx context.Context, shard int, consumer string) ([]storage.QueuedUpdate, error)
	ReadUpdates(ctx context.Context, shard int, consumer string, count int, block time.Duration) ([]storage.QueuedUpdate, error)
	// AckUpdate drops a handled entry and, when handledID > 0, records the
	// update id as storage.Deduplicator.FirstSeen does, in one call.
	AckUpdate(ctx context.Context, shard int, entryID string, handledID int64) error
}

// WebhookConfig configures webhook mode.
type WebhookConfig struct {
	URL    string // the public HTTPS URL Telegram posts to
	Secret string // checked on every POST (X-Telegram-Bot-Api-Secret-Token)
	Queue  UpdateQueue
	Shards int // how many shards the queue has
	// Lease is how long an instance holds a shard without renewing it;
	// a dead instance's shards move on after at most this: the program's
	// WEBHOOK_LEASE.
	Lease time.Duration
	// Staff reports whether a user is a volunteer or an organizer, whose
	// texts are queued as written; everyone else's are masked before they
	// are stored (see queuedUpdate). Nil: everyone's are masked.
	Staff func(ctx context.Context, userID int64) (bool, error)
}

// maxUpdateBytes bounds a webhook POST body.
const maxUpdateBytes = 1 << 20

// shardOf is the queue shard of a chat.
func shardOf(chat int64, shards int) int { return int(uint64(chat) % uint64(shards)) }

// WebhookHandler answers Telegram's POSTs: a wrong secret gets 401; what
// the desk needs of the update (queuedUpdate: no names, a resident's text
// masked) is stored in the queue (once per update id) before the 200, so a
// crash after the answer loses nothing; a queue outage gets 503 and
// Telegram sends the update again later.
func (b *Bot) WebhookHandler(cfg WebhookConfig) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
		if subtle.ConstantTimeCompare([]byte(got), []byte(cfg.Secret)) != 1 {
			b.log.Warn("webhook call with a wrong secret refused")
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		raw, err := io.ReadAll(io.LimitReader(r.Body, maxUpdateBytes))
		if err != nil {
			http.Error(w, "cannot read the body", http.StatusBadRequest)
			return
		}
		var upd models.Update
		if err := json.Unmarshal(raw, &upd); err != nil || upd.ID == 0 {
			// Telegram would send a malformed update again and again: take it
			// and drop it.
			b.log.Warn("malformed webhook update dropped")
			w.WriteHeader(http.StatusOK)
			return
		}
		minimal, err := minimalJSON(r.Context(), &upd, cfg.Staff)
		if err != nil {
			b.log.Warn("webhook update not stored; Telegram will retry", "update_id", upd.ID, "err", err)
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		if _, err := cfg.Queue.EnqueueUpdate(r.Context(), upd.ID, shardOf(chatKey(&upd), cfg.Shards), minimal); err != nil {
			b.log.Warn("webhook update not stored; Telegram will retry", "update_id", upd.ID, "err", err)
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// minimalJSON is the queue entry of upd: its queuedUpdate, with the text
// masked unless staff says its sender is a volunteer or an organizer.
func minimalJSON(ctx context.Context, upd *models.Update, staff func(context.Context, int64) (bool, error)) ([]byte, error) {
	maskText := true
	if from := senderOf(upd); staff != nil && from != 0 {
		isStaff, err := staff(ctx, from)
		if err != nil {
			return nil, fmt.Errorf("bot: look up the sender's role: %w", err)
		}
		maskText = !isStaff
	}
	data, err := json.Marshal(minimize(upd, maskText))
	if err != nil {
		return nil, fmt.Errorf("bot: encode queued update: %w", err)
	}
	return data, nil
}

// senderOf is the user who sent a message, or 0.
func senderOf(upd *models.Update) int64 {
	if m := upd.Message; m != nil && m.From != nil && (m.Text != "" || m.Caption != "") {
		return m.From.ID
	}
	return 0
}

// RunWebhook registers the webhook with Telegram and has h handle the
// updates of the shards this instance holds until ctx ends; then it lets
// the updates in flight finish and gives its shards up.
func (b *Bot) RunWebhook(ctx context.Context, cfg WebhookConfig, h Handler) error {
	b.handler = h
	if _, err := b.api.SetWebhook(ctx, &tgbot.SetWebhookParams{URL: cfg.URL, SecretToken: cfg.Secret, AllowedUpdates: allowedUpdates,
		MaxConnections: 40}); err != nil {
		return fmt.Errorf("bot: set webhook: %w", err)
	}
	handleCtx, cancelHandle := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelHandle()
	b.work = newDispatcher(b.cfg.Workers, 4*b.cfg.Workers, b.handleReceived(handleCtx))
	if cfg.Shards <= 0 || cfg.Shards > maxShards {
		return fmt.Errorf("bot: webhook shards must be 1..%d", maxShards)
	}
	c := &consumer{bot: b, cfg: cfg, owner: instanceName(), held: map[int]context.CancelFunc{}, draining: map[int]bool{}, ackCtx: handleCtx}
	c.manage(ctx)
	c.stopAll()
	c.workers.Wait()
	b.drain(cancelHandle)
	c.releaseAll(context.WithoutCancel(ctx))
	return nil
}

func instanceName() string {
	var raw [8]byte
	_, _ = rand.Read(raw[:])
	return hex.EncodeToString(raw[:])
}

// consumer balances shard leases among live instances and runs a reader
// per held shard.
type consumer struct {
	bot     *Bot
	cfg     WebhookConfig
	owner   string
	ackCtx  context.Context
	mu      sync.Mutex
	held    map[int]context.CancelFunc
	workers sync.WaitGroup
	// draining are shards this instance gives up: no longer read, their
	// lease kept until the updates already read are handled, so the next
	// holder cannot overtake them and break a chat's order.
	draining map[int]bool
	inflight [maxShards]atomic.Int64
	// readers counts each shard's running reader goroutines: one that was
	// stopped may still be returning from a blocked read.
	readers [maxShards]atomic.Int32
}

// maxShards bounds WebhookConfig.Shards.
const maxShards = 256

// manage renews, takes and gives up shard leases every third of a lease,
// so each live instance holds about its fair share.
func (c *consumer) manage(ctx context.Context) {
	tick := time.NewTicker(c.cfg.Lease / 3)
	defer tick.Stop()
	for {
		c.balance(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (c *consumer) balance(ctx context.Context) {
	q, log := c.cfg.Queue, c.bot.log
	alive, err := q.Heartbeat(ctx, c.owner, time.Now(), 3*c.cfg.Lease)
	if err != nil {
		log.Warn("webhook heartbeat failed", "err", err)
		return
	}
	fair := int(math.Ceil(float64(c.cfg.Shards) / float64(max(alive, 1))))
	c.mu.Lock()
	defer c.mu.Unlock()
	for shard := range c.cfg.Shards {
		stop, held := c.held[shard]
		switch {
		case c.draining[shard]:
			if c.inflight[shard].Load() > 0 || c.readers[shard].Load() > 0 {
				if _, err := q.HoldShard(ctx, shard, c.owner, time.Now(), c.cfg.Lease); err != nil {
					log.Warn("draining shard's lease not renewed", "shard", shard, "err", err)
				}
				continue
			}
			delete(c.draining, shard)
			if err := q.ReleaseShard(ctx, shard, c.owner); err != nil {
				log.Warn("shard not released", "shard", shard, "err", err)
			}
		case held && len(c.held) > fair:
			stop()
			delete(c.held, shard)
			c.draining[shard] = true
			// Draining starts with a full lease: the updates in hand may take
			// a while, and the next tick may come late.
			if _, err := q.HoldShard(ctx, shard, c.owner, time.Now(), c.cfg.Lease); err != nil {
				log.Warn("draining shard's lease not renewed", "shard", shard, "err", err)
			}
		case held:
			if ok, err := q.HoldShard(ctx, shard, c.owner, time.Now(), c.cfg.Lease); err != nil || !ok {
				log.Warn("shard lease lost", "shard", shard, "err", err)
				stop()
				delete(c.held, shard)
				// Not taken again before its updates in hand are handled:
				// a new reader would take them over and handle them twice.
				c.draining[shard] = true
			}
		case len(c.held) < fair:
			if ok, err := q.HoldShard(ctx, shard, c.owner, time.Now(), c.cfg.Lease); err == nil && ok {
				log.Debug("shard taken", "shard", shard, "alive", alive)
				workerCtx, cancel := context.WithCancel(ctx)
				c.held[shard] = cancel
				c.workers.Add(1)
				c.readers[shard].Add(1)
				go c.read(workerCtx, shard)
			}
		}
	}
}

// read consumes one shard: first what a previous holder left unacknowledged,
// oldest first, then new updates, in stream order, into the dispatcher
// (which keeps each chat's order), until ctx ends.
//
// Its reads are not cut short when ctx ends: a blocked read that Redis
// answers just as the client gives up would leave the updates it delivered
// pending under this instance, unseen. Whatever a read returns is handed
// on, and the shard is not given up (or taken again) until the reader has
// returned and those updates are handled (see balance).
func (c *consumer) read(ctx context.Context, shard int) {
	defer c.workers.Done()
	defer c.readers[shard].Add(-1)
	q, readCtx := c.cfg.Queue, context.WithoutCancel(ctx)
	left, err := q.TakeOverUpdates(readCtx, shard, c.owner)
	if err != nil {
		c.bot.log.Warn("shard take-over failed", "shard", shard, "err", err)
	}
	c.dispatch(shard, left, true)
	for ctx.Err() == nil {
		batch, err := q.ReadUpdates(readCtx, shard, c.owner, 100, time.Second)
		if err != nil {
			c.bot.log.Warn("reading updates failed", "shard", shard, "err", err)
			select { // the queue is down: try again in a moment, do not spin
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		c.dispatch(shard, batch, false)
	}
}

// dispatch gives a batch of a shard's updates to the workers; retry marks
// updates a dead holder of the shard left unacknowledged, which it may have
// handled.
func (c *consumer) dispatch(shard int, batch []storage.QueuedUpdate, retry bool) {
	for _, e := range batch {
		entry := e.EntryID
		c.inflight[shard].Add(1)
		var handledID int64 // recorded with the acknowledgement once decoded
		ack := func() {
			defer c.inflight[shard].Add(-1)
			if err := c.cfg.Queue.AckUpdate(c.ackCtx, shard, entry, handledID); err != nil {
				c.bot.log.Warn("update not acknowledged", "shard", shard, "err", err)
			}
		}
		upd, err := decodeQueued(e.Raw)
		if err != nil {
			c.bot.log.Warn("unreadable queued update dropped", "shard", shard, "err", err)
			ack()
			continue
		}
		// Entries read afresh were never given to anyone: only those taken
		// over from another instance may have been handled already.
		handledID = upd.ID
		c.bot.work.push(chatKey(upd), received{update: upd, at: time.Now(), retry: retry, checkSeen: retry, ack: ack, ackRecords: true})
	}
}

func (c *consumer) stopAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, stop := range c.held {
		stop()
	}
}

func (c *consumer) releaseAll(ctx context.Context) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for shard := range c.cfg.Shards {
		if _, mine := c.held[shard]; !mine && !c.draining[shard] {
			continue
		}
		if err := c.cfg.Queue.ReleaseShard(ctx, shard, c.owner); err != nil && !errors.Is(err, context.Canceled) {
			c.bot.log.Warn("shard not released", "shard", shard, "err", err)
		}
	}
	if err := c.cfg.Queue.Leave(ctx, c.owner); err != nil {
		c.bot.log.Warn("instance not unregistered", "err", err)
	}
}
