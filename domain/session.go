package domain

import "time"

// Session is where one chat stands in a guided flow. Version is the
// compare-and-set token: 0 for a session never stored.
type Session struct {
	ChatID      int64             `json:"chat_id"`
	FlowID      string            `json:"flow,omitempty"` // empty: not in a flow
	FlowVersion int               `json:"flow_version,omitempty"`
	Step        string            `json:"step,omitempty"`
	Answers     map[string]string `json:"answers,omitempty"`
	History     []string          `json:"history,omitempty"` // previous steps, newest last, bounded
	// Abandoned is set once the session was reported abandoned (idle too long).
	Abandoned bool `json:"abandoned,omitempty"`
	// Awaiting names what the chat's next typed text is for (e.g. a new
	// volunteer's display name); empty when nothing is awaited.
	Awaiting string `json:"awaiting,omitempty"`
	// Draft is a text the desk could not place (already masked), kept so
	// the resident can send it to a volunteer with one tap.
	Draft string `json:"draft,omitempty"`
	// CurrentTicket is, for a volunteer, the claimed ticket their messages
	// are relayed to.
	CurrentTicket int64     `json:"current_ticket,omitempty"`
	UpdatedAt     time.Time `json:"updated_at"`
	Version       int64     `json:"version"`
}

// InFlow reports whether the session is somewhere inside a flow.
func (s Session) InFlow() bool { return s.FlowID != "" && s.Step != "" }
