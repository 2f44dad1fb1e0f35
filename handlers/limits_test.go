package handlers_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/flows"
	"github.com/hotroso/hotroso/handlers"
)

// programLimits are the program's defaults (cmd/hotroso/settings.go).
var programLimits = handlers.ResidentLimits{MessagesPerMinute: 20, MessagesPerDay: 300, AsksPerHour: 5}

// limitedDesk is a desk with the program's limits, a volunteer on duty and
// a volunteer group, on a clock that moves only when the test says.
func limitedDesk(t *testing.T, limits handlers.ResidentLimits) (*handlers.Desk, clockAdvancer, *recorder) {
	t.Helper()
	m := &recorder{}
	d, store, clock := newDeskWith(t, handlers.Config{VolunteerChatID: group, Organizers: []int64{organizer}, Messenger: m, Limits: limits})
	require.NoError(t, store.PutUser(context.Background(), domain.User{ID: volunteer, Role: domain.RoleVolunteer, Language: "vi",
		DisplayName: "Lan - Đoàn xã Thọ Xuân", OnDuty: true}))
	return d, clock, m
}

func say(t *testing.T, d *handlers.Desk, user int64, text string) handlers.Response {
	t.Helper()
	return handle(t, d, handlers.Event{UserID: user, Kind: handlers.EventText, Text: text})
}

// joined is every reply's text, one per line.
func joined(resp handlers.Response) string {
	var b strings.Builder
	for _, r := range resp.Replies {
		b.WriteString(r.Text + "\n")
	}
	return b.String()
}

// Over the rate, a resident's message is not added to their question and
// edits no card; they are told once, and may write again as the rate
// allows.
func TestResidentMessagesOverTheRateGoNoFurther(t *testing.T) {
	d, clock, m := limitedDesk(t, programLimits)
	handle(t, d, handlers.Event{UserID: resident, Kind: handlers.EventCommand, Command: "ask"}) // commands are not counted
	m.take()
	for i := range 20 {
		assert.Contains(t, joined(say(t, d, resident, "tin "+strconv.Itoa(i))), "đã ghi thêm", "message %d is within the rate", i)
	}
	assert.Len(t, m.take(), 20, "each edits the card (the bot coalesces the edits)")

	notice := say(t, d, resident, "tin 20")
	assert.Contains(t, joined(notice), "Mỗi phút cháu chỉ chuyển được 20 tin")
	for i := 21; i < 40; i++ {
		assert.Empty(t, say(t, d, resident, "tin "+strconv.Itoa(i)).Replies, "no answer to a flood: told once")
	}
	assert.Empty(t, m.take(), "no card edits over the rate")

	clock.Advance(3 * time.Second)
	assert.Contains(t, joined(say(t, d, resident, "tin 40")), "đã ghi thêm", "one more every 3 seconds")
	assert.Empty(t, say(t, d, resident, "tin 41").Replies)
	clock.Advance(time.Minute)
	assert.Contains(t, joined(say(t, d, resident, "tin 42")), "đã ghi thêm")
}

// The day's limit has its own word, with how long to wait between
// messages.
func TestTheDaysLimitSaysHowOftenTheResidentMayWrite(t *testing.T) {
	d, clock, _ := limitedDesk(t, handlers.ResidentLimits{MessagesPerMinute: 20, MessagesPerDay: 30})
	for i := range 20 {
		say(t, d, resident, "tin "+strconv.Itoa(i))
	}
	clock.Advance(time.Minute)
	for i := range 10 {
		assert.NotContains(t, joined(say(t, d, resident, "tin "+strconv.Itoa(20+i))), "Hôm nay")
	}
	assert.Contains(t, joined(say(t, d, resident, "tin 30")), "Hôm nay bác đã gửi 30 tin rồi. Từ giờ cứ 48 phút")
}

// Tapping through flows is never limited, however fast; nor are
// volunteers and organizers.
func TestFlowButtonsVolunteersAndOrganizersAreNotLimited(t *testing.T) {
	d, _, m := limitedDesk(t, programLimits)
	for i := range 100 {
		resp := press(t, d, resident, flows.StartData("safety"))
		require.NotEmpty(t, resp.Replies, "press %d", i)
		require.NotEmpty(t, press(t, d, resident, "m").Replies, "press %d", i)
	}
	assert.Contains(t, joined(say(t, d, resident, "Cháu ơi")), "Cháu chưa hiểu ý bác", "typed messages have all of their rate")

	press(t, d, resident, "ask")
	handle(t, d, handlers.Event{UserID: volunteer, ChatID: group, Group: true, Kind: handlers.EventButton, Data: "tc:1"})
	m.take()
	for i := range 50 {
		resp := say(t, d, volunteer, "Bác làm bước "+strconv.Itoa(i)+" nhé")
		require.Len(t, resp.Replies, 1, "message %d", i)
		assert.Equal(t, int64(resident), resp.Replies[0].ChatID, "relayed to the resident")
	}
	for i := range 30 {
		assert.NotEmpty(t, say(t, d, organizer, "/help "+strconv.Itoa(i)).Replies)
	}
}
