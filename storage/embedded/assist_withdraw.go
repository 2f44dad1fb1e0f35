package embedded

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
	bolt "go.etcd.io/bbolt"
)

// withAssistID gives a record without an id a new one.
func withAssistID(a domain.Assist) (domain.Assist, error) {
	if a.ID != "" {
		return a, nil
	}
	id, err := domain.NewAssistID()
	if err != nil {
		return a, err
	}
	a.ID = id
	return a, nil
}

// WithdrawAssist removes the record with the id from the log and returns
// it, with its note, which it drops: one transaction. The log has no
// index by id: it is read from the newest record back (an undo comes
// minutes after the record) until the record is found.
func (s *Store) WithdrawAssist(ctx context.Context, id string) (domain.Assist, error) {
	var out domain.Assist
	err := s.update(ctx, "withdraw assist", func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAssists)
		c := b.Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var a domain.Assist
			if err := json.Unmarshal(v, &a); err != nil {
				return fmt.Errorf("decode assist %x: %w", k, err)
			}
			if a.ID != id {
				continue
			}
			notes := tx.Bucket(bucketAssistNotes)
			applyNote(notes, &a)
			out = a
			if err := c.Delete(); err != nil {
				return err
			}
			return notes.Delete([]byte(id))
		}
		return storage.ErrNotFound
	})
	if err != nil {
		return domain.Assist{}, err
	}
	return out, nil
}
