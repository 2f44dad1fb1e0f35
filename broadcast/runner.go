package broadcast

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/hotroso/hotroso/circuit"
	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/metrics"
	"github.com/hotroso/hotroso/storage"
)

// LimiterKey is the rate limiter's key for all broadcast sends.
const LimiterKey = "broadcast"

// Config configures a Runner.
type Config struct {
	Store   Store
	Deliver Deliverer
	// Rate is the messages per second of all instances together.
	Rate float64
	// Workers is how many sends one instance has in flight at once; it is
	// also the bound on messages sent twice when an instance is killed.
	// Default 4.
	Workers int
	Quiet   QuietHours
	// Lease is how long a recipient may be in flight before another
	// instance takes it back (its sender died): the program's
	// BROADCAST_LEASE, which has its default there.
	Lease time.Duration
	// ProgressEvery is how often Progress is told while sending. Default 3s.
	ProgressEvery time.Duration
	Progress      Progress
	// Now and Sleep are the clock; tests and benchmarks may simulate it.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	Log   *slog.Logger
	// Metrics, when set, counts deliveries by result and the recipients
	// given back.
	Metrics *metrics.Metrics
	// Breaker stops this instance taking recipients while its deliveries
	// fail in ways that say nothing about the recipients (ErrUnreachable,
	// ErrMessengerFailed): it opens after a few such failures in a row,
	// and the instance gives back what it holds. Default: a
	// circuit.Breaker with its defaults on Now.
	Breaker *circuit.Breaker
	// Probe asks the messenger whether it answers (Telegram's getMe); it
	// is the breaker's trial once an open breaker's backoff has passed: an
	// answer closes the breaker, none opens it again for longer. Without
	// a Probe, the backoff's end closes it.
	Probe func(ctx context.Context) error
}

// Runner sends the broadcasts in the store.
type Runner struct {
	cfg     Config
	strikes strikes
}

// maxAttempts bounds the tries for one recipient on errors other than 429.
const maxAttempts = 3

// NewRunner builds a Runner.
func NewRunner(cfg Config) *Runner {
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.ProgressEvery <= 0 {
		cfg.ProgressEvery = 3 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Progress == nil {
		cfg.Progress = func(context.Context, domain.Broadcast, domain.BroadcastCounts, bool) {}
	}
	if cfg.Breaker == nil {
		cfg.Breaker = circuit.New(circuit.Config{Now: cfg.Now})
	}
	return &Runner{cfg: cfg}
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Run works on the store's broadcasts until ctx ends, looking for work
// every poll.
func (r *Runner) Run(ctx context.Context, poll time.Duration) {
	for ctx.Err() == nil {
		if err := r.Step(ctx); err != nil && ctx.Err() == nil {
			r.cfg.Log.Warn("broadcast step failed", "err", err)
		}
		if r.cfg.Sleep(ctx, poll) != nil {
			return
		}
	}
}

// Step starts the scheduled broadcasts whose time has come and sends the
// running ones until they are done, paused, canceled, or quiet hours begin.
// While the breaker is open it does nothing.
func (r *Runner) Step(ctx context.Context) error {
	if !r.mayTake(ctx) {
		return nil
	}
	active, err := r.cfg.Store.ActiveBroadcasts(ctx)
	if err != nil {
		return fmt.Errorf("broadcast: list active: %w", err)
	}
	r.strikes.keep(active)
	for _, b := range active {
		now := r.cfg.Now()
		if b.State == domain.BroadcastScheduled && !now.Before(b.ScheduledAt) && (b.Force || !r.cfg.Quiet.Contains(now)) {
			if err := b.Start(now); err != nil {
				return fmt.Errorf("broadcast %d: start: %w", b.ID, err)
			}
			if b, err = r.cfg.Store.StartBroadcast(ctx, b); err != nil {
				if errors.Is(err, storage.ErrConflict) {
					continue // another instance started it
				}
				return fmt.Errorf("broadcast %d: start: %w", b.ID, err)
			}
			r.cfg.Log.Info("broadcast started", "broadcast", b.ID)
		}
		if b.State != domain.BroadcastRunning || (!b.Force && r.cfg.Quiet.Contains(now)) || r.cfg.Breaker.State() == circuit.Open {
			continue
		}
		if err := r.send(ctx, b); err != nil {
			return err
		}
	}
	return nil
}

// send delivers a running broadcast until nobody is left, it stops, or
// the breaker opens.
func (r *Runner) send(ctx context.Context, b domain.Broadcast) error {
	store := r.cfg.Store
	if n, err := store.ReclaimInFlight(ctx, b.ID, r.cfg.Now().Add(-r.cfg.Lease)); err != nil {
		return fmt.Errorf("broadcast %d: reclaim: %w", b.ID, err)
	} else if n > 0 {
		r.cfg.Log.Info("broadcast recipients taken back from a stopped sender", "broadcast", b.ID, "count", n)
	}
	lastProgress := r.cfg.Now()
	for ctx.Err() == nil {
		current, err := store.GetBroadcast(ctx, b.ID)
		if err != nil {
			return fmt.Errorf("broadcast %d: reload: %w", b.ID, err)
		}
		if current.State != domain.BroadcastRunning || (!current.Force && r.cfg.Quiet.Contains(r.cfg.Now())) {
			r.report(ctx, current, false)
			return nil
		}
		b = current
		if r.cfg.Breaker.State() == circuit.Open {
			return nil // what this instance held is given back; others send the rest
		}
		takenAt := r.cfg.Now()
		ids, err := store.TakeRecipients(ctx, b.ID, r.cfg.Workers, takenAt)
		if err != nil {
			return fmt.Errorf("broadcast %d: take recipients: %w", b.ID, err)
		}
		if len(ids) == 0 {
			return r.finish(ctx, b)
		}
		r.giveBack(ctx, b.ID, takenAt, r.deliverAll(ctx, b, ids))
		if now := r.cfg.Now(); now.Sub(lastProgress) >= r.cfg.ProgressEvery {
			lastProgress = now
			r.report(ctx, b, false)
		}
	}
	return ctx.Err()
}

// deliverAll delivers to each of ids at once and returns those to give
// back.
func (r *Runner) deliverAll(ctx context.Context, b domain.Broadcast, ids []int64) []int64 {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		back []int64
	)
	for _, id := range ids {
		wg.Go(func() {
			if r.deliver(ctx, b, id) == givenBack {
				mu.Lock()
				back = append(back, id)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return back
}

// giveBack returns recipients taken at takenAt to the front of the list at
// once, for any instance to send; also when ctx has just ended (the
// program stops), so that none waits out a lease.
func (r *Runner) giveBack(ctx context.Context, id int64, takenAt time.Time, ids []int64) {
	if len(ids) == 0 {
		return
	}
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
	}
	n, err := r.cfg.Store.ReturnRecipients(ctx, id, takenAt, ids)
	if err != nil {
		r.cfg.Log.Warn("broadcast recipients not given back; they return after the lease", "broadcast", id, "count", len(ids), "err", err)
		return
	}
	r.cfg.Metrics.BroadcastReturned(n)
	r.cfg.Log.Info("broadcast recipients given back", "broadcast", id, "count", n, "breaker", r.cfg.Breaker.State().String())
}

// finish marks the broadcast done once no recipient is pending or in
// flight (another instance may still be sending its last ones).
func (r *Runner) finish(ctx context.Context, b domain.Broadcast) error {
	counts, err := r.cfg.Store.BroadcastCounts(ctx, b.ID)
	if err != nil {
		return fmt.Errorf("broadcast %d: counts: %w", b.ID, err)
	}
	if counts.InFlight > 0 {
		return nil
	}
	if err := b.Finish(r.cfg.Now()); err != nil {
		return nil // paused or canceled meanwhile: not done
	}
	saved, err := r.cfg.Store.FinishBroadcast(ctx, b)
	if errors.Is(err, storage.ErrConflict) {
		return nil // another instance finished it, or it was canceled
	}
	if err != nil {
		return fmt.Errorf("broadcast %d: finish: %w", b.ID, err)
	}
	r.cfg.Log.Info("broadcast done", "broadcast", b.ID, "sent", counts.Sent, "blocked", counts.Blocked, "failed", counts.Failed)
	r.cfg.Progress(ctx, saved, counts, true)
	// Done is done: a failure here leaves only memory to reclaim, and must
	// not hold up the other broadcasts.
	if err := r.cfg.Store.ReleaseRecipients(ctx, b.ID); err != nil {
		r.cfg.Log.Warn("recipients of a done broadcast not released", "broadcast", b.ID, "err", err)
	}
	return nil
}

func (r *Runner) report(ctx context.Context, b domain.Broadcast, final bool) {
	counts, err := r.cfg.Store.BroadcastCounts(ctx, b.ID)
	if err != nil {
		r.cfg.Log.Warn("broadcast progress unknown", "broadcast", b.ID, "err", err)
		return
	}
	r.cfg.Progress(ctx, b, counts, final)
}

// outcome is what became of one recipient.
type outcome int

const (
	recorded  outcome = iota // its result is stored
	givenBack                // to be given back for any instance to send
)

// deliver sends to one recipient within the shared rate and records the
// result, or says to give it back: when the breaker is open, the program
// stops, or the messenger cannot be reached (see judge and judge5xx). A
// 429 pauses every sender for its retry_after and the recipient is tried
// again; an error that is no recipient's is tried maxAttempts times.
func (r *Runner) deliver(ctx context.Context, b domain.Broadcast, to int64) outcome {
	var t tries
	for {
		if ctx.Err() != nil || r.cfg.Breaker.State() == circuit.Open || r.waitTurn(ctx) != nil {
			return givenBack
		}
		err := r.cfg.Deliver.Deliver(ctx, to, b)
		if err != nil && ctx.Err() != nil {
			return givenBack // cut short by the stop: it says nothing
		}
		result, again := r.judge(ctx, b, to, err, &t)
		switch {
		case again:
			continue
		case result == "":
			return givenBack
		}
		if _, err := r.cfg.Store.RecordDelivery(ctx, b.ID, to, result); err != nil {
			r.cfg.Log.Warn("broadcast result not recorded", "broadcast", b.ID, "err", err)
		}
		r.strikes.forget(b.ID, to)
		r.cfg.Metrics.BroadcastDelivery(string(result))
		return recorded
	}
}

// tries is what deliver remembers of one recipient's attempts in one
// take: how many failed (not 429s).
type tries struct{ failed int }

// judge weighs one attempt's error: the result to record, or "" to give
// the recipient back, or again to try once more. Every answer from the
// messenger tells the breaker it is reachable.
func (r *Runner) judge(ctx context.Context, b domain.Broadcast, to int64, err error, t *tries) (result domain.Delivery, again bool) {
	var retry *RetryAfter
	switch {
	case err == nil:
		r.reachable()
		return domain.DeliverySent, false
	case errors.As(err, &retry):
		r.reachable()
		if pauseErr := r.cfg.Store.PauseUntil(ctx, LimiterKey, r.cfg.Now().Add(retry.Wait)); pauseErr != nil {
			r.cfg.Log.Warn("broadcast pause not shared", "err", pauseErr)
			_ = r.cfg.Sleep(ctx, retry.Wait)
		}
		r.cfg.Log.Warn("telegram asked broadcasts to slow down", "retry_after", retry.Wait)
		return "", true
	case errors.Is(err, ErrBlocked):
		r.reachable()
		if markErr := r.cfg.Store.SetBlocked(ctx, to, true); markErr != nil && !errors.Is(markErr, storage.ErrNotFound) {
			r.cfg.Log.Warn("blocked user not marked", "err", markErr)
		}
		return domain.DeliveryBlocked, false
	case errors.Is(err, ErrRecipient):
		r.reachable()
		return domain.DeliveryFailed, false
	case errors.Is(err, ErrUnreachable):
		r.unreachable(b, err)
		return "", false
	case errors.Is(err, ErrMessengerFailed):
		return r.judge5xx(ctx, b, to, err, t)
	}
	r.reachable()
	r.cfg.Log.Warn("broadcast send failed", "broadcast", b.ID, "attempt", t.failed+1, "err", err)
	t.failed++
	return domain.DeliveryFailed, t.failed < maxAttempts
}

// judge5xx weighs a 5xx. The recipient is failed once it has drawn
// maxAttempts of them on this instance (across takes) while the messenger
// answered other calls since its first: the trouble is this recipient's.
// Else it is tried again a little later, up to maxAttempts times in one
// take while the breaker is closed, then given back.
func (r *Runner) judge5xx(ctx context.Context, b domain.Broadcast, to int64, err error, t *tries) (domain.Delivery, bool) {
	s := r.strikes.add(b.ID, to, r.cfg.Breaker.Successes())
	r.unreachable(b, err)
	t.failed++
	switch {
	case s.count >= maxAttempts && r.cfg.Breaker.Successes() > s.successesAtFirst:
		r.cfg.Log.Warn("broadcast send failed", "broadcast", b.ID, "attempts", s.count, "err", err)
		return domain.DeliveryFailed, false
	case t.failed < maxAttempts && r.cfg.Breaker.State() == circuit.Closed:
		return "", r.cfg.Sleep(ctx, time.Duration(t.failed)*200*time.Millisecond) == nil
	}
	return "", false
}

// reachable tells the breaker a call reached the messenger.
func (r *Runner) reachable() {
	if r.cfg.Breaker.State() != circuit.Closed {
		r.cfg.Log.Info("broadcast sending resumes: the messenger answers again")
	}
	r.cfg.Breaker.Success()
}

// unreachable tells the breaker a call did not reach the messenger, and
// says so when that opens it.
func (r *Runner) unreachable(b domain.Broadcast, err error) {
	before := r.cfg.Breaker.State()
	r.cfg.Breaker.Failure(err)
	if status := r.cfg.Breaker.Status(); status.State == circuit.Open && before != circuit.Open {
		r.cfg.Log.Warn("broadcast sending paused on this instance: the messenger cannot be reached; its recipients are given back",
			"broadcast", b.ID, "failures_in_a_row", status.Failures, "retry_at", status.RetryAt, "err", err)
	}
}

// mayTake reports whether this instance may take recipients: the breaker
// is closed, or its backoff has passed and the probe answers.
func (r *Runner) mayTake(ctx context.Context) bool {
	// Half-open at the start of a step, the last trial was cut short by a
	// stop: it goes again.
	if r.cfg.Breaker.State() != circuit.HalfOpen && !r.cfg.Breaker.Allow() {
		return false
	}
	if r.cfg.Breaker.State() != circuit.HalfOpen {
		return true
	}
	if r.cfg.Probe != nil {
		if err := r.cfg.Probe(ctx); err != nil {
			if ctx.Err() == nil {
				r.cfg.Breaker.Failure(err)
				r.cfg.Log.Warn("broadcast sending stays paused: the messenger does not answer", "retry_at", r.cfg.Breaker.Status().RetryAt, "err", err)
			}
			return false
		}
	}
	r.reachable()
	return true
}

// waitTurn waits until the shared limiter allows one send.
func (r *Runner) waitTurn(ctx context.Context) error {
	for {
		wait, err := r.cfg.Store.Reserve(ctx, LimiterKey, r.cfg.Rate, 1, r.cfg.Now())
		if err != nil {
			r.cfg.Log.Warn("rate limiter unavailable", "err", err)
			wait = time.Second
		}
		if wait <= 0 {
			return nil
		}
		if err := r.cfg.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}
