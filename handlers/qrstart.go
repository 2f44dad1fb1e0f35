package handlers

import (
	"context"
	"fmt"
)

// qrPrefix marks a /start payload from a commune's printed QR code
// (/qr): "c_<commune code>".
const qrPrefix = "c_"

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
