package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/reports"
	"github.com/hotroso/hotroso/storage"
)

const (
	weeklyRuns     = "hotroso_weekly_report_runs_total"
	weeklyCSV      = "📥 Bảng tính của tuần (CSV)"
	quangPhu       = "16522" // Phường Quảng Phú, the commune organizer's
	dongQuang      = "16417" // another commune
	communeOrgID   = 901
	provinceOrgID  = 900 // ORGANIZER_IDS
	weeklyResident = 77
)

// seedWeeks fills the store with the week before testEpoch's Monday (2-8
// March 2026) and the week before that, in two communes: last week
// Quảng Phú had 3 flows, 2 questions, 4 people helped in person and a
// confirmed outcome (7 records, 9 assists), Đông Quang 2 flows and a
// question; the week before, 2 flows in Quảng Phú and 1 in Đông Quang.
// It stores a commune organizer of Quảng Phú.
func seedWeeks(t *testing.T, env map[string]string) {
	seedStore(t, env, func(s storage.Store) {
		ctx := context.Background()
		require.NoError(t, s.PutUser(ctx, domain.User{ID: communeOrgID, Role: domain.RoleOrganizer, Scope: quangPhu, Language: "vi",
			DisplayName: "Tổ trưởng Quảng Phú", CreatedAt: testEpoch, UpdatedAt: testEpoch}))
		last := time.Date(2026, 3, 2, 9, 0, 0, 0, vietnam) // Monday of last week
		rec := func(a domain.Assist) { require.NoError(t, s.RecordAssist(ctx, a)) }
		for i := range 3 {
			rec(domain.Assist{At: last.AddDate(0, 0, i), Kind: domain.AssistFlow, FlowID: "vneid", Outcome: "done", Commune: quangPhu})
		}
		rec(domain.Assist{At: last.Add(time.Hour), Kind: domain.AssistTicket, TicketID: 1, Waiting: 10 * time.Minute, Commune: quangPhu})
		rec(domain.Assist{At: last.AddDate(0, 0, 6), Kind: domain.AssistTicket, TicketID: 2, Waiting: 20 * time.Minute, Commune: quangPhu})
		rec(domain.Assist{At: last.AddDate(0, 0, 4), Kind: domain.AssistInPerson, People: 4, Topic: domain.TopicVNeIDAccount, Commune: quangPhu})
		rec(domain.Assist{At: last.AddDate(0, 0, 5), Kind: domain.AssistFollowUp, FlowID: "dossier", Step: "sent_done", Outcome: domain.FollowUpAccepted, Commune: quangPhu})
		rec(domain.Assist{At: last, Kind: domain.AssistFlow, FlowID: "sim", Outcome: "done", Commune: dongQuang})
		rec(domain.Assist{At: last.AddDate(0, 0, 1), Kind: domain.AssistFlow, FlowID: "sim", Outcome: "done", Commune: dongQuang})
		rec(domain.Assist{At: last.AddDate(0, 0, 2), Kind: domain.AssistTicket, TicketID: 3, Waiting: 40 * time.Minute, Commune: dongQuang})
		before := last.AddDate(0, 0, -7)
		rec(domain.Assist{At: before, Kind: domain.AssistFlow, FlowID: "vneid", Outcome: "done", Commune: quangPhu})
		rec(domain.Assist{At: before.AddDate(0, 0, 3), Kind: domain.AssistFlow, FlowID: "vneid", Outcome: "done", Commune: quangPhu})
		rec(domain.Assist{At: before.AddDate(0, 0, 6), Kind: domain.AssistFlow, FlowID: "sim", Outcome: "done", Commune: dongQuang})
		// This week's: in no report.
		rec(domain.Assist{At: testEpoch.Add(-time.Minute), Kind: domain.AssistFlow, FlowID: "sim", Outcome: "done", Commune: quangPhu})
	})
}

// weeklyEnv is a seeded environment with the weekly report on.
func weeklyEnv(t *testing.T, backend string, api *telegramtest.Server) map[string]string {
	env := appEnv(t, backend, map[string]string{"ORGANIZER_IDS": "900", "WEEKLY_REPORT": "on"})
	seedWeeks(t, env)
	env["TELEGRAM_BOT_TOKEN"], env["TELEGRAM_API_URL"] = api.Token(), api.URL()
	return env
}

// organizersSayHello has the province's organizer write to the bot (a
// bot can only write to those who did), and opens the commune organizer's
// chat without a message (its first message is the report).
func organizersSayHello(t *testing.T, a *app) (province, commune *chat) {
	t.Helper()
	province, commune = newChat(t, a, provinceOrgID, "vi"), newChat(t, a, communeOrgID, "vi")
	province.say("/start")
	_, err := a.api.WaitMessage(province.user.ID, wait, func(m telegramtest.Message) bool { return strings.Contains(m.Text, "Xin chào") })
	require.NoError(t, err)
	province.seen = len(a.api.Messages(province.user.ID))
	a.api.AddChat(communeOrgID, telegramtest.ChatPrivate)
	return province, commune
}

// csvRows are the data rows of a CSV document (without the header).
func csvRows(t *testing.T, m telegramtest.Message) [][]string {
	t.Helper()
	require.NotNil(t, m.Document, "a file")
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(m.Document.Data, []byte("\xEF\xBB\xBF")))).ReadAll()
	require.NoError(t, err)
	return rows[1:]
}

// On Monday at 07:00 each organizer gets one report of their scope: the
// province's organizer the province, the commune organizer their commune
// alone; with the change from the week before, the chart, and a CSV
// button that sends the week. A resident's forged CSV button is refused.
func TestWeeklyReportOnMondayMorningForEachOrganizersScope(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		api := newFakeAPI(t)
		clock := newShiftClock(vietnamAt(6, 59))
		a := startWithClock(t, api, weeklyEnv(t, backend, api), clock.now)
		province, commune := organizersSayHello(t, a)
		a.waitRuns(t, weeklyRuns)
		noNewMessages(t, province, "not before 07:00")
		noNewMessages(t, commune, "not before 07:00")

		clock.advance(2 * time.Minute)
		report := province.next()
		assert.Contains(t, report.Text, "02/03 – 08/03/2026, toàn tỉnh")
		assert.Contains(t, report.Text, "Tổng lượt hỗ trợ: 12 (+9, +300% so với tuần trước)", "5 flows, 3 questions, 4 people in person")
		assert.Contains(t, report.Text, "Câu hỏi đã giải đáp: 3 (+3 so với tuần trước)")
		assert.Contains(t, report.Text, "Người được giúp trực tiếp: 4")
		assert.Contains(t, report.Text, "trung vị của câu hỏi: 20′")
		assert.Contains(t, report.Text, "1 trên 1 lượt trả lời")
		assert.Equal(t, []string{weeklyCSV}, labels(report))
		chart := province.next()
		require.True(t, chart.Photo, "the chart")

		mine := commune.next()
		assert.Contains(t, mine.Text, "Phường Quảng Phú")
		assert.Contains(t, mine.Text, "Tổng lượt hỗ trợ: 9 (+7, +350% so với tuần trước)", "Quảng Phú's alone")
		assert.Contains(t, mine.Text, "trung vị của câu hỏi: 15′")
		require.True(t, commune.next().Photo)

		province.press(weeklyCSV)
		assert.Len(t, csvRows(t, province.next()), 10, "the province's 10")
		// The commune organizer (a stored organizer with a Scope keeps the
		// role outside ORGANIZER_IDS) gets Quảng Phú's rows alone.
		commune.press(weeklyCSV)
		file := commune.next()
		assert.Contains(t, file.Caption, "Phường Quảng Phú: 7 dòng")
		rows := csvRows(t, file)
		assert.Len(t, rows, 7, "Quảng Phú's 7 records of the week: 3 flows, 2 questions, 1 in person, 1 follow-up")
		col := slices.Index(reports.CSVHeader, "commune")
		for _, row := range rows {
			assert.Equal(t, quangPhu, row[col], "only the organizer's commune")
		}

		clock.advance(time.Hour)
		a.waitRuns(t, weeklyRuns)
		noNewMessages(t, province, "once a week")
		noNewMessages(t, commune, "once a week")

		res := newChat(t, a, weeklyResident, "vi")
		res.say("/start")
		greeting := res.next()
		forged := a.api.PressData(res.user, greeting.MessageID, report.Buttons[0][0].Data)
		answer, err := a.api.WaitCallbackAnswer(forged, wait)
		require.NoError(t, err)
		assert.Contains(t, answer.Params["text"], "không có quyền")
		for _, m := range a.api.Messages(res.user.ID) {
			assert.Nil(t, m.Document, "no file for a resident")
		}
	})
}

// Two instances on one Redis, started late (the bot was down at 07:00),
// send each organizer's report once, that Monday.
func TestWeeklyReportOnceAcrossTwoInstancesAfterALateStart(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	env := weeklyEnv(t, "redis", api)
	clock := newShiftClock(vietnamAt(9, 30))
	// The organizers' chats are open (they wrote to the bot last week): the
	// instances send at once as they start.
	api.AddChat(provinceOrgID, telegramtest.ChatPrivate)
	api.AddChat(communeOrgID, telegramtest.ChatPrivate)
	a := startWithClock(t, api, env, clock.now)
	b := startWithClock(t, api, env, clock.now)
	province, commune := newChat(t, a, provinceOrgID, "vi"), newChat(t, a, communeOrgID, "vi")
	assert.Contains(t, province.nextText(), "toàn tỉnh")
	assert.Contains(t, commune.nextText(), "Phường Quảng Phú")
	province.next()
	commune.next()
	a.waitRuns(t, weeklyRuns)
	b.waitRuns(t, weeklyRuns)
	noNewMessages(t, province, "once across instances")
	noNewMessages(t, commune, "once across instances")
	assert.Equal(t, 2.0, a.metric(t, "hotroso_weekly_reports_sent_total")+b.metric(t, "hotroso_weekly_reports_sent_total"))
}

// WEEKLY_REPORT=off sends none.
func TestWeeklyReportOff(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		api := newFakeAPI(t)
		env := weeklyEnv(t, backend, api)
		env["WEEKLY_REPORT"] = "off"
		clock := newShiftClock(vietnamAt(6, 59))
		a := startWithClock(t, api, env, clock.now)
		clock.advance(2 * time.Minute)
		a.waitRuns(t, followUpRuns) // the desk's jobs ran past 07:00
		assert.Empty(t, api.Messages(provinceOrgID), "no report")
		assert.Empty(t, api.Messages(communeOrgID), "no report")
		assert.Zero(t, a.metric(t, weeklyRuns), "the job does not run")
	})
}
