package domain

import "time"

// AssistKind is what kind of help an assist record counts.
type AssistKind string

// Assist kinds.
const (
	AssistFlow   AssistKind = "flow"   // a resident finished a guided flow
	AssistTicket AssistKind = "ticket" // a volunteer closed a question
)

// Assist is one record of the assist log: no personal data, the resident
// only as a salted hash.
type Assist struct {
	At          time.Time     `json:"at"`
	Kind        AssistKind    `json:"kind"`
	TicketID    int64         `json:"ticket,omitempty"`
	FlowID      string        `json:"flow,omitempty"`
	Step        string        `json:"step,omitempty"`
	Outcome     string        `json:"outcome,omitempty"`
	Waiting     time.Duration `json:"waiting,omitempty"`  // ticket created -> claimed
	Handling    time.Duration `json:"handling,omitempty"` // claimed -> closed
	VolunteerID int64         `json:"volunteer,omitempty"`
	Commune     string        `json:"commune,omitempty"`
	Rating      int           `json:"rating,omitempty"` // 1..5, 0: not rated
	Worked      string        `json:"worked,omitempty"` // "yes", "no", "": not said
	Resident    string        `json:"resident,omitempty"`
}
