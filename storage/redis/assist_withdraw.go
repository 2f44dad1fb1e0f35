package redis

import (
	"context"
	"encoding/json"

	"fmt"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
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

// WithdrawAssist removes the record with the id from the assist stream and
// returns it, dropping its note. The stream has no index by id: the
// entries are read newest first, assistBatch at a time, until the record
// is found (an undo comes minutes after the record, so it is near the
// end); the entry is then deleted with XDEL, whose count says whether this
// caller removed it. An entry that went meanwhile (another withdrawer, or
// an erasure rewriting it under a new entry id) is looked for again.
func (s *Store) WithdrawAssist(ctx context.Context, id string) (domain.Assist, error) {
	op := "withdraw assist"
	for range 3 {
		entry, a, err := s.findAssist(ctx, op, id)
		if err != nil {
			return domain.Assist{}, err
		}
		n, err := s.client.XDel(ctx, s.keys.assists(), entry).Result()
		if err != nil {
			return domain.Assist{}, wrapErr(op, err)
		}
		if n == 1 {
			if err := s.client.HDel(ctx, s.keys.assistNotes(), id).Err(); err != nil {
				return domain.Assist{}, wrapErr(op, err)
			}
			return a, nil
		}
	}
	return domain.Assist{}, fmt.Errorf("redis: %s: %w", op, storage.ErrConflict)
}

// findAssist returns the stream entry id and the record with the id, or
// ErrNotFound.
func (s *Store) findAssist(ctx context.Context, op, id string) (string, domain.Assist, error) {
	for end := "+"; ; {
		msgs, err := s.client.XRevRangeN(ctx, s.keys.assists(), end, "-", assistBatch).Result()
		if err != nil {
			return "", domain.Assist{}, wrapErr(op, err)
		}
		for _, m := range msgs {
			raw, ok := m.Values[fieldData].(string)
			if !ok {
				return "", domain.Assist{}, fmt.Errorf("redis: %s: entry %s has no %q field", op, m.ID, fieldData)
			}
			var a domain.Assist
			if err := json.Unmarshal([]byte(raw), &a); err != nil {
				return "", domain.Assist{}, fmt.Errorf("redis: %s: decode entry %s: %w", op, m.ID, err)
			}
			if a.ID == id {
				return m.ID, a, nil
			}
		}
		if len(msgs) < assistBatch {
			return "", domain.Assist{}, fmt.Errorf("redis: %s: %w", op, storage.ErrNotFound)
		}
		end = "(" + msgs[len(msgs)-1].ID
	}
}
