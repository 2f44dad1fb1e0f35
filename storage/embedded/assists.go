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

// ticketRating is what bucketRatings keeps per ticket: the latest rating and the
// latest "worked" answer, each zero while never given.
type ticketRating struct {
	Rating int    `json:"rating,omitempty"`
	Worked string `json:"worked,omitempty"`
	// Day and Commune are where the rating is counted (rollup.Day), once
	// counted.
	Day     string `json:"day,omitempty"`
	Commune string `json:"commune,omitempty"`
}

// merge returns r with the parts that later gives replaced.
func (r ticketRating) merge(later ticketRating) ticketRating {
	if later.Rating != 0 {
		r.Rating = later.Rating
	}
	if later.Worked != "" {
		r.Worked = later.Worked
	}
	return r
}

// apply sets the rated parts on a.
func (r ticketRating) apply(a *domain.Assist) {
	if r.Rating != 0 {
		a.Rating = r.Rating
	}
	if r.Worked != "" {
		a.Worked = r.Worked
	}
}

// checkRating validates RateTicket's arguments.
func checkRating(rating int, worked string) error {
	if rating < 0 || rating > 5 {
		return fmt.Errorf("rating %d is not in 0..5", rating)
	}
	if worked != "" && worked != "yes" && worked != "no" {
		return fmt.Errorf("worked %q is not yes, no or empty", worked)
	}
	return nil
}

// AssistsBetween returns the records with from <= At < to, oldest first
// (records with the same At in the order they were recorded), with their
// tickets' ratings and their notes applied.
func (s *Store) AssistsBetween(ctx context.Context, from, to time.Time) ([]domain.Assist, error) {
	var out []domain.Assist
	if !from.Before(to) {
		return out, nil
	}
	lo, hi := putTime(nil, from), putTime(nil, to)
	err := s.view(ctx, "assists between", func(tx *bolt.Tx) error {
		out = nil
		ratings, notes := tx.Bucket(bucketRatings), tx.Bucket(bucketAssistNotes)
		c := tx.Bucket(bucketAssists).Cursor()
		for k, v := c.Seek(lo); k != nil && bytes.Compare(k[:min(len(k), 8)], hi) < 0; k, v = c.Next() {
			var a domain.Assist
			if err := json.Unmarshal(v, &a); err != nil {
				return fmt.Errorf("decode assist %x: %w", k, err)
			}
			// Keys clamp times outside the UnixNano range; filtering on
			// At itself keeps the bounds exact there.
			if a.At.Before(from) || !a.At.Before(to) {
				continue
			}
			if a.TicketID != 0 {
				r, err := getRating(ratings, a.TicketID)
				if err != nil {
					return err
				}
				r.apply(&a)
			}
			applyNote(notes, &a)
			out = append(out, a)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func getRating(b *bolt.Bucket, ticketID int64) (ticketRating, error) {
	var r ticketRating
	raw := b.Get(idKey(ticketID))
	if raw == nil {
		return r, nil
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return r, fmt.Errorf("decode rating of ticket %d: %w", ticketID, err)
	}
	return r, nil
}
