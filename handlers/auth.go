package handlers

// Permission checks: a button or a command is a request, never a
// permission. Each route names who may use it (router.go), and the
// domain's moves check again (domain.User).

// refuse answers an action the user is not allowed, and logs it (without
// personal data) so forged requests can be noticed.
func (d *base) refuse(r *request, action string) Response {
	d.log.Warn("refused: not allowed", "action", action, "role", r.user.Role, "update_id", r.UpdateID)
	return Response{Notice: d.t(r, "auth.refused"), Replies: []Reply{{ChatID: r.ChatID, Text: d.t(r, "auth.refused_long")}}}
}
