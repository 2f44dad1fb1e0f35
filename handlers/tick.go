package handlers

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/hotroso/hotroso/storage"
)

// tickBatch bounds the tickets one tick looks at.
const tickBatch = 100

// Tick does the desk's timed work: claims with no reply within the claim
// timeout go back to the queue (both sides are told), and tickets nobody
// has claimed within the escalation time are announced again and the
// organizers told; organizers are also told, once per question, of
// questions that wait in desk hours with nobody on duty. Time comes from the desk's clock, so tests move it.
// It returns how many leases lapsed and how many tickets were escalated.
func (d *Desk) Tick(ctx context.Context) (lapsed, escalated int, err error) {
	now := d.now()
	leases, err := d.store.LapsedLeases(ctx, now, tickBatch)
	if err != nil {
		return 0, 0, fmt.Errorf("handlers: lapsed leases: %w", err)
	}
	for _, t := range leases {
		volunteer := t.VolunteerID
		if err := d.requeue(ctx, t, "ask.lease_lapsed"); err != nil {
			if errors.Is(err, storage.ErrConflict) {
				continue // the volunteer replied or closed meanwhile
			}
			return lapsed, escalated, err
		}
		d.notifyUser(ctx, volunteer, "volunteer.lease_lapsed", "id", strconv.FormatInt(t.ID, 10))
		d.dropCurrent(ctx, volunteer, t.ID)
		lapsed++
	}
	open, err := d.store.OpenTickets(ctx, tickBatch)
	if err != nil {
		return lapsed, escalated, fmt.Errorf("handlers: read queue: %w", err)
	}
	for _, t := range open {
		if now.Sub(t.AnnouncedAt) < d.cfg.EscalateAfter || t.Escalate(now) != nil {
			continue // not yet, or escalated already
		}
		saved, err := d.store.EscalateTicket(ctx, t)
		if errors.Is(err, storage.ErrConflict) {
			continue // claimed or changed meanwhile
		}
		if err != nil {
			return lapsed, escalated, fmt.Errorf("handlers: escalate ticket: %w", err)
		}
		d.editCard(ctx, saved, d.texts.T(d.defaultLang, "card.reposted", "id", strconv.FormatInt(t.ID, 10)))
		d.announce(ctx, saved, true)
		for id := range d.organizers {
			d.notifyUser(ctx, id, "organizer.escalated", "id", strconv.FormatInt(t.ID, 10), "min", strconv.Itoa(int(now.Sub(t.CreatedAt).Minutes())))
		}
		d.log.Info("ticket escalated", "ticket", t.ID)
		escalated++
	}
	if _, err := d.alertUnstaffed(ctx, now, open); err != nil {
		return lapsed, escalated, fmt.Errorf("handlers: questions waiting with nobody on duty: %w", err)
	}
	return lapsed, escalated, nil
}
