package handlers

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/privacy"
	"github.com/hotroso/hotroso/storage"
)

// invitePrefix marks a /start payload that is a volunteer invite.
const invitePrefix = "v_"

// invite makes a single-use link that turns whoever opens it into a
// volunteer.
func (d *Desk) invite(ctx context.Context, r *request) (Response, error) {
	if !r.user.CanOrganize() {
		return d.refuse(r, "invite"), nil
	}
	var raw [10]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return Response{}, fmt.Errorf("handlers: invite code: %w", err)
	}
	code := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw[:]))
	inv := domain.Invite{Code: code, CreatedBy: r.UserID, ExpiresAt: d.now().Add(d.cfg.InviteTTL)}
	if err := d.store.CreateInvite(ctx, inv); err != nil {
		return Response{}, fmt.Errorf("handlers: create invite: %w", err)
	}
	d.log.Info("volunteer invite created")
	link := "https://t.me/" + d.messenger.BotUsername() + "?start=" + invitePrefix + code
	return d.reply(r, d.t(r, "invite.link", "link", link, "hours", strconv.Itoa(int(d.cfg.InviteTTL.Hours()))), nil), nil
}

// join uses an invite code from a deep link: the user becomes a volunteer
// and is asked for a display name.
func (d *Desk) join(ctx context.Context, r *request, code string) (Response, error) {
	if _, err := d.store.UseInvite(ctx, code, d.now()); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			d.log.Warn("invite refused: unknown, used or expired")
			return d.menu(ctx, r, "invite.invalid")
		}
		return Response{}, fmt.Errorf("handlers: use invite: %w", err)
	}
	if r.user.Role != domain.RoleOrganizer {
		r.user.Role = domain.RoleVolunteer
	}
	r.user.UpdatedAt = d.now()
	if err := d.store.PutUser(ctx, r.user); err != nil {
		return Response{}, fmt.Errorf("handlers: make volunteer: %w", err)
	}
	if err := d.updateSession(ctx, r.ChatID, func(s *domain.Session) { s.Awaiting = domain.Await(domain.AwaitName, 0) }); err != nil {
		return Response{}, err
	}
	d.log.Info("volunteer joined by invite")
	return d.reply(r, d.t(r, "invite.welcome"), nil), nil
}

// setName takes a new volunteer's display name.
func (d *Desk) setName(ctx context.Context, r *request) (Response, error) {
	name := strings.Join(strings.Fields(r.Text), " ")
	if _, kinds := privacy.Mask(name); len(kinds) > 0 || utf8.RuneCountInString(name) < 3 || utf8.RuneCountInString(name) > 48 {
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

// volunteers lists the volunteers for an organizer, with remove buttons.
func (d *Desk) volunteers(ctx context.Context, r *request) (Response, error) {
	if !r.user.CanOrganize() {
		return d.refuse(r, "volunteers"), nil
	}
	list, err := d.store.UsersWithRole(ctx, domain.RoleVolunteer)
	if err != nil {
		return Response{}, fmt.Errorf("handlers: list volunteers: %w", err)
	}
	if len(list) == 0 {
		return d.reply(r, d.t(r, "volunteers.none"), nil), nil
	}
	var b strings.Builder
	b.WriteString(d.t(r, "volunteers.title", "n", strconv.Itoa(len(list))))
	var rows [][]Button
	for _, v := range list {
		duty := d.t(r, "volunteers.off_duty")
		if v.OnDuty {
			duty = d.t(r, "volunteers.on_duty")
		}
		fmt.Fprintf(&b, "\n• %s (%s)", d.displayName(v), duty)
		rows = append(rows, []Button{{Label: d.t(r, "volunteers.remove", "name", firstLine(d.displayName(v), 20)), Data: dataRemoveV + strconv.FormatInt(v.ID, 10)}})
	}
	return d.reply(r, b.String(), rows), nil
}

// removeVolunteer makes a volunteer a resident again and hands their
// tickets back to the queue.
func (d *Desk) removeVolunteer(ctx context.Context, r *request, id int64) (Response, error) {
	if !r.user.CanOrganize() {
		return d.refuse(r, "remove volunteer"), nil
	}
	v, err := d.store.GetUser(ctx, id)
	if err != nil || v.Role != domain.RoleVolunteer {
		return d.notice(r, d.t(r, "button.stale")), nil
	}
	name := d.displayName(v)
	v.Role, v.OnDuty, v.DisplayName, v.UpdatedAt = domain.RoleResident, false, "", d.now()
	if err := d.store.PutUser(ctx, v); err != nil {
		return Response{}, fmt.Errorf("handlers: remove volunteer: %w", err)
	}
	claims, err := d.store.ClaimsOf(ctx, id)
	if err != nil {
		return Response{}, fmt.Errorf("handlers: list claims: %w", err)
	}
	for _, t := range claims {
		if err := d.requeue(ctx, t, "ask.released"); err != nil {
			return Response{}, err
		}
	}
	d.log.Info("volunteer removed", "requeued", len(claims))
	d.notifyUser(ctx, id, "volunteers.you_were_removed")
	return d.reply(r, d.t(r, "volunteers.removed", "name", name), nil), nil
}
