package redis_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/flows"
	"github.com/hotroso/hotroso/storage"
	"github.com/hotroso/hotroso/storage/redis"
	"github.com/hotroso/hotroso/storage/storagetest"
)

// realRedisURL is the server to test against instead of miniredis, e.g.
// REDIS_TEST_URL=redis://127.0.0.1:6379/15. Tests there use a random key
// prefix and delete their keys afterwards.
var realRedisURL = os.Getenv("REDIS_TEST_URL")

// clusterAddrs are the seed nodes (comma-separated host:port, two or more)
// of a Redis Cluster to run the conformance suite on as well, e.g.
// REDIS_CLUSTER_TEST_ADDRS=127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103.
// As on realRedisURL, tests there use a random key prefix and delete their
// keys afterwards, from every master.
var clusterAddrs = os.Getenv("REDIS_CLUSTER_TEST_ADDRS")

// openStore opens an isolated store: on a fresh miniredis whose TTLs follow
// clock (if clock is not nil), or under a fresh prefix on the real server.
func openStore(t testing.TB, clock *storagetest.Clock) *redis.Store {
	t.Helper()
	return openStores(t, clock, 1)[0]
}

// openStores opens n stores on the same data, as n instances of the program
// would: clients of one server (a fresh miniredis, or the real one) under
// one prefix, isolated from every other test.
func openStores(t testing.TB, clock *storagetest.Clock, n int) []*redis.Store {
	t.Helper()
	opts := clockOption(clock)
	stores := make([]*redis.Store, n)
	if realRedisURL != "" {
		prefix := randomPrefix(t)
		t.Cleanup(func() { deleteKeys(t, prefix) }) // runs after the stores close
		for i := range stores {
			s, err := redis.Open(context.Background(), realRedisURL, append(opts, redis.WithPrefix(prefix))...)
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			stores[i] = s
		}
		return stores
	}
	mr := miniredis.RunT(t)
	if clock != nil {
		clock.OnAdvance(mr.FastForward)
	}
	for i := range stores {
		s := redis.New(goredis.NewClient(&goredis.Options{Addr: mr.Addr()}), opts...)
		t.Cleanup(func() { _ = s.Close() })
		stores[i] = s
	}
	return stores
}

// openClusterStores is openStores on the Redis Cluster at clusterAddrs:
// n stores under one fresh prefix, each with its own cluster client made
// by OpenUniversal from ParseAddrs, as the command line makes it.
func openClusterStores(t testing.TB, clock *storagetest.Clock, n int) []*redis.Store {
	t.Helper()
	return openClusterStoresUnder(t, clock, n, randomPrefix(t))
}

// openClusterStoresUnder is openClusterStores with the prefix given.
func openClusterStoresUnder(t testing.TB, clock *storagetest.Clock, n int, prefix string) []*redis.Store {
	t.Helper()
	requireCluster(t)
	opts := clockOption(clock)
	t.Cleanup(func() { deleteClusterKeys(t, prefix) }) // runs after the stores close
	stores := make([]*redis.Store, n)
	for i := range stores {
		uo, err := redis.ParseAddrs(clusterAddrs, "", "")
		require.NoError(t, err)
		s, err := redis.OpenUniversal(context.Background(), uo, append(opts, redis.WithPrefix(prefix))...)
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close() })
		stores[i] = s
	}
	return stores
}

func clockOption(clock *storagetest.Clock) []redis.Option {
	if clock == nil {
		return nil
	}
	return []redis.Option{redis.WithClock(clock.Now)}
}

// newClusterClient is a plain cluster client of clusterAddrs, for the
// tests' own checks and cleanup.
func newClusterClient(t testing.TB) *goredis.ClusterClient {
	t.Helper()
	uo, err := redis.ParseAddrs(clusterAddrs, "", "")
	require.NoError(t, err)
	require.Greater(t, len(uo.Addrs), 1, "REDIS_CLUSTER_TEST_ADDRS: list two or more nodes")
	return goredis.NewClusterClient(uo.Cluster())
}

// requireCluster skips the test unless REDIS_CLUSTER_TEST_ADDRS is set, and
// fails it unless that is a healthy cluster of two masters or more: the
// suite must not pass on a lone server by mistake.
func requireCluster(t testing.TB) {
	t.Helper()
	if clusterAddrs == "" {
		t.Skip("REDIS_CLUSTER_TEST_ADDRS is not set")
	}
	c := newClusterClient(t)
	defer c.Close()
	ctx := context.Background()
	info, err := c.ClusterInfo(ctx).Result()
	require.NoError(t, err)
	require.Contains(t, info, "cluster_state:ok")
	var masters atomic.Int32
	require.NoError(t, c.ForEachMaster(ctx, func(context.Context, *goredis.Client) error {
		masters.Add(1)
		return nil
	}))
	require.GreaterOrEqual(t, masters.Load(), int32(2), "the cluster has one master only")
}

func randomPrefix(t testing.TB) string {
	b := make([]byte, 8)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return "hotrosotest-" + hex.EncodeToString(b)
}

// deleteKeys removes every key under prefix from the real server.
func deleteKeys(t testing.TB, prefix string) {
	t.Helper()
	ctx := context.Background()
	opts, err := goredis.ParseURL(realRedisURL)
	require.NoError(t, err)
	c := goredis.NewClient(opts)
	defer c.Close()
	require.NoError(t, scanDelete(ctx, c, prefix))
}

// deleteClusterKeys removes every key under prefix from every master of
// the cluster: SCAN sees the keys of one node only.
func deleteClusterKeys(t testing.TB, prefix string) {
	t.Helper()
	ctx := context.Background()
	c := newClusterClient(t)
	defer c.Close()
	require.NoError(t, c.ForEachMaster(ctx, func(ctx context.Context, node *goredis.Client) error {
		return scanDelete(ctx, node, prefix)
	}))
}

// scanDelete deletes the keys under prefix that the server c talks to
// holds, one at a time: keys of different slots cannot share a DEL on a
// cluster.
func scanDelete(ctx context.Context, c *goredis.Client, prefix string) error {
	iter := c.Scan(ctx, 0, prefix+":*", 500).Iterator()
	for iter.Next(ctx) {
		if err := c.Del(ctx, iter.Val()).Err(); err != nil {
			return err
		}
	}
	return iter.Err()
}

// countClusterKeys counts the keys under prefix on each master of the
// cluster.
func countClusterKeys(t testing.TB, prefix string) []int {
	t.Helper()
	ctx := context.Background()
	c := newClusterClient(t)
	defer c.Close()
	var (
		mu     sync.Mutex
		counts []int
	)
	require.NoError(t, c.ForEachMaster(ctx, func(ctx context.Context, node *goredis.Client) error {
		n := 0
		iter := node.Scan(ctx, 0, prefix+":*", 500).Iterator()
		for iter.Next(ctx) {
			n++
		}
		mu.Lock()
		counts = append(counts, n)
		mu.Unlock()
		return iter.Err()
	}))
	return counts
}

// runConformance runs the storage conformance suite on the stores open
// makes (n stores on the same data); wallClock says their TTLs follow the
// wall clock rather than the suite's clock.
func runConformance(t *testing.T, wallClock bool, open func(t *testing.T, clock *storagetest.Clock, n int) []*redis.Store) {
	storagetest.RunWithOptions(t, func(t *testing.T, clock *storagetest.Clock) storage.Store {
		return open(t, clock, 1)[0]
	}, storagetest.Options{
		WallClockExpiry: wallClock,
		OpenPair: func(t *testing.T, clock *storagetest.Clock) (storage.Store, storage.Store) {
			s := open(t, clock, 2)
			return s[0], s[1]
		},
	})
}

func TestConformance(t *testing.T) {
	runConformance(t, realRedisURL != "", func(t *testing.T, clock *storagetest.Clock, n int) []*redis.Store {
		return openStores(t, clock, n)
	})
}

// The store behaves the same with its commands autopipelined.
func TestConformanceAutoPipeline(t *testing.T) {
	open := func(t *testing.T, clock *storagetest.Clock, n int) []*redis.Store {
		url, prefix := realRedisURL, randomPrefix(t)
		if url == "" {
			mr := miniredis.RunT(t)
			if clock != nil {
				clock.OnAdvance(mr.FastForward)
			}
			url = "redis://" + mr.Addr()
		} else {
			t.Cleanup(func() { deleteKeys(t, prefix) }) // runs after the stores close
		}
		stores := make([]*redis.Store, n)
		for i := range stores {
			s, err := redis.Open(context.Background(), url, append(clockOption(clock), redis.WithPrefix(prefix), redis.WithAutoPipeline())...)
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			stores[i] = s
		}
		return stores
	}
	runConformance(t, realRedisURL != "", open)
}

// TestConformanceCluster runs the suite on a real Redis Cluster, where a
// script or transaction whose keys span slots fails (CROSSSLOT) and a key
// a script builds must be in its declared keys' slot.
func TestConformanceCluster(t *testing.T) {
	requireCluster(t)
	runConformance(t, true, func(t *testing.T, clock *storagetest.Clock, n int) []*redis.Store {
		return openClusterStores(t, clock, n)
	})
}

func TestUnreachableIsUnavailable(t *testing.T) {
	mr := miniredis.RunT(t)
	addr := mr.Addr()
	mr.Close()
	ctx := context.Background()

	_, err := redis.Open(ctx, "redis://"+addr+"/0?max_retries=-1&dial_timeout=1s")
	require.ErrorIs(t, err, storage.ErrUnavailable)

	s := redis.New(goredis.NewClient(&goredis.Options{Addr: addr, MaxRetries: -1, DialerRetries: 1}))
	t.Cleanup(func() { _ = s.Close() })
	require.ErrorIs(t, s.Ping(ctx), storage.ErrUnavailable)
	_, err = s.GetSession(ctx, 1)
	require.ErrorIs(t, err, storage.ErrUnavailable)
	assert.NotErrorIs(t, err, storage.ErrNotFound)
	_, err = s.SaveSession(ctx, domain.Session{ChatID: 1})
	require.ErrorIs(t, err, storage.ErrUnavailable)
	_, err = s.FirstSeen(ctx, 1)
	require.ErrorIs(t, err, storage.ErrUnavailable)

	_, err = s.OpenTicket(ctx, domain.Ticket{ResidentID: 1, State: domain.TicketOpen})
	require.ErrorIs(t, err, storage.ErrUnavailable)
	_, err = s.ClaimTicket(ctx, domain.Ticket{ID: 1, ResidentID: 1, State: domain.TicketClaimed, VolunteerID: 9, Version: 1})
	require.ErrorIs(t, err, storage.ErrUnavailable)
	assert.NotErrorIs(t, err, storage.ErrConflict, "an outage is not a lost race")
	_, err = s.ActiveTicketOf(ctx, 1)
	require.ErrorIs(t, err, storage.ErrUnavailable)
	_, err = s.OpenTickets(ctx, 10)
	require.ErrorIs(t, err, storage.ErrUnavailable)
	_, err = s.UsersWithRole(ctx, domain.RoleVolunteer)
	require.ErrorIs(t, err, storage.ErrUnavailable)
	require.ErrorIs(t, s.PutUser(ctx, domain.User{ID: 1}), storage.ErrUnavailable)
	require.ErrorIs(t, s.RecordAssist(ctx, domain.Assist{Kind: domain.AssistFlow}), storage.ErrUnavailable)
	_, err = s.AssistsBetween(ctx, time.Time{}, time.Now())
	require.ErrorIs(t, err, storage.ErrUnavailable)
	_, err = s.UseInvite(ctx, "code", time.Now())
	require.ErrorIs(t, err, storage.ErrUnavailable)
	assert.NotErrorIs(t, err, storage.ErrNotFound)
	_, err = s.Salt(ctx)
	require.ErrorIs(t, err, storage.ErrUnavailable)

	_, err = s.CreateBroadcast(ctx, domain.Broadcast{State: domain.BroadcastDraft})
	require.ErrorIs(t, err, storage.ErrUnavailable)
	_, err = s.ConfirmBroadcast(ctx, domain.Broadcast{ID: 1, State: domain.BroadcastScheduled, Version: 2})
	require.ErrorIs(t, err, storage.ErrUnavailable)
	assert.NotErrorIs(t, err, storage.ErrConflict)
	_, err = s.ActiveBroadcasts(ctx)
	require.ErrorIs(t, err, storage.ErrUnavailable)
	require.ErrorIs(t, s.AddRecipients(ctx, 1, []int64{1}), storage.ErrUnavailable)
	_, err = s.TakeRecipients(ctx, 1, 10, time.Now())
	require.ErrorIs(t, err, storage.ErrUnavailable)
	_, err = s.RecordDelivery(ctx, 1, 1, domain.DeliverySent)
	require.ErrorIs(t, err, storage.ErrUnavailable)
	_, err = s.ReclaimInFlight(ctx, 1, time.Now())
	require.ErrorIs(t, err, storage.ErrUnavailable)
	_, err = s.BroadcastCounts(ctx, 1)
	require.ErrorIs(t, err, storage.ErrUnavailable)
	_, err = s.Reserve(ctx, "bot", 25, 1, time.Now())
	require.ErrorIs(t, err, storage.ErrUnavailable)
	require.ErrorIs(t, s.PauseUntil(ctx, "bot", time.Now()), storage.ErrUnavailable)
}

func TestClosedStoreIsUnavailable(t *testing.T) {
	s := openStore(t, nil)
	require.NoError(t, s.Ping(context.Background()))
	require.NoError(t, s.Close())
	require.ErrorIs(t, s.Ping(context.Background()), storage.ErrUnavailable)
}

func TestCanceledContextIsNotUnavailable(t *testing.T) {
	s := openStore(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.GetUser(ctx, 1)
	require.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, storage.ErrUnavailable)
}

func TestOpenRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"", "localhost:6379", "unix:///tmp/redis.sock", "http://localhost:6379"} {
		_, err := redis.Open(context.Background(), u)
		assert.Errorf(t, err, "url %q", u)
	}
	_, err := redis.Open(context.Background(), "redis://user:s3cret@host:badport/0")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "s3cret", "the password must not leak into errors")
}

func TestOpenURL(t *testing.T) {
	if realRedisURL != "" {
		t.Skip("miniredis-only: checks DB selection and credentials")
	}
	mr := miniredis.RunT(t)
	mr.RequireUserAuth("desk", "pw")
	ctx := context.Background()

	s, err := redis.Open(ctx, "redis://desk:pw@"+mr.Addr()+"/3")
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	require.NoError(t, s.PutUser(ctx, domain.User{ID: 1, CreatedAt: time.Now(), UpdatedAt: time.Now()}))
	assert.True(t, mr.DB(3).Exists("hotroso:user:1"), "the URL's DB and the default prefix are used")

	_, err = redis.Open(ctx, "redis://desk:wrong@"+mr.Addr()+"/3")
	require.Error(t, err)
}

// inspectableStore is a store with prefix "p" on a fresh miniredis, for
// tests that look at the keys it writes; they skip on a real Redis.
func inspectableStore(t *testing.T, opts ...redis.Option) (*miniredis.Miniredis, *redis.Store) {
	t.Helper()
	if realRedisURL != "" {
		t.Skip("inspects miniredis")
	}
	mr := miniredis.RunT(t)
	s := redis.New(goredis.NewClient(&goredis.Options{Addr: mr.Addr()}), append([]redis.Option{redis.WithPrefix("p")}, opts...)...)
	t.Cleanup(func() { _ = s.Close() })
	return mr, s
}

func TestKeysOfAScriptShareASlot(t *testing.T) {
	// The store's clock (the day a rating is counted) is the next day: no
	// key depends on when the test runs.
	rated := time.Date(2025, 3, 2, 3, 0, 0, 0, time.UTC) // 10:00 in Vietnam
	mr, s := inspectableStore(t, redis.WithClock(func() time.Time { return rated }))
	ctx := context.Background()
	_, err := s.SaveSession(ctx, domain.Session{ChatID: -17, Position: flows.Position{FlowID: "f", Step: "s"}})
	require.NoError(t, err)
	at := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC) // 16:00 in Vietnam
	require.NoError(t, s.RecordFunnel(ctx, domain.FunnelEvent{At: at, Kind: domain.FlowStarted, FlowID: "f"}))
	require.NoError(t, s.RecordAssist(ctx, domain.Assist{At: at, Kind: domain.AssistFlow, FlowID: "f"}))
	require.NoError(t, s.RateTicket(ctx, 1, 5, "yes"))
	_, err = s.AssistTotals(ctx, "") // folds the delta into the day and total
	require.NoError(t, err)
	// -17 is 15 modulo 16 as an unsigned number.
	assert.ElementsMatch(t, []string{
		"p:{s15}:session:-17", "p:{s15}:idle", "p:{f}:funnel", "p:{f}:funnel:seq", "p:{f}:day:20250301", "p:{f}:total", "p:{f}:days", "p:{a}:days",
		"p:{a}:log", "p:{a}:ratings", "p:{a}:day:20250301", "p:{a}:daily:20250301", "p:{a}:total", "p:{a}:day:20250302",
	}, mr.Keys())
}

func TestInvalidOptions(t *testing.T) {
	assert.Panics(t, func() { redis.New(nil, redis.WithPrefix("a{b")) })
	assert.Panics(t, func() { redis.New(nil, redis.WithFunnelCap(0)) })
	_, err := redis.Open(context.Background(), "redis://127.0.0.1:1", redis.WithPrefix("a}"))
	require.ErrorContains(t, err, "hash tag")
}

func TestFunnelCapDropsOldest(t *testing.T) {
	if realRedisURL != "" {
		t.Skip("needs its own store options")
	}
	mr := miniredis.RunT(t)
	s := redis.New(goredis.NewClient(&goredis.Options{Addr: mr.Addr()}), redis.WithFunnelCap(3))
	t.Cleanup(func() { _ = s.Close() })
	ctx := context.Background()
	t0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	for _, m := range []int{5, 1, 4, 2, 3} { // recorded out of order
		e := domain.FunnelEvent{At: t0.Add(time.Duration(m) * time.Minute), Kind: domain.StepEntered, FlowID: "f"}
		require.NoError(t, s.RecordFunnel(ctx, e))
	}
	got, err := s.FunnelEvents(ctx, t0, t0.Add(time.Hour))
	require.NoError(t, err)
	require.Len(t, got, 3)
	for i, m := range []int{3, 4, 5} {
		assert.True(t, t0.Add(time.Duration(m)*time.Minute).Equal(got[i].At), "event %d", i)
	}
}

func TestTicketKeysShareASlot(t *testing.T) {
	mr, s := inspectableStore(t)
	ctx := context.Background()
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	tk, err := s.OpenTicket(ctx, domain.Ticket{ResidentID: 5, State: domain.TicketOpen, CreatedAt: now})
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{
		"p:{t}:ticket:1", "p:{t}:ticket:seq", "p:{t}:active", "p:{t}:queue", "p:{t}:resident:5",
	}, mr.Keys())

	volunteer := domain.User{ID: 9, Role: domain.RoleVolunteer}
	require.NoError(t, tk.Claim(volunteer, now, time.Minute))
	tk, err = s.ClaimTicket(ctx, tk)
	require.NoError(t, err)
	// The queue emptied, so Redis dropped it.
	assert.ElementsMatch(t, []string{
		"p:{t}:ticket:1", "p:{t}:ticket:seq", "p:{t}:active", "p:{t}:claims:9", "p:{t}:leases", "p:{t}:resident:5",
	}, mr.Keys())
	member, err := mr.ZMembers("p:{t}:claims:9")
	require.NoError(t, err)
	assert.Equal(t, []string{"0000000000000000001"}, member, "members are zero-padded ids")

	// Released: the claim and the lease go, the queue is back. ClaimsOf and
	// LapsedLeases would hide stale entries; the keys show them.
	require.NoError(t, tk.Release(volunteer, now))
	tk, err = s.RequeueTicket(ctx, tk, volunteer.ID)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{
		"p:{t}:ticket:1", "p:{t}:ticket:seq", "p:{t}:active", "p:{t}:queue", "p:{t}:resident:5",
	}, mr.Keys())

	// Closed: only the ticket, the counter and the resident's list are left.
	require.NoError(t, tk.Cancel(now))
	_, err = s.CloseTicket(ctx, tk)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"p:{t}:ticket:1", "p:{t}:ticket:seq", "p:{t}:resident:5"}, mr.Keys())

	// Erased: the resident's tickets go, and a scrub is due.
	_, err = s.EraseResident(ctx, 5, "")
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"p:{t}:ticket:seq", "p:{t}:resident:indexed", "p:scrub:due"}, mr.Keys())
}

func TestRoleIndex(t *testing.T) {
	mr, s := inspectableStore(t)
	ctx := context.Background()
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	put := func(id int64, role domain.Role) {
		t.Helper()
		require.NoError(t, s.PutUser(ctx, domain.User{ID: id, Role: role, CreatedAt: now, UpdatedAt: now}))
	}
	members := func(role string) []string {
		t.Helper()
		if !mr.Exists("p:role:" + role) {
			return nil
		}
		m, err := mr.Members("p:role:" + role)
		require.NoError(t, err)
		return m
	}
	ids := func(role domain.Role) []int64 {
		t.Helper()
		us, err := s.UsersWithRole(ctx, role)
		require.NoError(t, err)
		out := []int64{}
		for _, u := range us {
			out = append(out, u.ID)
		}
		return out
	}

	put(5, "")
	put(6, domain.RoleVolunteer)
	assert.Equal(t, []string{"5"}, members("resident"), "no role is filed as resident")
	assert.Equal(t, []string{"6"}, members("volunteer"))

	// A role change moves the user between sets.
	put(6, domain.RoleOrganizer)
	assert.Empty(t, members("volunteer"))
	assert.Equal(t, []string{"6"}, members("organizer"))
	put(6, "trainer") // a role outside the usual three, then back
	put(6, domain.RoleVolunteer)
	assert.Empty(t, members("trainer"))
	assert.Empty(t, members("organizer"))

	// Stale ids (a user of another role, a deleted user) are skipped and
	// removed when read; the users stay filed under their real role.
	_, err := mr.SAdd("p:role:volunteer", "5", "99")
	require.NoError(t, err)
	assert.Equal(t, []int64{6}, ids(domain.RoleVolunteer))
	assert.Equal(t, []string{"6"}, members("volunteer"))
	assert.Equal(t, []string{"5"}, members("resident"))

	require.NoError(t, s.DeleteUser(ctx, 6))
	assert.Empty(t, members("volunteer"))
	require.NoError(t, s.DeleteUser(ctx, 5))
	assert.Empty(t, mr.Keys())
}

func TestBroadcastKeysShareASlot(t *testing.T) {
	mr, s := inspectableStore(t)
	ctx := context.Background()
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

	b := storagetest.BroadcastIn(t, s, domain.Broadcast{CreatedBy: 1, CreatedAt: now}, domain.BroadcastRunning)
	assert.ElementsMatch(t, []string{"p:{b}:broadcast:1", "p:{b}:broadcast:seq", "p:{b}:active"}, mr.Keys(),
		"the scripts' keys share {b}")
	member, err := mr.ZMembers("p:{b}:active")
	require.NoError(t, err)
	assert.Equal(t, []string{"0000000000000000001"}, member, "members are zero-padded ids")

	// Each recipient script touches only the broadcast's own tag.
	broadcastKeys := []string{"p:{b}:broadcast:1", "p:{b}:broadcast:seq", "p:{b}:active"}
	require.NoError(t, s.AddRecipients(ctx, b.ID, []int64{7, 8}))
	assert.ElementsMatch(t, append(broadcastKeys, "p:{b1}:pending", "p:{b1}:counts"), mr.Keys())
	_, err = s.TakeRecipients(ctx, b.ID, 2, now)
	require.NoError(t, err)
	assert.ElementsMatch(t, append(broadcastKeys, "p:{b1}:inflight", "p:{b1}:taken", "p:{b1}:counts"), mr.Keys())
	_, err = s.RecordDelivery(ctx, b.ID, 7, domain.DeliverySent)
	require.NoError(t, err)
	n, err := s.ReclaimInFlight(ctx, b.ID, now.Add(time.Minute))
	require.NoError(t, err)
	require.Equal(t, 1, n)
	assert.ElementsMatch(t, append(broadcastKeys, "p:{b1}:pending", "p:{b1}:results", "p:{b1}:counts"), mr.Keys())
	assert.Equal(t, "sent", mr.HGet("p:{b1}:results", "7"))
	assert.Equal(t, "2", mr.HGet("p:{b1}:counts", "total"))
	assert.Equal(t, "1", mr.HGet("p:{b1}:counts", "sent"))

	// Done: out of the active index.
	require.NoError(t, b.Finish(now))
	_, err = s.FinishBroadcast(ctx, b)
	require.NoError(t, err)
	assert.False(t, mr.Exists("p:{b}:active"))

	// Released: only the record and the counts stay.
	require.NoError(t, s.ReleaseRecipients(ctx, b.ID))
	assert.ElementsMatch(t, []string{"p:{b}:broadcast:1", "p:{b}:broadcast:seq", "p:{b1}:counts"}, mr.Keys())
}

func TestLimiterKeysExpire(t *testing.T) {
	clock := storagetest.NewClock(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
	mr, s := inspectableStore(t, redis.WithClock(clock.Now))
	clock.OnAdvance(mr.FastForward)
	ctx := context.Background()

	wait, err := s.Reserve(ctx, "bot", 1, 1, clock.Now())
	require.NoError(t, err)
	require.Zero(t, wait)
	require.NoError(t, s.PauseUntil(ctx, "bot", clock.Now().Add(time.Hour)))
	assert.ElementsMatch(t, []string{"p:{l:bot}:tat", "p:{l:bot}:pause"}, mr.Keys(), "one tag per limiter key")
	assert.Equal(t, time.Second+time.Minute, mr.TTL("p:{l:bot}:tat"), "the TAT's key lives a minute after it passes")
	assert.Equal(t, time.Hour+time.Minute, mr.TTL("p:{l:bot}:pause"), "the pause's key lives a minute after it ends")

	clock.Advance(time.Minute + time.Second)
	assert.Equal(t, []string{"p:{l:bot}:pause"}, mr.Keys())
	clock.Advance(time.Hour)
	assert.Empty(t, mr.Keys())

	// A pause far off is kept (its TTL capped, not overflowed).
	far := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	require.NoError(t, s.PauseUntil(ctx, "far", far))
	wait, err = s.Reserve(ctx, "far", 1, 1, clock.Now())
	require.NoError(t, err)
	assert.Greater(t, wait, 1000*24*time.Hour)
}

func TestNoAnnouncementsField(t *testing.T) {
	mr, s := inspectableStore(t)
	ctx := context.Background()
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

	require.NoError(t, s.PutUser(ctx, domain.User{ID: 1, NoAnnouncements: true, CreatedAt: now, UpdatedAt: now}))
	assert.Equal(t, "1", mr.HGet("p:user:1", "no_announcements"))

	// A user stored before the field existed gets announcements.
	mr.HDel("p:user:1", "no_announcements")
	u, err := s.GetUser(ctx, 1)
	require.NoError(t, err)
	assert.False(t, u.NoAnnouncements)
}

// TestEraseFindsTicketsOpenedBeforeTheResidentIndex: tickets stored by an
// older version, with no tickets-by-resident set, are found by the
// one-time index that the first erasure builds.
func TestEraseFindsTicketsOpenedBeforeTheResidentIndex(t *testing.T) {
	mr, s := inspectableStore(t)
	ctx := context.Background()
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	old, err := s.OpenTicket(ctx, domain.Ticket{ResidentID: 7, State: domain.TicketOpen, CreatedAt: now, Question: "cũ"})
	require.NoError(t, err)
	other, err := s.OpenTicket(ctx, domain.Ticket{ResidentID: 8, State: domain.TicketOpen, CreatedAt: now})
	require.NoError(t, err)
	mr.Del("p:{t}:resident:7") // as an older version stored it
	mr.Del("p:{t}:resident:8")

	erased, err := s.EraseResident(ctx, 7, "")
	require.NoError(t, err)
	require.Len(t, erased, 1)
	assert.Equal(t, old.ID, erased[0].ID)
	assert.False(t, mr.Exists("p:{t}:ticket:1"), "the old ticket is gone")
	assert.True(t, mr.Exists("p:{t}:resident:8"), "other residents are indexed too")
	_, err = s.GetTicket(ctx, other.ID)
	require.NoError(t, err, "another resident's ticket stays")
}
