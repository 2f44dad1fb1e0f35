package broadcast

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

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
	// Metrics, when set, counts deliveries by result.
	Metrics *metrics.Metrics
}

// Runner sends the broadcasts in the store.
type Runner struct {
	cfg Config
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
func (r *Runner) Step(ctx context.Context) error {
	active, err := r.cfg.Store.ActiveBroadcasts(ctx)
	if err != nil {
		return fmt.Errorf("broadcast: list active: %w", err)
	}
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
		if b.State != domain.BroadcastRunning || (!b.Force && r.cfg.Quiet.Contains(now)) {
			continue
		}
		if err := r.send(ctx, b); err != nil {
			return err
		}
	}
	return nil
}

// send delivers a running broadcast until nobody is left or it stops.
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
		ids, err := store.TakeRecipients(ctx, b.ID, r.cfg.Workers, r.cfg.Now())
		if err != nil {
			return fmt.Errorf("broadcast %d: take recipients: %w", b.ID, err)
		}
		if len(ids) == 0 {
			return r.finish(ctx, b)
		}
		var wg sync.WaitGroup
		for _, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r.deliver(ctx, b, id)
			}()
		}
		wg.Wait()
		if now := r.cfg.Now(); now.Sub(lastProgress) >= r.cfg.ProgressEvery {
			lastProgress = now
			r.report(ctx, b, false)
		}
	}
	return ctx.Err()
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

// deliver sends to one recipient within the shared rate and records the
// result. A 429 pauses every sender for its retry_after and the recipient
// is tried again; other errors are tried maxAttempts times.
func (r *Runner) deliver(ctx context.Context, b domain.Broadcast, to int64) {
	store := r.cfg.Store
	result := domain.DeliveryFailed
	for attempt := 1; attempt <= maxAttempts && ctx.Err() == nil; {
		if err := r.waitTurn(ctx); err != nil {
			return // ctx ended: the recipient stays in flight and is reclaimed later
		}
		err := r.cfg.Deliver.Deliver(ctx, to, b)
		var retry *RetryAfter
		switch {
		case err == nil:
			result = domain.DeliverySent
		case errors.As(err, &retry):
			if pauseErr := store.PauseUntil(ctx, LimiterKey, r.cfg.Now().Add(retry.Wait)); pauseErr != nil {
				r.cfg.Log.Warn("broadcast pause not shared", "err", pauseErr)
				_ = r.cfg.Sleep(ctx, retry.Wait)
			}
			r.cfg.Log.Warn("telegram asked broadcasts to slow down", "retry_after", retry.Wait)
			continue
		case errors.Is(err, ErrBlocked):
			if markErr := store.SetBlocked(ctx, to, true); markErr != nil && !errors.Is(markErr, storage.ErrNotFound) {
				r.cfg.Log.Warn("blocked user not marked", "err", markErr)
			}
			result = domain.DeliveryBlocked
		default:
			r.cfg.Log.Warn("broadcast send failed", "broadcast", b.ID, "attempt", attempt, "err", err)
			attempt++
			continue
		}
		break
	}
	if ctx.Err() != nil {
		return
	}
	if _, err := store.RecordDelivery(ctx, b.ID, to, result); err != nil {
		r.cfg.Log.Warn("broadcast result not recorded", "broadcast", b.ID, "err", err)
	}
	r.cfg.Metrics.BroadcastDelivery(string(result))
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
