package handlers

import (
	"context"
	"fmt"

	"github.com/hotroso/hotroso/domain"
)

// qrPrefix marks a /start payload from a commune's printed QR code
// (/qr): "c_<commune code>".
const qrPrefix = "c_"

// nextLookahead is how far down the queue /next looks for a question of
// the volunteer's own commune.
const nextLookahead = 50

// startFromQR greets a resident who scanned a commune's QR code: a valid
// code sets their commune (a volunteer's or organizer's own is left as it
// is) and shows the menu; an unknown one gets the usual greeting.
func (d *residentDesk) startFromQR(ctx context.Context, r *request, code string) (Response, error) {
	c, ok := d.places.Get(code)
	if !ok {
		d.log.Warn("QR start with an unknown commune code")
		return d.start(ctx, r)
	}
	if !r.user.CanVolunteer() && r.user.Commune != c.Code {
		r.user.Commune, r.user.UpdatedAt = c.Code, d.now()
		if err := d.store.PutUser(ctx, r.user); err != nil {
			return Response{}, fmt.Errorf("handlers: save commune from QR: %w", err)
		}
	}
	d.log.Info("QR start")
	return d.menu(ctx, r, "start.greeting_commune", "commune", c.Label())
}

// pickNext chooses the question /next gives a volunteer, among the first
// open ones in queue order: an urgent one first, as the queue has them;
// else the oldest of the volunteer's own commune (domain.User.Home), so
// residents who came by their commune's QR code reach its volunteers
// first; else the oldest.
func pickNext(v domain.User, open []domain.Ticket) domain.Ticket {
	if open[0].Urgent {
		return open[0]
	}
	if home := v.Home(); home != "" {
		for _, t := range open {
			if t.Commune == home {
				return t
			}
		}
	}
	return open[0]
}

// tellCommune sends a new question's card straight to the on-duty
// volunteers of its commune, besides its card in the volunteer group, so
// that they see it first.
func (d *base) tellCommune(ctx context.Context, t domain.Ticket) {
	if t.Commune == "" {
		return
	}
	volunteers, err := d.onDuty(ctx)
	if err != nil {
		d.log.Warn("commune volunteers not told", "ticket", t.ID, "err", err)
		return
	}
	for _, v := range volunteers {
		if v.Home() != t.Commune {
			continue
		}
		text := d.texts.T(v.Language, "card.your_commune") + "\n" + d.cardTextIn(v.Language, t)
		if _, err := d.messenger.Send(ctx, Reply{ChatID: v.ID, Text: text, Buttons: d.cardButtons(v.Language, t)}); err != nil {
			d.log.Warn("card not sent to a commune volunteer", "ticket", t.ID, "err", err)
		}
	}
}

// communeFirst orders on-duty volunteers with those of the commune first,
// in their order, for cards sent to each (no volunteer group).
func communeFirst(volunteers []domain.User, commune string) []domain.User {
	if commune == "" {
		return volunteers
	}
	out := make([]domain.User, 0, len(volunteers))
	for _, v := range volunteers {
		if v.Home() == commune {
			out = append(out, v)
		}
	}
	for _, v := range volunteers {
		if v.Home() != commune {
			out = append(out, v)
		}
	}
	return out
}
