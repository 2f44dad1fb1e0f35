package handlers_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/flows"
	"github.com/hotroso/hotroso/handlers"
	"github.com/hotroso/hotroso/storage"
)

// sent is one message the recording messenger delivered.
type sent struct {
	chatID int64
	id     int
	text   string
	edit   bool
}

// recorder is a Messenger that records instead of sending.
type recorder struct {
	mu   sync.Mutex
	next int
	log  []sent
}

func (m *recorder) Send(_ context.Context, r handlers.Reply) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.next++
	m.log = append(m.log, sent{chatID: r.ChatID, id: m.next, text: r.Text})
	return m.next, nil
}

func (m *recorder) Edit(_ context.Context, chatID int64, messageID int, text string, _ [][]handlers.Button) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.log = append(m.log, sent{chatID: chatID, id: messageID, text: text, edit: true})
	return nil
}

func (m *recorder) Copy(_ context.Context, to, _ int64, _ int, caption string) error {
	_, err := m.Send(context.Background(), handlers.Reply{ChatID: to, Text: caption})
	return err
}

func (m *recorder) BotUsername() string { return "hotroso_test_bot" }

// to returns what was sent (not edited) to a chat, and forgets the log.
func (m *recorder) take() []sent {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.log
	m.log = nil
	return out
}

func textsTo(log []sent, chatID int64) []string {
	var out []string
	for _, s := range log {
		if s.chatID == chatID {
			out = append(out, s.text)
		}
	}
	return out
}

const (
	group     = -100500
	organizer = 900
	volunteer = 500
	resident  = 41
)

func deskWithVolunteer(t *testing.T) (*handlers.Desk, storage.Store, clockAdvancer, *recorder) {
	t.Helper()
	m := &recorder{}
	d, store, clock := newDeskWith(t, handlers.Config{VolunteerChatID: group, Organizers: []int64{organizer}, Messenger: m})
	ctx := context.Background()
	require.NoError(t, store.PutUser(ctx, domain.User{ID: volunteer, Role: domain.RoleVolunteer, Language: "vi", DisplayName: "Lan - Đoàn xã Thọ Xuân", OnDuty: true}))
	return d, store, clock, m
}

func handle(t *testing.T, d *handlers.Desk, ev handlers.Event) handlers.Response {
	t.Helper()
	if ev.ChatID == 0 {
		ev.ChatID = ev.UserID
	}
	resp, err := d.Handle(context.Background(), ev)
	require.NoError(t, err)
	return resp
}

func TestLeaseLapsesThenTheTicketIsEscalated(t *testing.T) {
	ctx := context.Background()
	d, store, clock, m := deskWithVolunteer(t)

	press(t, d, resident, flows.StartData("vneid"))
	press(t, d, resident, flows.AskData("vneid", "welcome"))
	log := m.take()
	require.Len(t, textsTo(log, group), 1, "a card in the volunteer group")
	assert.Contains(t, textsTo(log, group)[0], "#1")

	resp := handle(t, d, handlers.Event{UserID: volunteer, ChatID: group, Group: true, Kind: handlers.EventButton, Data: "tc:1"})
	assert.Equal(t, "Bạn đã nhận câu hỏi. Xem tin nhắn riêng.", resp.Notice)
	m.take()

	clock.Advance(14 * time.Minute)
	lapsed, escalated, err := d.Tick(ctx)
	require.NoError(t, err)
	assert.Equal(t, [2]int{0, 0}, [2]int{lapsed, escalated}, "the lease still runs")

	clock.Advance(2 * time.Minute)
	lapsed, escalated, err = d.Tick(ctx)
	require.NoError(t, err)
	assert.Equal(t, [2]int{1, 0}, [2]int{lapsed, escalated})
	tk, err := store.GetTicket(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, domain.TicketOpen, tk.State)
	assert.Zero(t, tk.VolunteerID)
	log = m.take()
	assert.Contains(t, strings.Join(textsTo(log, resident), "\n"), "được chuyển cho bạn khác", "the resident is told")
	assert.Contains(t, strings.Join(textsTo(log, volunteer), "\n"), "về lại hàng chờ", "the volunteer is told")
	assert.Len(t, textsTo(log, group), 1, "announced again")
	claims, err := store.ClaimsOf(ctx, volunteer)
	require.NoError(t, err)
	assert.Empty(t, claims)

	clock.Advance(29 * time.Minute)
	_, escalated, err = d.Tick(ctx)
	require.NoError(t, err)
	assert.Zero(t, escalated)
	clock.Advance(2 * time.Minute)
	_, escalated, err = d.Tick(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, escalated)
	log = m.take()
	assert.Contains(t, strings.Join(textsTo(log, organizer), "\n"), "Câu hỏi #1 đã chờ", "organizers are told")
	assert.Contains(t, strings.Join(textsTo(log, group), "\n"), "⏰ Đã chờ", "announced again, marked")
	_, escalated, err = d.Tick(ctx)
	require.NoError(t, err)
	assert.Zero(t, escalated, "escalated once")
}

func TestAReplyEndsTheLease(t *testing.T) {
	ctx := context.Background()
	d, store, clock, m := deskWithVolunteer(t)
	press(t, d, resident, flows.StartData("safety"))
	press(t, d, resident, "ask")
	handle(t, d, handlers.Event{UserID: volunteer, Kind: handlers.EventButton, Data: "tc:1"})
	resp := handle(t, d, handlers.Event{UserID: volunteer, Kind: handlers.EventText, Text: "Chào bác, bác cần gì ạ?"})
	require.Len(t, resp.Replies, 1)
	assert.Equal(t, int64(resident), resp.Replies[0].ChatID)
	assert.Equal(t, "🙋 Lan - Đoàn xã Thọ Xuân: Chào bác, bác cần gì ạ?", resp.Replies[0].Text)
	m.take()

	clock.Advance(time.Hour)
	lapsed, _, err := d.Tick(ctx)
	require.NoError(t, err)
	assert.Zero(t, lapsed)
	tk, err := store.GetTicket(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, domain.TicketClaimed, tk.State)
}

func TestOnlyVolunteersClaimAndOnlyTheClaimantCloses(t *testing.T) {
	d, store, _, _ := deskWithVolunteer(t)
	ctx := context.Background()
	press(t, d, resident, "ask")
	const stranger = 77
	resp := handle(t, d, handlers.Event{UserID: stranger, Kind: handlers.EventButton, Data: "tc:1"})
	assert.Equal(t, "Bạn không có quyền làm việc này", resp.Notice)
	resp = handle(t, d, handlers.Event{UserID: stranger, Kind: handlers.EventCommand, Command: "next"})
	assert.Contains(t, resp.Replies[0].Text, "chỉ dành cho tình nguyện viên")
	resp = handle(t, d, handlers.Event{UserID: stranger, Kind: handlers.EventCommand, Command: "invite"})
	assert.Contains(t, resp.Replies[0].Text, "chỉ dành cho tình nguyện viên hoặc người tổ chức")

	handle(t, d, handlers.Event{UserID: volunteer, Kind: handlers.EventButton, Data: "tc:1"})
	require.NoError(t, store.PutUser(ctx, domain.User{ID: 501, Role: domain.RoleVolunteer, DisplayName: "Minh"}))
	resp = handle(t, d, handlers.Event{UserID: 501, Kind: handlers.EventButton, Data: "td:1:solved"})
	assert.Equal(t, "Bạn không có quyền làm việc này", resp.Notice, "another volunteer cannot close it")
	resp = handle(t, d, handlers.Event{UserID: resident, Kind: handlers.EventButton, Data: "td:1:solved"})
	assert.Equal(t, "Bạn không có quyền làm việc này", resp.Notice, "nor can the resident")
	resp = handle(t, d, handlers.Event{UserID: volunteer, Kind: handlers.EventButton, Data: "td:1:bogus"})
	assert.Equal(t, "Bạn không có quyền làm việc này", resp.Notice, "nor a forged outcome")
	tk, err := store.GetTicket(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, domain.TicketClaimed, tk.State)
	resp = handle(t, d, handlers.Event{UserID: 501, Kind: handlers.EventButton, Data: "tc:1"})
	assert.Equal(t, "Lan - Đoàn xã Thọ Xuân đã nhận câu hỏi này rồi.", resp.Notice)
}

func TestMaxOpenClaims(t *testing.T) {
	d, _, _, _ := deskWithVolunteer(t)
	for i := range 4 {
		press(t, d, int64(60+i), "ask")
	}
	for i := 1; i <= 3; i++ {
		resp := handle(t, d, handlers.Event{UserID: volunteer, Kind: handlers.EventCommand, Command: "next"})
		require.NotEmpty(t, resp.Replies)
		assert.Contains(t, resp.Replies[0].Text, "❓ Câu hỏi #")
	}
	resp := handle(t, d, handlers.Event{UserID: volunteer, Kind: handlers.EventCommand, Command: "next"})
	assert.Contains(t, resp.Replies[0].Text, "đang giữ 3 câu hỏi")
}

func TestVolunteerLinksOutsideTheAllowListAreHeldBack(t *testing.T) {
	d, _, _, _ := deskWithVolunteer(t)
	press(t, d, resident, "ask")
	handle(t, d, handlers.Event{UserID: volunteer, Kind: handlers.EventButton, Data: "tc:1"})
	resp := handle(t, d, handlers.Event{UserID: volunteer, Kind: handlers.EventText, Text: "Bác vào https://vneid-capnhat.com/login nhé"})
	require.Len(t, resp.Replies, 1)
	assert.Equal(t, int64(volunteer), resp.Replies[0].ChatID, "held back: only the volunteer hears of it")
	assert.Contains(t, resp.Replies[0].Text, "vneid-capnhat.com")
	resp = handle(t, d, handlers.Event{UserID: volunteer, Kind: handlers.EventText, Text: "Trang chính thức: https://dichvucong.gov.vn/p/home"})
	assert.Equal(t, int64(resident), resp.Replies[0].ChatID)

	resp = handle(t, d, handlers.Event{UserID: resident, Kind: handlers.EventText, Text: "họ gửi em link bit.ly/abc và mã OTP 123456"})
	var toVolunteer string
	for _, r := range resp.Replies {
		if r.ChatID == volunteer {
			toVolunteer = r.Text
		}
	}
	assert.Contains(t, toVolunteer, "chưa kiểm chứng")
	assert.NotContains(t, toVolunteer, "123456")
}

func TestThousandConcurrentClaimsHaveOneWinner(t *testing.T) {
	d, store, _, _ := deskWithVolunteer(t)
	ctx := context.Background()
	for v := int64(1); v <= 50; v++ {
		require.NoError(t, store.PutUser(ctx, domain.User{ID: 1000 + v, Role: domain.RoleVolunteer, DisplayName: "TNV"}))
	}
	press(t, d, resident, "ask")
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins []int64
	)
	for i := range 1000 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := 1001 + int64(i%50)
			resp, err := d.Handle(ctx, handlers.Event{UserID: v, ChatID: v, Kind: handlers.EventButton, Data: "tc:1"})
			if err != nil {
				t.Error(err)
				return
			}
			if resp.Notice == "Bạn đã nhận câu hỏi. Xem tin nhắn riêng." {
				mu.Lock()
				wins = append(wins, v)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	require.Len(t, wins, 1, "exactly one volunteer wins")
	tk, err := store.GetTicket(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, wins[0], tk.VolunteerID)
}

// kindlyStub is a desk whose Handle does what the test says.
type kindlyStub struct {
	handle func() (handlers.Response, error)
}

func (k kindlyStub) Handle(context.Context, handlers.Event) (handlers.Response, error) {
	return k.handle()
}
func (kindlyStub) Apology(handlers.Event) handlers.Reply { return handlers.Reply{Text: "sorry"} }
func (kindlyStub) Busy(handlers.Event) handlers.Reply    { return handlers.Reply{Text: "busy"} }

// Every channel answers a failure of the desk the same kind way: busy
// while the store is down, an apology for anything else, a panic included.
func TestHandleKindlyTurnsFailuresIntoKindAnswers(t *testing.T) {
	ok := handlers.Response{Notice: "fine"}
	cases := map[string]struct {
		handle func() (handlers.Response, error)
		want   string
	}{
		"store down": {func() (handlers.Response, error) { return ok, storage.ErrUnavailable }, "busy"},
		"failure":    {func() (handlers.Response, error) { return ok, errors.New("bug") }, "sorry"},
		"panic":      {func() (handlers.Response, error) { panic("bug") }, "sorry"},
	}
	for name, c := range cases {
		resp, err := handlers.HandleKindly(context.Background(), kindlyStub{c.handle}, handlers.Event{})
		require.Error(t, err, name)
		require.Len(t, resp.Replies, 1, name)
		assert.Equal(t, c.want, resp.Replies[0].Text, name)
	}
	resp, err := handlers.HandleKindly(context.Background(), kindlyStub{func() (handlers.Response, error) { return ok, nil }}, handlers.Event{})
	require.NoError(t, err)
	assert.Equal(t, ok, resp)
}
