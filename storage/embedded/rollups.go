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

// scanPage is how many log entries one ScanAssists transaction reads, so
// that a long export holds no read transaction for long.
const scanPage = 500

// RecordAssist appends a record, indexes its id and counts it, in one
// transaction. A zero At is set to the store's clock, an empty ID to a new
// one.
func (s *Store) RecordAssist(ctx context.Context, a domain.Assist) error {
	op := fmt.Sprintf("record assist %s", a.Kind)
	a, err := rollup.PrepareAssist(a, s.now)
	if err != nil {
		return fmt.Errorf("embedded: %s: %w", op, err)
	}
	data, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("embedded: %s: encode: %w", op, err)
	}
	day := rollup.Day(a.At, s.loc)
	return s.update(ctx, op, func(tx *bolt.Tx) error { return putAssist(tx, a, data, day) })
}

// putAssist stores a record (data is its JSON) under a new key, indexes its
// id and counts it on day.
func putAssist(tx *bolt.Tx, a domain.Assist, data []byte, day string) error {
	b, ids := tx.Bucket(bucketAssists), tx.Bucket(bucketAssistIDs)
	if ids.Get([]byte(a.ID)) != nil {
		return fmt.Errorf("assist id %q is taken", a.ID)
	}
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	key := funnelKey(a.At, seq)
	if err := b.Put(key, data); err != nil {
		return err
	}
	if err := ids.Put([]byte(a.ID), key); err != nil {
		return err
	}
	return countAssist(tx, day, rollup.AssistCounts(day, a), 1)
}

// WithdrawAssist removes the record, its counts and its note in one
// transaction, and returns it with its note.
func (s *Store) WithdrawAssist(ctx context.Context, id string) (domain.Assist, error) {
	var out domain.Assist
	err := s.update(ctx, fmt.Sprintf("withdraw assist %q", id), func(tx *bolt.Tx) error {
		b, ids := tx.Bucket(bucketAssists), tx.Bucket(bucketAssistIDs)
		key := bytes.Clone(ids.Get([]byte(id)))
		raw := b.Get(key)
		if key == nil || raw == nil {
			return storage.ErrNotFound
		}
		var a domain.Assist
		if err := json.Unmarshal(raw, &a); err != nil {
			return fmt.Errorf("decode assist %x: %w", key, err)
		}
		if err := b.Delete(key); err != nil {
			return err
		}
		if err := ids.Delete([]byte(id)); err != nil {
			return err
		}
		notes := tx.Bucket(bucketAssistNotes)
		applyNote(notes, &a)
		if err := notes.Delete([]byte(id)); err != nil {
			return err
		}
		day := rollup.Day(a.At, s.loc)
		out = a
		return countAssist(tx, day, rollup.AssistCounts(day, a), -1)
	})
	return out, err
}

// RateTicket records the resident's rating of the ticket's assist: rating
// 1..5 (0: leave as is) and worked "yes" or "no" ("": leave as is). Later
// ratings replace earlier ones, part by part, in the counters too. The
// rating is kept apart from the log and applied by AssistsBetween, so it
// may arrive before or after the ticket's assist is recorded.
func (s *Store) RateTicket(ctx context.Context, ticketID int64, rating int, worked string) error {
	op := fmt.Sprintf("rate ticket %d", ticketID)
	if err := checkRating(rating, worked); err != nil {
		return fmt.Errorf("embedded: %s: %w", op, err)
	}
	if rating == 0 && worked == "" {
		return nil
	}
	return s.update(ctx, op, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRatings)
		old, err := getRating(b, ticketID)
		if err != nil {
			return err
		}
		next := old.merge(ticketRating{Rating: rating, Worked: worked})
		if next.Day == "" {
			if next.Day, next.Commune, err = s.ratingPlace(tx, ticketID); err != nil {
				return err
			}
		}
		if old.Day != "" {
			if err := countRating(tx, old, -1); err != nil {
				return err
			}
		}
		if err := countRating(tx, next, 1); err != nil {
			return err
		}
		data, err := json.Marshal(next)
		if err != nil {
			return fmt.Errorf("encode: %w", err)
		}
		return b.Put(idKey(ticketID), data)
	})
}

// ratingPlace is where a ticket's rating counts: its commune, on the day
// it closed; for a ticket not stored, no commune, today.
func (s *Store) ratingPlace(tx *bolt.Tx, ticketID int64) (day, commune string, err error) {
	raw := tx.Bucket(bucketTickets).Get(idKey(ticketID))
	if raw == nil {
		return rollup.Day(s.now(), s.loc), "", nil
	}
	var t domain.Ticket
	if err := json.Unmarshal(raw, &t); err != nil {
		return "", "", fmt.Errorf("decode ticket %d: %w", ticketID, err)
	}
	at := t.ClosedAt
	if at.IsZero() {
		at = s.now()
	}
	return rollup.Day(at, s.loc), t.Commune, nil
}

// countRating adds sign times a ticket's rating to the counters of its
// Day and Commune.
func countRating(tx *bolt.Tx, r ticketRating, sign int64) error {
	_, deltas, err := rollup.Counts(rollup.FineRating(r.Day, r.Commune, r.Rating, r.Worked), 1)
	if err != nil {
		return err
	}
	return countAssist(tx, r.Day, deltas, sign)
}

// countAssist adds sign times the deltas to day's and the total counters.
func countAssist(tx *bolt.Tx, day string, deltas []rollup.Delta, sign int64) error {
	days, totals := tx.Bucket(bucketAssistDays), tx.Bucket(bucketAssistTotals)
	for _, d := range deltas {
		f := rollup.Field(d.Key)
		if err := addCount(days, []byte(day+f), sign*d.N); err != nil {
			return err
		}
		if err := addCount(totals, []byte(f), sign*d.N); err != nil {
			return err
		}
	}
	return nil
}

// addCount adds n to the counter at key, deleting it when it becomes 0.
func addCount(b *bolt.Bucket, key []byte, n int64) error {
	if n == 0 {
		return nil
	}
	if v := b.Get(key); v != nil {
		n += getInt(v)
	}
	if n == 0 {
		return b.Delete(key)
	}
	return b.Put(key, putInt(make([]byte, 0, 8), n))
}

// ScanAssists calls fn with the records of the range and commune, oldest
// first, reading scanPage entries per read transaction; fn runs outside
// the transactions.
func (s *Store) ScanAssists(ctx context.Context, from, to time.Time, commune string, fn func(domain.Assist) error) error {
	if !from.Before(to) {
		return nil
	}
	lo, hi := putTime(nil, from), putTime(nil, to)
	var after []byte
	page := make([]domain.Assist, 0, scanPage)
	for {
		done := true
		page = page[:0]
		err := s.view(ctx, "scan assists", func(tx *bolt.Tx) error {
			ratings, notes, c := tx.Bucket(bucketRatings), tx.Bucket(bucketAssistNotes), tx.Bucket(bucketAssists).Cursor()
			k, v := c.Seek(lo)
			if after != nil {
				if k, v = c.Seek(after); bytes.Equal(k, after) {
					k, v = c.Next()
				}
			}
			for read := 0; k != nil && bytes.Compare(k[:min(len(k), 8)], hi) < 0; k, v = c.Next() {
				if read == scanPage {
					done = false
					return nil
				}
				read++
				after = append(after[:0], k...)
				a, keep, err := decodeInRange(k, v, from, to, commune, ratings, notes)
				if err != nil {
					return err
				}
				if keep {
					page = append(page, a)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, a := range page {
			if err := fn(a); err != nil {
				return err
			}
		}
		if done {
			return nil
		}
	}
}

// decodeInRange decodes a log entry and reports whether it is in the
// range and commune; a kept record has its rating and note applied.
func decodeInRange(k, v []byte, from, to time.Time, commune string, ratings, notes *bolt.Bucket) (domain.Assist, bool, error) {
	var a domain.Assist
	if err := json.Unmarshal(v, &a); err != nil {
		return a, false, fmt.Errorf("decode assist %x: %w", k, err)
	}
	if a.At.Before(from) || !a.At.Before(to) || commune != "" && a.Commune != commune {
		return a, false, nil
	}
	if a.TicketID != 0 {
		r, err := getRating(ratings, a.TicketID)
		if err != nil {
			return a, false, err
		}
		r.apply(&a)
	}
	applyNote(notes, &a)
	return a, true, nil
}

// AssistCounts returns each day's counters, reading each day's keys.
func (s *Store) AssistCounts(ctx context.Context, first, last time.Time, commune string, parts ...domain.CountPart) ([]domain.DayTally, error) {
	prefixes := []string{""}
	if len(parts) > 0 {
		prefixes = prefixes[:0]
		for _, p := range parts {
			prefixes = append(prefixes, string(p)+"|")
		}
	}
	days := rollup.Days(first, last, s.loc, storage.MaxCountDays)
	out := make([]domain.DayTally, len(days))
	err := s.view(ctx, "assist counts", func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAssistDays).Cursor()
		for i, day := range days {
			mid, err := rollup.Midnight(day, s.loc)
			if err != nil {
				return err
			}
			out[i] = domain.DayTally{Day: mid, Tally: domain.Tally{}}
			for _, part := range prefixes {
				prefix := []byte(day + part)
				for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
					if err := addField(out[i].Tally, string(k[len(day):]), getInt(v), commune); err != nil {
						return err
					}
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

// AssistTotals returns the counters of all days.
func (s *Store) AssistTotals(ctx context.Context, commune string) (domain.Tally, error) {
	out := domain.Tally{}
	err := s.view(ctx, "assist totals", func(tx *bolt.Tx) error {
		clear(out)
		return tx.Bucket(bucketAssistTotals).ForEach(func(k, v []byte) error {
			return addField(out, string(k), getInt(v), commune)
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// addField adds a count field's n to t when it is of the commune ("": any).
func addField(t domain.Tally, field string, n int64, commune string) error {
	if commune != "" && rollup.FieldCommune(field) != commune {
		return nil
	}
	k, err := rollup.ParseField(field)
	if err != nil {
		return err
	}
	t.AddKey(k, n)
	return nil
}
