package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/reports"
	"github.com/hotroso/hotroso/storage"
	"github.com/hotroso/hotroso/storage/embedded"
	"github.com/hotroso/hotroso/storage/redis"
	goredis "github.com/redis/go-redis/v9"
)

// BenchmarkProvinceYear measures the reports over a province-year: 1,000,000
// assists over 365 days, 10,000,000 funnel events, Thanh Hóa's 166 communes
// and 4,000 volunteers (PROVINCE_SCALE=0.1 seeds a tenth). It runs only
// with PROVINCE_BENCH=1; the Redis store is REDIS_TEST_URL's server (a real
// one: miniredis sorts a whole set on every range read).
//
//	PROVINCE_BENCH=1 REDIS_TEST_URL=redis://127.0.0.1:6390 go test ./cmd/hotroso -run XXX -bench ProvinceYear -benchtime 20x
func BenchmarkProvinceYear(b *testing.B) {
	if os.Getenv("PROVINCE_BENCH") != "1" {
		b.Skip("set PROVINCE_BENCH=1 (and REDIS_TEST_URL) to seed a province-year")
	}
	scale := 1.0
	if v := os.Getenv("PROVINCE_SCALE"); v != "" {
		var err error
		if scale, err = strconv.ParseFloat(v, 64); err != nil {
			b.Fatal(err)
		}
	}
	stores := map[string]func(b *testing.B) storage.Store{"embedded": benchEmbedded}
	if os.Getenv("REDIS_TEST_URL") != "" {
		stores["redis"] = benchRedis
	}
	for _, name := range []string{"embedded", "redis"} {
		open, ok := stores[name]
		if !ok {
			continue
		}
		b.Run(name, func(b *testing.B) {
			s := open(b)
			seed := seedProvince(b, s, scale)
			b.Run("Stats", func(b *testing.B) { benchStats(b, s, seed.now) })
			for _, days := range []int{7, 30} {
				b.Run(fmt.Sprintf("Export%dDays", days), func(b *testing.B) { benchExport(b, s, seed.now, days) })
			}
			if r, ok := s.(*redis.Store); ok {
				b.Run("CommandsPerRecord", func(b *testing.B) { benchCommands(b, r, seed.now) })
			}
		})
	}
}

// benchNow is the report's time: the end of the seeded year.
var benchNow = time.Date(2026, 11, 30, 15, 0, 0, 0, vietnam)

func benchEmbedded(b *testing.B) storage.Store {
	s, err := embedded.Open(filepath.Join(b.TempDir(), "hotroso.db"), embedded.WithFunnelRetention(24*time.Hour),
		embedded.WithClock(func() time.Time { return benchNow }))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}

func benchRedis(b *testing.B) storage.Store {
	url, prefix := testRedis(b)
	s, err := redis.Open(context.Background(), url, redis.WithPrefix(prefix), redis.WithFunnelRetention(24*time.Hour),
		redis.WithMinPoolSize(32), redis.WithClock(func() time.Time { return benchNow }))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}

type provinceSeed struct {
	now      time.Time
	communes []string
}

// seedProvince records the year through the stores' own write paths:
// RecordAssist from 32 writers, RecordFunnel in batches of 5,000.
func seedProvince(b *testing.B, s storage.Store, scale float64) provinceSeed {
	b.Helper()
	communes := benchCommunes(b)
	assists, events := int(1_000_000*scale), int(10_000_000*scale)
	start := benchNow.AddDate(-1, 0, 0)
	step := benchNow.Sub(start) / time.Duration(assists)
	began := time.Now()
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for w := range 32 {
		wg.Go(func() {
			for i := w; i < assists; i += 32 {
				if err := s.RecordAssist(ctx, benchAssist(i, start.Add(time.Duration(i)*step), communes)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	assistTime := time.Since(began)
	began = time.Now()
	fstep := benchNow.Sub(start) / time.Duration(events)
	batch := make([]domain.FunnelEvent, 0, 5000)
	for i := range events {
		batch = append(batch, benchEvent(i, start.Add(time.Duration(i)*fstep)))
		if len(batch) == cap(batch) || i == events-1 {
			if err := s.RecordFunnel(ctx, batch...); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	b.Logf("seeded %d assists in %v, %d funnel events in %v", assists, assistTime.Round(time.Second), events, time.Since(began).Round(time.Second))
	if _, err := s.AssistTotals(ctx, ""); err != nil { // Redis folds what was recorded since the last read
		b.Fatal(err)
	}
	return provinceSeed{now: benchNow, communes: communes}
}

var (
	benchFlows    = []string{"vneid", "vneid_level2", "payment", "dossier", "safety", "bank", "health", "pension", "land", "school"}
	benchSteps    = []string{"welcome", "install", "nfc", "face", "otp", "password", "check", "done"}
	benchOutcomes = []string{"done", "solved", "referred"}
)

func benchAssist(i int, at time.Time, communes []string) domain.Assist {
	// 24 volunteers a commune (3,984 in all), each in their own commune.
	c := i % len(communes)
	commune := communes[c]
	volunteer := int64(10_000 + c*24 + (i/len(communes))%24)
	switch i % 100 {
	case 0, 1, 2: // 3% follow-ups
		return domain.Assist{At: at, Kind: domain.AssistFollowUp, FlowID: "dossier", Outcome: []string{domain.FollowUpAccepted, domain.FollowUpWaiting, domain.FollowUpSentBack}[i%3], Commune: commune}
	}
	switch i % 20 {
	case 0, 1, 2, 3, 4: // 25% tickets
		return domain.Assist{At: at, Kind: domain.AssistTicket, TicketID: int64(i + 1), FlowID: benchFlows[i%10], Step: benchSteps[i%8],
			Outcome: benchOutcomes[i%3], Waiting: time.Duration(i%90) * time.Minute, Handling: time.Duration(i%40) * time.Minute,
			VolunteerID: volunteer, Commune: commune, Rating: 1 + i%5, Worked: []string{"yes", "no"}[i%2], Resident: "0123456789abcdef01234567"}
	case 5, 6: // 10% in person
		return domain.Assist{At: at, Kind: domain.AssistInPerson, Topic: domain.Topics[i%len(domain.Topics)], People: 1 + i%10,
			VolunteerID: volunteer, Commune: commune, Note: "tại nhà văn hóa"}
	}
	return domain.Assist{At: at, Kind: domain.AssistFlow, FlowID: benchFlows[i%10], Step: "done", Outcome: benchOutcomes[i%3],
		Commune: commune, Resident: "0123456789abcdef01234567"}
}

func benchEvent(i int, at time.Time) domain.FunnelEvent {
	e := domain.FunnelEvent{At: at, FlowID: benchFlows[i%10], FlowVersion: 1}
	switch i % 10 {
	case 0:
		e.Kind = domain.FlowStarted
	case 1:
		e.Kind, e.Step, e.Outcome = domain.FlowFinished, "done", benchOutcomes[i%3]
	case 2:
		e.Kind, e.Step = domain.FlowAbandoned, benchSteps[i%8]
	default:
		e.Kind, e.Step = domain.StepEntered, benchSteps[i%8]
	}
	return e
}

// benchCommunes reads the 166 commune codes of Thanh Hóa (the built-in
// list's file).
func benchCommunes(b *testing.B) []string {
	f, err := os.Open("../../places/thanh-hoa-communes.tsv")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			code, _, _ := strings.Cut(line, "\t")
			out = append(out, code)
		}
	}
	if len(out) != 166 {
		b.Fatalf("%d communes, want 166", len(out))
	}
	return out
}

// benchStats is what /stats reads and computes, province-wide.
func benchStats(b *testing.B, s storage.Store, now time.Time) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		days, err := s.AssistCounts(ctx, now.AddDate(0, 0, -14), now, "", domain.CountDaily)
		if err != nil {
			b.Fatal(err)
		}
		total, err := s.AssistTotals(ctx, "")
		if err != nil {
			b.Fatal(err)
		}
		funnel, err := s.FunnelTotals(ctx)
		if err != nil {
			b.Fatal(err)
		}
		in := reports.Input{Now: now, Location: vietnam, Days: days, Total: total, Funnel: funnel}
		if text := reports.Compute(in).Text("vi"); text == "" {
			b.Fatal("no text")
		}
	}
}

// benchExport streams the last days' records into CSV, to io.Discard: the
// bytes allocated per record must not grow with the range.
func benchExport(b *testing.B, s storage.Store, now time.Time, days int) {
	ctx := context.Background()
	to := now
	from := to.AddDate(0, 0, -days)
	b.ReportAllocs()
	rows := 0
	for b.Loop() {
		c, err := reports.NewCSV(io.Discard, vietnam)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.ScanAssists(ctx, from, to, "", c.Write); err != nil {
			b.Fatal(err)
		}
		rows = c.Rows()
	}
	b.ReportMetric(float64(rows), "records/op")
}

// benchCommands counts the commands Redis processed per RecordAssist
// (INFO's total_commands_processed, less the INFO calls themselves).
func benchCommands(b *testing.B, s *redis.Store, now time.Time) {
	opts, err := goredis.ParseURL(os.Getenv("REDIS_TEST_URL"))
	if err != nil {
		b.Fatal(err)
	}
	c := goredis.NewClient(opts)
	defer c.Close()
	ctx := context.Background()
	processed := func() int64 {
		info, err := c.Info(ctx, "stats").Result()
		if err != nil {
			b.Fatal(err)
		}
		for _, line := range strings.Split(info, "\r\n") {
			if v, ok := strings.CutPrefix(line, "total_commands_processed:"); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				return n
			}
		}
		b.Fatal("no total_commands_processed")
		return 0
	}
	before := processed()
	n := 0
	for b.Loop() {
		if err := s.RecordAssist(ctx, domain.Assist{At: now, Kind: domain.AssistInPerson, Topic: domain.TopicOther, People: 2, Commune: "16522"}); err != nil {
			b.Fatal(err)
		}
		n++
	}
	after := processed()
	b.ReportMetric(float64(after-before-1)/float64(n), "commands/record")
}
