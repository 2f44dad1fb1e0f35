package redis_test

import (
	"context"
	"slices"
	"strconv"
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
)

func TestParseAddrs(t *testing.T) {
	o, err := redis.ParseAddrs("127.0.0.1:6379", "", "")
	require.NoError(t, err)
	assert.Equal(t, []string{"127.0.0.1:6379"}, o.Addrs)
	assert.Empty(t, o.MasterName)
	assert.IsType(t, &goredis.Client{}, closeLater(t, goredis.NewUniversalClient(o)), "one address: a standalone server")

	o, err = redis.ParseAddrs(" a:7101, b:7102 ,,[::1]:7103,", "", "pw")
	require.NoError(t, err)
	assert.Equal(t, []string{"a:7101", "b:7102", "[::1]:7103"}, o.Addrs)
	assert.Equal(t, "pw", o.Password)
	assert.IsType(t, &goredis.ClusterClient{}, closeLater(t, goredis.NewUniversalClient(o)), "several addresses: a cluster")

	o, err = redis.ParseAddrs("s1:26379,s2:26379", " mymaster ", "pw")
	require.NoError(t, err)
	assert.Equal(t, "mymaster", o.MasterName)
	assert.Equal(t, "pw", o.Password, "the data nodes' password")
	assert.Empty(t, o.SentinelPassword)
	assert.IsType(t, &goredis.Client{}, closeLater(t, goredis.NewUniversalClient(o)), "a master name: Sentinel failover client")

	for _, bad := range []string{"", " , ", "localhost", "host:", ":6379", "host:port", "host:70000", "redis://h:1"} {
		_, err := redis.ParseAddrs(bad, "", "")
		assert.Errorf(t, err, "addrs %q", bad)
	}
}

func closeLater(t *testing.T, c goredis.UniversalClient) goredis.UniversalClient {
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestOpenUniversal(t *testing.T) {
	mr := miniredis.RunT(t)
	mr.RequireAuth("pw")
	ctx := context.Background()

	o, err := redis.ParseAddrs(mr.Addr(), "", "pw")
	require.NoError(t, err)
	s, err := redis.OpenUniversal(ctx, o, redis.WithPrefix("p"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	require.NoError(t, s.PutUser(ctx, domain.User{ID: 1, CreatedAt: time.Now(), UpdatedAt: time.Now()}))
	assert.True(t, mr.Exists("p:user:1"))

	o.Password = "wrong"
	_, err = redis.OpenUniversal(ctx, o)
	require.Error(t, err)

	_, err = redis.OpenUniversal(ctx, nil)
	require.Error(t, err)
	_, err = redis.OpenUniversal(ctx, &goredis.UniversalOptions{})
	require.Error(t, err)
	_, err = redis.OpenUniversal(ctx, &goredis.UniversalOptions{Addrs: []string{"a:1", "b:2"}, DB: 3})
	require.ErrorContains(t, err, "database 0")
	_, err = redis.OpenUniversal(ctx, &goredis.UniversalOptions{Addrs: []string{mr.Addr()}}, redis.WithPrefix("{p}"))
	require.ErrorContains(t, err, "hash tag")
}

func TestOpenUniversalUnreachableIsUnavailable(t *testing.T) {
	var addrs []string
	for range 2 {
		mr := miniredis.RunT(t)
		addrs = append(addrs, mr.Addr())
		mr.Close()
	}
	ctx := context.Background()
	for _, master := range []string{"", "mymaster"} {
		o, err := redis.ParseAddrs(addrs[0]+","+addrs[1], master, "s3cret")
		require.NoError(t, err)
		o.MaxRetries, o.DialerRetries, o.DialTimeout = -1, 1, time.Second
		_, err = redis.OpenUniversal(ctx, o)
		require.ErrorIs(t, err, storage.ErrUnavailable, "master %q", master)
		assert.NotContains(t, err.Error(), "s3cret")
	}
}

// TestClusterSpreadsKeys checks on the real cluster what the conformance
// suite does not: that the store's keys spread over the masters (so the
// cluster client really routes by slot, and scripts whose keys are all on
// one node run there), that chats of every session shard and limiter keys
// with braces in them work, and that the cleanup finds every key.
func TestClusterSpreadsKeys(t *testing.T) {
	requireCluster(t)
	ctx := context.Background()
	prefix := randomPrefix(t)
	s := openClusterStoresUnder(t, nil, 1, prefix)[0]
	now := time.Now().UTC().Truncate(time.Millisecond)

	// Sessions of every shard, negative chat ids too; IdleSessions merges
	// the shards' indexes, which live on different nodes.
	var want []int64
	for i := range int64(40) {
		chatID := i - 20
		_, err := s.SaveSession(ctx, domain.Session{ChatID: chatID, Position: flows.Position{FlowID: "f", Step: "s"}})
		require.NoError(t, err)
		want = append(want, chatID)
	}
	require.NoError(t, s.DeleteSession(ctx, 3))
	want = slices.DeleteFunc(want, func(id int64) bool { return id == 3 })
	idle, err := s.IdleSessions(ctx, time.Now().Add(time.Hour), 100)
	require.NoError(t, err)
	var got []int64
	for _, sess := range idle {
		got = append(got, sess.ChatID)
	}
	assert.ElementsMatch(t, want, got)

	// Users spread by id; the role index is a set of its own.
	for id := range int64(20) {
		require.NoError(t, s.PutUser(ctx, domain.User{ID: id + 1, Role: domain.RoleVolunteer, CreatedAt: now, UpdatedAt: now}))
	}
	vols, err := s.UsersWithRole(ctx, domain.RoleVolunteer)
	require.NoError(t, err)
	assert.Len(t, vols, 20)

	// Several broadcasts' recipients, each under its own tag.
	for range 4 {
		b, err := s.CreateBroadcast(ctx, domain.Broadcast{CreatedBy: 1, State: domain.BroadcastDraft, CreatedAt: now})
		require.NoError(t, err)
		require.NoError(t, s.AddRecipients(ctx, b.ID, []int64{1, 2, 3}))
		taken, err := s.TakeRecipients(ctx, b.ID, 2, now)
		require.NoError(t, err)
		require.Equal(t, []int64{1, 2}, taken)
		_, err = s.RecordDelivery(ctx, b.ID, 1, domain.DeliverySent)
		require.NoError(t, err)
		n, err := s.ReclaimInFlight(ctx, b.ID, now.Add(time.Second))
		require.NoError(t, err)
		require.Equal(t, 1, n)
		c, err := s.BroadcastCounts(ctx, b.ID)
		require.NoError(t, err)
		assert.Equal(t, domain.BroadcastCounts{Total: 3, Sent: 1}, c)
	}

	// Limiter keys whose braces would end or nest the hash tag still keep
	// the TAT and the pause in one slot.
	for _, key := range []string{"bot", "", "}", "{", "a}b", "{x}", "chat:" + strconv.Itoa(-100123)} {
		wait, err := s.Reserve(ctx, key, 1, 1, now)
		require.NoError(t, err, "key %q", key)
		assert.Zero(t, wait, "key %q", key)
		require.NoError(t, s.PauseUntil(ctx, key, now.Add(time.Minute)), "key %q", key)
		wait, err = s.Reserve(ctx, key, 1, 1, now)
		require.NoError(t, err, "key %q", key)
		assert.Equal(t, time.Minute, wait, "key %q", key)
	}

	counts := countClusterKeys(t, prefix)
	holding := 0
	for _, n := range counts {
		if n > 0 {
			holding++
		}
	}
	assert.GreaterOrEqual(t, holding, 2, "keys per master: %v", counts)
}

func TestClusterClosedAndCanceled(t *testing.T) {
	requireCluster(t)
	s := openClusterStores(t, nil, 1)[0]
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.GetUser(ctx, 1)
	require.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, storage.ErrUnavailable)

	require.NoError(t, s.Ping(context.Background()))
	require.NoError(t, s.Close())
	require.ErrorIs(t, s.Ping(context.Background()), storage.ErrUnavailable)
	_, err = s.GetUser(context.Background(), 1)
	require.ErrorIs(t, err, storage.ErrUnavailable)
}
