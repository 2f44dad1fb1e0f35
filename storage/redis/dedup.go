package redis

import (
	"context"
	"fmt"

	"github.com/hotroso/hotroso/storage"
)

// FirstSeen records the update id and reports whether it is new: never seen,
// or first seen at least storage.DedupWindow ago by the server's clock. It is
// SET NX with a TTL, so seeing an id again does not extend its window.
func (s *Store) FirstSeen(ctx context.Context, updateID int64) (bool, error) {
	first, err := s.client.SetNX(ctx, s.keys.dedup(updateID), 1, storage.DedupWindow).Result()
	if err != nil {
		return false, wrapErr(fmt.Sprintf("first seen %d", updateID), err)
	}
	return first, nil
}

// Seen reports whether FirstSeen recorded the update id within the window.
func (s *Store) Seen(ctx context.Context, updateID int64) (bool, error) {
	n, err := s.client.Exists(ctx, s.keys.dedup(updateID)).Result()
	if err != nil {
		return false, wrapErr(fmt.Sprintf("seen %d", updateID), err)
	}
	return n == 1, nil
}
