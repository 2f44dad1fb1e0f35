package domain

import "errors"

// Errors of the domain's moves. Callers test them with errors.Is.
var (
	// ErrIllegal means the move is not one the value's state allows: a
	// claim of a ticket someone already has, a resume of a running
	// broadcast.
	ErrIllegal = errors.New("domain: illegal move")
	// ErrNotAllowed means the user's role, or their relation to the value,
	// does not allow the move: a resident claiming a ticket, a volunteer
	// closing another volunteer's ticket.
	ErrNotAllowed = errors.New("domain: not allowed")
	// ErrTicketFull means a ticket holds as much of the resident's text as
	// it may (MaxTicketRunes).
	ErrTicketFull = errors.New("domain: the ticket is full")
)
