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

// SaveTicket stores in if the stored version equals in.Version and returns
// it with Version incremented; otherwise it stores nothing and returns an
// error wrapping storage.ErrConflict. Version 0 creates a ticket and assigns
// its ID from the tickets bucket's sequence (1, 2, ...), whatever in.ID says.
//
// A save that would leave the resident with two active tickets (creating
// one while another is open or claimed, or reactivating an old one) also
// gives storage.ErrConflict. The check, the write and every index update
// are one transaction.
func (s *Store) SaveTicket(ctx context.Context, in domain.Ticket) (domain.Ticket, error) {
	op := fmt.Sprintf("save ticket %d", in.ID)
	if in.Version == 0 {
		op = fmt.Sprintf("create ticket for resident %d", in.ResidentID)
	}
	var out domain.Ticket
	err := s.update(ctx, op, func(tx *bolt.Tx) error {
		out = in // afresh: a batched transaction may run fn again
		out.Version = in.Version + 1
		tickets := tx.Bucket(bucketTickets)
		if in.Version == 0 {
			id, err := newID(tickets, "ticket")
			if err != nil {
				return err
			}
			out.ID = id
		} else {
			old, err := getTicket(tx, in.ID)
			if err := checkVersion(old.Version, err, in.Version); err != nil {
				return err
			}
			if err := unindexTicket(tx, old); err != nil {
				return err
			}
		}
		if out.Active() {
			if held, ok := activeTicketID(tx, out.ResidentID); ok && held != out.ID {
				return fmt.Errorf("%w: resident %d already has active ticket %d", storage.ErrConflict, out.ResidentID, held)
			}
		}
		data, err := json.Marshal(out)
		if err != nil {
			return fmt.Errorf("encode: %w", err)
		}
		if err := tickets.Put(idKey(out.ID), data); err != nil {
			return err
		}
		return indexTicket(tx, out)
	})
	if err != nil {
		return domain.Ticket{}, err
	}
	return out, nil
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
