package embedded

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hotroso/hotroso/domain"
	bolt "go.etcd.io/bbolt"
)

// RecordFunnel appends the events, in order, in one transaction. A zero At
// is set to the store's clock.
func (s *Store) RecordFunnel(ctx context.Context, events ...domain.FunnelEvent) error {
	if len(events) == 0 {
		return nil
	}
	type entry struct {
		at   time.Time
		data []byte
	}
	entries := make([]entry, 0, len(events))
	for _, e := range events {
		if e.At.IsZero() {
			e.At = s.now()
		}
		data, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("embedded: record funnel %s: encode: %w", e.Kind, err)
		}
		entries = append(entries, entry{e.At, data})
	}
	return s.update(ctx, fmt.Sprintf("record funnel %s", events[0].Kind), func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFunnel)
		for _, e := range entries {
			seq, err := b.NextSequence()
			if err != nil {
				return err
			}
			if err := b.Put(funnelKey(e.at, seq), e.data); err != nil {
				return err
			}
		}
		return nil
	})
}

// FunnelEvents returns the events with from <= At < to, oldest first; events
// with the same At in the order they were recorded.
func (s *Store) FunnelEvents(ctx context.Context, from, to time.Time) ([]domain.FunnelEvent, error) {
	var out []domain.FunnelEvent
	if !from.Before(to) {
		return out, nil
	}
	lo, hi := putTime(nil, from), putTime(nil, to)
	err := s.view(ctx, "funnel events", func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketFunnel).Cursor()
		for k, v := c.Seek(lo); k != nil && bytes.Compare(k[:min(len(k), 8)], hi) < 0; k, v = c.Next() {
			var e domain.FunnelEvent
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("decode event %x: %w", k, err)
			}
			// Keys clamp times outside the UnixNano range (before 1678,
			// after 2262); filtering on At itself keeps the bounds exact there.
			if e.At.Before(from) || !e.At.Before(to) {
				continue
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
