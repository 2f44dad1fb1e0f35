package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A Redis master under Sentinel is killed while a resident is part-way
// through a flow: Sentinel promotes the replica, the program follows it by
// itself, and the resident goes on from the step they were on. The test
// starts its own redis-server processes (a master, a replica and a
// sentinel); without redis-server on the PATH it is skipped.
func TestSentinelFailoverKeepsTheResidentsStep(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("needs redis-server on the PATH")
	}
	if testing.Short() {
		t.Skip("starts redis-server processes and waits for a failover")
	}
	dir := t.TempDir()
	masterPort, replicaPort, sentinelPort := freePort(t), freePort(t), freePort(t)
	master := startRedisServer(t, bin, dir, "--port", masterPort)
	startRedisServer(t, bin, dir, "--port", replicaPort, "--replicaof", "127.0.0.1", masterPort)
	conf := filepath.Join(dir, "sentinel.conf")
	require.NoError(t, os.WriteFile(conf, []byte(strings.Join([]string{
		"port " + sentinelPort,
		"dir " + dir,
		"sentinel monitor hotroso 127.0.0.1 " + masterPort + " 1",
		"sentinel down-after-milliseconds hotroso 500",
		"sentinel failover-timeout hotroso 5000",
		"",
	}, "\n")), 0o600))
	startRedisServer(t, bin, dir, conf, "--sentinel")

	ctx := context.Background()
	sentinel := goredis.NewSentinelClient(&goredis.Options{Addr: "127.0.0.1:" + sentinelPort})
	t.Cleanup(func() { sentinel.Close() })
	masterAddr := func() string {
		addr, err := sentinel.GetMasterAddrByName(ctx, "hotroso").Result()
		if err != nil || len(addr) != 2 {
			return ""
		}
		return addr[1]
	}
	pollUntil(t, 30*time.Second, "the sentinel knows the master and its replica", func() bool {
		replicas, err := sentinel.Replicas(ctx, "hotroso").Result()
		return err == nil && len(replicas) == 1 && masterAddr() == masterPort
	})

	a := startApp(t, "embedded", map[string]string{"REDIS_ADDRS": "127.0.0.1:" + sentinelPort, "REDIS_SENTINEL_MASTER": "hotroso"})
	res := partWayThroughVNeID(t, a, 3201)

	// The replica has everything before the master dies (replication is
	// asynchronous: what it has not received would be lost).
	direct := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:" + masterPort})
	pollUntil(t, 30*time.Second, "the replica has the master's writes", func() bool {
		acked, err := direct.Wait(ctx, 1, time.Second).Result()
		return err == nil && acked == 1
	})
	direct.Close()
	killed := time.Now()
	require.NoError(t, master.Process.Kill())
	_ = master.Wait()
	pollUntil(t, 30*time.Second, "Sentinel promotes the replica", func() bool { return masterAddr() == replicaPort })

	tapUntilBack(t, a, res, killed, 30*time.Second)
}

// partWayThroughVNeID walks a resident to the first step of making a VNeID
// account.
func partWayThroughVNeID(t *testing.T, a *app, id int64) *chat {
	t.Helper()
	res := newChat(t, a, id, "vi")
	res.say("/start")
	res.next()
	res.press("Tài khoản VNeID")
	res.next()
	res.press("Làm tài khoản từ đầu")
	require.Contains(t, res.nextText(), "Thẻ căn cước gắn chip")
	return res
}

// tapUntilBack has the resident of partWayThroughVNeID tap the step's next
// answer, after Redis lost its master, until the desk answers within limit;
// until then each tap gets the kind busy answer. The reply must be the
// next step: the one before the failover was kept.
func tapUntilBack(t *testing.T, a *app, res *chat, killed time.Time, limit time.Duration) {
	t.Helper()
	var (
		reply string
		busy  int
	)
	pollUntil(t, limit, "the program follows the new master", func() bool {
		res.press("Có đủ rồi")
		reply = res.nextText()
		if strings.Contains(reply, "đang bận") {
			busy++
			return false
		}
		return true
	})
	t.Logf("back %v after the kill, %d busy answers on the way", time.Since(killed).Round(time.Millisecond), busy)
	assert.Contains(t, reply, "Điện thoại của bác là loại nào", "the step before the failover was kept: the tap moved on from it")
	assert.NotContains(t, a.stderr.String(), "panicked")
}

// freePort is a TCP port on 127.0.0.1 that was free a moment ago (and whose
// port + 10000 is a valid port, for a cluster bus).
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// startRedisServer runs redis-server with the arguments until the test
// ends, keeping nothing on disk unless they set --appendonly; it waits
// until the server answers PING.
func startRedisServer(t *testing.T, bin, dir string, args ...string) *exec.Cmd {
	t.Helper()
	port := ""
	for i, arg := range args {
		if arg == "--port" {
			port = args[i+1]
		}
	}
	if port == "" { // a sentinel: its port is in its configuration file
		raw, err := os.ReadFile(args[0])
		require.NoError(t, err)
		port = strings.TrimPrefix(strings.SplitN(string(raw), "\n", 2)[0], "port ")
	}
	if !slices.Contains(args, "--appendonly") {
		args = append(args, "--save", "", "--appendonly", "no")
	}
	args = append(args, "--dir", dir, "--logfile", filepath.Join(dir, "redis-"+port+".log"))
	cmd := exec.Command(bin, args...)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	client := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:" + port, MaxRetries: -1})
	defer client.Close()
	pollUntil(t, 10*time.Second, fmt.Sprintf("redis-server on port %s answers", port), func() bool {
		return client.Ping(context.Background()).Err() == nil
	})
	return cmd
}

// pollUntil checks cond every 50 ms until it holds, failing the test after
// limit. For conditions no event reports, such as another process's state.
func pollUntil(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(50 * time.Millisecond) // polling another process's state
	}
}

// The Redis Cluster master that holds a resident's session is killed while
// they are part-way through a flow: its replica takes over its slots, the
// program's cluster client follows, and the resident goes on from their
// step. Six redis-server processes (three masters, three replicas) are
// started by the test; without redis-server and redis-cli it is skipped.
func TestClusterFailoverKeepsTheResidentsStep(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("needs redis-server on the PATH")
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("needs redis-cli on the PATH")
	}
	if testing.Short() {
		t.Skip("starts a Redis Cluster and waits for a failover")
	}
	dir := t.TempDir()
	var (
		addrs []string
		nodes = map[string]*exec.Cmd{}
	)
	for len(addrs) < 6 {
		port := freePort(t)
		if p, _ := strconv.Atoi(port); p+10000 > 65535 {
			continue // the cluster bus listens on port + 10000
		}
		nodes[port] = startRedisServer(t, bin, dir, "--port", port, "--cluster-enabled", "yes",
			"--cluster-config-file", "nodes-"+port+".conf", "--cluster-node-timeout", "1000")
		addrs = append(addrs, "127.0.0.1:"+port)
	}
	create := exec.Command(cli, append(append([]string{"--cluster", "create"}, addrs...), "--cluster-replicas", "1", "--cluster-yes")...)
	out, err := create.CombinedOutput()
	require.NoError(t, err, "redis-cli --cluster create: %s", out)
	ctx := context.Background()
	cluster := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: addrs})
	t.Cleanup(func() { cluster.Close() })
	pollUntil(t, 30*time.Second, "every node sees the cluster ok, with three masters and three replicas", func() bool {
		for _, addr := range addrs {
			c := goredis.NewClient(&goredis.Options{Addr: addr})
			info, err := c.ClusterInfo(ctx).Result()
			c.Close()
			if err != nil || !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, "cluster_size:3") {
				return false
			}
		}
		return true
	})

	a := startApp(t, "embedded", map[string]string{"REDIS_ADDRS": strings.Join(addrs, ",")})
	res := partWayThroughVNeID(t, a, 3301)

	// The master holding the session, once its replica has the writes.
	var (
		mu     sync.Mutex
		holder string
	)
	require.NoError(t, cluster.ForEachMaster(ctx, func(ctx context.Context, node *goredis.Client) error {
		keys, _, err := node.Scan(ctx, 0, "*:session:3301", 10).Result()
		if err == nil && len(keys) > 0 {
			mu.Lock()
			holder = strings.TrimPrefix(node.Options().Addr, "127.0.0.1:")
			mu.Unlock()
		}
		return err
	}))
	require.NotEmpty(t, holder, "the session is on one master")
	master := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:" + holder})
	pollUntil(t, 30*time.Second, "the replica has the master's writes", func() bool {
		acked, err := master.Wait(ctx, 1, time.Second).Result()
		return err == nil && acked == 1
	})
	master.Close()
	killed := time.Now()
	require.NoError(t, nodes[holder].Process.Kill())
	_ = nodes[holder].Wait()
	// A replica is promoted within seconds; the program must find it soon
	// after, not when its map of the cluster is next due for a reload.
	tapUntilBack(t, a, res, killed, 20*time.Second)
}
