package domain

import "time"

// Role is what a user may do at the desk.
type Role string

// Roles. A user with no stored role is a resident.
const (
	RoleResident  Role = "resident"
	RoleVolunteer Role = "volunteer"
	RoleOrganizer Role = "organizer"
)

// User is a person who has talked to the bot. ID is the messenger's user id.
// It holds no name or phone number: the desk does not need them.
type User struct {
	ID       int64  `json:"id"`
	Role     Role   `json:"role,omitempty"`
	Language string `json:"lang,omitempty"`    // "vi" or "en"; empty: not chosen yet
	Commune  string `json:"commune,omitempty"` // statistics-office code, optional
	// Blocked is true when the user blocked the bot (Telegram answered 403);
	// such users are skipped by broadcasts until they write again.
	Blocked bool `json:"blocked,omitempty"`
	// DisplayName is what residents see of a volunteer, e.g.
	// "Lan - Đoàn xã Thọ Xuân". Volunteers and organizers only.
	DisplayName string `json:"name,omitempty"`
	// Scope is an organizer's commune (statistics-office code): their
	// reports, exports, broadcasts and volunteer lists cover it alone.
	// Empty: the whole province (ORGANIZER_IDS and province invites).
	Scope string `json:"scope,omitempty"`
	// Invited is true for an organizer made by an organizer invite rather
	// than ORGANIZER_IDS: they stay one when ORGANIZER_IDS changes.
	Invited bool `json:"invited,omitempty"`
	// OnDuty is true while a volunteer takes questions (/on, /off).
	OnDuty bool `json:"on_duty,omitempty"`
	// NoAnnouncements is true when the user asked for no broadcasts.
	NoAnnouncements bool `json:"no_announcements,omitempty"`
	// NoFollowUps is true when the user asked not to be asked how a
	// dossier or payment turned out (FollowUp).
	NoFollowUps bool      `json:"no_follow_ups,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Permissions. A button or a command is a request, never a permission:
// every action asks one of these on the server.

// CanVolunteer reports whether u may take and answer questions.
func (u User) CanVolunteer() bool { return u.Role == RoleVolunteer || u.Role == RoleOrganizer }

// CanOrganize reports whether u may invite and remove volunteers,
// broadcast, and read reports.
func (u User) CanOrganize() bool { return u.Role == RoleOrganizer }

// Covers reports whether an organizer's scope includes the commune: a
// province-wide organizer covers every commune (and the unknown one, "").
func (u User) Covers(commune string) bool {
	return u.CanOrganize() && (u.Scope == "" || u.Scope == commune)
}

// Holds reports whether u is the volunteer who has the claimed ticket t.
func (u User) Holds(t Ticket) bool {
	return t.State == TicketClaimed && t.VolunteerID == u.ID && u.CanVolunteer()
}

// Home is the commune a volunteer or organizer works in: an organizer's
// scope, else the commune they said (empty: none).
func (u User) Home() string {
	if u.CanOrganize() && u.Scope != "" {
		return u.Scope
	}
	return u.Commune
}
