package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/flows"
	"github.com/hotroso/hotroso/storage"
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

// newRouter collects the routes every role declares, and the desk's own:
// /start, which opens the menu, with an invite makes a volunteer or an
// organizer, and with a commune's QR code sets the resident's commune.
func (d *Desk) newRouter() *router {
	start := routes{commands: map[string]commandRoute{"start": {handle: func(ctx context.Context, r *request) (Response, error) {
		if code, ok := strings.CutPrefix(r.Args, invitePrefix); ok {
			return d.volunteer.join(ctx, r, code)
		}
		if code, ok := strings.CutPrefix(r.Args, qrPrefix); ok {
			return d.resident.startFromQR(ctx, r, code)
		}
		return d.resident.start(ctx, r)
	}}}}
	return newRouter(start, d.resident.routes(), d.volunteer.routes(), d.volunteer.logRoutes(), d.volunteer.qrRoutes(), d.organizer.routes(),
		d.organizer.weeklyRoutes(), d.broadcasts.routes())
}

// command routes a typed command; one the user's role does not allow is
// refused, an unknown one answered with the menu.
func (d *Desk) command(ctx context.Context, r *request) (Response, error) {
	route, ok := d.routes.commands[r.Command]
	switch {
	case r.Group && (!ok || !route.inGroup):
		return Response{}, nil // conversation in the volunteer group
	case !ok:
		return d.menu(ctx, r, "unknown.command")
	case !route.who.permits(r.user):
		return d.refuse(r, "/"+r.Command), nil
	}
	return route.handle(ctx, r)
}

// button routes a pressed button by its data. Data the desk does not know,
// or that does not decode (forged, or from an old version of the bot), is
// answered kindly; a button the user's role does not allow is refused.
func (d *Desk) button(ctx context.Context, r *request) (Response, error) {
	route, ok := d.routes.button(r.Data)
	if ok && r.Group && !route.inGroup {
		ok = false
	}
	if ok && !route.who.permits(r.user) {
		return d.refuse(r, route.action), nil
	}
	if ok {
		resp, err := route.handle(ctx, r, r.Data)
		if !errors.Is(err, errStaleButton) {
			return resp, err
		}
		if !route.forgedIsStale {
			return d.refuse(r, route.action), nil
		}
	}
	d.log.Warn("unknown button data", "len", len(r.Data))
	if r.Group {
		return d.notice(r, d.t(r, "button.stale")), nil
	}
	return d.stale(ctx, r)
}

// text handles typed text, in this order: what the desk awaits from the
// chat (a display name, a commune, an announcement...); a volunteer's
// message to the resident they help; a resident's message to their open
// question; an answer the current flow step expects; else a kind hint,
// the menu, and an offer to send the text to a volunteer.
func (d *Desk) text(ctx context.Context, r *request) (Response, error) {
	s, err := d.session(ctx, r.ChatID)
	if err != nil {
		return Response{}, err
	}
	if route, ok := d.routes.awaits[s.Awaiting.Kind]; ok && route.who.permits(r.user) {
		return route.handle(ctx, r, s.Awaiting)
	}
	if t, ok, err := d.volunteer.heldTicket(ctx, r, s); err != nil {
		return Response{}, err
	} else if ok {
		return d.volunteer.fromVolunteer(ctx, r, t)
	}
	t, err := d.store.ActiveTicketOf(ctx, r.UserID)
	switch {
	case err == nil:
		return d.resident.fromResident(ctx, r, t)
	case !errors.Is(err, storage.ErrNotFound):
		return Response{}, fmt.Errorf("handlers: find active ticket: %w", err)
	}
	_, _, err = d.flows.Locate(s.Position)
	switch {
	case err == nil && d.flows.Expects(s.Position):
		return d.resident.answer(ctx, r, s)
	case errors.Is(err, flows.ErrStepGone):
		return d.resident.flowTrouble(ctx, r, s, flows.Button{}, err)
	}
	return d.resident.unplaced(ctx, r, s)
}

// media handles photos, voice notes, stickers and files: an awaited
// announcement; relayed between a volunteer and the resident they help;
// else a kind hint.
func (d *Desk) media(ctx context.Context, r *request) (Response, error) {
	if r.user.CanVolunteer() {
		s, err := d.session(ctx, r.ChatID)
		if err != nil {
			return Response{}, err
		}
		if route, ok := d.routes.awaits[s.Awaiting.Kind]; ok && route.media && route.who.permits(r.user) {
			return route.handle(ctx, r, s.Awaiting)
		}
		if t, ok, err := d.volunteer.heldTicket(ctx, r, s); err != nil {
			return Response{}, err
		} else if ok && r.Media != MediaSticker {
			return d.volunteer.mediaFromVolunteer(ctx, r, t)
		}
	}
	t, err := d.store.ActiveTicketOf(ctx, r.UserID)
	switch {
	case err == nil && r.Media != MediaSticker:
		return d.resident.mediaFromResident(ctx, r, t)
	case err != nil && !errors.Is(err, storage.ErrNotFound):
		return Response{}, fmt.Errorf("handlers: find active ticket: %w", err)
	}
	return d.reply(r, d.t(r, "media.unsupported"), d.menuButtons(r, domain.Session{})), nil
}
