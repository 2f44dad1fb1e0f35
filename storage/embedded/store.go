// Package embedded is a storage.Store kept in a single bbolt file: the
// default backend, for a desk that runs as one process without Redis.
//
// Values are JSON. bbolt runs one write transaction at a time, so every
// read-check-write (the session and ticket compare-and-sets, FirstSeen,
// UseInvite, the salt's create-if-missing) is atomic simply by being inside
// one Update transaction, and the secondary indexes (idle sessions, users by
// role, the ticket queue, claims, leases and residents' active tickets) are
// kept in the same transaction as the records they index.
//
// Broadcasts keep their recipients in the file too, so that sending resumes
// after a restart. The rate limiter (Reserve, PauseUntil) is the exception:
// it lives in memory, since the store serves a single process (see
// limiter.go).
package embedded

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/hotroso/hotroso/storage"
	"github.com/hotroso/hotroso/storage/rollup"
)

// Store is a storage.Store backed by one bbolt file. It is safe for
// concurrent use; writes are serialised by bbolt.
type Store struct {
	// mu guards db, which ScrubErased replaces: every transaction holds
	// it for reading.
	mu          sync.RWMutex
	db          *bolt.DB
	lockTimeout time.Duration
	clock       func() time.Time
	loc         *time.Location // days of the counters
	retention   time.Duration  // of raw funnel events; 0: forever
	limiter     limiter
	closed      atomic.Bool // Close was called: the limiter refuses too
}

var _ storage.Store = (*Store)(nil)

// Option configures Open.
type Option func(*config)

type config struct {
	clock       func() time.Time
	lockTimeout time.Duration
	loc         *time.Location
	retention   time.Duration
}

// WithLocation sets the time zone whose days the counters count by (see
// storage.Assists); the default is rollup.Vietnam (UTC+7). Changing it for
// an existing file leaves what was counted on the days it was counted on.
func WithLocation(loc *time.Location) Option {
	return func(c *config) { c.loc = loc }
}

// WithFunnelRetention sets how long raw funnel events are kept (0, the
// default: forever); the funnel counters are kept forever either way.
func WithFunnelRetention(d time.Duration) Option {
	return func(c *config) { c.retention = d }
}

// WithClock sets the clock the store stamps records with and measures the
// dedup window by. The default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.clock = now }
}

// WithLockTimeout sets how long Open waits for the file lock held by another
// process before failing with storage.ErrUnavailable. The default is one second.
func WithLockTimeout(d time.Duration) Option {
	return func(c *config) { c.lockTimeout = d }
}

// Open opens (creating if needed) the store at path, and the directories
// leading to it.
func Open(path string, opts ...Option) (*Store, error) {
	cfg := config{clock: time.Now, lockTimeout: time.Second, loc: rollup.Vietnam}
	for _, opt := range opts {
		opt(&cfg)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("embedded: open %s: %w", path, err)
	}
	if cfg.loc == nil {
		cfg.loc = rollup.Vietnam
	}
	db, err := openFile(path, cfg.lockTimeout, cfg.loc)
	if err != nil {
		return nil, fmt.Errorf("embedded: open %s: %w", path, err)
	}
	return &Store{db: db, lockTimeout: cfg.lockTimeout, clock: cfg.clock, loc: cfg.loc, retention: cfg.retention}, nil
}

// openFile opens the bbolt file at path and brings its layout up to date.
func openFile(path string, lockTimeout time.Duration, loc *time.Location) (*bolt.DB, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("%w: file locked by another process: %w", storage.ErrUnavailable, err)
		}
		return nil, err
	}
	if err := db.Update(func(tx *bolt.Tx) error { return initSchema(tx, loc) }); err != nil {
		_ = db.Close()
		return nil, err
	}
	db.MaxBatchDelay = maxBatchDelay
	return db, nil
}

// Close closes the file. The store is unusable afterwards: its methods return
// errors wrapping storage.ErrUnavailable.
func (s *Store) Close() error {
	s.closed.Store(true)
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("embedded: close: %w", err)
	}
	return nil
}

// Ping reports whether the file is open.
func (s *Store) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("embedded: ping: %w", err)
	}
	return s.view(ctx, "ping", func(*bolt.Tx) error { return nil })
}

// now is the store's clock in UTC, without a monotonic reading, so that what
// SaveSession returns equals what GetSession later decodes.
func (s *Store) now() time.Time {
	return s.clock().UTC()
}

// view and update run fn in a read or write transaction after checking ctx,
// and wrap any error with op.
func (s *Store) view(ctx context.Context, op string, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return wrap(op, err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.db.View(fn); err != nil {
		return wrap(op, err)
	}
	return nil
}

// maxBatchDelay is how long a write waits for others to share its disk
// sync. Under load, concurrent chats' writes are committed together (one
// fsync for many); alone, a write waits at most this long.
const maxBatchDelay = 2 * time.Millisecond

// update runs fn in a write transaction that may be shared with other
// concurrent writes (bolt.DB.Batch). fn may run more than once, so it must
// only touch the transaction and variables it sets afresh each run.
func (s *Store) update(ctx context.Context, op string, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return wrap(op, err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.db.Batch(fn); err != nil {
		return wrap(op, err)
	}
	return nil
}

// wrap adds the operation to err, and storage.ErrUnavailable when the file
// is closed.
func wrap(op string, err error) error {
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return fmt.Errorf("embedded: %s: %w: %w", op, storage.ErrUnavailable, err)
	}
	return fmt.Errorf("embedded: %s: %w", op, err)
}
