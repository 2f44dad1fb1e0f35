package handlers

import (
	"context"
	"strings"

	"github.com/hotroso/hotroso/poster"
)

// qrCommuneButton asks for the QR poster of the commune it carries (a
// code; qrOf checks it), when /qr's name matched several.
var qrCommuneButton = wordCodec("qr:", anyWord)

// qrRoutes are /qr and its button: for volunteers and organizers.
func (d *volunteerDesk) qrRoutes() routes {
	return routes{
		commands: map[string]commandRoute{"qr": {who: volunteersOnly, handle: d.qr}},
		buttons:  []buttonRoute{on(qrCommuneButton, "qr", volunteersOnly, d.qrOf)},
	}
}

// qr sends the printable QR poster of a commune: "/qr" the sender's own
// (an organizer's scope, a volunteer's commune), "/qr <name or code>"
// another, picked among the matches when the name is ambiguous.
func (d *volunteerDesk) qr(ctx context.Context, r *request) (Response, error) {
	query := strings.TrimSpace(r.Args)
	if query == "" {
		c, ok := d.places.Get(r.user.Home())
		if !ok {
			return d.reply(r, d.t(r, "qr.no_commune"), nil), nil
		}
		return d.qrOf(ctx, r, c.Code)
	}
	hits := d.findCommunes(query)
	switch len(hits) {
	case 0:
		return d.reply(r, d.t(r, "qr.commune_none"), nil), nil
	case 1:
		return d.qrOf(ctx, r, hits[0].Code)
	}
	return d.reply(r, d.t(r, "qr.commune_pick"), communeRows(hits, qrCommuneButton.data)), nil
}

// qrOf sends the poster of the commune with the code, as a file (a photo
// would be compressed): the QR code of the bot's link that sets a
// resident's commune (/start c_<code>), with instructions in the desk's
// language.
func (d *volunteerDesk) qrOf(_ context.Context, r *request, code string) (Response, error) {
	c, ok := d.places.Get(code)
	if !ok {
		return d.refuse(r, "qr of an unknown commune"), nil
	}
	lang := d.defaultLang
	png, err := poster.Render(poster.Poster{
		URL:     "https://t.me/" + d.messenger.BotUsername() + "?start=" + qrPrefix + c.Code,
		Title:   d.texts.T(lang, "qr.poster_title"),
		Commune: c.Label(),
		Lines: []string{d.texts.T(lang, "qr.poster_scan"), d.texts.T(lang, "qr.poster_team", "commune", c.Label()),
			d.texts.T(lang, "qr.poster_how")},
		Footer: d.texts.T(lang, "qr.poster_safety"),
	})
	if err != nil {
		d.log.Error("QR poster not drawn", "err", err)
		return d.reply(r, d.t(r, "qr.failed"), nil), nil
	}
	d.log.Info("QR poster made")
	doc := &Photo{Name: "qr-" + c.Code + ".png", Data: png}
	return Response{Replies: []Reply{{ChatID: r.ChatID, Text: d.t(r, "qr.caption", "commune", c.Label()), Document: doc,
		IfFails: d.t(r, "qr.failed")}}}, nil
}
