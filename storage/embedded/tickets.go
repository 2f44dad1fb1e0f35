package embedded

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
)

// OpenTicket stores a new open ticket with the next id of the tickets
// bucket's sequence (1, 2, ...) and queues it, in one transaction. It
// returns an error wrapping storage.ErrConflict when the resident has an
// active ticket.
func (s *Store) OpenTicket(ctx context.Context, in domain.Ticket) (domain.Ticket, error) {
	op := fmt.Sprintf("open a ticket for resident %d", in.ResidentID)
	if in.State != domain.TicketOpen {
		return domain.Ticket{}, fmt.Errorf("embedded: %s: the ticket is %s, not open", op, in.State)
	}
	var out domain.Ticket
	err := s.update(ctx, op, func(tx *bolt.Tx) error {
		if held, ok := activeTicketID(tx, in.ResidentID); ok {
			return fmt.Errorf("%w: resident %d already has active ticket %d", storage.ErrConflict, in.ResidentID, held)
		}
		id, err := newID(tx.Bucket(bucketTickets), "ticket")
		if err != nil {
			return err
		}
		out = in // afresh: a batched transaction may run fn again
		out.ID, out.Version = id, 1
		return putTicket(tx, out)
	})
	if err != nil {
		return domain.Ticket{}, err
	}
	return out, nil
}

// ClaimTicket stores a claimed ticket: out of the queue, into the
// volunteer's claims and the leases.
func (s *Store) ClaimTicket(ctx context.Context, t domain.Ticket) (domain.Ticket, error) {
	return s.moveTicket(ctx, "claim", t)
}

// ReplyTicket stores the first reply to a claimed ticket: out of the
// leases.
func (s *Store) ReplyTicket(ctx context.Context, t domain.Ticket) (domain.Ticket, error) {
	return s.moveTicket(ctx, "reply to", t)
}

// RequeueTicket stores a ticket back in the queue, out of the claims of the
// volunteer who had it (the stored ticket names them) and the leases.
func (s *Store) RequeueTicket(ctx context.Context, t domain.Ticket, _ int64) (domain.Ticket, error) {
	return s.moveTicket(ctx, "requeue", t)
}

// CloseTicket stores an ended ticket out of every index.
func (s *Store) CloseTicket(ctx context.Context, t domain.Ticket) (domain.Ticket, error) {
	return s.moveTicket(ctx, "close", t)
}

// EscalateTicket stores an escalated open ticket.
func (s *Store) EscalateTicket(ctx context.Context, t domain.Ticket) (domain.Ticket, error) {
	return s.moveTicket(ctx, "escalate", t)
}

// UpdateTicket stores a ticket that did not move; an open one takes its
// place in the queue by its rank.
func (s *Store) UpdateTicket(ctx context.Context, t domain.Ticket) (domain.Ticket, error) {
	return s.moveTicket(ctx, "update", t)
}

// moveTicket is every move's transaction: compare the stored version with
// in.Version, take the stored ticket out of the indexes it is in, store in
// with Version incremented, and put it in the indexes it now belongs in.
// Otherwise it stores nothing and returns an error wrapping
// storage.ErrConflict.
func (s *Store) moveTicket(ctx context.Context, move string, in domain.Ticket) (domain.Ticket, error) {
	var out domain.Ticket
	err := s.update(ctx, fmt.Sprintf("%s ticket %d", move, in.ID), func(tx *bolt.Tx) error {
		old, err := getTicket(tx, in.ID)
		if err := checkVersion(old.Version, err, in.Version); err != nil {
			return err
		}
		if err := unindexTicket(tx, old); err != nil {
			return err
		}
		out = in
		out.Version = in.Version + 1
		return putTicket(tx, out)
	})
	if err != nil {
		return domain.Ticket{}, err
	}
	return out, nil
}

// putTicket writes t and puts it in the indexes it belongs in.
func putTicket(tx *bolt.Tx, t domain.Ticket) error {
	data, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	if err := tx.Bucket(bucketTickets).Put(idKey(t.ID), data); err != nil {
		return err
	}
	return indexTicket(tx, t)
}

// GetTicket returns the ticket, or an error wrapping storage.ErrNotFound.
func (s *Store) GetTicket(ctx context.Context, id int64) (domain.Ticket, error) {
	var t domain.Ticket
	err := s.view(ctx, fmt.Sprintf("get ticket %d", id), func(tx *bolt.Tx) error {
		var err error
		t, err = getTicket(tx, id)
		return err
	})
	return t, err
}

// ActiveTicketOf returns the resident's open or claimed ticket, or an error
// wrapping storage.ErrNotFound.
func (s *Store) ActiveTicketOf(ctx context.Context, residentID int64) (domain.Ticket, error) {
	var t domain.Ticket
	err := s.view(ctx, fmt.Sprintf("active ticket of %d", residentID), func(tx *bolt.Tx) error {
		id, ok := activeTicketID(tx, residentID)
		if !ok {
			return storage.ErrNotFound
		}
		var err error
		if t, err = getTicket(tx, id); err != nil {
			return fmt.Errorf("indexed ticket %d: %w", id, err)
		}
		return nil
	})
	return t, err
}

// OpenTickets returns up to limit open tickets in queue order: by
// Ticket.QueueRank (urgent first, then CreatedAt to the millisecond), then
// by id.
func (s *Store) OpenTickets(ctx context.Context, limit int) ([]domain.Ticket, error) {
	var out []domain.Ticket
	if limit <= 0 {
		return out, nil
	}
	err := s.view(ctx, "open tickets", func(tx *bolt.Tx) error {
		out = nil
		c := tx.Bucket(bucketTicketQueue).Cursor()
		for k, _ := c.First(); k != nil && len(out) < limit; k, _ = c.Next() {
			t, err := indexedTicket(tx, k)
			if err != nil {
				return err
			}
			out = append(out, t)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// QueuePosition returns the open ticket's place in the queue, from 1, or an
// error wrapping storage.ErrNotFound when it is not open. It counts the
// tickets ahead, which is cheap while the queue is short.
func (s *Store) QueuePosition(ctx context.Context, id int64) (int, error) {
	var pos int
	err := s.view(ctx, fmt.Sprintf("queue position of ticket %d", id), func(tx *bolt.Tx) error {
		t, err := getTicket(tx, id)
		if err != nil {
			return err
		}
		if t.State != domain.TicketOpen {
			return fmt.Errorf("%w: ticket is %s", storage.ErrNotFound, t.State)
		}
		key := queueKey(t)
		pos = 1
		c := tx.Bucket(bucketTicketQueue).Cursor()
		for k, _ := c.First(); k != nil && bytes.Compare(k, key) < 0; k, _ = c.Next() {
			pos++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return pos, nil
}

// ClaimsOf returns the tickets the volunteer has claimed, oldest ClaimedAt
// first (then by id).
func (s *Store) ClaimsOf(ctx context.Context, volunteerID int64) ([]domain.Ticket, error) {
	var out []domain.Ticket
	err := s.view(ctx, fmt.Sprintf("claims of %d", volunteerID), func(tx *bolt.Tx) error {
		out = nil
		prefix := idKey(volunteerID)
		c := tx.Bucket(bucketTicketClaims).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			t, err := indexedTicket(tx, k)
			if err != nil {
				return err
			}
			out = append(out, t)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// LapsedLeases returns up to limit claimed tickets whose LeaseUntil is set
// and not after now, earliest first (then by id).
func (s *Store) LapsedLeases(ctx context.Context, now time.Time, limit int) ([]domain.Ticket, error) {
	var out []domain.Ticket
	if limit <= 0 {
		return out, nil
	}
	end := putTime(nil, now)
	err := s.view(ctx, "lapsed leases", func(tx *bolt.Tx) error {
		out = nil
		c := tx.Bucket(bucketTicketLeases).Cursor()
		for k, _ := c.First(); k != nil && len(out) < limit && bytes.Compare(k[:min(len(k), 8)], end) <= 0; k, _ = c.Next() {
			t, err := indexedTicket(tx, k)
			if err != nil {
				return err
			}
			// Keys clamp times outside the UnixNano range; the exact
			// check is on LeaseUntil itself.
			if t.LeaseUntil.After(now) {
				continue
			}
			out = append(out, t)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func getTicket(tx *bolt.Tx, id int64) (domain.Ticket, error) {
	var t domain.Ticket
	raw := tx.Bucket(bucketTickets).Get(idKey(id))
	if raw == nil {
		return t, storage.ErrNotFound
	}
	if err := json.Unmarshal(raw, &t); err != nil {
		return t, fmt.Errorf("decode ticket %d: %w", id, err)
	}
	return t, nil
}

// indexedTicket loads the ticket whose id ends the index key k.
func indexedTicket(tx *bolt.Tx, k []byte) (domain.Ticket, error) {
	if len(k) < 16 {
		return domain.Ticket{}, fmt.Errorf("corrupt ticket index key %x", k)
	}
	id := getInt(k[len(k)-8:])
	t, err := getTicket(tx, id)
	if err != nil {
		return t, fmt.Errorf("indexed ticket %d: %w", id, err)
	}
	return t, nil
}

// activeTicketID returns the id of the resident's active ticket, if any.
func activeTicketID(tx *bolt.Tx, residentID int64) (int64, bool) {
	v := tx.Bucket(bucketTicketActive).Get(idKey(residentID))
	if len(v) != 8 {
		return 0, false
	}
	return getInt(v), true
}

// leased reports whether a ticket belongs in the leases index.
func leased(t domain.Ticket) bool {
	return t.State == domain.TicketClaimed && !t.LeaseUntil.IsZero()
}

// indexTicket adds the stored ticket t to the indexes it belongs in.
func indexTicket(tx *bolt.Tx, t domain.Ticket) error {
	if err := tx.Bucket(bucketTicketResident).Put(residentTicketKey(t.ResidentID, t.ID), []byte{}); err != nil {
		return err
	}
	if t.Active() {
		if err := tx.Bucket(bucketTicketActive).Put(idKey(t.ResidentID), idKey(t.ID)); err != nil {
			return err
		}
	}
	switch t.State {
	case domain.TicketOpen:
		return tx.Bucket(bucketTicketQueue).Put(queueKey(t), []byte{})
	case domain.TicketClaimed:
		if err := tx.Bucket(bucketTicketClaims).Put(claimKey(t), []byte{}); err != nil {
			return err
		}
		if leased(t) {
			return tx.Bucket(bucketTicketLeases).Put(leaseKey(t), []byte{})
		}
	}
	return nil
}

// unindexTicket removes the stored ticket t from the indexes indexTicket
// put it in. The resident's entry goes only if it still names t.
func unindexTicket(tx *bolt.Tx, t domain.Ticket) error {
	if id, ok := activeTicketID(tx, t.ResidentID); ok && id == t.ID {
		if err := tx.Bucket(bucketTicketActive).Delete(idKey(t.ResidentID)); err != nil {
			return err
		}
	}
	switch t.State {
	case domain.TicketOpen:
		return tx.Bucket(bucketTicketQueue).Delete(queueKey(t))
	case domain.TicketClaimed:
		if err := tx.Bucket(bucketTicketClaims).Delete(claimKey(t)); err != nil {
			return err
		}
		if leased(t) {
			return tx.Bucket(bucketTicketLeases).Delete(leaseKey(t))
		}
	}
	return nil
}
