package handlers

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"strconv"
	"strings"

	"github.com/hotroso/hotroso/domain"
)

// invitePrefix marks a /start payload that is a volunteer invite.
const invitePrefix = "v_"

// removeVolunteerButton takes a volunteer off the desk; it carries their
// user id.
var removeVolunteerButton = idCodec("vr:")

// routes are the organizer's commands and buttons, besides broadcasts: for
// organizers only.
func (d *organizerDesk) routes() routes {
	only := func(h handler) commandRoute { return commandRoute{who: organizersOnly, handle: h} }
	return routes{
		commands: map[string]commandRoute{"invite": only(d.invite), "volunteers": only(d.volunteers), "stats": only(d.stats), "export": only(d.export)},
		buttons:  []buttonRoute{on(removeVolunteerButton, "remove volunteer", organizersOnly, d.removeVolunteer)},
	}
}

// invite makes a single-use link that turns whoever opens it into a
// volunteer.
func (d *organizerDesk) invite(ctx context.Context, r *request) (Response, error) {
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

// volunteers lists the volunteers for an organizer, with remove buttons.
func (d *organizerDesk) volunteers(ctx context.Context, r *request) (Response, error) {
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
		rows = append(rows, []Button{{Label: d.t(r, "volunteers.remove", "name", firstLine(d.displayName(v), 20)), Data: removeVolunteerButton.data(v.ID)}})
	}
	return d.reply(r, b.String(), rows), nil
}

// removeVolunteer makes a volunteer a resident again and hands their
// tickets back to the queue.
func (d *organizerDesk) removeVolunteer(ctx context.Context, r *request, id int64) (Response, error) {
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
	if err := d.releaseClaims(ctx, id, "ask.volunteer_left"); err != nil {
		return Response{}, err
	}
	d.log.Info("volunteer removed")
	d.notifyUser(ctx, id, "volunteers.you_were_removed")
	return d.reply(r, d.t(r, "volunteers.removed", "name", name), nil), nil
}
