package domain

// What a commune organizer (User.Scope set) may do is limited to their
// commune; a province-wide organizer's is not. The desk asks these on the
// server, whatever a button says.

// MayInvite reports whether u may make an invite of the role into the
// scope: an organizer, into a scope they cover; only a province-wide
// organizer makes a province-wide organizer.
func (u User) MayInvite(role Role, scope string) bool {
	if !u.CanOrganize() {
		return false
	}
	if u.Scope == "" {
		return true
	}
	return scope == u.Scope && (role == RoleVolunteer || role == RoleOrganizer)
}

// MayControl reports whether u may change or steer the broadcast: an
// organizer; one of a commune only their own broadcasts.
func (u User) MayControl(b Broadcast) bool {
	return u.CanOrganize() && (u.Scope == "" || b.CreatedBy == u.ID)
}

// Limit is the audience a as u may send it: a commune organizer's is kept
// to their commune. ok is false when a names another commune than theirs.
func (u User) Limit(a Audience) (limited Audience, ok bool) {
	if u.Scope == "" {
		return a, true
	}
	if a.Kind == "commune" && a.Commune != u.Scope {
		return a, false
	}
	a.Scope = u.Scope
	return a, true
}
