package domain

import "time"

// AssistKind is what kind of help an assist record counts.
type AssistKind string

// Assist kinds.
const (
	AssistFlow     AssistKind = "flow"      // a resident finished a guided flow
	AssistTicket   AssistKind = "ticket"    // a volunteer closed a question
	AssistInPerson AssistKind = "in_person" // a volunteer logged help given off-line (/log)
	AssistFollowUp AssistKind = "follow_up" // a resident said how a submitted dossier or payment turned out
)

// Topics of in-person help (Assist.Topic of an AssistInPerson record).
const (
	TopicVNeIDAccount = "vneid_account" // a VNeID account made or activated
	TopicVNeIDLevel2  = "vneid_level2"  // level 2 electronic identification
	TopicPayment      = "payment"       // paying online
	TopicDossier      = "dossier"       // a dossier on the public-service portal
	TopicSafety       = "safety"        // staying safe from scams
	TopicOther        = "other"
)

// Topics lists the in-person topics in the order /log offers them.
var Topics = []string{TopicVNeIDAccount, TopicVNeIDLevel2, TopicPayment, TopicDossier, TopicSafety, TopicOther}

// Follow-up outcomes (Assist.Outcome of an AssistFollowUp record): what
// became of a dossier submitted or a payment made.
const (
	FollowUpAccepted = "accepted"  // accepted, or paid and confirmed
	FollowUpWaiting  = "waiting"   // still waiting
	FollowUpSentBack = "sent_back" // sent back, or refused
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
	// ID is unique in the log; the store sets it when empty. An in-person
	// record is withdrawn by it (undo).
	ID string `json:"id,omitempty"`
	// People is how many people an in-person record counts; 0 counts as 1
	// (see Weight).
	People int `json:"people,omitempty"`
	// Topic is what an in-person record's help was about (Topics).
	Topic string `json:"topic,omitempty"`
	// Note is a volunteer's optional note on an in-person record, masked.
	Note string `json:"note,omitempty"`
	// Channel is where the resident was helped (empty: Telegram, the
	// records from before channels; see AssistChannel).
	Channel Channel `json:"channel,omitempty"`
}

// Weight is how many assists the record counts for: People for an
// in-person record, else 1.
func (a Assist) Weight() int {
	if a.People > 0 {
		return a.People
	}
	return 1
}
