package handlers

import (
	"context"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/flows"
	"github.com/hotroso/hotroso/locales"
	"github.com/hotroso/hotroso/storage/embedded"
)

// Who may use each command and each button: the desk's permissions, as a
// table. A route added without a line here, or a permission changed,
// fails TestEachRoleIsAllowedItsOwnAndRefusedTheRest.
var (
	everyone   = []domain.Role{domain.RoleResident, domain.RoleVolunteer, domain.RoleOrganizer}
	volunteers = []domain.Role{domain.RoleVolunteer, domain.RoleOrganizer}
	organizers = []domain.Role{domain.RoleOrganizer}
)

var commandPermissions = map[string][]domain.Role{
	"start": everyone, "menu": everyone, "help": everyone, "lang": everyone, "language": everyone, "forget": everyone,
	"ask": everyone, "cancel": everyone, "commune": everyone,
	"log": volunteers, "qr": volunteers,
	"queue": volunteers, "next": volunteers, "done": volunteers, "release": volunteers, "on": volunteers, "off": volunteers,
	"invite": organizers, "volunteers": organizers, "stats": organizers, "export": organizers, "broadcast": organizers,
}

// buttonPermissions gives, per button route, who may press it and data
// to press.
var buttonPermissions = map[string]struct {
	who  []domain.Role
	data string
}{
	"m": {everyone, menuButton.data(struct{}{})}, "l": {everyone, langPickerButton.data(struct{}{})}, "l:": {everyone, langButton.data("en")},
	"ask": {everyone, askButton.data(struct{}{})}, "forget:yes": {everyone, forgetYesButton.data(struct{}{})},
	"forget:no": {everyone, forgetNoButton.data(struct{}{})}, "cm": {everyone, communeAskButton.data(struct{}{})},
	"cm-": {everyone, communeSkipButton.data(struct{}{})}, "cm:": {everyone, communePickButton.data("16522")},
	"an:off": {everyone, announceOffButton.data(struct{}{})}, "an:on": {everyone, announceOnButton.data(struct{}{})},
	"ps:": {everyone, photoSendButton.data(7)}, "px": {everyone, photoSkipButton.data(struct{}{})},
	"rt:": {everyone, rateButton.data(idWord{1, "5"})}, "rw:": {everyone, workedButton.data(idWord{1, "yes"})},
	"fu:": {everyone, followUpAnswerButton.data(followUpAnswer{domain.FollowUpAccepted, "dossier"})},
	"fu-": {everyone, followUpStopButton.data(struct{}{})}, "fq:": {everyone, followUpAskButton.data(flowStep{"dossier", "sent_done"})},
	"f:": {everyone, flows.StartData("vneid")}, "c:": {everyone, flows.ChoiceData("vneid", "welcome", 0)},
	"b:": {everyone, flows.BackData("vneid", "prep")}, "r:": {everyone, flows.RestartData("vneid", "prep")},
	"k:": {everyone, flows.ContinueData("vneid")}, "a:": {everyone, flows.AskData("vneid", "prep")},
	"u:": {everyone, flows.UrgentData("sos", "cut_network")}, "v:": {everyone, flows.AnswerData("safety", "otp_1", 1)},
	"tc:": {volunteers, claimButton.data(1)}, "tw:": {volunteers, switchButton.data(1)}, "tf:": {volunteers, fullButton.data(1)},
	"qv":  {volunteers, queueButton.data(struct{}{})},
	"td:": {volunteers, doneButton.data(idWord{1, domain.OutcomeSolved})},
	"lt:": {volunteers, logTopicButton.data(domain.TopicPayment)}, "lc:": {volunteers, logCommuneButton.data("16522")},
	"lc-": {volunteers, logOtherCommuneButton.data(struct{}{})}, "lp:": {volunteers, logPeopleButton.data(3)},
	"lp-": {volunteers, logOtherPeopleButton.data(struct{}{})}, "ln:": {volunteers, logNoteButton.data("mmi0pgl4-butyg7fgkny4")},
	"lu:": {volunteers, logUndoButton.data("mmi0pgl4-butyg7fgkny4")}, "qr:": {volunteers, qrCommuneButton.data("16522")},
	"vr:": {organizers, removeVolunteerButton.data(500)}, "ip": {organizers, inviteProvinceButton.data(struct{}{})},
	"io:": {organizers, inviteOrganizerButton.data("16522")},
	"wk:": {organizers, weeklyCSVButton.data("20260302")},
	"ba:": {organizers, bcAudienceButton.data(idWord{1, audienceAll})}, "bf:": {organizers, bcFlowButton.data(idWord{1, "vneid"})},
	"bm:": {organizers, bcCommuneButton.data(idWord{1, "16522"})}, "bg:": {organizers, bcGoButton.data(1)},
	"bq:": {organizers, bcForceButton.data(1)}, "bs:": {organizers, bcScheduleButton.data(1)},
	"bx:": {organizers, bcCancelButton.data(1)}, "bp:": {organizers, bcPauseButton.data(1)}, "br:": {organizers, bcResumeButton.data(1)},
}

// refusedForTheTicket are buttons whose handler refuses, past the router,
// whoever presses them on a ticket that is not theirs: ticket 1 of the
// table belongs to nobody who presses.
var refusedForTheTicket = map[string]bool{"rt:": true, "rw:": true, "td:": true, "tw:": true, "ln:": true, "lu:": true}

// recordingMessenger takes what the desk sends to other chats.
type recordingMessenger struct{ sent int }

func (m *recordingMessenger) Send(context.Context, Reply) (int, error)                   { m.sent++; return m.sent, nil }
func (m *recordingMessenger) Edit(context.Context, int64, int, string, [][]Button) error { return nil }
func (m *recordingMessenger) Copy(context.Context, int64, int64, int, string) error      { return nil }
func (m *recordingMessenger) BotUsername() string                                        { return "hotroso_test_bot" }

// roleDesk is a desk on a fresh embedded store with one user of each role.
// reset puts the users back as they were (a press of the table may have
// erased one, or changed their language).
func roleDesk(t *testing.T) (d *Desk, users map[domain.Role]int64, reset func()) {
	t.Helper()
	store, err := embedded.Open(filepath.Join(t.TempDir(), "roles.db"))
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	texts, err := locales.Load()
	require.NoError(t, err)
	lib, err := flows.Load(flows.Embedded(), texts.Languages(), flows.WordsFrom(texts))
	require.NoError(t, err)
	users = map[domain.Role]int64{domain.RoleResident: 41, domain.RoleVolunteer: 500, domain.RoleOrganizer: 900}
	reset = func() {
		ctx := context.Background()
		for role, id := range users {
			require.NoError(t, store.PutUser(ctx, domain.User{ID: id, Role: role, DisplayName: "Lan", Language: "vi"}))
		}
	}
	reset()
	d = New(Config{Store: store, Messenger: &recordingMessenger{}, Texts: texts, Flows: lib, Organizers: []int64{900},
		ClaimTimeout: 15 * time.Minute, MaxOpenClaims: 3, EscalateAfter: 30 * time.Minute, InviteTTL: 48 * time.Hour, BroadcastRate: 25,
		Now: func() time.Time { return time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC) }})
	return d, users, reset
}

// refused reports whether the desk refused the request as not allowed, in
// any language (a button of the table switches the user's).
func refused(d *Desk, resp Response) bool {
	for _, lang := range d.texts.Languages() {
		if resp.Notice == d.texts.T(lang, "auth.refused") || (len(resp.Replies) > 0 && resp.Replies[0].Text == d.texts.T(lang, "auth.refused_long")) {
			return true
		}
	}
	return false
}

// Each command and each button: every role it allows gets an answer that
// is no refusal, every other role is refused; and the table above names
// every route the roles declare.
func TestEachRoleIsAllowedItsOwnAndRefusedTheRest(t *testing.T) {
	d, users, reset := roleDesk(t)
	var routed []string
	for name := range d.routes.commands {
		routed = append(routed, "/"+name)
	}
	for prefix := range d.routes.buttons {
		routed = append(routed, prefix)
	}
	var listed []string
	for name := range commandPermissions {
		listed = append(listed, "/"+name)
	}
	for prefix := range buttonPermissions {
		listed = append(listed, prefix)
	}
	sort.Strings(routed)
	sort.Strings(listed)
	require.Equal(t, listed, routed, "every route has its permissions in the table")

	ctx := context.Background()
	for name, who := range commandPermissions {
		for role, id := range users {
			reset()
			resp, err := d.Handle(ctx, Event{ChatID: id, UserID: id, Kind: EventCommand, Command: name, Text: "/" + name})
			require.NoError(t, err, "/%s as %s", name, role)
			assert.Equal(t, !contains(who, role), refused(d, resp), "/%s as %s", name, role)
			assert.True(t, resp.Notice != "" || len(resp.Replies) > 0, "/%s as %s gets an answer", name, role)
		}
	}
	for prefix, b := range buttonPermissions {
		for role, id := range users {
			reset()
			resp, err := d.Handle(ctx, Event{ChatID: id, UserID: id, Kind: EventButton, Data: b.data})
			require.NoError(t, err, "%s as %s", b.data, role)
			if !contains(b.who, role) {
				assert.True(t, refused(d, resp), "%s (%s) as %s is refused", b.data, prefix, role)
			} else if !refusedForTheTicket[prefix] {
				assert.False(t, refused(d, resp), "%s (%s) as %s is allowed", b.data, prefix, role)
			}
			assert.True(t, resp.Notice != "" || len(resp.Replies) > 0, "%s as %s gets an answer", b.data, role)
		}
	}
}

func contains(roles []domain.Role, role domain.Role) bool {
	for _, r := range roles {
		if r == role {
			return true
		}
	}
	return false
}
