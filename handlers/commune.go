package handlers

import (
	"context"
	"fmt"
	"strings"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/places"
)

// communeChoices is how many communes a search offers.
const communeChoices = 8

// communeAsk asks the resident for their commune's name; saying it is
// optional.
func (d *residentDesk) communeAsk(ctx context.Context, r *request) (Response, error) {
	if err := d.updateSession(ctx, r.ChatID, func(s *domain.Session) { s.Awaiting = domain.Await(domain.AwaitCommune, 0) }); err != nil {
		return Response{}, err
	}
	text := d.t(r, "commune.ask")
	if c, ok := d.places.Get(r.user.Commune); ok {
		text = d.t(r, "commune.current", "commune", c.Label()) + "\n" + text
	}
	return d.reply(r, text, [][]Button{{{Label: d.t(r, "commune.skip"), Data: communeSkipButton.data(struct{}{})}}}), nil
}

// communeSearch shows the communes whose name matches what was typed.
func (d *residentDesk) communeSearch(r *request) Response {
	hits := d.places.Search(r.Text, communeChoices)
	if len(hits) == 0 {
		return d.reply(r, d.t(r, "commune.none"), [][]Button{{{Label: d.t(r, "commune.skip"), Data: communeSkipButton.data(struct{}{})}}})
	}
	rows := append(communeRows(hits, communePickButton.data), []Button{{Label: d.t(r, "commune.skip"), Data: communeSkipButton.data(struct{}{})}})
	return d.reply(r, d.t(r, "commune.pick"), rows)
}

// findCommunes is the communes a typed name or code names: the commune
// of the code alone, else those whose name matches.
func (d *base) findCommunes(query string) []places.Commune {
	if c, ok := d.places.Get(strings.TrimSpace(query)); ok {
		return []places.Commune{c}
	}
	return d.places.Search(query, communeChoices)
}

// communeRows is a button a row for each commune, its data made of the
// commune's code by data.
func communeRows(communes []places.Commune, data func(code string) string) [][]Button {
	rows := make([][]Button, 0, len(communes))
	for _, c := range communes {
		rows = append(rows, []Button{{Label: c.Label(), Data: data(c.Code)}})
	}
	return rows
}

// communePick saves the chosen commune.
func (d *residentDesk) communePick(ctx context.Context, r *request, code string) (Response, error) {
	c, ok := d.places.Get(code)
	if !ok {
		return d.stale(ctx, r)
	}
	r.user.Commune, r.user.UpdatedAt = c.Code, d.now()
	if err := d.store.PutUser(ctx, r.user); err != nil {
		return Response{}, fmt.Errorf("handlers: save commune: %w", err)
	}
	if err := d.updateSession(ctx, r.ChatID, func(s *domain.Session) { s.Awaiting = domain.Awaiting{} }); err != nil {
		return Response{}, err
	}
	return d.menu(ctx, r, "commune.saved", "commune", c.Label())
}

// communeSkip stops asking.
func (d *residentDesk) communeSkip(ctx context.Context, r *request) (Response, error) {
	if err := d.updateSession(ctx, r.ChatID, func(s *domain.Session) { s.Awaiting = domain.Awaiting{} }); err != nil {
		return Response{}, err
	}
	return d.menu(ctx, r, "menu.title")
}

// setAnnouncements turns broadcasts to the user off or back on.
func (d *residentDesk) setAnnouncements(ctx context.Context, r *request, on bool) (Response, error) {
	r.user.NoAnnouncements, r.user.UpdatedAt = !on, d.now()
	if err := d.store.PutUser(ctx, r.user); err != nil {
		return Response{}, fmt.Errorf("handlers: save announcements choice: %w", err)
	}
	if on {
		return Response{Notice: d.t(r, "announce.on"), Replies: []Reply{{ChatID: r.ChatID, Text: d.t(r, "announce.on")}}}, nil
	}
	return Response{Notice: d.t(r, "announce.off"), Replies: []Reply{{ChatID: r.ChatID, Text: d.t(r, "announce.off"),
		Buttons: [][]Button{{{Label: d.t(r, "announce.turn_on"), Data: announceOnButton.data(struct{}{})}}}}}}, nil
}
