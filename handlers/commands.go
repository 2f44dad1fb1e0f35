package handlers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/flows"
	"github.com/hotroso/hotroso/privacy"
	"github.com/hotroso/hotroso/storage"
)

// Callback data of the desk's own buttons (flow buttons are encoded by
// package flows).
const (
	dataMenu         = "m"
	dataLangPicker   = "l"
	dataLangPrefix   = "l:"
	dataAsk          = "ask"
	dataForgetYes    = "forget:yes"
	dataForgetCancel = "forget:no"
)

// Command is a command users can type, with its description key in locales.
type Command struct {
	Name string
	// DescriptionKey is the locales key of the description shown in the
	// messenger's command menu.
	DescriptionKey string
}

// ResidentCommands are the commands registered in the messenger's command
// menu for every user.
var ResidentCommands = []Command{
	{"start", "command.start"},
	{"menu", "command.menu"},
	{"ask", "command.ask"},
	{"cancel", "command.cancel"},
	{"commune", "command.commune"},
	{"help", "command.help"},
	{"lang", "command.lang"},
	{"forget", "command.forget"},
}

// CommandDescriptions returns each resident command's description in lang.
func (d *Desk) CommandDescriptions(lang string) map[string]string {
	out := make(map[string]string, len(ResidentCommands))
	for _, c := range ResidentCommands {
		out[c.Name] = d.texts.T(lang, c.DescriptionKey)
	}
	return out
}

func (d *Desk) command(ctx context.Context, r *request) (Response, error) {
	if (volunteerCommands[r.Command] && !r.user.CanVolunteer()) || (organizerCommands[r.Command] && !r.user.CanOrganize()) {
		return d.refuse(r, "/"+r.Command), nil
	}
	switch r.Command {
	case "start":
		if code, ok := strings.CutPrefix(r.Args, invitePrefix); ok {
			return d.join(ctx, r, code)
		}
		return d.start(ctx, r)
	case "ask":
		return d.ask(ctx, r, false)
	case "commune":
		return d.communeAsk(ctx, r)
	case "cancel":
		return d.cancel(ctx, r)
	case "queue":
		return d.queue(ctx, r)
	case "next":
		return d.next(ctx, r)
	case "done":
		return d.doneAsk(ctx, r)
	case "release":
		return d.release(ctx, r)
	case "on", "off":
		return d.setDuty(ctx, r, r.Command == "on")
	case "invite":
		return d.invite(ctx, r)
	case "broadcast":
		return d.broadcastStart(ctx, r)
	case "stats":
		return d.stats(ctx, r)
	case "export":
		return d.export(ctx, r)
	case "volunteers":
		return d.volunteers(ctx, r)
	case "menu":
		return d.menu(ctx, r, "menu.title")
	case "help":
		if r.user.CanVolunteer() {
			resp, err := d.menu(ctx, r, "help")
			resp.Replies = append(resp.Replies, Reply{ChatID: r.ChatID, Text: d.t(r, "help.volunteer")})
			if r.user.CanOrganize() {
				resp.Replies = append(resp.Replies, Reply{ChatID: r.ChatID, Text: d.t(r, "help.organizer")})
			}
			return resp, err
		}
		return d.menu(ctx, r, "help")
	case "lang", "language":
		return d.langPicker(r), nil
	case "forget":
		return d.forgetAsk(r), nil
	}
	return d.menu(ctx, r, "unknown.command")
}

func (d *Desk) start(ctx context.Context, r *request) (Response, error) {
	return d.menu(ctx, r, "start.greeting")
}

// menu shows a text and the main menu; a chat part-way through a flow gets
// a "continue" button first.
func (d *Desk) menu(ctx context.Context, r *request, key string, args ...string) (Response, error) {
	s, err := d.session(ctx, r.ChatID)
	if err != nil {
		return Response{}, err
	}
	return d.reply(r, d.t(r, key, args...), d.menuButtons(r, s)), nil
}

func (d *Desk) langPicker(r *request) Response {
	var row []Button
	for _, lang := range d.texts.Languages() {
		row = append(row, Button{Label: d.texts.T(lang, "lang.name"), Data: dataLangPrefix + lang})
	}
	return d.reply(r, d.t(r, "lang.choose"), [][]Button{row})
}

func (d *Desk) setLanguage(ctx context.Context, r *request, lang string) (Response, error) {
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

func (d *Desk) forgetAsk(r *request) Response {
	return d.reply(r, d.t(r, "forget.confirm"), [][]Button{
		{{Label: d.t(r, "forget.yes"), Data: dataForgetYes}},
		{{Label: d.t(r, "forget.no"), Data: dataForgetCancel}},
	})
}

// forget erases everything stored about the user: their session and their
// user record. Anonymous funnel events hold nothing that points to them.
func (d *Desk) forget(ctx context.Context, r *request) (Response, error) {
	if err := d.store.DeleteSession(ctx, r.ChatID); err != nil {
		return Response{}, fmt.Errorf("handlers: forget session: %w", err)
	}
	if err := d.store.DeleteUser(ctx, r.UserID); err != nil {
		return Response{}, fmt.Errorf("handlers: forget user: %w", err)
	}
	d.log.Info("user data erased")
	return d.reply(r, d.t(r, "forget.done"), nil), nil
}

// text handles typed text, in this order: a display name the desk asked
// for; a volunteer's message to the resident they help; a resident's
// message to their open question; an answer the current flow step expects;
// else a kind hint, the menu, and an offer to send the text to a volunteer.
func (d *Desk) text(ctx context.Context, r *request) (Response, error) {
	s, err := d.session(ctx, r.ChatID)
	if err != nil {
		return Response{}, err
	}
	switch {
	case s.Awaiting.Is(domain.AwaitName) && r.user.CanVolunteer():
		return d.setName(ctx, r)
	case s.Awaiting.Is(domain.AwaitCommune):
		return d.communeSearch(r), nil
	case s.Awaiting.Is(domain.AwaitBroadcast) && r.user.CanOrganize():
		return d.broadcastContent(ctx, r)
	case s.Awaiting.Is(domain.AwaitBroadcastCommune) && r.user.CanOrganize():
		return d.broadcastCommuneSearch(r, s.Awaiting.Broadcast), nil
	case s.Awaiting.Is(domain.AwaitBroadcastTime) && r.user.CanOrganize():
		return d.broadcastTime(ctx, r, s.Awaiting.Broadcast)
	}
	if t, ok, err := d.heldTicket(ctx, r, s); err != nil {
		return Response{}, err
	} else if ok {
		return d.fromVolunteer(ctx, r, t)
	}
	t, err := d.store.ActiveTicketOf(ctx, r.UserID)
	switch {
	case err == nil:
		return d.fromResident(ctx, r, t)
	case !errors.Is(err, storage.ErrNotFound):
		return Response{}, fmt.Errorf("handlers: find active ticket: %w", err)
	}
	_, _, err = d.flows.Locate(s.Position)
	switch {
	case err == nil && d.flows.Expects(s.Position):
		return d.answer(ctx, r, s)
	case errors.Is(err, flows.ErrStepGone):
		return d.flowTrouble(ctx, r, s, flows.Button{}, err)
	}
	return d.unplaced(ctx, r, s)
}

// unplaced answers text the desk cannot place: it keeps it (masked) as a
// draft and offers the menu and to send it to a volunteer.
func (d *Desk) unplaced(ctx context.Context, r *request, s domain.Session) (Response, error) {
	masked, kinds := privacy.Mask(r.Text)
	s.Draft = firstLine(masked, 1000)
	if _, err := d.store.SaveSession(ctx, s); err != nil && !errors.Is(err, storage.ErrConflict) {
		return Response{}, fmt.Errorf("handlers: keep draft: %w", err)
	}
	rows := append([][]Button{{{Label: d.t(r, "ask.send_draft"), Data: dataAsk}}}, d.menuButtons(r, s)...)
	var replies []Reply
	if len(kinds) > 0 {
		replies = append(replies, Reply{ChatID: r.ChatID, Text: d.t(r, "privacy.masked")})
	}
	replies = append(replies, Reply{ChatID: r.ChatID, Text: d.t(r, "unknown.text"), Buttons: rows})
	return Response{Replies: replies}, nil
}

// media handles photos, voice notes, stickers and files: relayed between a
// volunteer and the resident they help, else a kind hint.
func (d *Desk) media(ctx context.Context, r *request) (Response, error) {
	if r.user.CanVolunteer() {
		s, err := d.session(ctx, r.ChatID)
		if err != nil {
			return Response{}, err
		}
		if s.Awaiting.Is(domain.AwaitBroadcast) && r.user.CanOrganize() {
			return d.broadcastContent(ctx, r)
		}
		if t, ok, err := d.heldTicket(ctx, r, s); err != nil {
			return Response{}, err
		} else if ok && r.Media != MediaSticker {
			return d.mediaFromVolunteer(ctx, r, t)
		}
	}
	t, err := d.store.ActiveTicketOf(ctx, r.UserID)
	switch {
	case err == nil && r.Media != MediaSticker:
		return d.mediaFromResident(ctx, r, t)
	case err != nil && !errors.Is(err, storage.ErrNotFound):
		return Response{}, fmt.Errorf("handlers: find active ticket: %w", err)
	}
	return d.reply(r, d.t(r, "media.unsupported"), d.menuButtons(r, domain.Session{})), nil
}

// button routes a pressed button by its data. Data the desk does not know
// (forged, or from an old version of the bot) is answered kindly.
func (d *Desk) button(ctx context.Context, r *request) (Response, error) {
	switch data := r.Data; {
	case data == dataMenu:
		resp, err := d.menu(ctx, r, "menu.title")
		return resp, err
	case data == dataLangPicker:
		return d.langPicker(r), nil
	case strings.HasPrefix(data, dataLangPrefix):
		return d.setLanguage(ctx, r, strings.TrimPrefix(data, dataLangPrefix))
	case data == dataAsk:
		return d.ask(ctx, r, false)
	case data == dataForgetYes:
		return d.forget(ctx, r)
	case data == dataForgetCancel:
		return d.menu(ctx, r, "forget.kept")
	case data == dataCommuneAsk:
		return d.communeAsk(ctx, r)
	case data == dataCommuneSkip:
		return d.communeSkip(ctx, r)
	case strings.HasPrefix(data, dataCommunePick):
		return d.communePick(ctx, r, strings.TrimPrefix(data, dataCommunePick))
	case data == dataAnnounceOff || data == dataAnnounceOn:
		return d.setAnnouncements(ctx, r, data == dataAnnounceOn)
	case data == dataPhotoSkip:
		return d.notice(r, d.t(r, "photo.skipped")), nil
	case strings.HasPrefix(data, dataPhotoSend):
		id, err := strconv.Atoi(strings.TrimPrefix(data, dataPhotoSend))
		if err != nil || id <= 0 {
			return d.stale(ctx, r)
		}
		return d.photoSend(ctx, r, id)
	}
	if resp, ok, err := d.ticketButtons(ctx, r); ok {
		return resp, err
	}
	if resp, ok, err := d.broadcastButton(ctx, r); ok {
		return resp, err
	}
	if !r.Group {
		return d.flowButton(ctx, r)
	}
	return d.notice(r, d.t(r, "button.stale")), nil
}

// ticketButtons routes the desk's ticket buttons; ok is false for other
// data.
func (d *Desk) ticketButtons(ctx context.Context, r *request) (resp Response, ok bool, err error) {
	data := r.Data
	if id, _, ok := ticketButton(data, dataClaim); ok {
		resp, err = d.claim(ctx, r, id)
		return resp, true, err
	}
	if id, _, ok := ticketButton(data, dataSwitch); ok {
		resp, err = d.switchTo(ctx, r, id)
		return resp, true, err
	}
	if id, outcome, ok := ticketButton(data, dataDone); ok {
		resp, err = d.close(ctx, r, id, outcome)
		return resp, true, err
	}
	if id, n, ok := ticketButton(data, dataRate); ok {
		rating, convErr := strconv.Atoi(n)
		if convErr != nil || rating < 1 || rating > 5 {
			return d.refuse(r, "rate"), true, nil
		}
		resp, err = d.rate(ctx, r, id, rating, "")
		return resp, true, err
	}
	if id, worked, ok := ticketButton(data, dataWorked); ok {
		if worked != "yes" && worked != "no" {
			return d.refuse(r, "rate"), true, nil
		}
		resp, err = d.rate(ctx, r, id, 0, worked)
		return resp, true, err
	}
	if id, _, ok := ticketButton(data, dataRemoveV); ok {
		resp, err = d.removeVolunteer(ctx, r, id)
		return resp, true, err
	}
	return Response{}, false, nil
}

// stale answers a button the desk cannot act on, and shows the menu.
func (d *Desk) stale(ctx context.Context, r *request) (Response, error) {
	resp, err := d.menu(ctx, r, "button.stale_menu")
	resp.Notice = d.t(r, "button.stale")
	return resp, err
}
