package handlers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/privacy"
	"github.com/hotroso/hotroso/storage"
)

// ask opens a question for the resident with where they are in a flow, or
// tells them where their open question stands, and what to expect
// (queuedReply). An urgent ask (SOS) goes to
// the head of the queue, and makes an open question urgent.
func (d *residentDesk) ask(ctx context.Context, r *request, urgent bool) (Response, error) {
	if t, err := d.store.ActiveTicketOf(ctx, r.UserID); err == nil {
		if urgent && !t.Urgent {
			return d.makeUrgent(ctx, r, t)
		}
		if r.Retry && t.State == domain.TicketOpen && t.CardMessageID == 0 && d.cfg.VolunteerChatID != 0 {
			// This ask, delivered again after a crash, may have opened the
			// question without posting its card.
			d.announce(ctx, t, false)
		}
		return d.ticketStatus(ctx, r, t)
	} else if !errors.Is(err, storage.ErrNotFound) {
		return Response{}, fmt.Errorf("handlers: find active ticket: %w", err)
	}
	s, err := d.session(ctx, r.ChatID)
	if err != nil {
		return Response{}, err
	}
	if resp, limited := d.overAskLimit(ctx, r, s); limited {
		return resp, nil
	}
	if f, _, err := d.flows.Locate(s.Position); err == nil && f.Urgent {
		urgent = true // asked from the SOS flow, by any button or /ask
	}
	t := domain.NewTicket(r.UserID, d.now())
	t.Language, t.Commune, t.Question, t.Urgent = r.lang, r.user.Commune, s.Draft, urgent
	if _, step, err := d.flows.Locate(s.Position); err == nil {
		t.FlowID, t.FlowVersion, t.Step, t.Answers = s.FlowID, s.FlowVersion, step.ID, s.Answers
	}
	t, err = d.store.OpenTicket(ctx, t)
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
	d.log.Info("ticket opened", "ticket", t.ID, "flow", t.FlowID, "step", t.Step, "urgent", t.Urgent)
	d.announce(ctx, t, false)
	return d.queuedReply(ctx, r, t), nil
}

// makeUrgent moves the resident's active question to the head of the queue
// (or, when a volunteer has it, tells them it is urgent), and marks its
// card.
func (d *residentDesk) makeUrgent(ctx context.Context, r *request, t domain.Ticket) (Response, error) {
	if _, err := t.MakeUrgent(); err != nil {
		return d.ask(ctx, r, false) // it ended meanwhile
	}
	saved, err := d.store.UpdateTicket(ctx, t)
	if errors.Is(err, storage.ErrConflict) {
		return d.ask(ctx, r, true) // it changed meanwhile: look again
	}
	if err != nil {
		return Response{}, fmt.Errorf("handlers: make ticket urgent: %w", err)
	}
	d.log.Info("ticket made urgent", "ticket", saved.ID)
	if saved.State == domain.TicketClaimed {
		d.notifyUser(ctx, saved.VolunteerID, "volunteer.now_urgent", "id", strconv.FormatInt(saved.ID, 10))
		return d.reply(r, d.t(r, "ask.urgent_claimed", "name", d.volunteerName(ctx, saved.VolunteerID)), nil), nil
	}
	d.editCard(ctx, saved, d.cardTextIn(d.defaultLang, saved))
	return d.queuedReply(ctx, r, saved), nil
}

// ticketStatus tells a resident where their active ticket stands.
func (d *residentDesk) ticketStatus(ctx context.Context, r *request, t domain.Ticket) (Response, error) {
	if t.State == domain.TicketClaimed {
		return d.reply(r, d.t(r, "ask.claimed_already", "name", d.volunteerName(ctx, t.VolunteerID)), nil), nil
	}
	return d.waitingReply(ctx, r, t), nil
}

// cancel withdraws the resident's active ticket.
func (d *residentDesk) cancel(ctx context.Context, r *request) (Response, error) {
	t, err := d.store.ActiveTicketOf(ctx, r.UserID)
	if errors.Is(err, storage.ErrNotFound) {
		return d.menu(ctx, r, "cancel.none")
	}
	if err != nil {
		return Response{}, fmt.Errorf("handlers: find active ticket: %w", err)
	}
	before := t
	if err := t.Cancel(d.now()); err != nil {
		return d.menu(ctx, r, "cancel.none")
	}
	if _, err := d.store.CloseTicket(ctx, t); err != nil {
		if errors.Is(err, storage.ErrConflict) {
			return d.cancel(ctx, r) // it changed hands meanwhile: try on the new state
		}
		return Response{}, fmt.Errorf("handlers: cancel ticket: %w", err)
	}
	d.log.Info("ticket canceled", "ticket", t.ID)
	d.editCard(ctx, t, d.texts.T(d.defaultLang, "card.canceled", "id", strconv.FormatInt(t.ID, 10)))
	if before.State == domain.TicketClaimed {
		d.notifyUser(ctx, before.VolunteerID, "volunteer.resident_canceled", "id", strconv.FormatInt(t.ID, 10))
		d.dropCurrent(ctx, before.VolunteerID, t.ID)
	}
	return d.menu(ctx, r, "cancel.done")
}

// maskSecrets masks the secrets in a resident's text and reports whether
// it held any, including ones a channel masked before the text reached
// the desk (webhook mode queues residents' texts masked).
func maskSecrets(text string) (string, bool) {
	masked, kinds := privacy.Mask(text)
	return masked, len(kinds) > 0 || strings.Contains(text, privacy.Masked)
}

// fromResident handles a resident's typed text while they have an active
// ticket: it joins the ticket, masked; a claimed ticket's volunteer gets it
// at once.
func (d *residentDesk) fromResident(ctx context.Context, r *request, t domain.Ticket) (Response, error) {
	masked, hadSecrets := maskSecrets(r.Text)
	var replies []Reply
	if hadSecrets {
		replies = append(replies, Reply{ChatID: r.ChatID, Text: d.t(r, "privacy.masked")})
	}
	if t.State == domain.TicketClaimed {
		text := masked
		if len(links(masked)) > 0 {
			text += "\n" + d.userText(ctx, t.VolunteerID, "relay.unverified_links")
		}
		replies = append(replies, Reply{ChatID: t.VolunteerID, Text: d.userText(ctx, t.VolunteerID, "relay.from_resident", "id", strconv.FormatInt(t.ID, 10), "text", text),
			Retry: true, IfFails: d.t(r, "relay.delayed")})
		return Response{Replies: replies}, nil
	}
	merged, err := d.addNote(ctx, t, masked)
	if errors.Is(err, domain.ErrTicketFull) {
		return Response{Replies: append(replies, Reply{ChatID: r.ChatID, Text: d.t(r, "ask.full")})}, nil
	}
	if err != nil {
		return Response{}, err
	}
	pos, err := d.store.QueuePosition(ctx, t.ID)
	if err != nil {
		pos = 1
	}
	key := "ask.noted"
	if merged {
		key = "ask.noted_merged"
	}
	replies = append(replies, Reply{ChatID: r.ChatID, Text: d.t(r, key, "pos", strconv.Itoa(pos))})
	return Response{Replies: replies}, nil
}

// addNote adds a message to a waiting ticket (Ticket.AddNote): the first
// becomes the question, later ones notes; merged reports that it joined
// the last note. A full ticket gives domain.ErrTicketFull.
func (d *residentDesk) addNote(ctx context.Context, t domain.Ticket, text string) (merged bool, err error) {
	for range 3 {
		if merged, err = t.AddNote(text); err != nil {
			return false, err
		}
		saved, err := d.store.UpdateTicket(ctx, t)
		if err == nil {
			if saved.State == domain.TicketOpen {
				d.editCard(ctx, saved, d.cardTextIn(d.defaultLang, saved))
			}
			return merged, nil
		}
		if !errors.Is(err, storage.ErrConflict) {
			return false, fmt.Errorf("handlers: add to ticket: %w", err)
		}
		if t, err = d.store.GetTicket(ctx, t.ID); err != nil {
			return false, fmt.Errorf("handlers: reload ticket: %w", err)
		}
	}
	return false, fmt.Errorf("handlers: add to ticket %d: %w", t.ID, storage.ErrConflict)
}

// maxMedia bounds the photos and voice notes kept on a waiting ticket.
const maxMedia = 10

// mediaFromResident handles a photo, file or voice note from a resident
// with an active question. Before the first photo or file of a question
// goes to a volunteer, the resident is reminded what never to photograph
// and confirms with one tap. A caption joins the question as text, masked.
func (d *residentDesk) mediaFromResident(ctx context.Context, r *request, t domain.Ticket) (Response, error) {
	if r.Media == MediaContact || r.Media == MediaLocation {
		return d.sharedFromResident(ctx, r, t)
	}
	var replies []Reply
	if strings.TrimSpace(r.Text) != "" {
		resp, err := d.fromResident(ctx, r, t)
		if err != nil {
			return Response{}, err
		}
		replies = resp.Replies
		if t, err = d.store.GetTicket(ctx, t.ID); err != nil {
			return Response{}, fmt.Errorf("handlers: reload ticket: %w", err)
		}
	}
	if (r.Media == MediaPhoto || r.Media == MediaDocument) && !t.PhotosOK {
		buttons := [][]Button{
			{{Label: d.t(r, "photo.send"), Data: photoSendButton.data(int64(r.MessageID))}},
			{{Label: d.t(r, "photo.skip"), Data: photoSkipButton.data(struct{}{})}},
		}
		return Response{Replies: append(replies, Reply{ChatID: r.ChatID, Text: d.t(r, "photo.confirm"), Buttons: buttons})}, nil
	}
	resp, err := d.relayMedia(ctx, r, t, r.MessageID)
	resp.Replies = append(replies, resp.Replies...)
	return resp, err
}

// sharedFromResident handles a contact card or a location a resident
// shared with a question: it is never copied on (someone's phone number,
// where the resident lives); the volunteer only reads that it was
// shared, and the resident is told so.
func (d *residentDesk) sharedFromResident(ctx context.Context, r *request, t domain.Ticket) (Response, error) {
	key := "relay.shared_contact"
	if r.Media == MediaLocation {
		key = "relay.shared_location"
	}
	told := Reply{ChatID: r.ChatID, Text: d.t(r, "shared.not_forwarded")}
	if t.State == domain.TicketClaimed {
		note := d.userText(ctx, t.VolunteerID, key, "masked", privacy.Masked)
		relay := Reply{ChatID: t.VolunteerID, Text: d.userText(ctx, t.VolunteerID, "relay.from_resident", "id", strconv.FormatInt(t.ID, 10), "text", note),
			Retry: true, IfFails: d.t(r, "relay.delayed")}
		return Response{Replies: []Reply{relay, told}}, nil
	}
	if _, err := d.addNote(ctx, t, d.texts.T(d.defaultLang, key, "masked", privacy.Masked)); err != nil && !errors.Is(err, domain.ErrTicketFull) {
		return Response{}, err
	}
	return Response{Replies: []Reply{told}}, nil
}

// photoSend is the resident's go-ahead for a photo after the reminder: it
// and later photos of the question go to the volunteer.
func (d *residentDesk) photoSend(ctx context.Context, r *request, messageID int64) (Response, error) {
	if resp, limited := d.overMessageLimit(ctx, r); limited {
		return resp, nil
	}
	t, err := d.store.ActiveTicketOf(ctx, r.UserID)
	if errors.Is(err, storage.ErrNotFound) {
		return d.stale(ctx, r)
	}
	if err != nil {
		return Response{}, fmt.Errorf("handlers: find active ticket: %w", err)
	}
	if !t.PhotosOK {
		if t, err = d.changeTicket(ctx, t, func(t *domain.Ticket) { t.PhotosOK = true }); err != nil {
			return Response{}, err
		}
	}
	return d.relayMedia(ctx, r, t, int(messageID))
}

// relayMedia copies a message of the resident's chat to the volunteer who
// has the question, with a warning that it may hold personal data; while
// nobody has it, the message id is kept and relayed on the claim.
func (d *residentDesk) relayMedia(ctx context.Context, r *request, t domain.Ticket, messageID int) (Response, error) {
	if t.State != domain.TicketClaimed {
		if len(t.Media) >= maxMedia {
			return d.reply(r, d.t(r, "photo.too_many", "max", strconv.Itoa(maxMedia)), nil), nil
		}
		if _, err := d.changeTicket(ctx, t, func(t *domain.Ticket) { t.Media = append(t.Media, messageID) }); err != nil {
			return Response{}, err
		}
		return d.reply(r, d.t(r, "photo.kept"), nil), nil
	}
	relay := d.copyToVolunteer(ctx, t, messageID)
	relay.IfFails = d.t(r, "relay.delayed")
	return Response{Notice: d.t(r, "photo.sent"), Replies: []Reply{relay}}, nil
}

// copyToVolunteer is a copy of one of the resident's messages for the
// volunteer who has the ticket, labelled and with the personal-data
// warning.
func (d *base) copyToVolunteer(ctx context.Context, t domain.Ticket, messageID int) Reply {
	label := d.userText(ctx, t.VolunteerID, "relay.from_resident", "id", strconv.FormatInt(t.ID, 10), "text", d.userText(ctx, t.VolunteerID, "relay.media_warning"))
	return Reply{ChatID: t.VolunteerID, Text: strings.TrimSpace(label), Copy: &MessageRef{ChatID: t.ResidentID, MessageID: messageID}, Retry: true}
}

// relayKeptMedia gives the volunteer who just took a ticket copies of the
// photos and voice notes the resident sent while it waited, and forgets
// them.
func (d *base) relayKeptMedia(ctx context.Context, t domain.Ticket) []Reply {
	if len(t.Media) == 0 {
		return nil
	}
	replies := make([]Reply, 0, len(t.Media))
	for _, id := range t.Media {
		replies = append(replies, d.copyToVolunteer(ctx, t, id))
	}
	if _, err := d.changeTicket(ctx, t, func(t *domain.Ticket) { t.Media = nil }); err != nil {
		d.log.Warn("relayed media not forgotten", "ticket", t.ID, "err", err)
	}
	return replies
}

// changeTicket applies change to the ticket and saves it, reloading and
// trying again when it moved meanwhile.
func (d *base) changeTicket(ctx context.Context, t domain.Ticket, change func(*domain.Ticket)) (domain.Ticket, error) {
	for range 3 {
		change(&t)
		saved, err := d.store.UpdateTicket(ctx, t)
		if err == nil {
			return saved, nil
		}
		if !errors.Is(err, storage.ErrConflict) {
			return t, fmt.Errorf("handlers: save ticket %d: %w", t.ID, err)
		}
		if t, err = d.store.GetTicket(ctx, t.ID); err != nil {
			return t, fmt.Errorf("handlers: reload ticket: %w", err)
		}
	}
	return t, fmt.Errorf("handlers: save ticket %d: %w", t.ID, storage.ErrConflict)
}
