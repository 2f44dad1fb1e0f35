// Package domain holds hotroso's domain types and their legal moves, with
// nothing behind it: no store, no messenger, no clock of its own. A ticket
// is claimed, replied to, released, requeued, closed or escalated by its
// methods, a broadcast confirmed, paused, resumed, canceled or finished by
// its own; each returns an error wrapping ErrIllegal for a move its state
// does not allow, and ErrNotAllowed for a user whose role does not allow
// it. Callers then store the moved value with the store's named operation
// for that move (package storage).
package domain
