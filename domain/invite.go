package domain

import "time"

// Invite is a single-use link that makes whoever opens it a volunteer.
type Invite struct {
	Code      string    `json:"code"`
	CreatedBy int64     `json:"created_by"`
	ExpiresAt time.Time `json:"expires_at"`
}
