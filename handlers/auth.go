package handlers

// Permission checks: a button or a command is a request, never a
// permission; each action asks domain.User on the server.

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
