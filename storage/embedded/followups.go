package embedded

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
)

// followUpRecord is a resident's follow-up as bucketFollowUps keeps it:
// pending until asked, then asked. At is its bucketFollowUpsDue time: when
// a pending one is due (DueAt, or the end of a taker's lease), and until
// when an asked one takes an answer.
type followUpRecord struct {
	domain.FollowUp
	Asked bool      `json:"asked,omitempty"`
	At    time.Time `json:"at"`
}

// followUpDueKey is the bucketFollowUpsDue key of a record.
func followUpDueKey(r followUpRecord) []byte {
	return putInt(putTime(make([]byte, 0, 16), r.At), r.ResidentID)
}

// sameFollowUp reports whether two follow-ups are one: same resident,
// flow, step and due time.
func sameFollowUp(a, b domain.FollowUp) bool {
	return a.ResidentID == b.ResidentID && a.FlowID == b.FlowID && a.Step == b.Step && a.DueAt.Equal(b.DueAt)
}

// getFollowUp reads the resident's record; ok is false when there is none.
func getFollowUp(tx *bolt.Tx, residentID int64) (r followUpRecord, ok bool, err error) {
	raw := tx.Bucket(bucketFollowUps).Get(idKey(residentID))
	if raw == nil {
		return r, false, nil
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return r, false, fmt.Errorf("decode follow-up of %d: %w", residentID, err)
	}
	return r, true, nil
}

// putFollowUp writes the resident's record and its due entry, after
// deleting their old one.
func putFollowUp(tx *bolt.Tx, r followUpRecord) error {
	if _, err := deleteFollowUp(tx, r.ResidentID); err != nil {
		return err
	}
	r.DueAt, r.At = r.DueAt.UTC(), r.At.UTC()
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode follow-up: %w", err)
	}
	if err := tx.Bucket(bucketFollowUps).Put(idKey(r.ResidentID), data); err != nil {
		return err
	}
	return tx.Bucket(bucketFollowUpsDue).Put(followUpDueKey(r), []byte{})
}

// deleteFollowUp removes the resident's record and its due entry; it
// reports whether there was one.
func deleteFollowUp(tx *bolt.Tx, residentID int64) (bool, error) {
	old, ok, err := getFollowUp(tx, residentID)
	if err != nil || !ok {
		return false, err
	}
	if err := tx.Bucket(bucketFollowUpsDue).Delete(followUpDueKey(old)); err != nil {
		return false, err
	}
	return true, tx.Bucket(bucketFollowUps).Delete(idKey(residentID))
}

// ScheduleFollowUp stores the resident's pending follow-up, replacing
// theirs.
func (s *Store) ScheduleFollowUp(ctx context.Context, f domain.FollowUp) error {
	return s.update(ctx, fmt.Sprintf("schedule a follow-up of %d", f.ResidentID), func(tx *bolt.Tx) error {
		return putFollowUp(tx, followUpRecord{FollowUp: f, At: f.DueAt})
	})
}

// TakeDueFollowUps hands out the due pending follow-ups, earliest first,
// each due again at now+lease, and drops lapsed asked ones. It reads first
// and writes only when something is due, so that the job that calls it
// every second does not write the file every second.
func (s *Store) TakeDueFollowUps(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]domain.FollowUp, error) {
	if limit <= 0 {
		return nil, nil
	}
	end := putTime(nil, now.Add(time.Nanosecond))
	due := func(tx *bolt.Tx) bool {
		k, _ := tx.Bucket(bucketFollowUpsDue).Cursor().First()
		return k != nil && bytes.Compare(k[:8], end) < 0
	}
	var found bool
	if err := s.view(ctx, "look for due follow-ups", func(tx *bolt.Tx) error { found = due(tx); return nil }); err != nil || !found {
		return nil, err
	}
	var out []domain.FollowUp
	err := s.update(ctx, "take due follow-ups", func(tx *bolt.Tx) error {
		out = nil
		var keys [][]byte
		c := tx.Bucket(bucketFollowUpsDue).Cursor()
		for k, _ := c.First(); k != nil && len(keys) < limit && bytes.Compare(k[:8], end) < 0; k, _ = c.Next() {
			keys = append(keys, bytes.Clone(k))
		}
		for _, k := range keys {
			r, ok, err := getFollowUp(tx, getInt(k[8:]))
			switch {
			case err != nil:
				return err
			case !ok:
				err = tx.Bucket(bucketFollowUpsDue).Delete(k)
			case r.Asked:
				_, err = deleteFollowUp(tx, r.ResidentID) // the answer window passed
			default:
				r.At = now.Add(lease)
				err = putFollowUp(tx, r)
				out = append(out, r.FollowUp)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// MarkFollowUpAsked turns the pending f into an asked follow-up that takes
// an answer until the given time.
func (s *Store) MarkFollowUpAsked(ctx context.Context, f domain.FollowUp, until time.Time) (bool, error) {
	marked := false
	err := s.update(ctx, fmt.Sprintf("mark the follow-up of %d asked", f.ResidentID), func(tx *bolt.Tx) error {
		marked = false
		r, ok, err := getFollowUp(tx, f.ResidentID)
		if err != nil || !ok || r.Asked || !sameFollowUp(r.FollowUp, f) {
			return err
		}
		r.Asked, r.At = true, until
		marked = true
		return putFollowUp(tx, r)
	})
	return marked, err
}

// DropFollowUp removes the pending f.
func (s *Store) DropFollowUp(ctx context.Context, f domain.FollowUp) error {
	return s.update(ctx, fmt.Sprintf("drop the follow-up of %d", f.ResidentID), func(tx *bolt.Tx) error {
		r, ok, err := getFollowUp(tx, f.ResidentID)
		if err != nil || !ok || r.Asked || !sameFollowUp(r.FollowUp, f) {
			return err
		}
		_, err = deleteFollowUp(tx, f.ResidentID)
		return err
	})
}

// AnswerFollowUp takes away the resident's follow-up about the flow, asked
// and open, or pending and due.
func (s *Store) AnswerFollowUp(ctx context.Context, residentID int64, flowID string, now time.Time) (domain.FollowUp, error) {
	var out domain.FollowUp
	op := fmt.Sprintf("answer the follow-up of %d", residentID)
	err := s.update(ctx, op, func(tx *bolt.Tx) error {
		out = domain.FollowUp{}
		r, ok, err := getFollowUp(tx, residentID)
		if err != nil {
			return err
		}
		answerable := r.Asked && r.At.After(now) || !r.Asked && !r.DueAt.After(now)
		if !ok || r.FlowID != flowID || !answerable {
			return errNoFollowUp
		}
		_, err = deleteFollowUp(tx, residentID)
		out = r.FollowUp
		return err
	})
	if errors.Is(err, errNoFollowUp) {
		return domain.FollowUp{}, fmt.Errorf("embedded: %s: %w", op, storage.ErrNotFound)
	}
	return out, err
}

// errNoFollowUp ends AnswerFollowUp's transaction when there is nothing
// to answer.
var errNoFollowUp = errors.New("no follow-up to answer")

// CancelFollowUps removes the resident's follow-up.
func (s *Store) CancelFollowUps(ctx context.Context, residentID int64) error {
	return s.update(ctx, fmt.Sprintf("cancel the follow-ups of %d", residentID), func(tx *bolt.Tx) error {
		_, err := deleteFollowUp(tx, residentID)
		return err
	})
}
