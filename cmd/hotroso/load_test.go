package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
)

// The load harness: N residents walk the shipped flows at once through the
// fake Bot API, each pressing a button of the bot's last message as soon as
// it arrives (a closed loop), until b.N updates were answered. It reports
// updates per second, latency percentiles from update to reply, CPU time
// per update (of this whole process: the program, the fake Bot API and the
// harness together) and Redis commands per update; on a real Redis
// (REDIS_TEST_URL) also Redis memory per idle resident. It runs long
// polling on the embedded store and on Redis, and webhook mode on Redis;
// with REDIS_CLUSTER_TEST_ADDRS also both modes on that Redis Cluster.
// LOAD_RESIDENTS sets N (default 500); LOAD_THINK gives residents a reading
// time between taps; LOAD_PROCESS runs the program as a process of its own
// (and LOAD_GOGC sets its GOGC); LOAD_ENV="KEY=value ..." adds settings.
// Run: go test ./cmd/hotroso -run XXX -bench Load -benchtime 20000x
func BenchmarkLoad(b *testing.B) {
	residents := 500
	if v, err := strconv.Atoi(os.Getenv("LOAD_RESIDENTS")); err == nil && v > 0 {
		residents = v
	}
	think, _ := time.ParseDuration(os.Getenv("LOAD_THINK"))
	modes := []string{"polling/embedded", "polling/redis", "webhook/redis"}
	if os.Getenv("REDIS_CLUSTER_TEST_ADDRS") != "" {
		modes = append(modes, "polling/cluster", "webhook/cluster")
	}
	for _, mode := range modes {
		b.Run(mode, func(b *testing.B) { runLoad(b, mode, residents, think) })
	}
}

// walkable are the buttons the harness presses: each brings exactly one new
// message (a flow step), never a ticket or a menu of the desk.
func walkable(data string) bool {
	for _, prefix := range []string{"c:", "f:", "r:", "b:", "k:"} {
		if strings.HasPrefix(data, prefix) {
			return true
		}
	}
	return false
}

type loadRun struct {
	api     *telegramtest.Server
	webhook string // the webhook URL to post to; empty: long polling
	signals map[int64]chan struct{}
}

// act makes the resident press a walkable button of the bot's last message.
func (l *loadRun) act(b *testing.B, u telegramtest.User, rng *rand.Rand) {
	last, _ := l.api.LastMessage(u.ID)
	var choices []telegramtest.Button
	for _, row := range last.Buttons {
		for _, btn := range row {
			if walkable(btn.Data) {
				choices = append(choices, btn)
			}
		}
	}
	require.NotEmpty(b, choices, "message %q has a button to press", last.Text)
	btn := choices[rng.IntN(len(choices))]
	if l.webhook == "" {
		l.api.PressData(u, last.MessageID, btn.Data)
		return
	}
	cq := map[string]any{"callback_query": map[string]any{"id": "cq" + strconv.FormatUint(rng.Uint64(), 36),
		"from":          map[string]any{"id": u.ID, "is_bot": false, "first_name": "R", "language_code": "vi"},
		"message":       map[string]any{"message_id": last.MessageID, "date": time.Now().Unix(), "chat": map[string]any{"id": u.ID, "type": "private"}},
		"chat_instance": "1", "data": btn.Data}}
	cq["update_id"] = l.api.PushUpdate(cq) // registers the callback id with the fake
	raw, _ := json.Marshal(cq)
	req, _ := http.NewRequest("POST", l.webhook, bytes.NewReader(raw))
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", webhookSecret)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(b, err)
	resp.Body.Close()
}

func runLoad(b *testing.B, mode string, residents int, think time.Duration) {
	api := newFakeAPI(b)
	l := &loadRun{api: api, signals: map[int64]chan struct{}{}}
	users := make([]telegramtest.User, residents)
	for i := range users {
		users[i] = resident(int64(700000+i), "vi")
		l.signals[users[i].ID] = make(chan struct{}, 1)
		api.AddChat(users[i].ID, telegramtest.ChatPrivate)
	}
	api.OnBotMessage(func(chat int64) {
		if ch := l.signals[chat]; ch != nil {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	})
	env := map[string]string{"TELEGRAM_BOT_TOKEN": api.Token(), "TELEGRAM_API_URL": api.URL(), "DATA_DIR": b.TempDir(),
		"LOG_LEVEL": "error", "HTTP_ADDR": "127.0.0.1:0"}
	// LOAD_ENV adds settings of the program's, e.g. "REDIS_AUTOPIPELINE=true".
	for _, kv := range strings.Fields(os.Getenv("LOAD_ENV")) {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	var commands func() int64
	var memory func() int64
	switch {
	case strings.HasSuffix(mode, "/redis"):
		url, prefix := testRedis(b)
		env["REDIS_URL"], env["REDIS_KEY_PREFIX"] = url, prefix
		commands, memory = redisCounters(b, url)
		if delay, _ := time.ParseDuration(os.Getenv("LOAD_REDIS_DELAY")); delay > 0 {
			env["REDIS_URL"] = delayedURL(b, url, delay)
		}
	case strings.HasSuffix(mode, "/cluster"):
		addrs := os.Getenv("REDIS_CLUSTER_TEST_ADDRS")
		_, env["REDIS_KEY_PREFIX"] = testRedis(b)
		env["REDIS_ADDRS"] = addrs
		commands, memory = clusterCounters(b, addrs, env["REDIS_KEY_PREFIX"])
	}
	if strings.HasPrefix(mode, "webhook") {
		env["WEBHOOK_URL"], env["WEBHOOK_SECRET"] = "https://hotroso.example.test/telegram/hook", webhookSecret
	}
	var (
		a     *app
		child *program
		base  string // the program's HTTP address
	)
	switch {
	case os.Getenv("LOAD_PROCESS") != "":
		// hotroso in a process of its own, so that its CPU is measured apart
		// from the fake API's and the harness's.
		childEnv := envList(env)
		if gogc := os.Getenv("LOAD_GOGC"); gogc != "" {
			childEnv = append(childEnv, "GOGC="+gogc) // the program's garbage collector setting alone
		}
		child = startProgram(b, childEnv)
		base = child.httpBase(b)
		if strings.HasPrefix(mode, "webhook") {
			l.webhook = base + "/telegram/hook"
			_, err := api.WaitCalls("setWebhook", 1, wait)
			require.NoError(b, err)
		} else {
			require.NoError(b, api.WaitPolling(wait))
		}
	case strings.HasPrefix(mode, "webhook"):
		a = startWebhookApp(b, api, env)
		l.webhook = a.httpBaseURL(b) + "/telegram/hook"
	default:
		a = startWith(b, api, env)
	}
	wait := func(u telegramtest.User) {
		select {
		case <-l.signals[u.ID]:
		case <-time.After(wait):
			b.Fatalf("resident %d got no reply", u.ID)
		}
	}
	if a != nil {
		base = a.httpBaseURL(b)
	}
	// Each resident opens the menu and starts a flow: now they are idle.
	memBefore := int64(0)
	if memory != nil {
		memBefore = memory()
	}
	for _, u := range users {
		if l.webhook == "" {
			api.SendText(u, "/start")
		} else {
			raw := webhookUpdate(5_000_000+u.ID, u.ID, 1, "/start")
			require.Equal(b, 200, post(b, strings.TrimSuffix(l.webhook, "/telegram/hook"), raw, webhookSecret))
		}
	}
	for _, u := range users {
		wait(u)
	}
	idleBytes := int64(0)
	if memory != nil {
		idleBytes = (memory() - memBefore) / int64(residents)
	}

	var (
		next      atomic.Int64
		mu        sync.Mutex
		latencies = make([]time.Duration, 0, b.N)
		wg        sync.WaitGroup
	)
	cmdBefore := int64(0)
	if commands != nil {
		cmdBefore = commands()
	}
	tripsBefore, counted := scrapeCounter(b, base, "hotroso_redis_round_trips_total")
	cpuBefore, childBefore := cpuTime(), childCPU(child)
	b.ResetTimer()
	start := time.Now()
	for i, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			for next.Add(1) <= int64(b.N) {
				if think > 0 {
					// A resident reads the step before tapping; spread around think.
					time.Sleep(think/2 + time.Duration(rng.Int64N(int64(think)))) // simulated reading, not a wait for a result
				}
				t0 := time.Now()
				l.act(b, u, rng)
				wait(u)
				took := time.Since(t0)
				mu.Lock()
				latencies = append(latencies, took)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	cpu := cpuTime() - cpuBefore
	if child != nil {
		hotroso := childCPU(child) - childBefore
		cpu += hotroso
		b.ReportMetric(float64(hotroso.Microseconds())/float64(b.N), "hotroso-cpu-µs/update")
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	pct := func(p float64) float64 {
		return float64(latencies[min(len(latencies)-1, int(p*float64(len(latencies))))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "updates/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/update")
	if commands != nil {
		b.ReportMetric(float64(commands()-cmdBefore)/float64(b.N), "redis-cmds/update")
	}
	if trips, _ := scrapeCounter(b, base, "hotroso_redis_round_trips_total"); counted {
		b.ReportMetric((trips-tripsBefore)/float64(b.N), "redis-trips/update")
	}
	if memory != nil && idleBytes > 0 {
		b.ReportMetric(float64(idleBytes), "redis-B/idle-resident")
	}
	if a != nil {
		a.stop(b)
	}
}

// childCPU is the user and system CPU time of a running program so far,
// from /proc (clock ticks of 10 ms); 0 without a program.
func childCPU(p *program) time.Duration {
	if p == nil {
		return 0
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(p.cmd.Process.Pid) + "/stat")
	if err != nil {
		return 0
	}
	// Fields after the command name (which may hold spaces) start at ")".
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+2:]))
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// cpuTime is this process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// redisCounters reads the server's command count and, on a real Redis,
// its memory use; on miniredis, the commands it served.
func redisCounters(b *testing.B, url string) (commands, memory func() int64) {
	if strings.Contains(url, os.Getenv("REDIS_TEST_URL")) && os.Getenv("REDIS_TEST_URL") != "" {
		opts, err := goredis.ParseURL(url)
		require.NoError(b, err)
		client := goredis.NewClient(opts)
		b.Cleanup(func() { client.Close() })
		info := func(section, field string) int64 {
			text, err := client.Info(context.Background(), section).Result()
			require.NoError(b, err)
			return infoField(text, field)
		}
		return func() int64 { return info("stats", "total_commands_processed") }, func() int64 { return info("memory", "used_memory") }
	}
	return nil, nil
}

// clusterCounters is redisCounters summed over a Redis Cluster's masters;
// at the end it deletes the keys under prefix from every master.
func clusterCounters(b *testing.B, addrs, prefix string) (commands, memory func() int64) {
	client := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: strings.Split(addrs, ",")})
	b.Cleanup(func() {
		_ = client.ForEachMaster(context.Background(), func(ctx context.Context, node *goredis.Client) error {
			iter := node.Scan(ctx, 0, prefix+"*", 1000).Iterator()
			for iter.Next(ctx) {
				node.Del(ctx, iter.Val())
			}
			return iter.Err()
		})
		client.Close()
	})
	sum := func(section, field string) int64 {
		var mu sync.Mutex
		var total int64
		err := client.ForEachMaster(context.Background(), func(ctx context.Context, node *goredis.Client) error {
			text, err := node.Info(ctx, section).Result()
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			total += infoField(text, field)
			return nil
		})
		require.NoError(b, err)
		return total
	}
	return func() int64 { return sum("stats", "total_commands_processed") }, func() int64 { return sum("memory", "used_memory") }
}

// infoField is a number from the text of INFO, 0 if it is not there.
func infoField(text, field string) int64 {
	for _, line := range strings.Split(text, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

// scrapeCounter reads a counter from the program's /metrics at base; ok
// is false when it has none (the embedded store).
func scrapeCounter(b *testing.B, base, name string) (value float64, ok bool) {
	resp, err := http.Get(base + "/metrics")
	require.NoError(b, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(b, err)
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, found := strings.CutPrefix(line, name+" "); found {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			require.NoError(b, err)
			return v, true
		}
	}
	return 0, false
}

// delayedURL puts a TCP proxy in front of the Redis server at url that
// holds back each reply by delay (LOAD_REDIS_DELAY), as a server farther
// away on the network would, and returns the URL to reach it through.
func delayedURL(b *testing.B, url string, delay time.Duration) string {
	opts, err := goredis.ParseURL(url)
	require.NoError(b, err)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(b, err)
	b.Cleanup(func() { l.Close() })
	go func() {
		for {
			client, err := l.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", opts.Addr)
			if err != nil {
				client.Close()
				continue
			}
			go func() { _, _ = io.Copy(server, client); server.Close() }()
			go delayCopy(client, server, delay)
		}
	}()
	return strings.Replace(url, opts.Addr, l.Addr().String(), 1)
}

// delayCopy copies from src to dst, each chunk delay after it was read,
// in order; chunks read meanwhile are not held behind one another's delay.
func delayCopy(dst, src net.Conn, delay time.Duration) {
	type chunk struct {
		at   time.Time
		data []byte
	}
	chunks := make(chan chunk, 1024)
	go func() {
		defer close(chunks)
		for {
			buf := make([]byte, 32<<10)
			n, err := src.Read(buf)
			if n > 0 {
				chunks <- chunk{time.Now().Add(delay), buf[:n]}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range chunks {
		time.Sleep(time.Until(c.at)) // the added network latency itself
		if _, err := dst.Write(c.data); err != nil {
			break
		}
	}
	dst.Close()
	src.Close()
}

// startWebhookApp starts the program in webhook mode and waits until it
// registered its webhook.
func startWebhookApp(b *testing.B, api *telegramtest.Server, env map[string]string) *app {
	ctx, cancel := context.WithCancel(context.Background())
	a := &app{api: api, env: env, stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan error, 1), now: testClock()}
	go func() { a.done <- run(ctx, testSystem(nil, env, a.stdout, a.stderr, a.now)) }()
	b.Cleanup(func() { a.stop(b) })
	_, err := api.WaitCalls("setWebhook", 1, wait)
	require.NoError(b, err, "stderr: %s", a.stderr.String())
	return a
}

// httpBaseURL is the app's HTTP address from its banner.
func (a *app) httpBaseURL(t testing.TB) string {
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		if i := strings.Index(a.stdout.String(), "health and metrics on "); i >= 0 {
			rest := a.stdout.String()[i+len("health and metrics on "):]
			return strings.TrimSuffix(strings.Fields(rest)[0], ".")
		}
		time.Sleep(10 * time.Millisecond) // the banner follows setWebhook closely
	}
	t.Fatalf("no banner: %s", a.stdout.String())
	return ""
}
