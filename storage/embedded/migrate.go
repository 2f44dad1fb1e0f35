package embedded

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage/rollup"
	bolt "go.etcd.io/bbolt"
)

// migrateBatch is how many records migrateRollups rewrites between two
// seeks of its cursor (a cursor must be placed again after a write).
const migrateBatch = 1000

// migrateRollups builds what schema version 5 adds from a version 4 file,
// inside the upgrade's transaction (so once, and all or nothing): it gives
// every assist record an id (rollup.NewAssistID of its At) and indexes it,
// counts every record on its day in loc, with its ticket's rating as
// AssistsBetween applies it (and marks that rating counted there), and
// counts every kept funnel event.
func migrateRollups(tx *bolt.Tx, loc *time.Location) error {
	for _, name := range [][]byte{bucketAssistIDs, bucketAssistDays, bucketAssistTotals, bucketFunnelDays, bucketFunnelTotals} {
		if err := tx.DeleteBucket(name); err != nil {
			return fmt.Errorf("empty bucket %s: %w", name, err)
		}
		if _, err := tx.CreateBucket(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	if err := migrateAssists(tx, loc); err != nil {
		return err
	}
	counts := map[string]int64{}
	err := tx.Bucket(bucketFunnel).ForEach(func(k, v []byte) error {
		var e domain.FunnelEvent
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("decode event %x: %w", k, err)
		}
		counts[rollup.Day(e.At, loc)+rollup.FunnelField(e.Key())]++
		return nil
	})
	if err != nil {
		return err
	}
	return countFunnel(tx, counts)
}

// migrateAssists gives the records ids and counts them, migrateBatch at a
// time.
func migrateAssists(tx *bolt.Tx, loc *time.Location) error {
	b, ids, ratings := tx.Bucket(bucketAssists), tx.Bucket(bucketAssistIDs), tx.Bucket(bucketRatings)
	var after []byte
	for {
		type update struct {
			key  []byte
			data []byte
		}
		var batch []update
		c := b.Cursor()
		k, v := c.First()
		if after != nil {
			if k, v = c.Seek(after); bytes.Equal(k, after) {
				k, v = c.Next()
			}
		}
		for ; k != nil && len(batch) < migrateBatch; k, v = c.Next() {
			after = bytes.Clone(k)
			var a domain.Assist
			if err := json.Unmarshal(v, &a); err != nil {
				return fmt.Errorf("decode assist %x: %w", k, err)
			}
			if a.ID == "" {
				a.ID = rollup.NewAssistID(a.At)
			}
			data, err := json.Marshal(a)
			if err != nil {
				return fmt.Errorf("encode assist %x: %w", k, err)
			}
			batch = append(batch, update{after, data})
			if err := countMigrated(tx, ratings, a, loc); err != nil {
				return err
			}
		}
		for _, u := range batch {
			var a struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal(u.data, &a); err != nil {
				return err
			}
			if err := b.Put(u.key, u.data); err != nil {
				return err
			}
			if err := ids.Put([]byte(a.ID), u.key); err != nil {
				return err
			}
		}
		if len(batch) < migrateBatch {
			return nil
		}
	}
}

// countMigrated counts a record of the old log on its day, with its
// ticket's rating applied; a rating not counted yet is marked counted on
// the record's day and commune, where a later RateTicket takes it off.
func countMigrated(tx *bolt.Tx, ratings *bolt.Bucket, a domain.Assist, loc *time.Location) error {
	day := rollup.Day(a.At, loc)
	if a.TicketID != 0 {
		r, err := getRating(ratings, a.TicketID)
		if err != nil {
			return err
		}
		if r.Day == "" && (r.Rating != 0 || r.Worked != "") {
			r.apply(&a)
			r.Day, r.Commune = day, a.Commune
			data, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if err := ratings.Put(idKey(a.TicketID), data); err != nil {
				return err
			}
		}
	}
	return countAssist(tx, day, rollup.AssistCounts(day, a), 1)
}
