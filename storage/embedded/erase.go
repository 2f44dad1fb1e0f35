package embedded

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"

	bolt "go.etcd.io/bbolt"

	"github.com/hotroso/hotroso/domain"
)

// residentTicketKey is the bucketTicketResident key of a resident's ticket.
func residentTicketKey(residentID, ticketID int64) []byte {
	return putInt(putInt(make([]byte, 0, 16), residentID), ticketID)
}

// indexAllTicketResidents builds the tickets-by-resident index from the
// tickets bucket (schema upgrade to version 4).
func indexAllTicketResidents(tx *bolt.Tx) error {
	index := tx.Bucket(bucketTicketResident)
	return tx.Bucket(bucketTickets).ForEach(func(k, v []byte) error {
		var t domain.Ticket
		if err := json.Unmarshal(v, &t); err != nil {
			return fmt.Errorf("decode ticket %x: %w", k, err)
		}
		return index.Put(residentTicketKey(t.ResidentID, t.ID), []byte{})
	})
}

// EraseResident deletes the resident's tickets, their indexes and ratings,
// the relays to or from their chat and their follow-up, and strips the resident's assist records of the ticket id and the
// resident hash (after folding in the rating), in one transaction. The
// transaction reads the whole assist log: erasure is rare, and the log has
// no index by resident (on purpose).
func (s *Store) EraseResident(ctx context.Context, residentID int64, residentHash string) ([]domain.Ticket, error) {
	var erased []domain.Ticket
	err := s.update(ctx, fmt.Sprintf("erase resident %d", residentID), func(tx *bolt.Tx) error {
		erased = nil
		ids := map[int64]bool{}
		prefix := idKey(residentID)
		c := tx.Bucket(bucketTicketResident).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
			t, err := getTicket(tx, getInt(k[8:]))
			if err != nil {
				return fmt.Errorf("indexed ticket: %w", err)
			}
			if err := unindexTicket(tx, t); err != nil {
				return err
			}
			if err := tx.Bucket(bucketTickets).Delete(idKey(t.ID)); err != nil {
				return err
			}
			if err := c.Delete(); err != nil {
				return err
			}
			ids[t.ID] = true
			erased = append(erased, t)
		}
		rewrote, err := anonymizeAssists(tx, ids, residentHash)
		if err != nil {
			return err
		}
		relays, err := eraseOutgoingOf(tx, residentID)
		if err != nil {
			return err
		}
		web, err := eraseWebChatOf(tx, residentID)
		if err != nil {
			return err
		}
		followUp, err := deleteFollowUp(tx, residentID)
		if err != nil || (len(erased) == 0 && !rewrote && !relays && !web && !followUp) {
			return err
		}
		return tx.Bucket(bucketMeta).Put(metaErased, []byte{1})
	})
	if err != nil {
		return nil, err
	}
	return erased, nil
}

// anonymizeAssists rewrites the assist records of the given tickets, or of
// the resident with that hash, without the ticket id and the hash, their
// ticket's rating folded in; then it deletes those tickets' ratings. It
// adds the tickets of the records it found to ids, and reports whether it
// rewrote any record.
func anonymizeAssists(tx *bolt.Tx, ids map[int64]bool, residentHash string) (rewrote bool, err error) {
	assists, ratings := tx.Bucket(bucketAssists), tx.Bucket(bucketRatings)
	c := assists.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var a domain.Assist
		if err := json.Unmarshal(v, &a); err != nil {
			return false, fmt.Errorf("decode assist %x: %w", k, err)
		}
		mine := (residentHash != "" && a.Resident == residentHash) || (a.TicketID != 0 && ids[a.TicketID])
		if !mine {
			continue
		}
		if a.TicketID != 0 {
			r, err := getRating(ratings, a.TicketID)
			if err != nil {
				return false, err
			}
			r.apply(&a)
			ids[a.TicketID] = true
		}
		a.TicketID, a.Resident = 0, ""
		data, err := json.Marshal(a)
		if err != nil {
			return false, fmt.Errorf("encode assist %x: %w", k, err)
		}
		// Replacing the value of the key under the cursor is allowed;
		// the key itself stays.
		if err := assists.Put(bytes.Clone(k), data); err != nil {
			return false, err
		}
		rewrote = true
	}
	for id := range ids {
		if err := ratings.Delete(idKey(id)); err != nil {
			return false, err
		}
	}
	return rewrote, nil
}

// compactBatch bounds the bytes copied per transaction of a compaction.
const compactBatch = 4 << 20

// ScrubErased compacts the file into a fresh one when something was erased
// since the last compaction: bbolt reuses freed pages but never wipes
// them, so deleted records stay readable in the file until then. The
// store waits for its reads and writes in flight and holds new ones while
// it copies and swaps the file.
func (s *Store) ScrubErased(ctx context.Context) (bool, error) {
	const op = "scrub erased data"
	if err := ctx.Err(); err != nil {
		return false, wrap(op, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var due bool
	if err := s.db.View(func(tx *bolt.Tx) error {
		due = tx.Bucket(bucketMeta).Get(metaErased) != nil
		return nil
	}); err != nil {
		return false, wrap(op, err)
	}
	if !due {
		return false, nil
	}
	if err := s.compactLocked(); err != nil {
		return false, wrap(op, err)
	}
	return true, nil
}

// compactLocked copies the file into path+".compact", without the erased
// mark, closes the file and puts the copy in its place. s.mu is held.
func (s *Store) compactLocked() error {
	path := s.db.Path()
	tmp := path + ".compact"
	if err := os.Remove(tmp); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("remove old copy: %w", err)
	}
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: s.lockTimeout})
	if err != nil {
		return fmt.Errorf("open copy: %w", err)
	}
	err = bolt.Compact(dst, s.db, compactBatch)
	if err == nil {
		err = dst.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Delete(metaErased) })
	}
	if closeErr := dst.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("compact: %w", err)
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close before swap: %w", err)
	}
	swapErr := os.Rename(tmp, path)
	// Reopen whichever file is at path: the copy, or the original if the
	// swap failed, so that the store keeps working either way.
	db, err := openFile(path, s.lockTimeout, s.loc)
	if err != nil {
		return fmt.Errorf("reopen after compaction: %w", err)
	}
	s.db = db
	if swapErr != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("swap in the compacted file: %w", swapErr)
	}
	return nil
}
