package handlers

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/flows"
	"github.com/hotroso/hotroso/storage"
)

// The resident's buttons.
var (
	menuButton        = unit("m")
	langPickerButton  = unit("l")
	langButton        = wordCodec("l:", anyWord) // a language the catalog speaks; setLanguage checks it
	askButton         = unit("ask")
	forgetYesButton   = unit("forget:yes")
	forgetNoButton    = unit("forget:no")
	communeAskButton  = unit("cm")
	communeSkipButton = unit("cm-")
	communePickButton = wordCodec("cm:", anyWord) // a commune code; communePick checks it
	announceOffButton = unit("an:off")
	announceOnButton  = unit("an:on")
	photoSendButton   = idCodec("ps:") // the photo's message id
	photoSkipButton   = unit("px")
	rateButton        = idWordCodec("rt:", oneOf("1", "2", "3", "4", "5"))
	workedButton      = idWordCodec("rw:", oneOf("yes", "no"))
)

// flowCodec is a flow button of one kind, as package flows writes it.
func flowCodec(kind flows.ButtonKind) codec[flows.Button] {
	prefix := string(kind) + ":"
	return codec[flows.Button]{prefix: prefix,
		encode: func(b flows.Button) string { return b.Data()[len(prefix):] },
		decode: func(p string) (flows.Button, error) {
			b, ok := flows.ParseButton(prefix + p)
			if !ok || b.Kind != kind {
				return b, fmt.Errorf("handlers: %q is not a flow button", prefix+p)
			}
			return b, nil
		}}
}

// routes are the resident's commands, buttons and awaited input. Anyone
// may use them: volunteers and organizers are residents too.
func (d *residentDesk) routes() routes {
	rs := routes{
		commands: map[string]commandRoute{
			"menu":     {handle: func(ctx context.Context, r *request) (Response, error) { return d.menu(ctx, r, "menu.title") }},
			"help":     {handle: d.help},
			"lang":     {handle: func(_ context.Context, r *request) (Response, error) { return d.langPicker(r), nil }},
			"language": {handle: func(_ context.Context, r *request) (Response, error) { return d.langPicker(r), nil }},
			"forget":   {handle: func(_ context.Context, r *request) (Response, error) { return d.forgetAsk(r), nil }},
			"ask":      {handle: func(ctx context.Context, r *request) (Response, error) { return d.ask(ctx, r, false) }},
			"cancel":   {handle: d.cancel},
			"commune":  {handle: d.communeAsk},
		},
		buttons: []buttonRoute{
			on(menuButton, "menu", anyone, func(ctx context.Context, r *request, _ struct{}) (Response, error) {
				return d.menu(ctx, r, "menu.title")
			}),
			on(langPickerButton, "language", anyone, func(_ context.Context, r *request, _ struct{}) (Response, error) { return d.langPicker(r), nil }),
			on(langButton, "language", anyone, d.setLanguage),
			on(askButton, "ask", anyone, func(ctx context.Context, r *request, _ struct{}) (Response, error) { return d.ask(ctx, r, false) }),
			on(forgetYesButton, "forget", anyone, func(ctx context.Context, r *request, _ struct{}) (Response, error) { return d.forget(ctx, r) }),
			on(forgetNoButton, "forget", anyone, func(ctx context.Context, r *request, _ struct{}) (Response, error) {
				return d.menu(ctx, r, "forget.kept")
			}),
			on(communeAskButton, "commune", anyone, func(ctx context.Context, r *request, _ struct{}) (Response, error) { return d.communeAsk(ctx, r) }),
			on(communeSkipButton, "commune", anyone, func(ctx context.Context, r *request, _ struct{}) (Response, error) { return d.communeSkip(ctx, r) }),
			on(communePickButton, "commune", anyone, d.communePick),
			on(announceOffButton, "announcements", anyone, func(ctx context.Context, r *request, _ struct{}) (Response, error) {
				return d.setAnnouncements(ctx, r, false)
			}),
			on(announceOnButton, "announcements", anyone, func(ctx context.Context, r *request, _ struct{}) (Response, error) {
				return d.setAnnouncements(ctx, r, true)
			}),
			on(photoSendButton, "photo", anyone, d.photoSend),
			on(photoSkipButton, "photo", anyone, func(_ context.Context, r *request, _ struct{}) (Response, error) {
				return d.notice(r, d.t(r, "photo.skipped")), nil
			}),
			on(rateButton, "rate", anyone, func(ctx context.Context, r *request, v idWord) (Response, error) {
				stars, _ := strconv.Atoi(v.Word)
				return d.rate(ctx, r, v.ID, stars, "")
			}),
			on(workedButton, "rate", anyone, func(ctx context.Context, r *request, v idWord) (Response, error) {
				return d.rate(ctx, r, v.ID, 0, v.Word)
			}),
		},
		awaits: map[domain.AwaitKind]awaitRoute{
			domain.AwaitCommune: {handle: func(_ context.Context, r *request, _ domain.Awaiting) (Response, error) {
				return d.communeSearch(r), nil
			}},
		},
	}
	rs.buttons = append(rs.buttons, d.followUpButtons()...)
	for _, kind := range flows.ButtonKinds {
		route := on(flowCodec(kind), "flow", anyone, d.flowButton)
		route.forgedIsStale = true
		rs.buttons = append(rs.buttons, route)
	}
	return rs
}

func (d *residentDesk) start(ctx context.Context, r *request) (Response, error) {
	return d.menu(ctx, r, "start.greeting")
}

// help shows how to use the bot, and to volunteers and organizers their
// commands too.
func (d *residentDesk) help(ctx context.Context, r *request) (Response, error) {
	resp, err := d.menu(ctx, r, "help")
	if r.user.CanVolunteer() {
		resp.Replies = append(resp.Replies, Reply{ChatID: r.ChatID, Text: d.t(r, "help.volunteer")})
	}
	if r.user.CanOrganize() {
		resp.Replies = append(resp.Replies, Reply{ChatID: r.ChatID, Text: d.t(r, "help.organizer")})
	}
	return resp, err
}

func (d *residentDesk) langPicker(r *request) Response {
	var row []Button
	for _, lang := range d.texts.Languages() {
		row = append(row, Button{Label: d.texts.T(lang, "lang.name"), Data: langButton.data(lang)})
	}
	return d.reply(r, d.t(r, "lang.choose"), [][]Button{row})
}

func (d *residentDesk) setLanguage(ctx context.Context, r *request, lang string) (Response, error) {
	if !d.texts.Has(lang) {
		return d.stale(ctx, r)
	}
	r.user.Language, r.user.UpdatedAt = lang, d.now()
	if err := d.store.PutUser(ctx, r.user); err != nil {
		return Response{}, fmt.Errorf("handlers: save language: %w", err)
	}
	r.lang = lang
	resp, err := d.menu(ctx, r, "lang.set")
	resp.Notice = d.t(r, "lang.name")
	return resp, err
}

func (d *residentDesk) forgetAsk(r *request) Response {
	return d.reply(r, d.t(r, "forget.confirm"), [][]Button{
		{{Label: d.t(r, "forget.yes"), Data: forgetYesButton.data(struct{}{})}},
		{{Label: d.t(r, "forget.no"), Data: forgetNoButton.data(struct{}{})}},
	})
}

// forget erases everything stored about the user: their questions (an
// active one is withdrawn and its volunteer told, and every card of theirs
// in the volunteer group loses its text), the links from the assist log
// back to them, their session and their user record. A volunteer's claims
// go back to the queue first, their residents told. Anonymous records stay
// for the reports; the files are rewritten within SCRUB_EVERY.
func (d *residentDesk) forget(ctx context.Context, r *request) (Response, error) {
	if r.user.CanVolunteer() {
		if err := d.releaseClaims(ctx, r.UserID, "ask.volunteer_left"); err != nil {
			return Response{}, err
		}
	}
	hash, err := d.residentHash(ctx, r.UserID)
	if err != nil {
		return Response{}, err
	}
	erased, err := d.store.EraseResident(ctx, r.UserID, hash)
	if err != nil {
		return Response{}, fmt.Errorf("handlers: erase questions: %w", err)
	}
	for _, t := range erased {
		id := strconv.FormatInt(t.ID, 10)
		if t.State == domain.TicketClaimed {
			d.notifyUser(ctx, t.VolunteerID, "volunteer.resident_erased", "id", id)
			d.dropCurrent(ctx, t.VolunteerID, t.ID)
		}
		t.State = domain.TicketCanceled // no claim button on the card
		d.editCard(ctx, t, d.texts.T(d.defaultLang, "card.erased", "id", id))
	}
	if err := d.store.DeleteSession(ctx, r.ChatID); err != nil {
		return Response{}, fmt.Errorf("handlers: forget session: %w", err)
	}
	if err := d.store.DeleteUser(ctx, r.UserID); err != nil {
		return Response{}, fmt.Errorf("handlers: forget user: %w", err)
	}
	d.log.Info("user data erased", "questions", len(erased))
	return d.reply(r, d.t(r, "forget.done"), nil), nil
}

// unplaced answers text the desk cannot place: it keeps it (masked) as a
// draft and offers the menu and to send it to a volunteer.
func (d *residentDesk) unplaced(ctx context.Context, r *request, s domain.Session) (Response, error) {
	masked, hadSecrets := maskSecrets(r.Text)
	s.Draft = firstLine(masked, 1000)
	if _, err := d.store.SaveSession(ctx, s); err != nil && !errors.Is(err, storage.ErrConflict) {
		return Response{}, fmt.Errorf("handlers: keep draft: %w", err)
	}
	rows := append([][]Button{{{Label: d.t(r, "ask.send_draft"), Data: askButton.data(struct{}{})}}}, d.menuButtons(r, s)...)
	var replies []Reply
	if hadSecrets {
		replies = append(replies, Reply{ChatID: r.ChatID, Text: d.t(r, "privacy.masked")})
	}
	replies = append(replies, Reply{ChatID: r.ChatID, Text: d.t(r, "unknown.text"), Buttons: rows})
	return Response{Replies: replies}, nil
}

// LanguageButtonData is the data of the button that sets the user's
// language to lang, for a channel that offers the choice itself (the web
// chat's language switch).
func LanguageButtonData(lang string) string { return langButton.data(lang) }

// CommuneButtonData is the data of the button that sets the user's commune
// to the one with that code, for a channel that knows it from a link (the
// web chat's /chat/c/<code>).
func CommuneButtonData(code string) string { return communePickButton.data(code) }
