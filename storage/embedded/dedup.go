package embedded

import (
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hotroso/hotroso/storage"
)

// pruneEvery is how often, in store-clock time, FirstSeen sweeps out dedup
// entries older than storage.DedupWindow.
const pruneEvery = time.Hour

// FirstSeen records the update id and reports whether it is new: never seen,
// or first seen at least storage.DedupWindow ago. Seeing an id again does not
// extend its window.
func (s *Store) FirstSeen(ctx context.Context, updateID int64) (bool, error) {
	now := s.now()
	var first bool
	err := s.update(ctx, fmt.Sprintf("first seen %d", updateID), func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDedup)
		key := idKey(updateID)
		if v := b.Get(key); len(v) == 8 && now.Sub(getTime(v)) < storage.DedupWindow {
			first = false
		} else {
			first = true
			if err := b.Put(key, putTime(nil, now)); err != nil {
				return err
			}
		}
		return pruneDedup(tx, now)
	})
	if err != nil {
		return false, err
	}
	return first, nil
}

// Seen reports whether FirstSeen recorded the update id within the window.
func (s *Store) Seen(ctx context.Context, updateID int64) (bool, error) {
	now := s.now()
	var seen bool
	err := s.view(ctx, fmt.Sprintf("seen %d", updateID), func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketDedup).Get(idKey(updateID))
		seen = len(v) == 8 && now.Sub(getTime(v)) < storage.DedupWindow
		return nil
	})
	return seen, err
}

// pruneDedup deletes the dedup entries that fell out of the window, unless
// that was done less than pruneEvery ago.
func pruneDedup(tx *bolt.Tx, now time.Time) error {
	meta := tx.Bucket(bucketMeta)
	if v := meta.Get(metaDedupPruned); len(v) == 8 {
		if since := now.Sub(getTime(v)); since >= 0 && since < pruneEvery {
			return nil
		}
	}
	b := tx.Bucket(bucketDedup)
	var stale [][]byte
	err := b.ForEach(func(k, v []byte) error {
		if len(v) != 8 || now.Sub(getTime(v)) >= storage.DedupWindow {
			stale = append(stale, k) // k stays valid until the transaction ends
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("prune dedup: %w", err)
	}
	for _, k := range stale {
		if err := b.Delete(k); err != nil {
			return fmt.Errorf("prune dedup: %w", err)
		}
	}
	return meta.Put(metaDedupPruned, putTime(nil, now))
}
