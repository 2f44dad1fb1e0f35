package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"image"
	_ "image/png" // the chart
	"testing"
	"time"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/reports"
	"github.com/hotroso/hotroso/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStatsAndExportMatchASeededAssistLog(t *testing.T) {
	t.Parallel()
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
		assert.Equal(t, reports.ChartPixelsWide, img.Bounds().Dx())

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
