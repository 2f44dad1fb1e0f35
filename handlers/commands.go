package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hotroso/hotroso/flows"
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
	switch r.Command {
	case "start":
		return d.start(ctx, r)
	case "menu":
		return d.menu(ctx, r, "menu.title")
	case "help":
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
func (d *Desk) menu(ctx context.Context, r *request, key string) (Response, error) {
	s, err := d.session(ctx, r.ChatID)
	if err != nil {
		return Response{}, err
	}
	return d.reply(r, d.t(r, key), d.menuButtons(r, s)), nil
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

// text handles typed text: an answer when the current step expects one,
// else a kind hint and the menu.
func (d *Desk) text(ctx context.Context, r *request) (Response, error) {
	s, err := d.session(ctx, r.ChatID)
	if err != nil {
		return Response{}, err
	}
	_, step, err := d.flows.Locate(s)
	switch {
	case err == nil && step.Answer != nil:
		return d.answer(ctx, r, s)
	case errors.Is(err, flows.ErrStepGone):
		return d.flowTrouble(ctx, r, s, flows.Button{}, err)
	}
	return d.reply(r, d.t(r, "unknown.text"), d.menuButtons(r, s)), nil
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
		return d.ask(r), nil
	case data == dataForgetYes:
		return d.forget(ctx, r)
	case data == dataForgetCancel:
		return d.menu(ctx, r, "forget.kept")
	}
	return d.flowButton(ctx, r)
}

// stale answers a button the desk cannot act on, and shows the menu.
func (d *Desk) stale(ctx context.Context, r *request) (Response, error) {
	resp, err := d.menu(ctx, r, "button.stale_menu")
	resp.Notice = d.t(r, "button.stale")
	return resp, err
}

// ask tells the resident how to reach a volunteer.
func (d *Desk) ask(r *request) Response {
	return d.reply(r, d.t(r, "ask.how"), [][]Button{{{Label: d.t(r, "button.menu"), Data: dataMenu}}})
}
