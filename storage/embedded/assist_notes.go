package embedded

import (
	"context"
	"fmt"

	"github.com/hotroso/hotroso/domain"
	bolt "go.etcd.io/bbolt"
)

// NoteAssist keeps a volunteer's note (already masked) for the assist
// record with the id, replacing an earlier one, in bucketAssistNotes: one
// transaction. AssistsBetween applies it when reading, as it does ratings.
func (s *Store) NoteAssist(ctx context.Context, id, note string) error {
	if id == "" {
		return fmt.Errorf("embedded: note assist: empty id")
	}
	return s.update(ctx, "note assist", func(tx *bolt.Tx) error {
		return tx.Bucket(bucketAssistNotes).Put([]byte(id), []byte(note))
	})
}

// applyNote sets on an in-person record its note, if it has one.
func applyNote(notes *bolt.Bucket, a *domain.Assist) {
	if a.Kind != domain.AssistInPerson || a.ID == "" {
		return
	}
	if note := notes.Get([]byte(a.ID)); note != nil {
		a.Note = string(note)
	}
}
