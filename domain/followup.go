package domain

import "time"

// FollowUpDelay is how long after a resident submitted a dossier or paid a
// fee the desk asks how it turned out.
const FollowUpDelay = 48 * time.Hour

// FollowUpAnswerWindow is how long the buttons of a follow-up question,
// once asked, take an answer; after it the question lapses.
const FollowUpAnswerWindow = 14 * 24 * time.Hour

// FollowUpGiveUp is how long after its due time a follow-up that could not
// be delivered (the messenger kept failing) is still tried; then it is
// dropped.
const FollowUpGiveUp = 7 * 24 * time.Hour

// FollowUp is one question the desk will ask a resident about a dossier
// submitted or a fee paid in a flow: "how did it turn out?". A resident
// has at most one: a later one replaces it. It holds no personal data
// beyond the resident's id, which the desk needs to reach them, and is
// erased with the resident.
type FollowUp struct {
	ResidentID int64  `json:"resident"`
	FlowID     string `json:"flow"`
	Step       string `json:"step"`
	// DueAt is when to ask: FollowUpDelay after the flow ended.
	DueAt time.Time `json:"due"`
}

// NewFollowUp is the follow-up of a flow the resident ended at a step
// marked follow_up at the given time.
func NewFollowUp(residentID int64, flowID, step string, ended time.Time) FollowUp {
	return FollowUp{ResidentID: residentID, FlowID: flowID, Step: step, DueAt: ended.Add(FollowUpDelay).UTC()}
}

// Expired reports whether a follow-up not yet delivered at now is too late
// to ask (FollowUpGiveUp after it was due).
func (f FollowUp) Expired(now time.Time) bool {
	return now.Sub(f.DueAt) >= FollowUpGiveUp
}

// FollowUpOutcomes are the answers a follow-up question offers, in order.
var FollowUpOutcomes = []string{FollowUpAccepted, FollowUpWaiting, FollowUpSentBack}

// ValidFollowUpOutcome reports whether s is one of FollowUpOutcomes.
func ValidFollowUpOutcome(s string) bool {
	for _, o := range FollowUpOutcomes {
		if s == o {
			return true
		}
	}
	return false
}
