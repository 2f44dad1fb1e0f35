package handlers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/flows"
	"github.com/hotroso/hotroso/storage"
)

// announce posts a ticket's card with a claim button: in the volunteer
// group, and straight to the on-duty volunteers of the ticket's commune;
// or, when there is no group, to each volunteer on duty, those of the
// commune first. An escalated ticket's card says how long it has waited.
func (d *base) announce(ctx context.Context, t domain.Ticket, escalated bool) {
	text := d.cardTextIn(d.defaultLang, t)
	if escalated {
		text = d.texts.T(d.defaultLang, "card.escalated", "min", strconv.Itoa(int(d.now().Sub(t.CreatedAt).Minutes()))) + "\n" + text
	}
	buttons := d.cardButtons(d.defaultLang, t)
	if d.cfg.VolunteerChatID != 0 {
		id, err := d.messenger.Send(ctx, Reply{ChatID: d.cfg.VolunteerChatID, Text: text, Buttons: buttons})
		if err != nil {
			d.log.Error("card not posted", "ticket", t.ID, "err", err)
			return
		}
		d.saveCard(ctx, t.ID, d.cfg.VolunteerChatID, id)
		d.tellCommune(ctx, t)
		return
	}
	volunteers, err := d.onDuty(ctx)
	if err != nil {
		d.log.Error("no volunteers to tell", "ticket", t.ID, "err", err)
		return
	}
	for _, v := range communeFirst(volunteers, t.Commune) {
		if _, err := d.messenger.Send(ctx, Reply{ChatID: v.ID, Text: d.cardTextIn(v.Language, t), Buttons: d.cardButtons(v.Language, t)}); err != nil {
			d.log.Warn("card not sent to a volunteer", "ticket", t.ID, "err", err)
		}
	}
}

// onDuty lists the volunteers and organizers on duty.
func (d *base) onDuty(ctx context.Context) ([]domain.User, error) {
	var out []domain.User
	for _, role := range []domain.Role{domain.RoleVolunteer, domain.RoleOrganizer} {
		users, err := d.store.UsersWithRole(ctx, role)
		if err != nil {
			return nil, fmt.Errorf("handlers: list %ss: %w", role, err)
		}
		for _, u := range users {
			if u.OnDuty && !u.Blocked {
				out = append(out, u)
			}
		}
	}
	return out, nil
}

// saveCard remembers where a ticket's card is, to edit it later.
func (d *base) saveCard(ctx context.Context, id, chatID int64, messageID int) {
	for range 3 {
		t, err := d.store.GetTicket(ctx, id)
		if err != nil {
			d.log.Warn("card not remembered", "ticket", id, "err", err)
			return
		}
		t.CardChatID, t.CardMessageID = chatID, messageID
		if _, err = d.store.UpdateTicket(ctx, t); !errors.Is(err, storage.ErrConflict) {
			if err != nil {
				d.log.Warn("card not remembered", "ticket", id, "err", err)
			}
			return
		}
	}
}

// editCard rewrites a ticket's card in the volunteer group, without buttons
// unless the ticket is open.
func (d *base) editCard(ctx context.Context, t domain.Ticket, text string) {
	if t.CardMessageID == 0 {
		return
	}
	var buttons [][]Button
	if t.State == domain.TicketOpen {
		buttons = d.cardButtons(d.defaultLang, t)
	}
	if err := d.messenger.Edit(ctx, t.CardChatID, t.CardMessageID, text, buttons); err != nil {
		d.log.Warn("card not updated", "ticket", t.ID, "err", err)
	}
}

// maxCardRunes keeps a card, which is edited in place and so cannot be
// split, under Telegram's 4,096 characters, with room for a header.
const maxCardRunes = 3800

// cardTextIn describes a waiting ticket for volunteers: where the resident
// is stuck and what they wrote, masked. No name, no phone number. A card
// that would be too long for one message keeps the head of the question
// and the newest notes that fit, and says how many were left out; its
// "read it all" button (cardButtons) gives the whole text (fullCardText).
func (d *base) cardTextIn(lang string, t domain.Ticket) string {
	full := d.fullCardText(lang, t)
	if utf8.RuneCountInString(full) <= maxCardRunes {
		return full
	}
	head := d.cardHeader(lang, t)
	budget := maxCardRunes - utf8.RuneCountInString(head) - 200 // the "left out" line
	question := "\n« " + firstLine(t.Question, 1200) + " »"
	if strings.Contains(t.Question, "\n") || utf8.RuneCountInString(t.Question) > 1200 {
		question = "\n« " + truncate(t.Question, 1200) + " »"
	}
	budget -= utf8.RuneCountInString(question)
	var kept []string
	for i := len(t.Notes) - 1; i >= 0; i-- {
		line := "\n« " + truncate(t.Notes[i], 1200) + " »"
		if n := utf8.RuneCountInString(line); n > budget {
			break
		} else {
			budget -= n
		}
		kept = append([]string{line}, kept...)
	}
	left := len(t.Notes) - len(kept)
	return head + question + "\n" + d.texts.T(lang, "card.shortened", "n", strconv.Itoa(left)) + strings.Join(kept, "")
}

// cardShortened reports whether the ticket's card leaves text out.
func (d *base) cardShortened(t domain.Ticket) bool {
	return utf8.RuneCountInString(d.fullCardText(d.defaultLang, t)) > maxCardRunes
}

// cardHeader is a card's first lines: urgency, where, the commune.
func (d *base) cardHeader(lang string, t domain.Ticket) string {
	var b strings.Builder
	if t.Urgent {
		b.WriteString(d.texts.T(lang, "card.urgent") + "\n")
	}
	b.WriteString(d.texts.T(lang, "card.title", "id", strconv.FormatInt(t.ID, 10), "where", d.where(lang, t)))
	if c, ok := d.places.Get(t.Commune); ok {
		b.WriteString("\n" + d.texts.T(lang, "card.commune", "commune", c.Label()))
	}
	return b.String()
}

// fullCardText is the card with everything the resident wrote, for a
// private message (which the messenger splits when it is long).
func (d *base) fullCardText(lang string, t domain.Ticket) string {
	var b strings.Builder
	b.WriteString(d.cardHeader(lang, t))
	if t.Question != "" {
		b.WriteString("\n« " + t.Question + " »")
	}
	for _, n := range t.Notes {
		b.WriteString("\n« " + n + " »")
	}
	return b.String()
}

// cardButtons are an open ticket's card buttons: take it, and read it
// all when the card is shortened.
func (d *base) cardButtons(lang string, t domain.Ticket) [][]Button {
	rows := [][]Button{{{Label: d.texts.T(lang, "card.claim"), Data: claimButton.data(t.ID)}}}
	if d.cardShortened(t) {
		rows = append(rows, []Button{{Label: d.texts.T(lang, "card.full"), Data: fullButton.data(t.ID)}})
	}
	return rows
}

// truncate cuts s to at most n characters, marking the cut with "…".
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// where names the flow and step of a ticket, or says it came from the menu.
func (d *base) where(lang string, t domain.Ticket) string {
	f, ok := d.flows.Flow(t.FlowID)
	if !ok {
		return d.texts.T(lang, "card.no_flow")
	}
	where := f.Title.In(lang, d.defaultLang)
	if step, ok := f.Steps[t.Step]; ok {
		where += " › " + firstLine(step.Text.In(lang, d.defaultLang), 60)
	}
	return where
}

// ticketBrief is what a volunteer sees on taking a ticket: everything the
// resident said, where they are, with their answers, and what to do next.
func (d *base) ticketBrief(lang string, t domain.Ticket, lease time.Duration) string {
	var b strings.Builder
	b.WriteString(d.fullCardText(lang, t))
	if len(t.Answers) > 0 {
		b.WriteString("\n" + d.texts.T(lang, "brief.answers"))
		for k, v := range t.Answers {
			b.WriteString(" " + k + "=" + v)
		}
	}
	b.WriteString("\n\n" + d.texts.T(lang, "brief.howto"))
	if lease > 0 {
		b.WriteString("\n" + d.texts.T(lang, "brief.lease", "min", strconv.Itoa(int(lease.Minutes()))))
	}
	return b.String()
}

// askRating tells the resident the question was closed, asks how it went,
// and offers the flow they were in, at the step they left.
func (d *base) askRating(ctx context.Context, t domain.Ticket, volunteer string) {
	lang := d.langOf(ctx, t.ResidentID)
	var stars []Button
	for n := 1; n <= 5; n++ {
		stars = append(stars, Button{Label: strconv.Itoa(n) + "⭐", Data: rateButton.data(idWord{t.ID, strconv.Itoa(n)})})
	}
	rows := [][]Button{
		{{Label: d.texts.T(lang, "rate.worked"), Data: workedButton.data(idWord{t.ID, "yes"})}, {Label: d.texts.T(lang, "rate.not_worked"), Data: workedButton.data(idWord{t.ID, "no"})}},
		stars,
	}
	if s, err := d.session(ctx, t.ResidentID); err == nil {
		if f, step, err := d.flows.Locate(s.Position); err == nil && f.ID == t.FlowID && !step.Final() {
			rows = append(rows, []Button{{Label: d.texts.T(lang, "flow.continue_named", "title", f.Title.In(lang, d.defaultLang)), Data: flows.ContinueData(f.ID)}})
		}
	}
	rows = append(rows, []Button{{Label: d.texts.T(lang, "button.menu"), Data: menuButton.data(struct{}{})}})
	if _, err := d.messenger.Send(ctx, Reply{ChatID: t.ResidentID, Text: d.texts.T(lang, "rate.ask", "name", volunteer), Buttons: rows}); err != nil {
		d.log.Warn("rating not asked", "ticket", t.ID, "err", err)
	}
}

// rate records a resident's rating of their own closed ticket.
func (d *residentDesk) rate(ctx context.Context, r *request, id int64, rating int, worked string) (Response, error) {
	t, err := d.store.GetTicket(ctx, id)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return Response{}, fmt.Errorf("handlers: load ticket: %w", err)
	}
	if err != nil || t.ResidentID != r.UserID || t.State != domain.TicketClosed {
		return d.refuse(r, "rate"), nil
	}
	if err := d.store.RateTicket(ctx, id, rating, worked); err != nil {
		return Response{}, fmt.Errorf("handlers: rate ticket: %w", err)
	}
	return Response{Notice: d.t(r, "rate.thanks"), Replies: []Reply{{ChatID: r.ChatID, Text: d.t(r, "rate.thanks")}}}, nil
}

// displayName is how residents see a volunteer.
func (d *base) displayName(u domain.User) string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return d.texts.T(d.defaultLang, "volunteer.anonymous")
}

// volunteerName looks up a volunteer's display name.
func (d *base) volunteerName(ctx context.Context, id int64) string {
	u, err := d.store.GetUser(ctx, id)
	if err != nil {
		return d.texts.T(d.defaultLang, "volunteer.anonymous")
	}
	return d.displayName(u)
}

// langOf is a user's language, or the default.
func (d *base) langOf(ctx context.Context, id int64) string {
	if u, err := d.store.GetUser(ctx, id); err == nil && u.Language != "" {
		return u.Language
	}
	return d.defaultLang
}

// userText is a text in the language of another user.
func (d *base) userText(ctx context.Context, userID int64, key string, args ...string) string {
	return d.texts.T(d.langOf(ctx, userID), key, args...)
}

// notifyUser sends another user a text in their language.
func (d *base) notifyUser(ctx context.Context, userID int64, key string, args ...string) {
	if _, err := d.messenger.Send(ctx, Reply{ChatID: userID, Text: d.userText(ctx, userID, key, args...)}); err != nil {
		d.log.Warn("notice not delivered", "key", key, "err", err)
	}
}

// firstLine is the first line of s, cut to max characters.
func firstLine(s string, max int) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if r := []rune(s); len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
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
