package domain

import (
	"fmt"
	"slices"
	"time"
	"unicode/utf8"
)

// TicketState is where a question stands.
type TicketState string

// Ticket states. Open and claimed tickets are active.
const (
	TicketOpen     TicketState = "open"     // waiting in the queue
	TicketClaimed  TicketState = "claimed"  // a volunteer has it
	TicketClosed   TicketState = "closed"   // a volunteer closed it with an outcome
	TicketCanceled TicketState = "canceled" // the resident withdrew it
)

// Ticket is a resident's question to the volunteers, with where they were.
// Every text in it is already masked (package privacy).
type Ticket struct {
	ID          int64             `json:"id"` // assigned by the store (OpenTicket)
	ResidentID  int64             `json:"resident"`
	Language    string            `json:"lang,omitempty"`
	Commune     string            `json:"commune,omitempty"`
	FlowID      string            `json:"flow,omitempty"`
	FlowVersion int               `json:"flow_version,omitempty"`
	Step        string            `json:"step,omitempty"`
	Answers     map[string]string `json:"answers,omitempty"`
	Question    string            `json:"question,omitempty"`
	// Notes are the resident's later messages while nobody had the ticket
	// (bounded, newest last).
	Notes []string `json:"notes,omitempty"`
	// Urgent tickets (an SOS hand-over) go to the head of the queue, before
	// every ordinary one, and their cards say so.
	Urgent bool `json:"urgent,omitempty"`
	// PhotosOK is set once the resident confirmed, after a reminder of what
	// not to photograph, that photos may go to the volunteer.
	PhotosOK bool `json:"photos_ok,omitempty"`
	// Media are the resident's photos and voice notes sent while nobody had
	// the ticket, as message ids in the resident's chat (no bytes), relayed
	// to the volunteer who takes it (bounded, oldest first).
	Media       []int       `json:"media,omitempty"`
	State       TicketState `json:"state"`
	VolunteerID int64       `json:"volunteer,omitempty"`
	CreatedAt   time.Time   `json:"created_at"`
	ClaimedAt   time.Time   `json:"claimed_at,omitzero"`
	// RepliedAt is the volunteer's first reply to the resident in this claim.
	RepliedAt time.Time `json:"replied_at,omitzero"`
	// LeaseUntil is when an unanswered claim lapses and the ticket returns
	// to the queue; zero once the volunteer replied.
	LeaseUntil time.Time `json:"lease_until,omitzero"`
	// AnnouncedAt is when the ticket was last posted for volunteers;
	// EscalatedAt when organizers were told nobody took it.
	AnnouncedAt time.Time `json:"announced_at,omitzero"`
	EscalatedAt time.Time `json:"escalated_at,omitzero"`
	// UnstaffedAt is when organizers were told the ticket waited, in desk
	// hours, with no volunteer on duty (once per ticket).
	UnstaffedAt time.Time `json:"unstaffed_at,omitzero"`
	ClosedAt    time.Time `json:"closed_at,omitzero"`
	Outcome     string    `json:"outcome,omitempty"`
	// CardChatID and CardMessageID locate the ticket's card in the
	// volunteer group, to edit it when the ticket changes hands.
	CardChatID    int64 `json:"card_chat,omitempty"`
	CardMessageID int   `json:"card_message,omitempty"`
	Version       int64 `json:"version"`
}

// Active reports whether the ticket is open or claimed.
func (t Ticket) Active() bool { return t.State == TicketOpen || t.State == TicketClaimed }

// urgentLead puts urgent tickets ahead of every ordinary one in the queue:
// about 1,100 years of milliseconds.
const urgentLead = int64(1) << 45

// QueueRank orders open tickets in the queue, smallest first: by creation
// time to the millisecond, urgent tickets before all others.
func (t Ticket) QueueRank() int64 {
	rank := t.CreatedAt.UnixMilli()
	if t.Urgent {
		rank -= urgentLead
	}
	return rank
}

// Outcomes a volunteer closes a ticket with.
const (
	OutcomeSolved   = "solved"
	OutcomeInPerson = "in_person"
	OutcomeUnsolved = "unsolved"
)

// TicketOutcomes lists the outcomes a ticket may be closed with, in the
// order volunteers are offered them.
var TicketOutcomes = []string{OutcomeSolved, OutcomeInPerson, OutcomeUnsolved}

// MaxNotes bounds the notes of a waiting ticket; later messages join the
// last note.
const MaxNotes = 20

// MaxTicketRunes bounds the characters of a ticket's question and notes
// together: about ten full Telegram messages.
const MaxTicketRunes = 40000

// NewTicket is a resident's question, open in the queue from now.
func NewTicket(residentID int64, now time.Time) Ticket {
	return Ticket{ResidentID: residentID, State: TicketOpen, CreatedAt: now, AnnouncedAt: now}
}

func illegal(t Ticket, move string) error {
	return fmt.Errorf("%w: cannot %s ticket %d, which is %s", ErrIllegal, move, t.ID, t.State)
}

// Claim gives the open ticket to volunteer v until now+lease, unless v
// replies first (Reply).
func (t *Ticket) Claim(v User, now time.Time, lease time.Duration) error {
	if !v.CanVolunteer() {
		return fmt.Errorf("%w: user %d may not claim tickets", ErrNotAllowed, v.ID)
	}
	if t.State != TicketOpen {
		return illegal(*t, "claim")
	}
	t.State, t.VolunteerID, t.ClaimedAt, t.RepliedAt, t.LeaseUntil = TicketClaimed, v.ID, now, time.Time{}, now.Add(lease)
	return nil
}

// Reply records the volunteer's first reply to the resident: from then on
// the claim holds until it is closed or released. first is false when the
// volunteer had replied already (nothing changes).
func (t *Ticket) Reply(v User, now time.Time) (first bool, err error) {
	if !v.Holds(*t) {
		return false, fmt.Errorf("%w: user %d does not hold ticket %d", ErrNotAllowed, v.ID, t.ID)
	}
	if !t.RepliedAt.IsZero() {
		return false, nil
	}
	t.RepliedAt, t.LeaseUntil = now, time.Time{}
	return true, nil
}

// Release is the volunteer handing the ticket back to the queue.
func (t *Ticket) Release(v User, now time.Time) error {
	if !v.Holds(*t) {
		return fmt.Errorf("%w: user %d does not hold ticket %d", ErrNotAllowed, v.ID, t.ID)
	}
	return t.Requeue(now)
}

// Requeue returns a claimed ticket to the queue without its volunteer (the
// lease lapsed, the volunteer left the desk), announced again from now.
func (t *Ticket) Requeue(now time.Time) error {
	if t.State != TicketClaimed {
		return illegal(*t, "requeue")
	}
	t.State, t.VolunteerID, t.ClaimedAt, t.RepliedAt, t.LeaseUntil, t.AnnouncedAt = TicketOpen, 0, time.Time{}, time.Time{}, time.Time{}, now
	return nil
}

// Close ends the ticket with one of TicketOutcomes; only the volunteer who
// holds it may.
func (t *Ticket) Close(v User, outcome string, now time.Time) error {
	if !slices.Contains(TicketOutcomes, outcome) {
		return fmt.Errorf("%w: outcome %q", ErrNotAllowed, outcome)
	}
	if !v.Holds(*t) {
		return fmt.Errorf("%w: user %d does not hold ticket %d", ErrNotAllowed, v.ID, t.ID)
	}
	t.State, t.Outcome, t.ClosedAt, t.LeaseUntil = TicketClosed, outcome, now, time.Time{}
	return nil
}

// Cancel is the resident withdrawing an open or claimed question.
func (t *Ticket) Cancel(now time.Time) error {
	if !t.Active() {
		return illegal(*t, "cancel")
	}
	t.State, t.ClosedAt, t.LeaseUntil = TicketCanceled, now, time.Time{}
	return nil
}

// Escalate marks an open ticket that waited too long: it is announced
// again and organizers are told, once.
func (t *Ticket) Escalate(now time.Time) error {
	if t.State != TicketOpen || !t.EscalatedAt.IsZero() {
		return illegal(*t, "escalate")
	}
	t.EscalatedAt, t.AnnouncedAt = now, now
	return nil
}

// MarkUnstaffed records that organizers are told the open ticket waits
// with nobody on duty: once per ticket.
func (t *Ticket) MarkUnstaffed(now time.Time) error {
	if t.State != TicketOpen || !t.UnstaffedAt.IsZero() {
		return illegal(*t, "report unstaffed")
	}
	t.UnstaffedAt = now
	return nil
}

// MakeUrgent moves an active ticket to the head of the queue (an SOS
// hand-over). It reports false when it was urgent already.
func (t *Ticket) MakeUrgent() (bool, error) {
	if !t.Active() {
		return false, illegal(*t, "make urgent")
	}
	if t.Urgent {
		return false, nil
	}
	t.Urgent = true
	return true, nil
}

// AddNote adds a resident's message to a waiting ticket: the first becomes
// the question, later ones notes. Once there are MaxNotes notes, a new
// message joins the last one (merged reports it), so none is lost; a
// message that would take the ticket's text past MaxTicketRunes is refused
// with ErrTicketFull, for the resident to be told.
func (t *Ticket) AddNote(text string) (merged bool, err error) {
	if t.TextRunes()+utf8.RuneCountInString(text) > MaxTicketRunes {
		return false, fmt.Errorf("%w: ticket %d", ErrTicketFull, t.ID)
	}
	switch {
	case t.Question == "":
		t.Question = text
	case len(t.Notes) < MaxNotes:
		t.Notes = append(t.Notes, text)
	default:
		t.Notes[len(t.Notes)-1] += "\n" + text
		merged = true
	}
	return merged, nil
}

// TextRunes is how many characters the resident's question and notes hold.
func (t Ticket) TextRunes() int {
	n := utf8.RuneCountInString(t.Question)
	for _, note := range t.Notes {
		n += utf8.RuneCountInString(note)
	}
	return n
}
