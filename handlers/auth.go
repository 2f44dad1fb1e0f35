package handlers

import "github.com/hotroso/hotroso/domain"

// Permission checks: a button or a command is a request, never a
// permission; each action asks one of these on the server.

// canVolunteer reports whether u may take and answer questions.
func canVolunteer(u domain.User) bool {
	return u.Role == domain.RoleVolunteer || u.Role == domain.RoleOrganizer
}

// canOrganize reports whether u may invite and remove volunteers.
func canOrganize(u domain.User) bool { return u.Role == domain.RoleOrganizer }

// holds reports whether volunteer u holds the claimed ticket t.
func holds(u domain.User, t domain.Ticket) bool {
	return t.State == domain.TicketClaimed && t.VolunteerID == u.ID && canVolunteer(u)
}

// volunteerCommands are the commands only volunteers (and organizers) use.
var volunteerCommands = map[string]bool{"queue": true, "next": true, "done": true, "release": true, "on": true, "off": true}

// organizerCommands are the commands only organizers use.
var organizerCommands = map[string]bool{"invite": true, "volunteers": true, "broadcast": true, "stats": true, "export": true}

func isVolunteerCommand(name string) bool { return volunteerCommands[name] }

// refuse answers an action the user is not allowed, and logs it (without
// personal data) so forged requests can be noticed.
func (d *Desk) refuse(r *request, action string) Response {
	d.log.Warn("refused: not allowed", "action", action, "role", r.user.Role, "update_id", r.UpdateID)
	return Response{Notice: d.t(r, "auth.refused"), Replies: []Reply{{ChatID: r.ChatID, Text: d.t(r, "auth.refused_long")}}}
}
