package domain

import "time"

// Invite is a single-use link that makes whoever opens it a volunteer or,
// with Role organizer, an organizer of Scope.
type Invite struct {
	Code      string    `json:"code"`
	CreatedBy int64     `json:"created_by"`
	ExpiresAt time.Time `json:"expires_at"`
	// Role is what the invite makes: RoleOrganizer, or RoleVolunteer
	// (also when empty, as invites made before organizer invites were).
	Role Role `json:"role,omitempty"`
	// Scope is a commune code: an organizer invite's scope (empty: the
	// province), a volunteer invite's commune (empty: none said).
	Scope string `json:"scope,omitempty"`
}

// MakesOrganizer reports whether the invite makes an organizer.
func (inv Invite) MakesOrganizer() bool { return inv.Role == RoleOrganizer }
