package handlers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/handlers"
	"github.com/hotroso/hotroso/storage"
)

// staffedDesk is a desk staffed 7-21 UTC with an organizer and no
// volunteer; its clock reads 08:00 UTC.
func staffedDesk(t *testing.T) (*handlers.Desk, storage.Store, clockAdvancer, *recorder) {
	t.Helper()
	m := &recorder{}
	d, store, clock := newDeskWith(t, handlers.Config{Organizers: []int64{organizer}, Messenger: m, EscalateAfter: 24 * time.Hour,
		DeskHours: handlers.DeskHours{Start: 7, End: 21, Location: time.UTC}})
	return d, store, clock, m
}

// tick runs the desk's timed work and returns what organizers were told.
func tick(t *testing.T, d *handlers.Desk, m *recorder) []string {
	t.Helper()
	_, _, err := d.Tick(context.Background())
	require.NoError(t, err)
	return textsTo(m.take(), organizer)
}

// A question waiting 15 minutes in desk hours with nobody on duty is told
// to the organizers once; the resident was told nobody is on duty.
func TestOrganizersAreToldOnceOfQuestionsWaitingWithNobodyOnDuty(t *testing.T) {
	d, store, clock, m := staffedDesk(t)
	resp := handle(t, d, handlers.Event{UserID: resident, Kind: handlers.EventCommand, Command: "ask"})
	assert.Contains(t, resp.Replies[0].Text, "chưa có bạn tình nguyện viên nào đang trực")
	m.take()

	clock.Advance(14 * time.Minute)
	assert.Empty(t, tick(t, d, m), "not yet")
	clock.Advance(time.Minute)
	told := tick(t, d, m)
	require.Len(t, told, 1)
	assert.Contains(t, told[0], "hơn 15 phút: #1.")
	clock.Advance(time.Minute)
	assert.Empty(t, tick(t, d, m), "told once")
	tk, err := store.GetTicket(context.Background(), 1)
	require.NoError(t, err)
	assert.False(t, tk.UnstaffedAt.IsZero(), "remembered on the ticket")
}

// A volunteer on duty, or the desk closed, and nobody is told.
func TestOrganizersAreNotToldWhenSomeoneIsOnDutyOrTheDeskIsClosed(t *testing.T) {
	d, store, clock, m := staffedDesk(t)
	ctx := context.Background()
	require.NoError(t, store.PutUser(ctx, domain.User{ID: volunteer, Role: domain.RoleVolunteer, Language: "vi", DisplayName: "Lan", OnDuty: true}))
	resp := handle(t, d, handlers.Event{UserID: resident, Kind: handlers.EventCommand, Command: "ask"})
	assert.Contains(t, resp.Replies[0].Text, "chưa đủ số liệu", "too few questions yet to tell the usual wait")
	clock.Advance(20 * time.Minute)
	assert.Empty(t, tick(t, d, m), "a volunteer is on duty")

	// 21:30: closed. A question asked now waits for the morning.
	require.NoError(t, store.PutUser(ctx, domain.User{ID: volunteer, Role: domain.RoleVolunteer, Language: "vi", DisplayName: "Lan"}))
	clock.Advance(13*time.Hour + 10*time.Minute)
	resp = handle(t, d, handlers.Event{UserID: resident + 1, Kind: handlers.EventCommand, Command: "ask"})
	assert.Contains(t, resp.Replies[0].Text, "sáng mai từ 7 giờ")
	clock.Advance(time.Hour)
	assert.Empty(t, tick(t, d, m), "the desk is closed")

	// 07:10 next morning: the night's questions count from 07:00.
	clock.Advance(8*time.Hour + 40*time.Minute)
	assert.Empty(t, tick(t, d, m), "ten minutes after opening")
	clock.Advance(5 * time.Minute)
	told := tick(t, d, m)
	require.Len(t, told, 1)
	assert.Contains(t, told[0], "#1, #2")
	assert.True(t, strings.HasPrefix(told[0], "⚠️"))
}
