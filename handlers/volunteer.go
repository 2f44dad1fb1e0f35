package handlers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/privacy"
	"github.com/hotroso/hotroso/storage"
)

// The volunteer's buttons; each but the queue's carries a ticket id.
var (
	claimButton  = idCodec("tc:")                                      // take the question
	switchButton = idCodec("tw:")                                      // relay to this claimed question
	doneButton   = idWordCodec("td:", oneOf(domain.TicketOutcomes...)) // close with an outcome
	fullButton   = idCodec("tf:")                                      // read a shortened card whole
	queueButton  = unit("qv")                                          // show the queue (/queue)
)

// routes are the volunteer's commands, buttons and awaited input: for
// volunteers (organizers are volunteers too). Commands typed in the
// volunteer group, and the claim buttons on its cards, are answered in
// private.
func (d *volunteerDesk) routes() routes {
	inGroup := func(h handler) commandRoute { return commandRoute{who: volunteersOnly, inGroup: true, handle: h} }
	claim := on(claimButton, "claim", volunteersOnly, d.claim)
	claim.inGroup = true
	full := on(fullButton, "read the whole question", volunteersOnly, d.fullText)
	full.inGroup = true
	return routes{
		commands: map[string]commandRoute{
			"queue":   inGroup(d.queue),
			"next":    inGroup(d.next),
			"done":    inGroup(d.doneAsk),
			"release": inGroup(d.release),
			"on":      inGroup(func(ctx context.Context, r *request) (Response, error) { return d.setDuty(ctx, r, true) }),
			"off":     inGroup(func(ctx context.Context, r *request) (Response, error) { return d.setDuty(ctx, r, false) }),
		},
		buttons: []buttonRoute{
			claim,
			full,
			on(queueButton, "queue", volunteersOnly, func(ctx context.Context, r *request, _ struct{}) (Response, error) { return d.queue(ctx, r) }),
			on(switchButton, "switch", volunteersOnly, d.switchTo),
			on(doneButton, "close", volunteersOnly, func(ctx context.Context, r *request, v idWord) (Response, error) {
				return d.close(ctx, r, v.ID, v.Word)
			}),
		},
		awaits: map[domain.AwaitKind]awaitRoute{
			domain.AwaitName: {who: volunteersOnly, handle: func(ctx context.Context, r *request, _ domain.Awaiting) (Response, error) {
				return d.setName(ctx, r)
			}},
		},
	}
}

// fullText sends a volunteer, in private, the whole text of a waiting
// question whose card had to be shortened.
func (d *volunteerDesk) fullText(ctx context.Context, r *request, id int64) (Response, error) {
	t, err := d.store.GetTicket(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return d.notice(r, d.t(r, "button.stale")), nil
	}
	if err != nil {
		return Response{}, fmt.Errorf("handlers: load ticket: %w", err)
	}
	if t.State != domain.TicketOpen && !r.user.Holds(t) {
		return d.notice(r, d.t(r, "card.full_taken")), nil
	}
	return Response{Notice: d.t(r, "card.full_sent"), Replies: []Reply{{ChatID: r.UserID, Text: d.fullCardText(r.lang, t)}}}, nil
}

// claim gives the ticket to the volunteer if it is still open. Exactly one
// of many volunteers pressing at once wins: the store's compare-and-set.
func (d *volunteerDesk) claim(ctx context.Context, r *request, id int64) (Response, error) {
	claims, err := d.store.ClaimsOf(ctx, r.UserID)
	if err != nil {
		return Response{}, fmt.Errorf("handlers: list claims: %w", err)
	}
	if len(claims) >= d.cfg.MaxOpenClaims {
		return d.notice(r, d.t(r, "claim.too_many", "max", strconv.Itoa(d.cfg.MaxOpenClaims))), nil
	}
	t, err := d.store.GetTicket(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return d.notice(r, d.t(r, "claim.gone")), nil
	}
	if err != nil {
		return Response{}, fmt.Errorf("handlers: load ticket: %w", err)
	}
	if err := t.Claim(r.user, d.now(), d.cfg.ClaimTimeout); err != nil {
		return d.claimLost(ctx, r, t)
	}
	t, err = d.store.ClaimTicket(ctx, t)
	if errors.Is(err, storage.ErrConflict) {
		current, loadErr := d.store.GetTicket(ctx, id)
		if loadErr != nil {
			return Response{}, fmt.Errorf("handlers: reload ticket: %w", loadErr)
		}
		return d.claimLost(ctx, r, current)
	}
	if err != nil {
		return Response{}, fmt.Errorf("handlers: claim ticket: %w", err)
	}
	d.log.Info("ticket claimed", "ticket", t.ID)
	return d.claimed(ctx, r, t)
}

// claimed makes a claimed ticket the volunteer's current one, updates its
// card, tells the resident, and gives the volunteer the question.
func (d *volunteerDesk) claimed(ctx context.Context, r *request, t domain.Ticket) (Response, error) {
	if err := d.setCurrent(ctx, r.UserID, t.ID); err != nil {
		return Response{}, err
	}
	name := d.displayName(r.user)
	d.editCard(ctx, t, d.texts.T(d.defaultLang, "card.claimed", "id", strconv.FormatInt(t.ID, 10), "name", name))
	d.notifyUser(ctx, t.ResidentID, "ask.claimed", "name", name)
	replies := append([]Reply{{ChatID: r.UserID, Text: d.ticketBrief(r.lang, t, d.cfg.ClaimTimeout)}}, d.relayKeptMedia(ctx, t)...)
	return Response{Notice: d.t(r, "claim.won"), Replies: replies}, nil
}

// claimLost answers a volunteer whose claim came too late. The volunteer's
// own claim delivered again after a crash may have been stored without
// the rest being done: it is done now.
func (d *volunteerDesk) claimLost(ctx context.Context, r *request, t domain.Ticket) (Response, error) {
	switch t.State {
	case domain.TicketClaimed:
		if t.VolunteerID == r.UserID {
			if r.Retry {
				return d.claimed(ctx, r, t)
			}
			return d.notice(r, d.t(r, "claim.yours")), nil
		}
		return d.notice(r, d.t(r, "claim.taken", "name", d.volunteerName(ctx, t.VolunteerID))), nil
	default:
		return d.notice(r, d.t(r, "claim.gone")), nil
	}
}

// next claims the next open ticket for the volunteer: urgent first, then
// their own commune's, then the oldest (pickNext).
func (d *volunteerDesk) next(ctx context.Context, r *request) (Response, error) {
	open, err := d.store.OpenTickets(ctx, nextLookahead)
	if err != nil {
		return Response{}, fmt.Errorf("handlers: read queue: %w", err)
	}
	if len(open) == 0 {
		return d.reply(r, d.t(r, "queue.empty"), nil), nil
	}
	return d.claim(ctx, r, pickNext(r.user, open).ID) // a command: claim's notices come as replies
}

// queue lists the open tickets with claim buttons, and the volunteer's own.
func (d *volunteerDesk) queue(ctx context.Context, r *request) (Response, error) {
	open, err := d.store.OpenTickets(ctx, 10)
	if err != nil {
		return Response{}, fmt.Errorf("handlers: read queue: %w", err)
	}
	claims, err := d.store.ClaimsOf(ctx, r.UserID)
	if err != nil {
		return Response{}, fmt.Errorf("handlers: list claims: %w", err)
	}
	var b strings.Builder
	var rows [][]Button
	if len(open) == 0 {
		b.WriteString(d.t(r, "queue.empty"))
	} else {
		b.WriteString(d.t(r, "queue.title", "n", strconv.Itoa(len(open))))
	}
	now := d.now()
	for _, t := range open {
		fmt.Fprintf(&b, "\n#%d · %s · %s", t.ID, d.where(r.lang, t), waited(now.Sub(t.CreatedAt)))
		rows = append(rows, []Button{{Label: d.t(r, "queue.claim", "id", strconv.FormatInt(t.ID, 10)), Data: claimButton.data(t.ID)}})
	}
	if len(claims) > 0 {
		b.WriteString("\n\n" + d.t(r, "queue.yours"))
		for _, t := range claims {
			fmt.Fprintf(&b, "\n#%d · %s", t.ID, d.where(r.lang, t))
			rows = append(rows, []Button{{Label: d.t(r, "queue.switch", "id", strconv.FormatInt(t.ID, 10)), Data: switchButton.data(t.ID)}})
		}
	}
	return d.reply(r, b.String(), rows), nil
}

// switchTo makes a claimed ticket the one the volunteer's messages go to.
func (d *volunteerDesk) switchTo(ctx context.Context, r *request, id int64) (Response, error) {
	t, err := d.store.GetTicket(ctx, id)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return Response{}, fmt.Errorf("handlers: load ticket: %w", err)
	}
	if err != nil || !r.user.Holds(t) {
		return d.refuse(r, "switch"), nil
	}
	if err := d.setCurrent(ctx, r.UserID, id); err != nil {
		return Response{}, err
	}
	return d.reply(r, d.ticketBrief(r.lang, t, 0), nil), nil
}

// currentTicket returns the claimed ticket a volunteer's messages go to,
// loading the volunteer's session.
func (d *volunteerDesk) currentTicket(ctx context.Context, r *request) (domain.Ticket, bool, error) {
	if !r.user.CanVolunteer() {
		return domain.Ticket{}, false, nil
	}
	s, err := d.session(ctx, r.ChatID)
	if err != nil {
		return domain.Ticket{}, false, err
	}
	return d.heldTicket(ctx, r, s)
}

// heldTicket is currentTicket for a session the caller already loaded.
func (d *volunteerDesk) heldTicket(ctx context.Context, r *request, s domain.Session) (domain.Ticket, bool, error) {
	if !r.user.CanVolunteer() || s.CurrentTicket == 0 {
		return domain.Ticket{}, false, nil
	}
	t, err := d.store.GetTicket(ctx, s.CurrentTicket)
	if errors.Is(err, storage.ErrNotFound) {
		return t, false, nil
	}
	if err != nil {
		return t, false, fmt.Errorf("handlers: load ticket: %w", err)
	}
	return t, r.user.Holds(t), nil
}

// fromVolunteer relays a volunteer's text to the resident. Links outside the
// allow-list are held back, with a note to the volunteer.
func (d *volunteerDesk) fromVolunteer(ctx context.Context, r *request, t domain.Ticket) (Response, error) {
	if bad := disallowedLinks(r.Text, d.cfg.LinkAllowlist); len(bad) > 0 {
		d.log.Warn("volunteer link held back", "ticket", t.ID, "links", len(bad))
		return d.reply(r, d.t(r, "relay.link_held", "links", strings.Join(bad, " "), "allowed", strings.Join(d.cfg.LinkAllowlist, ", ")), nil), nil
	}
	if err := d.markReplied(ctx, r.user, t); err != nil {
		return Response{}, err
	}
	text := d.userText(ctx, t.ResidentID, "relay.from_volunteer", "name", d.displayName(r.user), "text", r.Text)
	return Response{Replies: []Reply{{ChatID: t.ResidentID, Text: text, Retry: true, IfFails: d.t(r, "relay.delayed_volunteer")}}}, nil
}

// mediaFromVolunteer copies a volunteer's photo or voice note to the
// resident, under the volunteer's display name.
func (d *volunteerDesk) mediaFromVolunteer(ctx context.Context, r *request, t domain.Ticket) (Response, error) {
	if bad := disallowedLinks(r.Text, d.cfg.LinkAllowlist); len(bad) > 0 {
		return d.reply(r, d.t(r, "relay.link_held", "links", strings.Join(bad, " "), "allowed", strings.Join(d.cfg.LinkAllowlist, ", ")), nil), nil
	}
	if err := d.markReplied(ctx, r.user, t); err != nil {
		return Response{}, err
	}
	caption := d.userText(ctx, t.ResidentID, "relay.from_volunteer", "name", d.displayName(r.user), "text", r.Text)
	relay := Reply{ChatID: t.ResidentID, Text: strings.TrimSpace(caption), Copy: &MessageRef{ChatID: r.ChatID, MessageID: r.MessageID, FileID: r.FileID},
		Retry: true, IfFails: d.t(r, "relay.delayed_volunteer")}
	return Response{Replies: []Reply{relay}}, nil
}

// markReplied ends the lease on the volunteer's first reply: from then on
// the claim holds until /done or /release.
func (d *volunteerDesk) markReplied(ctx context.Context, v domain.User, t domain.Ticket) error {
	if first, err := t.Reply(v, d.now()); err != nil || !first {
		return nil
	}
	if _, err := d.store.ReplyTicket(ctx, t); err != nil && !errors.Is(err, storage.ErrConflict) {
		return fmt.Errorf("handlers: mark replied: %w", err)
	}
	return nil
}

// doneAsk shows the outcome buttons for the volunteer's current ticket.
func (d *volunteerDesk) doneAsk(ctx context.Context, r *request) (Response, error) {
	t, ok, err := d.currentTicket(ctx, r)
	if err != nil {
		return Response{}, err
	}
	if !ok {
		return d.reply(r, d.t(r, "volunteer.no_current"), nil), nil
	}
	var rows [][]Button
	for _, o := range domain.TicketOutcomes {
		rows = append(rows, []Button{{Label: d.t(r, "outcome."+o), Data: doneButton.data(idWord{t.ID, o})}})
	}
	return d.reply(r, d.t(r, "done.ask", "id", strconv.FormatInt(t.ID, 10)), rows), nil
}

// close closes a ticket with an outcome, logs the assist, and asks the
// resident to rate it.
func (d *volunteerDesk) close(ctx context.Context, r *request, id int64, outcome string) (Response, error) {
	t, err := d.store.GetTicket(ctx, id)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return Response{}, fmt.Errorf("handlers: load ticket: %w", err)
	}
	if err != nil || !r.user.Holds(t) {
		if err == nil && t.State == domain.TicketClosed && t.VolunteerID == r.UserID {
			return d.notice(r, d.t(r, "button.already")), nil
		}
		return d.refuse(r, "close"), nil
	}
	now := d.now()
	if err := t.Close(r.user, outcome, now); err != nil {
		return d.refuse(r, "close"), nil
	}
	if t, err = d.store.CloseTicket(ctx, t); err != nil {
		if errors.Is(err, storage.ErrConflict) {
			return d.notice(r, d.t(r, "button.stale")), nil
		}
		return Response{}, fmt.Errorf("handlers: close ticket: %w", err)
	}
	d.log.Info("ticket closed", "ticket", t.ID, "outcome", outcome)
	d.recordAssist(ctx, t.ResidentID, domain.Assist{At: now, Kind: domain.AssistTicket, TicketID: t.ID, FlowID: t.FlowID, Step: t.Step,
		Outcome: outcome, Waiting: t.ClaimedAt.Sub(t.CreatedAt), Handling: now.Sub(t.ClaimedAt), VolunteerID: r.UserID, Commune: t.Commune})
	d.dropCurrent(ctx, r.UserID, t.ID)
	d.editCard(ctx, t, d.texts.T(d.defaultLang, "card.closed", "id", strconv.FormatInt(t.ID, 10), "name", d.displayName(r.user)))
	d.askRating(ctx, t, d.displayName(r.user))
	return Response{Notice: d.t(r, "done.thanks"), Replies: []Reply{{ChatID: r.UserID, Text: d.t(r, "done.closed", "id", strconv.FormatInt(t.ID, 10))}}}, nil
}

// release hands the volunteer's current ticket back to the queue.
func (d *volunteerDesk) release(ctx context.Context, r *request) (Response, error) {
	t, ok, err := d.currentTicket(ctx, r)
	if err != nil {
		return Response{}, err
	}
	if !ok {
		return d.reply(r, d.t(r, "volunteer.no_current"), nil), nil
	}
	if err := d.requeue(ctx, t, "ask.released"); err != nil {
		return Response{}, err
	}
	d.dropCurrent(ctx, r.UserID, t.ID)
	return d.reply(r, d.t(r, "release.done", "id", strconv.FormatInt(t.ID, 10)), nil), nil
}

// requeue returns a claimed ticket to the queue, announces it again and
// tells the resident (with residentKey).
func (d *base) requeue(ctx context.Context, t domain.Ticket, residentKey string) error {
	volunteer := t.VolunteerID
	if err := t.Requeue(d.now()); err != nil {
		return fmt.Errorf("handlers: requeue: %w", err)
	}
	saved, err := d.store.RequeueTicket(ctx, t, volunteer)
	if err != nil {
		return fmt.Errorf("handlers: requeue ticket: %w", err)
	}
	d.log.Info("ticket back in the queue", "ticket", t.ID)
	d.announce(ctx, saved, false)
	d.notifyUser(ctx, t.ResidentID, residentKey)
	return nil
}

// releaseClaims returns every question a departing volunteer holds to the
// queue, telling each resident with residentKey. A claim that moved
// meanwhile (closed, say) is left as it now is.
func (d *base) releaseClaims(ctx context.Context, volunteerID int64, residentKey string) error {
	claims, err := d.store.ClaimsOf(ctx, volunteerID)
	if err != nil {
		return fmt.Errorf("handlers: list claims of a departing volunteer: %w", err)
	}
	for _, t := range claims {
		if err := d.requeue(ctx, t, residentKey); err != nil && !errors.Is(err, storage.ErrConflict) {
			return err
		}
	}
	if len(claims) > 0 {
		d.log.Info("departing volunteer's questions back in the queue", "count", len(claims))
	}
	return nil
}

// setDuty turns a volunteer's duty on or off.
func (d *volunteerDesk) setDuty(ctx context.Context, r *request, on bool) (Response, error) {
	r.user.OnDuty, r.user.UpdatedAt = on, d.now()
	if err := d.store.PutUser(ctx, r.user); err != nil {
		return Response{}, fmt.Errorf("handlers: set duty: %w", err)
	}
	if on {
		return d.reply(r, d.t(r, "duty.on"), nil), nil
	}
	return d.reply(r, d.t(r, "duty.off"), nil), nil
}

// setCurrent makes ticket id the volunteer's current one.
func (d *base) setCurrent(ctx context.Context, volunteerID, id int64) error {
	return d.updateSession(ctx, volunteerID, func(s *domain.Session) { s.CurrentTicket = id })
}

// dropCurrent clears the volunteer's current ticket if it is id, moving to
// another claim they hold, if any.
func (d *base) dropCurrent(ctx context.Context, volunteerID, id int64) {
	var next int64
	if claims, err := d.store.ClaimsOf(ctx, volunteerID); err == nil {
		for _, c := range claims {
			if c.ID != id {
				next = c.ID
			}
		}
	}
	err := d.updateSession(ctx, volunteerID, func(s *domain.Session) {
		if s.CurrentTicket == id || s.CurrentTicket == 0 {
			s.CurrentTicket = next
		}
	})
	if err != nil {
		d.log.Warn("volunteer's current ticket not updated", "err", err)
	}
}

// updateSession applies change to a chat's session with compare-and-set,
// retrying on conflicts.
func (d *base) updateSession(ctx context.Context, chatID int64, change func(*domain.Session)) error {
	for range 5 {
		s, err := d.session(ctx, chatID)
		if err != nil {
			return err
		}
		change(&s)
		if _, err = d.store.SaveSession(ctx, s); err == nil {
			return nil
		} else if !errors.Is(err, storage.ErrConflict) {
			return fmt.Errorf("handlers: save session: %w", err)
		}
	}
	return fmt.Errorf("handlers: save session %d: %w", chatID, storage.ErrConflict)
}

func (d *base) notice(r *request, text string) Response {
	if r.Kind == EventButton {
		return Response{Notice: text}
	}
	return Response{Replies: []Reply{{ChatID: r.ChatID, Text: text}}}
}

// waited renders a waiting time shortly, e.g. "12 phút" / "12 min".
func waited(d time.Duration) string {
	if d < time.Hour {
		return strconv.Itoa(int(d.Minutes())) + "′"
	}
	return strconv.Itoa(int(d.Hours())) + "h"
}

// join uses an invite code from a deep link: the user becomes a volunteer
// (of the invite's commune, if it names one) or an organizer of the
// invite's scope, and is asked for a display name. ORGANIZER_IDS stay
// province-wide whatever invite they open.
func (d *volunteerDesk) join(ctx context.Context, r *request, code string) (Response, error) {
	inv, err := d.store.UseInvite(ctx, code, d.now())
	if err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			d.log.Warn("invite refused: unknown, used or expired")
			return d.menu(ctx, r, "invite.invalid")
		}
		return Response{}, fmt.Errorf("handlers: use invite: %w", err)
	}
	welcome, args := "invite.welcome", []string(nil)
	switch {
	case inv.MakesOrganizer() && !d.organizers[r.user.ID]:
		r.user.Role, r.user.Scope, r.user.Invited = domain.RoleOrganizer, inv.Scope, true
		where := d.t(r, "invite.province_name")
		if c, ok := d.places.Get(inv.Scope); ok {
			where = c.Label()
		}
		welcome, args = "invite.welcome_organizer", []string{"scope", where}
	case inv.MakesOrganizer():
	case r.user.Role != domain.RoleOrganizer:
		r.user.Role = domain.RoleVolunteer
		if inv.Scope != "" {
			r.user.Commune = inv.Scope
		}
	}
	r.user.UpdatedAt = d.now()
	if err := d.store.PutUser(ctx, r.user); err != nil {
		return Response{}, fmt.Errorf("handlers: make volunteer: %w", err)
	}
	if err := d.updateSession(ctx, r.ChatID, func(s *domain.Session) { s.Awaiting = domain.Await(domain.AwaitName, 0) }); err != nil {
		return Response{}, err
	}
	d.log.Info("joined by invite", "role", r.user.Role)
	return d.reply(r, d.t(r, welcome, args...), nil), nil
}

// setName takes a new volunteer's display name.
func (d *volunteerDesk) setName(ctx context.Context, r *request) (Response, error) {
	name, ok := displayName(r.Text)
	if !ok {
		return d.reply(r, d.t(r, "name.invalid"), nil), nil
	}
	r.user.DisplayName, r.user.OnDuty, r.user.UpdatedAt = name, true, d.now()
	if err := d.store.PutUser(ctx, r.user); err != nil {
		return Response{}, fmt.Errorf("handlers: save display name: %w", err)
	}
	if err := d.updateSession(ctx, r.ChatID, func(s *domain.Session) { s.Awaiting = domain.Awaiting{} }); err != nil {
		return Response{}, err
	}
	return d.reply(r, d.t(r, "name.saved", "name", name), nil), nil
}

// Limits of a display name.
const (
	minNameLetters = 2
	maxNameRunes   = 48
)

// displayName cleans a display name as typed: invisible characters
// (zero-width spaces and joiners, direction marks, fillers: Unicode's
// format and default-ignorable characters) removed, spaces made single. It
// is refused (ok false) with fewer than two letters, more than 48
// characters, or a phone or ID number in it.
func displayName(typed string) (name string, ok bool) {
	name = strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if invisible(r) {
			return -1
		}
		return r
	}, typed)), " ")
	letters := 0
	for _, r := range name {
		if unicode.IsLetter(r) {
			letters++
		}
	}
	if _, kinds := privacy.Mask(name); len(kinds) > 0 || letters < minNameLetters || utf8.RuneCountInString(name) > maxNameRunes {
		return "", false
	}
	return name, true
}

// invisible reports a character that shows nothing by itself: a format
// character (U+200B zero-width space, U+200D joiner, U+200F right-to-left
// mark, U+FEFF), a variation selector, or another default-ignorable one
// (U+3164 Hangul filler, which Unicode counts as a letter).
func invisible(r rune) bool {
	return unicode.In(r, unicode.Cf, unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point)
}

// nextLookahead is how far down the queue /next looks for a question of
// the volunteer's own commune.
const nextLookahead = 50

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
