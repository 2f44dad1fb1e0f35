// Package redis is the production storage.Store, kept in Redis (standalone,
// Sentinel or Cluster, through a go-redis UniversalClient). Open takes the
// URL of a standalone server; OpenUniversal, with options from ParseAddrs,
// also takes the nodes of a Redis Cluster or the sentinels of a master.
//
// Multi-key updates are Lua scripts (scripts.go) whose keys share one hash
// tag (keys.go), so the store works unchanged on Redis Cluster. Values are
// JSON, encoded in Go. The store's clock stamps records and orders the idle
// index; the dedup window is a server-side TTL. Tickets and their indexes
// change together in one script; the assist log is a capped stream. A
// broadcast's recipients live under a hash tag of their own broadcast, and
// each step of sending (take, record, reclaim) is one script there. The
// rate limiter is the generic cell rate algorithm in one script, timed by
// the caller's clock only.
package redis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/hotroso/hotroso/storage"
	"github.com/hotroso/hotroso/storage/rollup"
)

// DefaultPrefix starts every key unless WithPrefix says otherwise.
const DefaultPrefix = "hotroso"

// DefaultFunnelCap is how many funnel events are kept unless WithFunnelCap
// says otherwise: with typical events about 250 bytes each, 250 MB of Redis
// memory at most.
const DefaultFunnelCap = 1_000_000

// DefaultAssistCap is how many assist records the assist log keeps unless
// WithAssistCap says otherwise (the counters keep counting the older ones): generous, since there is at most one record
// per finished flow or closed question; with records about 300 bytes each,
// some 300 MB of Redis memory at most.
const DefaultAssistCap = 1_000_000

// Store is a storage.Store in Redis. It is safe for concurrent use.
type Store struct {
	client    goredis.UniversalClient
	owner     goredis.UniversalClient // the client under an autopipeliner, closed after it; nil without one
	clock     func() time.Time
	keys      keyspace
	funnelCap int
	assistCap int
	loc       *time.Location // days of the counters
	retention time.Duration  // of raw funnel events; 0: forever
	recorded  atomic.Int64   // RecordAssist calls, to trim now and then
	// roundTrips counts the store's calls to Redis (RoundTrips).
	roundTrips *atomic.Int64
}

var _ storage.Store = (*Store)(nil)

// Option configures New, Open and OpenUniversal.
type Option func(*config)

type config struct {
	clock     func() time.Time
	prefix    string
	funnelCap int
	assistCap int
	minPool   int
	pipeline  bool
	loc       *time.Location
	retention time.Duration
}

// WithLocation sets the time zone whose days the counters count by (see
// storage.Assists); the default is rollup.Vietnam (UTC+7). Changing it for
// existing data leaves what was counted on the days it was counted on.
func WithLocation(loc *time.Location) Option {
	return func(c *config) { c.loc = loc }
}

// WithFunnelRetention sets how long raw funnel events are kept (0, the
// default: forever, up to the funnel cap); the funnel counters are kept
// forever either way.
func WithFunnelRetention(d time.Duration) Option {
	return func(c *config) { c.retention = d }
}

// WithClock sets the clock the store stamps sessions, users and assists
// with and times invite and limiter pause TTLs from. The default is
// time.Now. The dedup window runs on the server's clock.
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.clock = now }
}

// WithPrefix sets the string every key starts with (the default is
// DefaultPrefix), e.g. to share one database between deployments. It must
// not contain "{" or "}".
func WithPrefix(prefix string) Option {
	return func(c *config) { c.prefix = prefix }
}

// WithFunnelCap sets how many funnel events are kept at most; beyond it the
// oldest (by At) are dropped. The default is DefaultFunnelCap.
func WithFunnelCap(n int) Option {
	return func(c *config) { c.funnelCap = n }
}

// WithAssistCap sets about how many assist records are kept at most; beyond
// it the oldest recorded are dropped, in whole stream nodes (XADD MAXLEN ~),
// so a few more may stay. The default is DefaultAssistCap.
func WithAssistCap(n int) Option {
	return func(c *config) { c.assistCap = n }
}

// WithMinPoolSize makes Open and OpenUniversal keep at least n connections
// per server (go-redis's default is 10 per CPU). Each goroutine waiting on
// Redis holds one: a program should count its update workers, plus one per
// update shard for the readers that block on the webhook queue, or its
// calls queue for a connection behind them.
func WithMinPoolSize(n int) Option {
	return func(c *config) { c.minPool = n }
}

// WithAutoPipeline makes Open and OpenUniversal send the store's commands
// through go-redis's autopipeliner (EXPERIMENTAL in go-redis): commands of
// concurrent callers go to the server together, in one write and one read,
// instead of a round trip each. It needs fewer system calls on both sides;
// the price is that a command already queued runs even if its context is
// canceled. It applies to a standalone server and to Sentinel, not to
// Cluster, whose failover the store follows through the client's hooks.
func WithAutoPipeline() Option {
	return func(c *config) { c.pipeline = true }
}

func newConfig(opts []Option) (config, error) {
	cfg := config{clock: time.Now, prefix: DefaultPrefix, funnelCap: DefaultFunnelCap, assistCap: DefaultAssistCap, loc: rollup.Vietnam}
	for _, opt := range opts {
		opt(&cfg)
	}
	if cfg.loc == nil {
		cfg.loc = rollup.Vietnam
	}
	if strings.ContainsAny(cfg.prefix, "{}") {
		return cfg, fmt.Errorf("redis: key prefix %q contains a hash tag brace", cfg.prefix)
	}
	if cfg.funnelCap < 1 {
		return cfg, fmt.Errorf("redis: funnel cap %d is not positive", cfg.funnelCap)
	}
	if cfg.assistCap < 1 {
		return cfg, fmt.Errorf("redis: assist cap %d is not positive", cfg.assistCap)
	}
	return cfg, nil
}

// New returns a store that uses client. The store owns the client from then
// on: Close closes it. New panics on invalid options (a prefix with "{" or
// "}", a funnel or assist cap below 1); Open and OpenUniversal return them
// as errors.
func New(client goredis.UniversalClient, opts ...Option) *Store {
	cfg, err := newConfig(opts)
	if err != nil {
		panic(err)
	}
	return newStore(client, cfg)
}

func newStore(client goredis.UniversalClient, cfg config) *Store {
	trips := &atomic.Int64{}
	client.AddHook(roundTripCounter{trips})
	return &Store{
		client:     client,
		clock:      cfg.clock,
		keys:       keyspace{prefix: cfg.prefix},
		funnelCap:  cfg.funnelCap,
		assistCap:  cfg.assistCap,
		loc:        cfg.loc,
		retention:  cfg.retention,
		roundTrips: trips,
	}
}

// RoundTrips is how many calls the store has made to Redis: a command, a
// script or a pipeline (or transaction) counts one, whatever it holds.
// With autopipelining, concurrent callers' calls may share a network
// round trip; each still counts here.
func (s *Store) RoundTrips() int64 { return s.roundTrips.Load() }

// roundTripCounter is a go-redis hook that counts calls.
type roundTripCounter struct{ n *atomic.Int64 }

func (c roundTripCounter) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (c roundTripCounter) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmd)
	}
}

func (c roundTripCounter) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmds)
	}
}

// Open connects to the Redis server at rawURL (redis://[user:password@]host:port/db
// or rediss:// for TLS; go-redis's query options such as dial_timeout and
// pool_size apply) and pings it. An unreachable server yields an error
// wrapping storage.ErrUnavailable. A URL names one standalone server; use
// OpenUniversal (with ParseAddrs) for Redis Cluster or Sentinel.
func Open(ctx context.Context, rawURL string, opts ...Option) (*Store, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(rawURL, "redis://") && !strings.HasPrefix(rawURL, "rediss://") {
		return nil, errors.New("redis: open: the URL must start with redis:// or rediss://")
	}
	o, err := goredis.ParseURL(rawURL)
	if err != nil {
		// A *url.Error quotes the URL, password included: keep only its cause.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, fmt.Errorf("redis: open: parse URL: %w", err)
	}
	return openUniversal(ctx, &goredis.UniversalOptions{
		Addrs:           []string{o.Addr},
		DB:              o.DB,
		Username:        o.Username,
		Password:        o.Password,
		TLSConfig:       o.TLSConfig,
		ClientName:      o.ClientName,
		Protocol:        o.Protocol,
		MaxRetries:      o.MaxRetries,
		MinRetryBackoff: o.MinRetryBackoff,
		MaxRetryBackoff: o.MaxRetryBackoff,
		DialTimeout:     o.DialTimeout,
		ReadTimeout:     o.ReadTimeout,
		WriteTimeout:    o.WriteTimeout,
		PoolFIFO:        o.PoolFIFO,
		PoolSize:        o.PoolSize,
		PoolTimeout:     o.PoolTimeout,
		MinIdleConns:    o.MinIdleConns,
		MaxIdleConns:    o.MaxIdleConns,
		MaxActiveConns:  o.MaxActiveConns,
		ConnMaxIdleTime: o.ConnMaxIdleTime,
		ConnMaxLifetime: o.ConnMaxLifetime,

		ConnMaxLifetimeJitter: o.ConnMaxLifetimeJitter,
		MaxConcurrentDials:    o.MaxConcurrentDials,
	}, cfg)
}

// OpenUniversal connects with go-redis's NewUniversalClient and pings the
// server, so that one call serves a standalone server, Redis Cluster and
// Sentinel alike. NewUniversalClient picks the client by the options:
//
//   - MasterName set: a Sentinel failover client; Addrs are the sentinels'
//     addresses, not the data nodes'. (With RouteByLatency, RouteRandomly or
//     IsClusterMode as well, a failover client that also reads from
//     replicas; the store's scripts and read-after-write need the master,
//     so leave those unset.)
//   - otherwise more than one address in Addrs, or IsClusterMode set: a
//     Redis Cluster client; Addrs are seed nodes, from which it learns the
//     rest of the cluster.
//   - otherwise: a client of the one standalone server in Addrs.
//
// ParseAddrs builds such options from comma-separated addresses. A cluster
// has only database 0, so opts.DB must be 0 for a cluster client. opts is
// not kept. An unreachable server yields an error wrapping
// storage.ErrUnavailable; the store owns the client it made (Close closes
// it).
func OpenUniversal(ctx context.Context, opts *goredis.UniversalOptions, o ...Option) (*Store, error) {
	cfg, err := newConfig(o)
	if err != nil {
		return nil, err
	}
	if opts == nil || len(opts.Addrs) == 0 {
		return nil, errors.New("redis: open: no server address")
	}
	if opts.MasterName == "" && (len(opts.Addrs) > 1 || opts.IsClusterMode) && opts.DB != 0 {
		return nil, fmt.Errorf("redis: open: Redis Cluster has database 0 only, not %d", opts.DB)
	}
	return openUniversal(ctx, opts, cfg)
}

// openUniversal makes the client opts describe, pings through it, and wraps
// it in a store. An error names the addresses (never a password).
func openUniversal(ctx context.Context, opts *goredis.UniversalOptions, cfg config) (*Store, error) {
	if opts.PoolSize < cfg.minPool {
		copied := *opts
		copied.PoolSize = cfg.minPool
		opts = &copied
	}
	var client goredis.UniversalClient
	if opts.MasterName == "" && (len(opts.Addrs) > 1 || opts.IsClusterMode) {
		client = newClusterClient(opts)
	} else {
		client = goredis.NewUniversalClient(opts)
	}
	if err := client.Ping(ctx).Err(); err != nil {
		_ = client.Close()
		op := "open " + strings.Join(opts.Addrs, ",")
		if opts.MasterName != "" {
			op = fmt.Sprintf("open master %q via sentinels %s", opts.MasterName, strings.Join(opts.Addrs, ","))
		}
		return nil, wrapErr(op, err)
	}
	if _, cluster := client.(*goredis.ClusterClient); cfg.pipeline && !cluster {
		ap, err := client.AutoPipeline()
		if err != nil {
			_ = client.Close()
			return nil, fmt.Errorf("redis: open: autopipeline: %w", err)
		}
		s := newStore(ap, cfg)
		s.owner = client
		return s, nil
	}
	return newStore(client, cfg), nil
}

// clusterStateReload bounds how old a cluster client's map of slots to
// masters may get (go-redis's default is a minute); followFailover reloads
// it sooner, as soon as a master stops answering.
const clusterStateReload = 5 * time.Second

// newClusterClient is the Redis Cluster client NewUniversalClient would
// make, but one that finds a promoted replica within moments of its master
// dying: with go-redis's defaults it goes on dialing the dead master until
// its slot map is a minute old.
func newClusterClient(opts *goredis.UniversalOptions) *goredis.ClusterClient {
	co := opts.Cluster()
	co.ClusterStateReloadInterval = clusterStateReload
	client := goredis.NewClusterClient(co)
	client.AddHook(followFailover{client})
	return client
}

// followFailover is a go-redis hook that asks a cluster client to reload
// its slot map (at most every 200 ms; go-redis coalesces the requests)
// when a command or pipeline fails to reach its server.
type followFailover struct{ cluster *goredis.ClusterClient }

func (f followFailover) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (f followFailover) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		err := next(ctx, cmd)
		f.afterError(ctx, err)
		return err
	}
}

func (f followFailover) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		err := next(ctx, cmds)
		f.afterError(ctx, err)
		return err
	}
}

func (f followFailover) afterError(ctx context.Context, err error) {
	// goredis.Nil is a server reply, so unavailable already says no to it.
	if err != nil && !errors.Is(err, context.Canceled) && unavailable(err) {
		f.cluster.ReloadState(ctx)
	}
}

// ParseAddrs turns the command line's settings into options for
// OpenUniversal:
//
//   - addrs: comma-separated host:port addresses (spaces around them are
//     ignored). Without a master name, one address is a standalone server
//     and more than one are seed nodes of a Redis Cluster (list two or more
//     nodes of a cluster, or set IsClusterMode on the result, else a single
//     cluster node is taken for a standalone server).
//   - sentinelMaster: when not empty, the name of the Sentinel-monitored
//     master, and addrs are the sentinels' addresses (one is enough, more
//     survive a sentinel's loss).
//   - password: the data nodes' password (AUTH), empty for none. Sentinels
//     that need their own password take it in SentinelPassword of the result.
//
// It reports an error for an empty list or an address that is not
// host:port. The caller may set further fields (TLSConfig, Username, DB for
// a standalone server or Sentinel, timeouts) before OpenUniversal.
func ParseAddrs(addrs, sentinelMaster, password string) (*goredis.UniversalOptions, error) {
	var list []string
	for a := range strings.SplitSeq(addrs, ",") {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		host, port, err := net.SplitHostPort(a)
		if err != nil {
			return nil, fmt.Errorf("redis: address %q: %w", a, err)
		}
		if host == "" || port == "" {
			return nil, fmt.Errorf("redis: address %q: want host:port", a)
		}
		if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			return nil, fmt.Errorf("redis: address %q: bad port", a)
		}
		list = append(list, a)
	}
	if len(list) == 0 {
		return nil, errors.New("redis: no address given")
	}
	return &goredis.UniversalOptions{
		Addrs:      list,
		MasterName: strings.TrimSpace(sentinelMaster),
		Password:   password,
	}, nil
}

// Ping checks that the server answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.client.Ping(ctx).Err(); err != nil {
		return wrapErr("ping", err)
	}
	return nil
}

// Close closes the client.
func (s *Store) Close() error {
	err := s.client.Close()
	if s.owner != nil {
		err = errors.Join(err, s.owner.Close())
	}
	if err != nil {
		return fmt.Errorf("redis: close: %w", err)
	}
	return nil
}

// now is the store's clock in UTC, without a monotonic reading, so that what
// SaveSession returns equals what GetSession later decodes.
func (s *Store) now() time.Time {
	return s.clock().UTC()
}
