package redis

import (
	"context"
	"fmt"
	"slices"

	"github.com/hotroso/hotroso/domain"
)

// NoteAssist keeps a volunteer's note (already masked) for the assist
// record with the id, replacing an earlier one: one HSET of the notes hash
// (p:{a}:notes), a single key. AssistsBetween and ScanAssists apply it when
// reading, as they do ratings, so the log's members are never rewritten for
// a note; WithdrawAssist drops it with the record.
func (s *Store) NoteAssist(ctx context.Context, id, note string) error {
	const op = "note assist"
	if id == "" {
		return fmt.Errorf("redis: %s: empty id", op)
	}
	if err := s.client.HSet(ctx, s.keys.assistNotes(), id, note).Err(); err != nil {
		return wrapErr(op, err)
	}
	return nil
}

// applyNotes sets on each in-person record with an id its note, if it has
// one: one HMGET for all of them. Errors are wrapped with op.
func (s *Store) applyNotes(ctx context.Context, op string, as []domain.Assist) error {
	var ids []string
	var at []int
	for i, a := range as {
		if a.Kind == domain.AssistInPerson && a.ID != "" {
			ids = append(ids, a.ID)
			at = append(at, i)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	for start := 0; start < len(ids); start += assistBatch {
		end := min(start+assistBatch, len(ids))
		vals, err := s.client.HMGet(ctx, s.keys.assistNotes(), slices.Clip(ids[start:end])...).Result()
		if err != nil {
			return wrapErr(op, err)
		}
		for j, v := range vals {
			if note, ok := v.(string); ok {
				as[at[start+j]].Note = note
			}
		}
	}
	return nil
}
