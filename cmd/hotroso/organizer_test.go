package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"image"
	_ "image/png"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
	"github.com/hotroso/hotroso/storage/embedded"
	"github.com/hotroso/hotroso/storage/redis"
)

// seedStore opens the store an app will use (before it starts), lets fill
// write to it, and closes it. The store's clock reads testEpoch.
func seedStore(t *testing.T, env map[string]string, fill func(storage.Store)) {
	t.Helper()
	var (
		s   storage.Store
		err error
	)
	epoch := func() time.Time { return testEpoch }
	if url := env["REDIS_URL"]; url != "" {
		s, err = redis.Open(context.Background(), url, redis.WithPrefix(env["REDIS_KEY_PREFIX"]), redis.WithClock(epoch))
	} else {
		s, err = embedded.Open(filepath.Join(env["DATA_DIR"], "hotroso.db"), embedded.WithClock(epoch))
	}
	require.NoError(t, err)
	fill(s)
	require.NoError(t, s.Close())
}

// appEnv is the environment startApp would use, without starting.
func appEnv(t *testing.T, backend string, extra map[string]string) map[string]string {
	env := map[string]string{"DATA_DIR": t.TempDir(), "LOG_LEVEL": "warn", "HTTP_ADDR": "127.0.0.1:0"}
	if backend == "redis" {
		env["REDIS_URL"], env["REDIS_KEY_PREFIX"] = testRedis(t)
	}
	for k, v := range extra {
		env[k] = v
	}
	return env
}

func TestStatsAndExportMatchASeededAssistLog(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		env := appEnv(t, backend, map[string]string{"ORGANIZER_IDS": "900"})
		now := testEpoch // the app's clock starts here, so "today" is the seeded day
		// 6 ticket assists and 4 flow assists today, 5 tickets 40 days ago.
		seedStore(t, env, func(s storage.Store) {
			ctx := context.Background()
			require.NoError(t, s.PutUser(ctx, domain.User{ID: 500, Role: domain.RoleVolunteer, DisplayName: "Lan - Đoàn xã Thọ Xuân"}))
			for i := range 6 {
				require.NoError(t, s.RecordAssist(ctx, domain.Assist{At: now.Add(-time.Duration(i) * time.Minute), Kind: domain.AssistTicket, TicketID: int64(i + 1),
					FlowID: "vneid", Step: "nfc_fail", Outcome: "solved", Waiting: 4 * time.Minute, Handling: 10 * time.Minute, VolunteerID: 500, Commune: "16522", Rating: 4, Worked: "yes", Resident: "abc123"}))
			}
			for i := range 4 {
				require.NoError(t, s.RecordAssist(ctx, domain.Assist{At: now.Add(-time.Duration(i) * time.Minute), Kind: domain.AssistFlow, FlowID: "safety", Step: "done", Outcome: "done"}))
			}
			for i := range 5 {
				require.NoError(t, s.RecordAssist(ctx, domain.Assist{At: now.AddDate(0, 0, -40).Add(time.Duration(i) * time.Minute), Kind: domain.AssistTicket, TicketID: int64(100 + i), Outcome: "solved", VolunteerID: 500}))
			}
		})
		api := newFakeAPI(t)
		env["TELEGRAM_BOT_TOKEN"], env["TELEGRAM_API_URL"] = api.Token(), api.URL()
		a := startWith(t, api, env)
		org := newChat(t, a, 900, "en")

		org.say("/stats")
		text := org.nextText()
		for _, want := range []string{"10", "15", "Lan - Đoàn xã Thọ Xuân"} {
			assert.Contains(t, text, want)
		}
		chart := org.next()
		require.True(t, chart.Photo, "the chart comes as a photo")
		img, format, err := image.Decode(bytes.NewReader(chart.File.Data))
		require.NoError(t, err, "the PNG decodes")
		assert.Equal(t, "png", format)
		assert.Equal(t, 800, img.Bounds().Dx())

		org.say("/export")
		doc := org.next()
		require.NotNil(t, doc.Document, "the export comes as a file")
		data := doc.Document.Data
		require.True(t, bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")), "UTF-8 with a byte-order mark")
		rows, err := csv.NewReader(bytes.NewReader(data[3:])).ReadAll()
		require.NoError(t, err)
		assert.Len(t, rows, 1+10, "a header and the 10 assists of the last 30 days")
		assert.NotContains(t, string(data), "Lan - Đoàn", "no names")

		// Days are Vietnam's: at testEpoch it is still yesterday in UTC.
		from := now.AddDate(0, 0, -41).In(vietnam).Format("2006-01-02")
		org.say("/export " + from + " " + now.In(vietnam).Format("2006-01-02"))
		rows, err = csv.NewReader(bytes.NewReader(org.next().Document.Data[3:])).ReadAll()
		require.NoError(t, err)
		assert.Len(t, rows, 1+15)

		res := newChat(t, a, 41, "vi")
		res.say("/stats")
		assert.Contains(t, res.nextText(), "chỉ dành cho", "only organizers")
	})
}

func TestResidentChoosesACommune(t *testing.T) {
	a := startApp(t, "embedded", nil)
	res := newChat(t, a, 43, "vi")
	res.say("/commune")
	assert.Contains(t, res.nextText(), "xã/phường nào")
	res.say("tho xuan")
	pick := res.next()
	assert.Contains(t, labels(pick), "Xã Thọ Xuân")
	res.press("Xã Thọ Xuân")
	assert.Contains(t, res.nextText(), "Cháu đã ghi: Xã Thọ Xuân")
	res.say("/commune")
	assert.Contains(t, res.nextText(), "Cháu đang ghi bác ở: Xã Thọ Xuân")
	res.press("Bỏ qua")
	assert.True(t, strings.Contains(res.nextText(), "Bác muốn làm gì"))
}
