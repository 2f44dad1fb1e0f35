package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/hotroso/hotroso/broadcast"
	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/flows"
	"github.com/hotroso/hotroso/locales"
	"github.com/hotroso/hotroso/places"
	"github.com/hotroso/hotroso/storage"
)

// Config is what a Desk needs.
type Config struct {
	Store storage.Store
	// Messenger reaches chats other than the one an event came from: the
	// channel's (bot.Bot's, the terminal's).
	Messenger Messenger
	Texts     *locales.Catalog
	Flows     *flows.Library
	// DefaultLanguage is used for users whose messenger reports no language
	// the bot speaks. Default "vi".
	DefaultLanguage string
	// Now is the clock. Default time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// Organizers are the user ids with organizer rights.
	Organizers []int64
	// VolunteerChatID is the group where question cards are posted; 0:
	// cards go to each volunteer on duty.
	VolunteerChatID int64
	// The settings below have no defaults here: the program's settings
	// (cmd/hotroso) declare them once, and pass them all.
	//
	// ClaimTimeout is how long a claim lasts without a reply to the
	// resident.
	ClaimTimeout time.Duration
	// MaxOpenClaims bounds the tickets one volunteer holds.
	MaxOpenClaims int
	// EscalateAfter is how long a ticket may wait unclaimed before it is
	// announced again and organizers are told.
	EscalateAfter time.Duration
	// InviteTTL is how long a volunteer invite link works.
	InviteTTL time.Duration
	// LinkAllowlist are the domains whose links a volunteer may send to a
	// resident (a domain allows its subdomains); none when empty.
	LinkAllowlist []string
	// BroadcastRate is the broadcast rate in messages per second, for the
	// organizer's time estimate.
	BroadcastRate float64
	// Places are the communes residents choose from. Default: the built-in
	// list.
	Places *places.List
	// Quiet are the quiet hours, when broadcasts wait unless forced; its
	// Location is also the time zone organizers type times in.
	Quiet broadcast.QuietHours
	// DeskHours are when volunteers staff the desk: outside them, and when
	// nobody is on duty in them, a resident who asks is told when an
	// answer is likely and what to do if it is urgent. Zero: always.
	DeskHours DeskHours
	// Limits bound each resident's messages and questions.
	Limits ResidentLimits
}

// Desk handles every event of every chat: a router in front of the desk's
// roles (resident, volunteer, organizer, broadcasts), each of which
// declares its own commands, buttons and awaited inputs. It holds no
// per-chat state in memory: all of it is in the store, so several
// instances can share one. Handle is safe for concurrent use across chats;
// the caller serialises the events of one chat.
type Desk struct {
	*base
	resident   *residentDesk
	volunteer  *volunteerDesk
	organizer  *organizerDesk
	broadcasts *broadcastDesk
	routes     *router
}

// base is what every role's handlers share: the store, the texts, the
// flows, the clock and the messenger, and the helpers over them (replies,
// sessions, ticket cards, notices to other chats).
type base struct {
	store       storage.Store
	texts       *locales.Catalog
	flows       *flows.Library
	defaultLang string
	now         func() time.Time
	log         *slog.Logger
	cfg         Config
	organizers  map[int64]bool
	messenger   Messenger
	salt        saltCache
	waits       waitCache
	places      *places.List
	funnel      *funnelQueue
}

// New builds a Desk.
func New(cfg Config) *Desk {
	if cfg.Places == nil {
		cfg.Places = places.Default()
	}
	d := &base{store: cfg.Store, texts: cfg.Texts, flows: cfg.Flows, defaultLang: cfg.DefaultLanguage, now: cfg.Now, log: cfg.Logger,
		cfg: cfg, organizers: map[int64]bool{}, places: cfg.Places, messenger: cfg.Messenger, funnel: newFunnelQueue()}
	for _, id := range cfg.Organizers {
		d.organizers[id] = true
	}
	if d.defaultLang == "" || !d.texts.Has(d.defaultLang) {
		d.defaultLang = locales.Default
	}
	if d.now == nil {
		d.now = time.Now
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	desk := &Desk{base: d, resident: &residentDesk{d}, volunteer: &volunteerDesk{d}, organizer: &organizerDesk{d}, broadcasts: &broadcastDesk{d}}
	desk.routes = desk.newRouter()
	return desk
}

// The desk's roles, each a set of handlers over the shared base.
type (
	// residentDesk is what residents do: the menu, flows, questions,
	// ratings, their commune and language, erasing their data.
	residentDesk struct{ *base }
	// volunteerDesk is what volunteers do: join, take and answer
	// questions, close or release them, go on and off duty.
	volunteerDesk struct{ *base }
	// organizerDesk is what organizers do besides broadcasts: invite and
	// remove volunteers, read reports.
	organizerDesk struct{ *base }
	// broadcastDesk prepares, confirms and controls announcements.
	broadcastDesk struct{ *base }
)

// request is one event being handled, with what the desk knows of its user.
// ChatID is where replies go: the user's private chat, also for what a
// volunteer does in the volunteer group.
type request struct {
	Event
	user domain.User
	lang string
}

// Handle answers one event. An error means the event could not be handled
// (e.g. the store is unavailable); the caller then tells the user so.
func (d *Desk) Handle(ctx context.Context, ev Event) (Response, error) {
	inVolunteerGroup := ev.Group && d.cfg.VolunteerChatID != 0 && ev.ChatID == d.cfg.VolunteerChatID
	if ev.Group && !inVolunteerGroup {
		return d.handleGroup(ctx, ev), nil
	}
	chat := ev.ChatID
	if inVolunteerGroup {
		chat = ev.UserID // the group's commands are answered in private
	}
	state, err := d.store.ChatState(ctx, ev.UserID, chat)
	if err != nil {
		return Response{}, fmt.Errorf("handlers: load user and session: %w", err)
	}
	ctx = withPrefetched(ctx, chat, state)
	user, err := d.userFor(ctx, ev, state)
	if err != nil {
		return Response{}, err
	}
	r := &request{Event: ev, user: user, lang: user.Language}
	if inVolunteerGroup {
		return d.volunteerGroup(ctx, r)
	}
	if ev.Kind == EventText || ev.Kind == EventMedia {
		if resp, limited := d.overMessageLimit(ctx, r); limited {
			return resp, nil
		}
	}
	switch ev.Kind {
	case EventCommand:
		return d.command(ctx, r)
	case EventButton:
		return d.button(ctx, r)
	case EventText:
		return d.text(ctx, r)
	case EventMedia:
		return d.media(ctx, r)
	}
	return d.reply(r, d.t(r, "unknown.text"), d.menuButtons(r, domain.Session{})), nil
}

// volunteerGroup handles what happens in the volunteer group: claim buttons
// on cards, and volunteer commands, answered in the volunteer's private
// chat. Everything else there is conversation among volunteers.
func (d *Desk) volunteerGroup(ctx context.Context, r *request) (Response, error) {
	r.ChatID = r.UserID
	switch {
	case r.Kind == EventButton:
		return d.button(ctx, r)
	case r.Kind == EventCommand:
		return d.command(ctx, r)
	}
	return Response{}, nil
}

// userFor loads the user, creating a resident on first contact with the
// language their messenger reports (if the bot speaks it). A user who had
// blocked the bot and writes again is active again.
func (d *Desk) userFor(ctx context.Context, ev Event, state storage.ChatState) (domain.User, error) {
	u := state.User
	switch {
	case !state.HasUser:
		now := d.now()
		u = domain.User{ID: ev.UserID, Role: domain.RoleResident, Language: d.languageFor(ev.LanguageCode), CreatedAt: now, UpdatedAt: now}
		if d.organizers[u.ID] {
			u.Role = domain.RoleOrganizer
		}
		if err := d.store.PutUser(ctx, u); err != nil {
			return u, fmt.Errorf("handlers: create user: %w", err)
		}
		return u, nil
	}
	// An organizer by invite (Invited, or a commune's organizer with a
	// Scope) is not from ORGANIZER_IDS and stays one when they change;
	// one of ORGANIZER_IDS is province-wide, not invited.
	fromList := u.Role == domain.RoleOrganizer && !u.Invited && u.Scope == ""
	if d.organizers[u.ID] != fromList {
		// ORGANIZER_IDS changed since the user was stored (ORGANIZER_IDS
		// are province-wide).
		switch {
		case d.organizers[u.ID]:
			u.Role, u.Scope, u.Invited = domain.RoleOrganizer, "", false
		case u.DisplayName != "":
			u.Role = domain.RoleVolunteer
		default:
			u.Role = domain.RoleResident
		}
		u.UpdatedAt = d.now()
		if err := d.store.PutUser(ctx, u); err != nil {
			return u, fmt.Errorf("handlers: update role: %w", err)
		}
	}
	if u.Blocked {
		if err := d.store.SetBlocked(ctx, u.ID, false); err != nil {
			return u, fmt.Errorf("handlers: unblock user: %w", err)
		}
		u.Blocked = false
	}
	if u.Language == "" {
		u.Language = d.languageFor(ev.LanguageCode)
	}
	return u, nil
}

// languageFor picks the language of a new user: English when the messenger
// reports an English-speaking user, else the default.
func (d *base) languageFor(code string) string {
	if lang := d.texts.Match(code); lang != "" && lang != locales.Default {
		return lang
	}
	return d.defaultLang
}

// Apology is what a user is told when handling their event failed
// unexpectedly. It needs no store, so it works when the store is down.
func (d *Desk) Apology(ev Event) Reply {
	return Reply{ChatID: ev.ChatID, Text: d.texts.T(d.languageFor(ev.LanguageCode), "error.apology")}
}

// Busy is what a user is told when the store is unavailable.
func (d *Desk) Busy(ev Event) Reply {
	return Reply{ChatID: ev.ChatID, Text: d.texts.T(d.languageFor(ev.LanguageCode), "error.busy")}
}

func (d *base) t(r *request, key string, args ...string) string {
	return d.texts.T(r.lang, key, args...)
}

func (d *base) reply(r *request, text string, buttons [][]Button) Response {
	return Response{Replies: []Reply{{ChatID: r.ChatID, Text: text, Buttons: buttons}}}
}

// prefetched is the chat's session as Desk.Handle read it with the user,
// for the handling's first session read: one round trip to the store
// instead of two.
type prefetched struct {
	chatID int64
	state  storage.ChatState
	used   atomic.Bool
}

type prefetchedKey struct{}

// withPrefetched carries the session read with the user in ctx.
func withPrefetched(ctx context.Context, chatID int64, state storage.ChatState) context.Context {
	return context.WithValue(ctx, prefetchedKey{}, &prefetched{chatID: chatID, state: state})
}

// takePrefetched gives the prefetched session of the chat once: later
// reads, after a save or a conflict, go to the store.
func takePrefetched(ctx context.Context, chatID int64) (domain.Session, bool, bool) {
	p, ok := ctx.Value(prefetchedKey{}).(*prefetched)
	if !ok || p.chatID != chatID || !p.used.CompareAndSwap(false, true) {
		return domain.Session{}, false, false
	}
	return p.state.Session, p.state.HasSession, true
}

// session loads the chat's session; a chat without one gets an empty one.
func (d *base) session(ctx context.Context, chatID int64) (domain.Session, error) {
	if s, found, ok := takePrefetched(ctx, chatID); ok {
		if !found {
			return domain.Session{ChatID: chatID}, nil
		}
		return s, nil
	}
	s, err := d.store.GetSession(ctx, chatID)
	if errors.Is(err, storage.ErrNotFound) {
		return domain.Session{ChatID: chatID}, nil
	}
	if err != nil {
		return s, fmt.Errorf("handlers: load session: %w", err)
	}
	return s, nil
}

// handleGroup answers in group chats only to the bot's own commands, asking
// to talk privately (once a minute at most: a group's flood of commands
// gets no flood of answers); ordinary group chatter is left alone.
func (d *Desk) handleGroup(ctx context.Context, ev Event) Response {
	lang := d.languageFor(ev.LanguageCode)
	switch {
	case ev.Kind == EventCommand && (ev.Command == "start" || ev.Command == "help" || ev.Command == "menu"):
		if !d.groupHintDue(ctx, ev.ChatID) {
			return Response{}
		}
		return Response{Replies: []Reply{{ChatID: ev.ChatID, Text: d.texts.T(lang, "group.private_only")}}}
	case ev.Kind == EventButton:
		return Response{Notice: d.texts.T(lang, "button.stale")}
	}
	return Response{}
}

// menu shows a text and the main menu; a chat part-way through a flow gets
// a "continue" button first.
func (d *base) menu(ctx context.Context, r *request, key string, args ...string) (Response, error) {
	s, err := d.session(ctx, r.ChatID)
	if err != nil {
		return Response{}, err
	}
	return d.reply(r, d.t(r, key, args...), d.menuButtons(r, s)), nil
}

// stale answers a button the desk cannot act on, and shows the menu.
func (d *base) stale(ctx context.Context, r *request) (Response, error) {
	resp, err := d.menu(ctx, r, "button.stale_menu")
	resp.Notice = d.t(r, "button.stale")
	return resp, err
}

// Kindly is a desk as a channel holds it: what it handles, and what it
// says when handling fails.
type Kindly interface {
	Handle(ctx context.Context, ev Event) (Response, error)
	Apology(ev Event) Reply
	Busy(ev Event) Reply
}

// HandleKindly has d handle ev and turns a failure into what the user
// reads: Busy while the store is unavailable, else Apology, a panic
// included. It returns the failure (a panic as an error carrying its
// stack) for the channel to log; the response is always one to send.
func HandleKindly(ctx context.Context, d Kindly, ev Event) (resp Response, err error) {
	defer func() {
		if p := recover(); p != nil {
			resp, err = Response{Replies: []Reply{d.Apology(ev)}}, fmt.Errorf("handler panicked: %v\n%s", p, debug.Stack())
		}
	}()
	resp, err = d.Handle(ctx, ev)
	switch {
	case err == nil:
	case errors.Is(err, storage.ErrUnavailable):
		resp = Response{Replies: []Reply{d.Busy(ev)}}
	default:
		resp = Response{Replies: []Reply{d.Apology(ev)}}
	}
	return resp, err
}
