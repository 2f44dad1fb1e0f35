package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/hotroso/hotroso/domain"
	goredis "github.com/redis/go-redis/v9"
)

// Assist stream entries have one field, fieldData, holding the Assist JSON.
// Ratings are two fields per ticket in the ratings hash:
// <ticketID>:rating and <ticketID>:worked.
const (
	ratingSuffix = ":rating"
	workedSuffix = ":worked"
)

// assistBatch is how many stream entries AssistsBetween reads at a time.
const assistBatch = 1000

// RecordAssist appends a record to the assist stream. A zero At is set to
// the store's clock. Beyond the assist cap (WithAssistCap) the oldest
// recorded entries are dropped (approximately: MAXLEN ~).
func (s *Store) RecordAssist(ctx context.Context, a domain.Assist) error {
	op := fmt.Sprintf("record assist %s", a.Kind)
	if a.At.IsZero() {
		a.At = s.now()
	}
	a, err := withAssistID(a)
	if err != nil {
		return fmt.Errorf("redis: %s: %w", op, err)
	}
	data, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("redis: %s: encode: %w", op, err)
	}
	err = s.client.XAdd(ctx, &goredis.XAddArgs{
		Stream: s.keys.assists(),
		MaxLen: int64(s.assistCap),
		Approx: true,
		ID:     "*",
		Values: []any{fieldData, data},
	}).Err()
	if err != nil {
		return wrapErr(op, err)
	}
	return nil
}

// RateTicket records the resident's rating of the ticket's assist: rating
// 1..5 (0: leave as is) and worked "yes" or "no" ("": leave as is). Later
// ratings replace earlier ones, part by part. Each part is its own field of
// the ratings hash, so a rating is one HSET of the parts given: no
// read-modify-write. AssistsBetween applies the ratings when reading, so a
// rating may arrive before or after the ticket's assist is recorded.
func (s *Store) RateTicket(ctx context.Context, ticketID int64, rating int, worked string) error {
	op := fmt.Sprintf("rate ticket %d", ticketID)
	if err := checkRating(rating, worked); err != nil {
		return fmt.Errorf("redis: %s: %w", op, err)
	}
	id := strconv.FormatInt(ticketID, 10)
	var fields []any
	if rating != 0 {
		fields = append(fields, id+ratingSuffix, rating)
	}
	if worked != "" {
		fields = append(fields, id+workedSuffix, worked)
	}
	if len(fields) == 0 {
		return nil
	}
	if err := s.client.HSet(ctx, s.keys.ratings(), fields...).Err(); err != nil {
		return wrapErr(op, err)
	}
	return nil
}

// AssistsBetween returns the records with from <= At < to, oldest first
// (records with the same At in the order they were recorded), with their
// tickets' ratings and their notes applied.
//
// Trade-off: stream entry ids are the server's clock when the record was
// added, while a record's At is the caller's (or the store's injected)
// clock, and records may be added late or backdated. So the ids cannot
// bound the range: AssistsBetween reads the whole stream, assistBatch
// entries at a time, and filters on At. The stream is capped (WithAssistCap)
// and read only for reports, so a full scan is acceptable; an At-scored
// index would be the next step if reports became frequent.
func (s *Store) AssistsBetween(ctx context.Context, from, to time.Time) ([]domain.Assist, error) {
	const op = "assists between"
	if !from.Before(to) {
		return nil, nil
	}
	var out []domain.Assist
	for start := "-"; ; {
		msgs, err := s.client.XRangeN(ctx, s.keys.assists(), start, "+", assistBatch).Result()
		if err != nil {
			return nil, wrapErr(op, err)
		}
		for _, m := range msgs {
			raw, ok := m.Values[fieldData].(string)
			if !ok {
				return nil, fmt.Errorf("redis: %s: entry %s has no %q field", op, m.ID, fieldData)
			}
			var a domain.Assist
			if err := json.Unmarshal([]byte(raw), &a); err != nil {
				return nil, fmt.Errorf("redis: %s: decode entry %s: %w", op, m.ID, err)
			}
			if !a.At.Before(from) && a.At.Before(to) {
				out = append(out, a)
			}
		}
		if len(msgs) < assistBatch {
			break
		}
		start = "(" + msgs[len(msgs)-1].ID
	}
	// Stream order is recording order; a stable sort on At keeps it among
	// equal times.
	slices.SortStableFunc(out, func(a, b domain.Assist) int { return a.At.Compare(b.At) })
	if err := s.applyRatings(ctx, op, out); err != nil {
		return nil, err
	}
	if err := s.applyNotes(ctx, op, out); err != nil {
		return nil, err
	}
	return out, nil
}

// applyRatings sets on each assist with a ticket that ticket's ratings.
// Errors are wrapped with op.
func (s *Store) applyRatings(ctx context.Context, op string, as []domain.Assist) error {
	seen := map[int64]bool{}
	for _, a := range as {
		if a.TicketID != 0 {
			seen[a.TicketID] = true
		}
	}
	if len(seen) == 0 {
		return nil
	}
	ids := slices.Sorted(maps.Keys(seen))
	fields := make([]string, 0, 2*len(ids))
	for _, id := range ids {
		f := strconv.FormatInt(id, 10)
		fields = append(fields, f+ratingSuffix, f+workedSuffix)
	}
	vals, err := s.client.HMGet(ctx, s.keys.ratings(), fields...).Result()
	if err != nil {
		return wrapErr(op, err)
	}
	type rated struct {
		rating int
		worked string
	}
	ratings := make(map[int64]rated, len(ids))
	for i, id := range ids {
		var r rated
		if v, ok := vals[2*i].(string); ok {
			if r.rating, err = strconv.Atoi(v); err != nil {
				return fmt.Errorf("redis: %s: rating of ticket %d: %w", op, id, err)
			}
		}
		r.worked, _ = vals[2*i+1].(string)
		ratings[id] = r
	}
	for i := range as {
		r, ok := ratings[as[i].TicketID]
		if !ok {
			continue
		}
		if r.rating != 0 {
			as[i].Rating = r.rating
		}
		if r.worked != "" {
			as[i].Worked = r.worked
		}
	}
	return nil
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
