// Package bot is hotroso's Telegram adapter, on github.com/go-telegram/bot.
// It receives updates by long polling (at least once: see poller) or from
// the webhook's queue, de-duplicates them by update_id, runs
// each chat's updates one at a time in order on a bounded pool of workers,
// turns them into neutral handlers.Events, and turns the desk's Replies into
// API calls through a Sender that honours Telegram's limits.
package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/hotroso/hotroso/handlers"
	"github.com/hotroso/hotroso/metrics"
	"github.com/hotroso/hotroso/storage"
)

// Handler is the desk as the adapter sees it.
type Handler interface {
	Handle(ctx context.Context, ev handlers.Event) (handlers.Response, error)
	// Apology is sent when handling failed unexpectedly (or panicked).
	Apology(ev handlers.Event) handlers.Reply
	// Busy is sent when the store is unavailable.
	Busy(ev handlers.Event) handlers.Reply
}

// Store is what the adapter keeps: which updates it has seen, which users
// blocked the bot, and the relays waiting to be delivered.
type Store interface {
	storage.Dedup
	BlockMarker
	storage.Outbox
}

// DefaultWorkers is how many chats a Bot handles at once unless
// Config.Workers says otherwise.
const DefaultWorkers = 64

// Config configures a Bot.
type Config struct {
	Token     string
	ServerURL string // Telegram Bot API base URL
	Store     Store
	Logger    *slog.Logger
	// Workers bounds how many chats are handled at once. Default
	// DefaultWorkers.
	Workers int
	// PollTimeout is the long-polling timeout. Default 30s.
	PollTimeout time.Duration
	// ShutdownTimeout bounds how long updates in flight may take to finish
	// after the context ends. Default 10s.
	ShutdownTimeout time.Duration
	// Metrics, when set, counts updates, their latency and sends.
	Metrics *metrics.Metrics
	// Now is the clock of the outbox's schedule. Default time.Now.
	Now func() time.Time
	// Limiter paces group chats together with the other instances that
	// share it. Default: Store, when it is one; without any, each instance
	// paces groups alone.
	Limiter storage.Limiter
	// EditInterval is how often at most one message is edited (see
	// Sender.Edit). Default DefaultEditInterval.
	EditInterval time.Duration
}

// Bot is a running Telegram adapter.
type Bot struct {
	cfg     Config
	handler Handler // given to Run or RunWebhook
	api     *tgbot.Bot
	client  *http.Client // the API's, for polling
	sender  *Sender
	// backlog sends the replies to chats Telegram slowed down; backlogCtx
	// ends, dropping what is left, when the bot has stopped.
	backlog     backlog
	backlogCtx  context.Context
	stopBacklog context.CancelFunc
	log         *slog.Logger
	username    string
	work        *dispatcher[received]
}

// allowedUpdates are the update types the desk uses.
var allowedUpdates = []string{"message", "callback_query", "my_chat_member"}

// New connects to the Bot API (getMe checks the token) and prepares the bot.
func New(ctx context.Context, cfg Config) (*Bot, error) {
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = 30 * time.Second
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if l, ok := cfg.Store.(storage.Limiter); ok && cfg.Limiter == nil {
		cfg.Limiter = l
	}
	b := &Bot{cfg: cfg, log: cfg.Logger, client: httpClient(cfg.PollTimeout, cfg.Workers)}
	b.backlogCtx, b.stopBacklog = context.WithCancel(context.Background())
	// The API client only makes calls: updates come from our poller (Run)
	// or the webhook queue (RunWebhook), never from its own loop.
	api, err := tgbot.New(cfg.Token,
		tgbot.WithServerURL(cfg.ServerURL),
		tgbot.WithHTTPClient(cfg.PollTimeout, b.client),
		tgbot.WithSkipGetMe(),
		tgbot.WithErrorsHandler(func(err error) { b.log.Warn("telegram", "err", err) }),
	)
	if err != nil {
		return nil, fmt.Errorf("bot: %w", err)
	}
	me, err := api.GetMe(ctx)
	if err != nil {
		if errors.Is(err, tgbot.ErrorUnauthorized) || errors.Is(err, tgbot.ErrorNotFound) {
			return nil, fmt.Errorf("TELEGRAM_BOT_TOKEN was refused by Telegram: check it with @BotFather (%w)", err)
		}
		return nil, fmt.Errorf("bot: cannot reach the Telegram Bot API at %s: %w", cfg.ServerURL, err)
	}
	b.api, b.username = api, me.Username
	b.sender = NewSender(api, cfg.Store, cfg.Limiter, cfg.EditInterval, cfg.Logger)
	b.sender.metrics = cfg.Metrics
	return b, nil
}

// httpClient keeps as many idle connections to Telegram as there are
// workers (the default client keeps 2 and reconnects for most requests) and
// sends each request body in one piece.
func httpClient(pollTimeout time.Duration, workers int) *http.Client {
	return &http.Client{
		Timeout: pollTimeout + 15*time.Second, // must outlast a long poll
		Transport: bufferedBodies{next: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        workers + 8,
			MaxIdleConnsPerHost: workers + 8,
			IdleConnTimeout:     90 * time.Second,
			TLSHandshakeTimeout: 10 * time.Second,
			ForceAttemptHTTP2:   true,
		}},
	}
}

// Ping checks that the Telegram Bot API answers (getMe).
func (b *Bot) Ping(ctx context.Context) error {
	_, err := b.api.GetMe(ctx)
	return err
}

// now is the bot's clock.
func (b *Bot) now() time.Time { return b.cfg.Now() }

// Username is the bot's Telegram username.
func (b *Bot) Username() string { return b.username }

// Messenger returns the bot as the desk's Messenger.
func (b *Bot) Messenger() handlers.Messenger { return messenger{b.sender, b.username} }

// messenger adapts a Sender to handlers.Messenger.
type messenger struct {
	*Sender
	username string
}

func (m messenger) Send(ctx context.Context, r handlers.Reply) (int, error) {
	return m.Sender.Send(ctx, r.ChatID, r)
}

func (m messenger) BotUsername() string { return m.username }

// Run polls for updates and has h handle them until ctx ends, then lets
// the updates in flight finish (within ShutdownTimeout), confirms them to
// Telegram and returns. An update is confirmed only once handled: one that
// a crash interrupted comes again after the restart (see poller).
func (b *Bot) Run(ctx context.Context, h Handler) error {
	b.handler = h
	if _, err := b.api.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{}); err != nil {
		return fmt.Errorf("bot: delete webhook before polling: %w", err)
	}
	handleCtx, cancelHandle := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelHandle()
	b.work = newDispatcher(b.cfg.Workers, 4*b.cfg.Workers, b.handleReceived(handleCtx))
	p := newPoller(b.client, b.cfg.ServerURL, b.cfg.Token, b.cfg.PollTimeout, allowedUpdates, b.log)
	p.run(ctx, func(upd *models.Update, retry bool, handled func()) {
		// Only the first answer's updates can have been handled before
		// (see poller.run): the others skip the look-up.
		b.work.push(chatKey(upd), received{update: upd, at: time.Now(), retry: retry, checkSeen: retry, ack: func() {
			if handleCtx.Err() == nil { // not when cut short at shutdown
				handled()
			}
		}})
	})
	if b.drain(cancelHandle) {
		confirmCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		p.confirm(confirmCtx)
	}
	return nil
}

// handleReceived handles an update and then acknowledges it (to the poller
// or the webhook queue).
func (b *Bot) handleReceived(ctx context.Context) func(received) {
	return func(r received) {
		b.handle(ctx, r)
		if r.ack != nil {
			r.ack()
		}
	}
}

// drain lets the workers finish every update given to them, then sends
// the edits that wait, all within ShutdownTimeout; past it, it cancels
// their handling (cancel) and reports false.
func (b *Bot) drain(cancel context.CancelFunc) bool {
	ctx, stop := context.WithTimeout(context.Background(), b.cfg.ShutdownTimeout)
	defer stop()
	drained := make(chan struct{})
	go func() { b.work.close(); close(drained) }()
	finished := true
	select {
	case <-drained:
	case <-ctx.Done():
		cancel()
		<-drained
		finished = false
	}
	if !b.backlog.wait(ctx) {
		b.log.Warn("replies to slowed chats dropped at shutdown")
	}
	b.stopBacklog()
	b.sender.Close(ctx)
	return finished
}

// received is an update and when it arrived; ack, when set, is called
// once it was handled (the poller may then confirm it, the webhook queue
// drops it). retry says it may have been handled before, by a process
// that died (handlers.Event.Retry); checkSeen that it may have been
// handled and recorded already; ackRecords that ack records the update id
// itself (the webhook queue does, in the same call).
type received struct {
	update     *models.Update
	at         time.Time
	retry      bool
	checkSeen  bool
	ack        func()
	ackRecords bool
}

// handle handles one update: de-duplicate, convert, call the desk with
// panic recovery, acknowledge a button, send the replies.
//
// Updates come at least once (long polling confirms an update to Telegram
// only after it was handled; the webhook queue drops it only then), so the
// update id is checked before handling (when it may have been handled:
// r.checkSeen) and recorded after: an update that was handled and recorded
// is skipped when it comes again. An update whose process died while
// handling it is handled again, at the price of a second effect if the
// death came between an effect and the record.
func (b *Bot) handle(ctx context.Context, r received) {
	upd := r.update
	kind := updateKind(upd)
	var (
		seen bool
		err  error
	)
	if r.checkSeen {
		seen, err = b.cfg.Store.Seen(ctx, upd.ID)
	}
	defer func() {
		if ctx.Err() != nil || r.ackRecords {
			// Cut short at shutdown: handled again after the restart. Or
			// recorded by the acknowledgement itself (webhook queue).
			return
		}
		if _, err := b.cfg.Store.FirstSeen(ctx, upd.ID); err != nil {
			b.log.Warn("handled update not recorded", "update_id", upd.ID, "err", err)
		}
	}()
	if err != nil {
		b.log.Warn("update de-duplication unavailable; handling anyway", "update_id", upd.ID, "err", err)
	} else if seen {
		b.log.Debug("duplicate update skipped", "update_id", upd.ID)
		b.cfg.Metrics.Update(kind, "duplicate", 0)
		return
	}
	if upd.MyChatMember != nil {
		b.memberChanged(ctx, upd.MyChatMember)
		b.cfg.Metrics.Update(kind, "ignored", 0)
		return
	}
	ev, ok := toEvent(upd, b.username)
	ev.Retry = r.retry
	if !ok {
		if cq := upd.CallbackQuery; cq != nil {
			b.answer(ctx, cq.ID, "")
		}
		b.cfg.Metrics.Update(kind, "ignored", 0)
		return
	}
	defer func() { b.cfg.Metrics.Update(kind, "handled", time.Since(r.at)) }()
	resp := b.callDesk(ctx, ev)
	if cq := upd.CallbackQuery; cq != nil {
		b.answer(ctx, cq.ID, resp.Notice)
	}
	b.sendReplies(ctx, upd.ID, ev.ChatID, resp.Replies)
}

// sendReplies sends the desk's replies: each chat's in order, the chats
// side by side, so that a reply to the update's own chat never waits
// behind another chat's pause (a relay to a volunteer Telegram slowed
// down). It returns when all are sent or given up.
func (b *Bot) sendReplies(ctx context.Context, updateID, chatID int64, replies []handlers.Reply) {
	byChat := map[int64][]handlers.Reply{}
	for _, r := range replies {
		to := r.ChatID
		if to == 0 {
			to = chatID
		}
		byChat[to] = append(byChat[to], r)
	}
	var wg sync.WaitGroup
	for to, rs := range byChat {
		if to != chatID {
			wg.Go(func() { b.sendAll(ctx, updateID, chatID, to, rs) })
		}
	}
	b.sendAll(ctx, updateID, chatID, chatID, byChat[chatID])
	wg.Wait()
}

// sendAll sends replies to one chat in order, and stops when the chat
// blocked the bot; a reply that fails otherwise is handled by undelivered
// (eventChat is the chat of the update, told when IfFails says so).
// Replies to a chat that Telegram slowed down go to the backlog instead.
func (b *Bot) sendAll(ctx context.Context, updateID, eventChat, chatID int64, replies []handlers.Reply) {
	for i, r := range replies {
		if b.deferRest(ctx, updateID, eventChat, chatID, replies[i:], false) {
			return
		}
		_, err := b.sender.Send(withMayDefer(ctx), chatID, r)
		if errors.Is(err, errWouldWait) {
			b.deferRest(ctx, updateID, eventChat, chatID, replies[i:], true)
			return
		}
		if err != nil {
			b.log.Warn("reply not sent", "update_id", updateID, "err", err)
			if errors.Is(err, ErrBlocked) {
				return
			}
			b.undelivered(ctx, eventChat, r, err)
		}
	}
}

// undelivered handles a reply that could not be sent: a relay goes to the
// outbox when the failure was the messenger's, not the chat's; the event's
// chat is told what the reply's IfFails says.
func (b *Bot) undelivered(ctx context.Context, eventChat int64, r handlers.Reply, err error) {
	if r.Retry && retryable(err) {
		if queueErr := b.queueRelay(ctx, eventChat, r); queueErr != nil {
			b.log.Error("relay lost: not sent and not queued", "err", queueErr)
		}
	}
	if r.IfFails == "" {
		return
	}
	if _, err := b.sender.Send(ctx, eventChat, handlers.Reply{Text: r.IfFails}); err != nil {
		b.log.Warn("failure notice not sent", "err", err)
	}
}

// retryable reports a failure that says nothing about the recipient: a
// network error, a 5xx, 429s that outlasted the retries. A blocked bot or
// a refused request (400: chat not found, message gone) will not mend.
func retryable(err error) bool {
	return !errors.Is(err, ErrBlocked) && !errors.Is(err, tgbot.ErrorBadRequest) && !errors.Is(err, tgbot.ErrorForbidden) &&
		!errors.Is(err, context.Canceled)
}

// updateKind names an update for metrics.
func updateKind(upd *models.Update) string {
	switch {
	case upd.Message != nil:
		return "message"
	case upd.CallbackQuery != nil:
		return "button"
	}
	return "other"
}

// callDesk runs the desk, turning a panic or an error into a kind message.
func (b *Bot) callDesk(ctx context.Context, ev handlers.Event) handlers.Response {
	resp, err := handlers.HandleKindly(ctx, b.handler, ev)
	switch {
	case err == nil:
	case errors.Is(err, storage.ErrUnavailable):
		b.log.Warn("store unavailable", "update_id", ev.UpdateID, "err", err)
	default:
		b.log.Error("handler failed", "update_id", ev.UpdateID, "kind", ev.Kind, "err", err)
	}
	return resp
}

func (b *Bot) answer(ctx context.Context, callbackID, notice string) {
	if callbackID == "" {
		return // a forged update: there is nothing to answer
	}
	if err := b.sender.AnswerButton(ctx, callbackID, notice); err != nil {
		b.log.Warn("button not acknowledged", "err", err)
	}
}

// memberChanged notes a private chat's user blocking or unblocking the bot.
func (b *Bot) memberChanged(ctx context.Context, m *models.ChatMemberUpdated) {
	if m.Chat.Type != models.ChatTypePrivate {
		return
	}
	blocked := m.NewChatMember.Type == models.ChatMemberTypeBanned
	if err := b.cfg.Store.SetBlocked(ctx, m.From.ID, blocked); err != nil && !errors.Is(err, storage.ErrNotFound) {
		b.log.Warn("could not record a block change", "err", err)
	}
}
