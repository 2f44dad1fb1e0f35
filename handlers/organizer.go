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

// The organizer's buttons besides broadcasts.
var (
	// removeVolunteerButton takes a volunteer off the desk; it carries
	// their user id.
	removeVolunteerButton = idCodec("vr:")
	// inviteProvinceButton makes a province organizer's invite.
	inviteProvinceButton = unit("ip")
	// inviteOrganizerButton makes an invite for an organizer of the
	// commune it carries; makeInvite checks it.
	inviteOrganizerButton = wordCodec("io:", anyWord)
)

// routes are the organizer's commands and buttons, besides broadcasts: for
// organizers only.
func (d *organizerDesk) routes() routes {
	only := func(h handler) commandRoute { return commandRoute{who: organizersOnly, handle: h} }
	return routes{
		commands: map[string]commandRoute{"invite": only(d.invite), "volunteers": only(d.volunteers), "stats": only(d.stats), "export": only(d.export)},
		buttons: []buttonRoute{
			on(removeVolunteerButton, "remove volunteer", organizersOnly, d.removeVolunteer),
			on(inviteProvinceButton, "invite organizer", organizersOnly, func(ctx context.Context, r *request, _ struct{}) (Response, error) {
				return d.makeInvite(ctx, r, domain.RoleOrganizer, "")
			}),
			on(inviteOrganizerButton, "invite organizer", organizersOnly, func(ctx context.Context, r *request, commune string) (Response, error) {
				return d.makeInvite(ctx, r, domain.RoleOrganizer, commune)
			}),
		},
	}
}

// invite makes a single-use link: "/invite", that makes a volunteer (of
// the organizer's commune, for a commune organizer); "/invite organizer
// [commune]", that makes an organizer (inviteOrganizer).
func (d *organizerDesk) invite(ctx context.Context, r *request) (Response, error) {
	args := strings.Fields(r.Args)
	switch {
	case len(args) == 0:
		return d.makeInvite(ctx, r, domain.RoleVolunteer, r.user.Scope)
	case strings.EqualFold(args[0], "organizer"):
		return d.inviteOrganizer(ctx, r, strings.Join(args[1:], " "))
	}
	return d.reply(r, d.t(r, "invite.usage"), nil), nil
}

// inviteOrganizer makes an organizer invite. A commune organizer invites
// organizers of their commune only. A province organizer picks the
// province (a button) or names a commune, chosen among the matches when
// the name is ambiguous.
func (d *organizerDesk) inviteOrganizer(ctx context.Context, r *request, query string) (Response, error) {
	if query == "" {
		if r.user.Scope != "" {
			return d.makeInvite(ctx, r, domain.RoleOrganizer, r.user.Scope)
		}
		return d.reply(r, d.t(r, "invite.organizer_choose"), [][]Button{
			{{Label: d.t(r, "invite.province"), Data: inviteProvinceButton.data(struct{}{})}},
		}), nil
	}
	hits := d.findCommunes(query)
	switch len(hits) {
	case 0:
		return d.reply(r, d.t(r, "invite.commune_none"), nil), nil
	case 1:
		return d.makeInvite(ctx, r, domain.RoleOrganizer, hits[0].Code)
	}
	return d.reply(r, d.t(r, "invite.commune_pick"), communeRows(hits, inviteOrganizerButton.data)), nil
}

// makeInvite stores an invite of the role into the scope (a commune code;
// "" the province) and gives its link, if the organizer may make it.
func (d *organizerDesk) makeInvite(ctx context.Context, r *request, role domain.Role, scope string) (Response, error) {
	c, known := d.places.Get(scope)
	if (scope != "" && !known) || !r.user.MayInvite(role, scope) {
		return d.refuse(r, "invite "+string(role)), nil
	}
	var raw [10]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return Response{}, fmt.Errorf("handlers: invite code: %w", err)
	}
	code := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw[:]))
	inv := domain.Invite{Code: code, CreatedBy: r.UserID, ExpiresAt: d.now().Add(d.cfg.InviteTTL), Role: role, Scope: scope}
	if err := d.store.CreateInvite(ctx, inv); err != nil {
		return Response{}, fmt.Errorf("handlers: create invite: %w", err)
	}
	d.log.Info("invite created", "role", role, "commune_scoped", scope != "")
	link := "https://t.me/" + d.messenger.BotUsername() + "?start=" + invitePrefix + code
	hours := strconv.Itoa(int(d.cfg.InviteTTL.Hours()))
	if role == domain.RoleOrganizer {
		where := d.t(r, "invite.province_name")
		if known {
			where = c.Label()
		}
		return d.reply(r, d.t(r, "invite.link_organizer", "link", link, "hours", hours, "scope", where), nil), nil
	}
	text := d.t(r, "invite.link", "link", link, "hours", hours)
	if known {
		text += "\n" + d.t(r, "invite.link_commune", "commune", c.Label())
	}
	return d.reply(r, text, nil), nil
}

// volunteers lists the volunteers for an organizer, with remove buttons.
func (d *organizerDesk) volunteers(ctx context.Context, r *request) (Response, error) {
	if !r.user.CanOrganize() {
		return d.refuse(r, "volunteers"), nil
	}
	all, err := d.store.UsersWithRole(ctx, domain.RoleVolunteer)
	if err != nil {
		return Response{}, fmt.Errorf("handlers: list volunteers: %w", err)
	}
	var list []domain.User
	for _, v := range all {
		if r.user.Covers(v.Commune) {
			list = append(list, v) // a commune organizer's own volunteers only
		}
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
	if !r.user.Covers(v.Commune) {
		return d.refuse(r, "remove a volunteer of another commune"), nil
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
