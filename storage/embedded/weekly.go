package embedded

import (
	"context"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hotroso/hotroso/storage"
)

// ClaimWeeklyReport claims the week's report for the organizer, put if
// absent (or lapsed) in one transaction, which also drops the claims that
// have lapsed (a few per organizer and week: the bucket stays small).
func (s *Store) ClaimWeeklyReport(ctx context.Context, week string, organizerID int64, now time.Time) (bool, error) {
	claimed := false
	key := []byte(week + ":" + strconv.FormatInt(organizerID, 10))
	err := s.update(ctx, fmt.Sprintf("claim the weekly report %s of %d", week, organizerID), func(tx *bolt.Tx) error {
		claimed = false
		b := tx.Bucket(bucketWeeklyClaims)
		var lapsed [][]byte
		if err := b.ForEach(func(k, v []byte) error {
			if len(v) == 8 && !getTime(v).After(now) {
				lapsed = append(lapsed, append([]byte(nil), k...))
			}
			return nil
		}); err != nil {
			return err
		}
		for _, k := range lapsed {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		if b.Get(key) != nil {
			return nil
		}
		claimed = true
		return b.Put(key, putTime(nil, now.Add(storage.WeeklyClaimKept)))
	})
	return claimed, err
}
