package embedded

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
	"github.com/hotroso/hotroso/storage/rollup"
	bolt "go.etcd.io/bbolt"
)

// RecordFunnel appends the events, in order, and counts them, in one
// transaction. A zero At is set to the store's clock. Events older than the
// funnel retention are counted, not kept, and the transaction drops up to
// pruneBatch kept events that have grown older than it.
func (s *Store) RecordFunnel(ctx context.Context, events ...domain.FunnelEvent) error {
	if len(events) == 0 {
		return nil
	}
	type entry struct {
		at   time.Time
		data []byte
	}
	now := s.now()
	entries := make([]entry, 0, len(events))
	counts := map[string]int64{} // day ‖ funnel field -> n
	for _, e := range events {
		if e.At.IsZero() {
			e.At = now
		}
		data, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("embedded: record funnel %s: encode: %w", e.Kind, err)
		}
		counts[rollup.Day(e.At, s.loc)+rollup.FunnelField(e.Key())]++
		if s.retention == 0 || !e.At.Before(now.Add(-s.retention)) {
			entries = append(entries, entry{e.At, data})
		}
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
		if err := countFunnel(tx, counts); err != nil {
			return err
		}
		if s.retention > 0 {
			return pruneFunnel(b, now.Add(-s.retention))
		}
		return nil
	})
}

// pruneBatch is how many expired funnel events one RecordFunnel drops at
// most, so that no write grows long; each call drops some, so the kept
// events stay near the retention.
const pruneBatch = 1000

// pruneFunnel drops up to pruneBatch events older than cutoff.
func pruneFunnel(b *bolt.Bucket, cutoff time.Time) error {
	hi := putTime(nil, cutoff)
	c := b.Cursor()
	k, _ := c.First()
	for n := 0; n < pruneBatch && k != nil && bytes.Compare(k[:min(len(k), 8)], hi) < 0; n++ {
		if err := c.Delete(); err != nil {
			return err
		}
		k, _ = c.First()
	}
	return nil
}

// countFunnel adds the counts (day ‖ funnel field -> n) to the day and
// total funnel counters.
func countFunnel(tx *bolt.Tx, counts map[string]int64) error {
	days, totals := tx.Bucket(bucketFunnelDays), tx.Bucket(bucketFunnelTotals)
	for k, n := range counts {
		if err := addCount(days, []byte(k), n); err != nil {
			return err
		}
		if err := addCount(totals, []byte(k[len(rollup.DayLayout):]), n); err != nil {
			return err
		}
	}
	return nil
}

// FunnelTotals returns the funnel counters of all days.
func (s *Store) FunnelTotals(ctx context.Context) (domain.FunnelTally, error) {
	out := domain.FunnelTally{}
	err := s.view(ctx, "funnel totals", func(tx *bolt.Tx) error {
		clear(out)
		return tx.Bucket(bucketFunnelTotals).ForEach(func(k, v []byte) error {
			return addFunnelField(out, string(k), getInt(v))
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FunnelCounts returns the funnel counters of the days, summed.
func (s *Store) FunnelCounts(ctx context.Context, first, last time.Time) (domain.FunnelTally, error) {
	out := domain.FunnelTally{}
	err := s.view(ctx, "funnel counts", func(tx *bolt.Tx) error {
		clear(out)
		c := tx.Bucket(bucketFunnelDays).Cursor()
		for _, day := range rollup.Days(first, last, s.loc, storage.MaxCountDays) {
			prefix := []byte(day)
			for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
				if err := addFunnelField(out, string(k[len(prefix):]), getInt(v)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// addFunnelField adds a funnel field's count to t.
func addFunnelField(t domain.FunnelTally, field string, n int64) error {
	k, err := rollup.ParseFunnelField(field)
	if err != nil {
		return err
	}
	if t[k] += n; t[k] == 0 {
		delete(t, k)
	}
	return nil
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
