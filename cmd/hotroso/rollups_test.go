package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// Two communes' work today: 16522 (Thọ Xuân's code in the tests) has 3
// questions closed, 4 people helped in person and an accepted outcome;
// 16525 has 5 guides, 2 people helped in person and a dossier sent back.
func seedTwoCommunes(t *testing.T, s storage.Store) {
	ctx := context.Background()
	now := testEpoch
	require.NoError(t, s.PutUser(ctx, domain.User{ID: 500, Role: domain.RoleVolunteer, DisplayName: "Lan - Đoàn xã Thọ Xuân"}))
	require.NoError(t, s.PutUser(ctx, domain.User{ID: 901, Role: domain.RoleOrganizer, Scope: "16522", Language: "en", DisplayName: "Hà"}))
	record := func(a domain.Assist) { require.NoError(t, s.RecordAssist(ctx, a)) }
	for i := range 3 {
		record(domain.Assist{At: now.Add(-time.Duration(i) * time.Minute), Kind: domain.AssistTicket, TicketID: int64(i + 1),
			Outcome: "solved", Waiting: 4 * time.Minute, Handling: 10 * time.Minute, VolunteerID: 500, Commune: "16522"})
	}
	record(domain.Assist{At: now, Kind: domain.AssistInPerson, Topic: domain.TopicPayment, People: 4, VolunteerID: 500, Commune: "16522", Note: "tại nhà văn hóa"})
	record(domain.Assist{At: now, Kind: domain.AssistFollowUp, FlowID: "dossier", Outcome: domain.FollowUpAccepted, Commune: "16522"})
	for i := range 5 {
		record(domain.Assist{At: now.Add(-time.Duration(i) * time.Minute), Kind: domain.AssistFlow, FlowID: "safety", Outcome: "done", Commune: "16525"})
	}
	record(domain.Assist{At: now, Kind: domain.AssistInPerson, Topic: domain.TopicSafety, People: 2, VolunteerID: 500, Commune: "16525"})
	record(domain.Assist{At: now, Kind: domain.AssistFollowUp, FlowID: "dossier", Outcome: domain.FollowUpSentBack, Commune: "16525"})
}

func TestStatsAndExportOfAProvinceAndACommuneOrganizer(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		env := appEnv(t, backend, map[string]string{"ORGANIZER_IDS": "900"})
		seedStore(t, env, func(s storage.Store) { seedTwoCommunes(t, s) })
		api := newFakeAPI(t)
		env["TELEGRAM_BOT_TOKEN"], env["TELEGRAM_API_URL"] = api.Token(), api.URL()
		a := startWith(t, api, env)

		province := newChat(t, a, 900, "en")
		province.say("/stats")
		text := province.nextText()
		for _, want := range []string{"Today: 14 assists (guides 5, questions 3, in person 6)", "Online payment: 4",
			"Safety from scams: 2", "Outcomes confirmed: 50% (1/2 answers)", "- 16525: 7", "- 16522: 7",
			"Waiting (median): 4 min · Handling (median): 10 min"} {
			assert.Contains(t, text, want)
		}
		require.True(t, province.next().Photo, "the chart")

		commune := newChat(t, a, 901, "en")
		commune.say("/stats")
		text = commune.nextText()
		for _, want := range []string{"your commune only", "Today: 7 assists (guides 0, questions 3, in person 4)",
			"Outcomes confirmed: 100% (1/1 answers)", "- 16522: 7", "Online payment: 4"} {
			assert.Contains(t, text, want)
		}
		for _, never := range []string{"16525", "Safety from scams", "Guides:"} {
			assert.NotContains(t, text, never, "another commune's figures, or the province's funnel")
		}
		require.True(t, commune.next().Photo)

		commune.say("/export")
		rows := exportRows(t, commune)
		require.Len(t, rows, 1+5, "a header and the commune's 5 records")
		col := columns(rows[0])
		for _, row := range rows[1:] {
			assert.Equal(t, "16522", row[col["commune"]])
			assert.NotEmpty(t, row[col["id"]])
		}
		assert.Contains(t, [][]string{rows[1], rows[2], rows[3], rows[4], rows[5]}, inPersonRow(rows, col),
			"the in-person record is there")
		assert.Equal(t, "4", inPersonRow(rows, col)[col["people"]])
		assert.Equal(t, "tại nhà văn hóa", inPersonRow(rows, col)[col["note"]])

		province.say("/export")
		assert.Len(t, exportRows(t, province), 1+12, "the province gets every record")
	})
}

func exportRows(t *testing.T, c *chat) [][]string {
	t.Helper()
	doc := c.next()
	require.NotNil(t, doc.Document, "the export comes as a file")
	rows, err := csv.NewReader(bytes.NewReader(doc.Document.Data[3:])).ReadAll()
	require.NoError(t, err)
	return rows
}

func columns(header []string) map[string]int {
	out := map[string]int{}
	for i, h := range header {
		out[h] = i
	}
	return out
}

func inPersonRow(rows [][]string, col map[string]int) []string {
	for _, r := range rows[1:] {
		if r[col["kind"]] == string(domain.AssistInPerson) {
			return r
		}
	}
	return nil
}

// oldLog is what today's main wrote: 4 flow assists and 2 tickets today
// (one rated 5 and "worked", kept apart from the log), and 3 funnel events.
var (
	oldAssists = []domain.Assist{
		{At: testEpoch, Kind: domain.AssistFlow, FlowID: "vneid", Outcome: "done", Commune: "16522"},
		{At: testEpoch, Kind: domain.AssistFlow, FlowID: "vneid", Outcome: "done", Commune: "16522"},
		{At: testEpoch, Kind: domain.AssistFlow, FlowID: "vneid", Outcome: "done", Commune: "16522"},
		{At: testEpoch.Add(-time.Minute), Kind: domain.AssistFlow, FlowID: "safety", Outcome: "done"},
		{At: testEpoch, Kind: domain.AssistTicket, TicketID: 1, Outcome: "solved", Waiting: 6 * time.Minute, Handling: 8 * time.Minute, VolunteerID: 500, Commune: "16522"},
		{At: testEpoch.AddDate(0, 0, -3), Kind: domain.AssistTicket, TicketID: 2, Outcome: "solved", Waiting: 6 * time.Minute, Handling: 8 * time.Minute, VolunteerID: 500, Commune: "16522"},
	}
	oldFunnel = []domain.FunnelEvent{
		{At: testEpoch, Kind: domain.FlowStarted, FlowID: "vneid"},
		{At: testEpoch, Kind: domain.FlowStarted, FlowID: "vneid"},
		{At: testEpoch, Kind: domain.FlowAbandoned, FlowID: "vneid", Step: "nfc"},
	}
)

// writeOldRedis writes the old log the way today's main keeps it in Redis.
func writeOldRedis(t *testing.T, url, prefix string) {
	opts, err := goredis.ParseURL(url)
	require.NoError(t, err)
	c := goredis.NewClient(opts)
	defer c.Close()
	ctx := context.Background()
	for _, a := range oldAssists {
		data, err := json.Marshal(a)
		require.NoError(t, err)
		require.NoError(t, c.XAdd(ctx, &goredis.XAddArgs{Stream: prefix + ":assists", Values: []any{"d", data}}).Err())
	}
	require.NoError(t, c.HSet(ctx, prefix+":assist:ratings", "1:rating", 5, "1:worked", "yes").Err())
	for i, e := range oldFunnel {
		data, err := json.Marshal(e)
		require.NoError(t, err)
		require.NoError(t, c.ZAdd(ctx, prefix+":{f}:funnel", goredis.Z{Score: float64(e.At.UnixMilli()), Member: fmt.Sprintf("%020d:%s", i+1, data)}).Err())
	}
}

// writeOldBolt writes the old log the way today's main keeps it in its
// file (schema version 4).
func writeOldBolt(t *testing.T, dir string) {
	db, err := bolt.Open(filepath.Join(dir, "hotroso.db"), 0o600, nil)
	require.NoError(t, err)
	defer db.Close()
	key := func(at time.Time, seq uint64) []byte {
		k := binary.BigEndian.AppendUint64(nil, uint64(at.UnixNano())^(1<<63))
		return binary.BigEndian.AppendUint64(k, seq)
	}
	require.NoError(t, db.Update(func(tx *bolt.Tx) error {
		buckets := map[string]*bolt.Bucket{}
		for _, name := range []string{"meta", "assists", "ratings", "funnel"} {
			b, err := tx.CreateBucket([]byte(name))
			if err != nil {
				return err
			}
			buckets[name] = b
		}
		if err := buckets["meta"].Put([]byte("schema"), binary.BigEndian.AppendUint64(nil, 4^(1<<63))); err != nil {
			return err
		}
		for i, a := range oldAssists {
			data, _ := json.Marshal(a)
			if err := buckets["assists"].Put(key(a.At, uint64(i+1)), data); err != nil {
				return err
			}
		}
		if err := buckets["ratings"].Put(binary.BigEndian.AppendUint64(nil, 1^(1<<63)), []byte(`{"rating":5,"worked":"yes"}`)); err != nil {
			return err
		}
		for i, e := range oldFunnel {
			data, _ := json.Marshal(e)
			if err := buckets["funnel"].Put(key(e.At, uint64(i+1)), data); err != nil {
				return err
			}
		}
		return nil
	}))
}

func TestStatsOfALogWrittenBeforeTheCounters(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		env := appEnv(t, backend, map[string]string{"ORGANIZER_IDS": "900"})
		if backend == "redis" {
			writeOldRedis(t, env["REDIS_URL"], env["REDIS_KEY_PREFIX"])
		} else {
			writeOldBolt(t, env["DATA_DIR"])
		}
		api := newFakeAPI(t)
		env["TELEGRAM_BOT_TOKEN"], env["TELEGRAM_API_URL"] = api.Token(), api.URL()
		want := []string{"Today: 5 assists (guides 4, questions 1)", "Total: 6 assists (guides 4, questions 2)",
			"Waiting (median): 6 min · Handling (median): 8 min", "Rating: 5.0/5 (1 ratings)", "It worked: 100% (1 answers)",
			"- vneid: 2 started, 0 finished; most stop at «nfc» (1)", "1. #500: 2"}
		for run := range 2 { // the second start finds the counters built and builds nothing again
			a := startWith(t, api, env)
			org := newChat(t, a, 900, "en")
			org.say("/stats")
			text := org.nextText()
			for _, w := range want {
				assert.Contains(t, text, w, "start %d", run+1)
			}
			require.True(t, org.next().Photo)
			org.say("/export 2026-03-01 2026-03-09")
			rows := exportRows(t, org)
			require.Len(t, rows, 1+6)
			col := columns(rows[0])
			for _, r := range rows[1:] {
				assert.NotEmpty(t, r[col["id"]], "old records got ids")
			}
			a.stop(t)
		}
	})
}
