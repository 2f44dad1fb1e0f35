package handlers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hotroso/hotroso/privacy"
	"github.com/hotroso/hotroso/storage"
)

// maxNotes bounds the messages kept on a ticket while nobody has it.
const maxNotes = 20

// ask opens a question for the resident with where they are in a flow, or
// tells them where their open question stands.
func (d *Desk) ask(ctx context.Context, r *request) (Response, error) {
	if t, err := d.store.ActiveTicketOf(ctx, r.UserID); err == nil {
		return d.ticketStatus(ctx, r, t)
	} else if !errors.Is(err, storage.ErrNotFound) {
		return Response{}, fmt.Errorf("handlers: find active ticket: %w", err)
	}
	s, err := d.session(ctx, r.ChatID)
	if err != nil {
		return Response{}, err
	}
	now := d.now()
	t := storage.Ticket{ResidentID: r.UserID, Language: r.lang, Commune: r.user.Commune, Question: s.Draft,
		State: storage.TicketOpen, CreatedAt: now, AnnouncedAt: now}
	if _, step, err := d.flows.Locate(s); err == nil {
		t.FlowID, t.FlowVersion, t.Step, t.Answers = s.FlowID, s.FlowVersion, step.ID, s.Answers
	}
	t, err = d.store.SaveTicket(ctx, t)
	if errors.Is(err, storage.ErrConflict) {
		// Opened meanwhile (another instance, a double tap).
		active, findErr := d.store.ActiveTicketOf(ctx, r.UserID)
		if findErr != nil {
			return Response{}, fmt.Errorf("handlers: find active ticket: %w", findErr)
		}
		return d.ticketStatus(ctx, r, active)
	}
	if err != nil {
		return Response{}, fmt.Errorf("handlers: open ticket: %w", err)
	}
	if s.Draft != "" {
		s.Draft = ""
		if _, err := d.store.SaveSession(ctx, s); err != nil && !errors.Is(err, storage.ErrConflict) {
			d.log.Warn("draft not cleared", "err", err)
		}
	}
	d.log.Info("ticket opened", "ticket", t.ID, "flow", t.FlowID, "step", t.Step)
	d.announce(ctx, t, false)
	pos, err := d.store.QueuePosition(ctx, t.ID)
	if err != nil {
		pos = 1
	}
	key := "ask.queued"
	if t.Question == "" {
		key = "ask.queued_write"
	}
	return d.reply(r, d.t(r, key, "pos", strconv.Itoa(pos)), nil), nil
}

// ticketStatus tells a resident where their active ticket stands.
func (d *Desk) ticketStatus(ctx context.Context, r *request, t storage.Ticket) (Response, error) {
	if t.State == storage.TicketClaimed {
		return d.reply(r, d.t(r, "ask.claimed_already", "name", d.volunteerName(ctx, t.VolunteerID)), nil), nil
	}
	pos, err := d.store.QueuePosition(ctx, t.ID)
	if err != nil {
		pos = 1
	}
	return d.reply(r, d.t(r, "ask.waiting", "pos", strconv.Itoa(pos)), nil), nil
}

// cancel withdraws the resident's active ticket.
func (d *Desk) cancel(ctx context.Context, r *request) (Response, error) {
	t, err := d.store.ActiveTicketOf(ctx, r.UserID)
	if errors.Is(err, storage.ErrNotFound) {
		return d.menu(ctx, r, "cancel.none")
	}
	if err != nil {
		return Response{}, fmt.Errorf("handlers: find active ticket: %w", err)
	}
	before := t
	t.State, t.ClosedAt, t.LeaseUntil = storage.TicketCanceled, d.now(), timeZero
	if _, err := d.store.SaveTicket(ctx, t); err != nil {
		if errors.Is(err, storage.ErrConflict) {
			return d.cancel(ctx, r) // it changed hands meanwhile: try on the new state
		}
		return Response{}, fmt.Errorf("handlers: cancel ticket: %w", err)
	}
	d.log.Info("ticket canceled", "ticket", t.ID)
	d.editCard(ctx, t, d.texts.T(d.defaultLang, "card.canceled", "id", strconv.FormatInt(t.ID, 10)))
	if before.State == storage.TicketClaimed {
		d.notifyUser(ctx, before.VolunteerID, "volunteer.resident_canceled", "id", strconv.FormatInt(t.ID, 10))
		d.dropCurrent(ctx, before.VolunteerID, t.ID)
	}
	return d.menu(ctx, r, "cancel.done")
}

// fromResident handles a resident's typed text while they have an active
// ticket: it joins the ticket, masked; a claimed ticket's volunteer gets it
// at once.
func (d *Desk) fromResident(ctx context.Context, r *request, t storage.Ticket) (Response, error) {
	masked, kinds := privacy.Mask(r.Text)
	var replies []Reply
	if len(kinds) > 0 {
		replies = append(replies, Reply{ChatID: r.ChatID, Text: d.t(r, "privacy.masked")})
	}
	if t.State == storage.TicketClaimed {
		text := masked
		if len(links(masked)) > 0 {
			text += "\n" + d.userText(ctx, t.VolunteerID, "relay.unverified_links")
		}
		replies = append(replies, Reply{ChatID: t.VolunteerID, Text: d.userText(ctx, t.VolunteerID, "relay.from_resident", "id", strconv.FormatInt(t.ID, 10), "text", text)})
		return Response{Replies: replies}, nil
	}
	if err := d.addNote(ctx, t, masked); err != nil {
		return Response{}, err
	}
	pos, err := d.store.QueuePosition(ctx, t.ID)
	if err != nil {
		pos = 1
	}
	replies = append(replies, Reply{ChatID: r.ChatID, Text: d.t(r, "ask.noted", "pos", strconv.Itoa(pos))})
	return Response{Replies: replies}, nil
}

// addNote adds a message to a waiting ticket: the first becomes the
// question, later ones notes.
func (d *Desk) addNote(ctx context.Context, t storage.Ticket, text string) error {
	for range 3 {
		if t.Question == "" {
			t.Question = text
		} else {
			t.Notes = append(t.Notes, text)
			if len(t.Notes) > maxNotes {
				t.Notes = t.Notes[len(t.Notes)-maxNotes:]
			}
		}
		saved, err := d.store.SaveTicket(ctx, t)
		if err == nil {
			if saved.State == storage.TicketOpen {
				d.editCard(ctx, saved, d.cardTextIn(d.defaultLang, saved))
			}
			return nil
		}
		if !errors.Is(err, storage.ErrConflict) {
			return fmt.Errorf("handlers: add to ticket: %w", err)
		}
		if t, err = d.store.GetTicket(ctx, t.ID); err != nil {
			return fmt.Errorf("handlers: reload ticket: %w", err)
		}
	}
	return fmt.Errorf("handlers: add to ticket %d: %w", t.ID, storage.ErrConflict)
}

// mediaFromResident relays a photo or voice note to the volunteer who has
// the resident's ticket, or asks the resident to send it again once someone
// has the question.
func (d *Desk) mediaFromResident(ctx context.Context, r *request, t storage.Ticket) (Response, error) {
	if t.State != storage.TicketClaimed {
		return d.reply(r, d.t(r, "ask.media_later"), nil), nil
	}
	caption, _ := privacy.Mask(r.Text)
	label := d.userText(ctx, t.VolunteerID, "relay.from_resident", "id", strconv.FormatInt(t.ID, 10), "text", caption)
	if err := d.messenger.Copy(ctx, t.VolunteerID, r.ChatID, r.MessageID, strings.TrimSpace(label)); err != nil {
		return Response{}, fmt.Errorf("handlers: relay media: %w", err)
	}
	return Response{}, nil
}
