package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
	"github.com/hotroso/hotroso/storage/rollup"
	goredis "github.com/redis/go-redis/v9"
)

// Ratings are three fields per ticket in the ratings hash:
// <ticketID>:rating, <ticketID>:worked and <ticketID>:at.
const (
	ratingSuffix = ":rating"
	workedSuffix = ":worked"
	atSuffix     = ":at"
)

// capEvery is how often (in calls) RecordAssist trims the log to its cap.
const capEvery = 1000

// assistBatch is how many log members ScanAssists reads at a time.
const assistBatch = 1000

// recordAssistCmd adds a record to the log and counts it: its fine field
// goes up by its weight in the delta hash, which reads fold into the day
// and total counters (foldCmd). Three commands in all (the script, ZADD,
// HINCRBY): two more than the XADD the log was before.
//
// KEYS[1] -> p:{a}:log
// KEYS[2] -> p:{a}:delta
// ARGV[1] -> score: At unix ms
// ARGV[2] -> member: <id>|<Assist JSON>
// ARGV[3] -> the record's fine field (rollup.Fine)
// ARGV[4] -> its weight
// ARGV[5] -> the cap, beyond which the oldest members go; 0: not
// checked this time (RecordAssist checks it every capEvery calls)
//
// Returns 1, or 0 (and changes nothing) when the member is there already.
var recordAssistCmd = goredis.NewScript(`
if redis.call("ZADD", KEYS[1], "NX", ARGV[1], ARGV[2]) == 0 then
	return 0
end
redis.call("HINCRBY", KEYS[2], ARGV[3], ARGV[4])
if tonumber(ARGV[5]) > 0 then
	local over = redis.call("ZCARD", KEYS[1]) - tonumber(ARGV[5])
	if over > 0 then
		redis.call("ZREMRANGEBYRANK", KEYS[1], 0, over - 1)
	end
end
return 1
`)

// withdrawAssistCmd removes a record from the log, takes it off the
// counters and drops its note, if it is still there.
//
// KEYS[1] -> p:{a}:log
// KEYS[2] -> p:{a}:delta
// KEYS[3] -> p:{a}:notes
// ARGV[1] -> the member
// ARGV[2] -> the record's fine field
// ARGV[3] -> its weight
// ARGV[4] -> the record's id
//
// Returns {1, its note or ""}, or {0, ""} when the member was not there.
var withdrawAssistCmd = goredis.NewScript(`
if redis.call("ZREM", KEYS[1], ARGV[1]) == 0 then
	return {0, ""}
end
redis.call("HINCRBY", KEYS[2], ARGV[2], -tonumber(ARGV[3]))
local note = redis.call("HGET", KEYS[3], ARGV[4])
if note then
	redis.call("HDEL", KEYS[3], ARGV[4])
else
	note = ""
end
return {1, note}
`)

// RecordAssist adds a record to the log (scored by its At) and counts it,
// in one script. A zero At is set to the store's clock, an empty ID to a
// new one. Beyond the assist cap (WithAssistCap) the oldest records leave
// the log (now and then, not on every call); the counters keep them.
func (s *Store) RecordAssist(ctx context.Context, a domain.Assist) error {
	op := fmt.Sprintf("record assist %s", a.Kind)
	a, err := rollup.PrepareAssist(a, s.now)
	if err != nil {
		return fmt.Errorf("redis: %s: %w", op, err)
	}
	member, err := encodeMember(a)
	if err != nil {
		return fmt.Errorf("redis: %s: encode: %w", op, err)
	}
	keys := []string{s.keys.assistLog(), s.keys.assistDelta()}
	capNow := 0
	if s.recorded.Add(1)%capEvery == 0 {
		capNow = s.assistCap
	}
	n, err := recordAssistCmd.Run(ctx, s.client, keys, a.At.UnixMilli(), member,
		rollup.Fine(rollup.Day(a.At, s.loc), a), a.Weight(), capNow).Int()
	if err != nil {
		return wrapErr(op, err)
	}
	if n == 0 {
		return fmt.Errorf("redis: %s: assist id %q is taken", op, a.ID)
	}
	return nil
}

// WithdrawAssist finds the record at the millisecond its id names and
// removes it with its counts and its note, in one script; it returns the
// record with its note.
func (s *Store) WithdrawAssist(ctx context.Context, id string) (domain.Assist, error) {
	op := fmt.Sprintf("withdraw assist %q", id)
	ms, err := rollup.AssistIDMillis(id)
	if err != nil {
		return domain.Assist{}, fmt.Errorf("redis: %s: %w: %w", op, storage.ErrNotFound, err)
	}
	score := strconv.FormatInt(ms, 10)
	members, err := s.client.ZRangeByScore(ctx, s.keys.assistLog(), &goredis.ZRangeBy{Min: score, Max: score}).Result()
	if err != nil {
		return domain.Assist{}, wrapErr(op, err)
	}
	for _, m := range members {
		if !strings.HasPrefix(m, id+"|") {
			continue
		}
		a, err := decodeMember(m)
		if err != nil {
			return domain.Assist{}, fmt.Errorf("redis: %s: %w", op, err)
		}
		keys := []string{s.keys.assistLog(), s.keys.assistDelta(), s.keys.assistNotes()}
		res, err := withdrawAssistCmd.Run(ctx, s.client, keys, m, rollup.Fine(rollup.Day(a.At, s.loc), a), a.Weight(), id).Slice()
		if err != nil {
			return domain.Assist{}, wrapErr(op, err)
		}
		if len(res) != 2 {
			return domain.Assist{}, fmt.Errorf("redis: %s: script returned %d values", op, len(res))
		}
		if n, _ := res[0].(int64); n == 1 {
			if note, _ := res[1].(string); note != "" && a.Kind == domain.AssistInPerson {
				a.Note = note
			}
			return a, nil
		}
	}
	return domain.Assist{}, fmt.Errorf("redis: %s: %w", op, storage.ErrNotFound)
}

// encodeMember encodes a log member, <id>|<Assist JSON> (decodeMember
// reads it).
func encodeMember(a domain.Assist) (string, error) {
	data, err := json.Marshal(a)
	if err != nil {
		return "", err
	}
	return a.ID + "|" + string(data), nil
}

// decodeMember decodes a log member, <id>|<Assist JSON>.
func decodeMember(m string) (domain.Assist, error) {
	var a domain.Assist
	_, data, ok := strings.Cut(m, "|")
	if !ok {
		return a, fmt.Errorf("malformed log member %.40q", m)
	}
	if err := json.Unmarshal([]byte(data), &a); err != nil {
		return a, fmt.Errorf("decode log member %.40q: %w", m, err)
	}
	return a, nil
}

// rateTicketCmd replaces a ticket's rating, part by part, and moves its
// counts: the old parts off the place they were counted at, the new ones
// on, at the same place (or at ARGV[4] the first time).
//
// KEYS[1] -> p:{a}:ratings
// KEYS[2] -> p:{a}:delta
// ARGV[1] -> the ticket id
// ARGV[2] -> the rating, 1..5, or 0: leave as is
// ARGV[3] -> worked, yes or no, or "": leave as is
// ARGV[4] -> rollup.RatingPlace of the ticket's closing day and commune
//
// Returns 1.
var rateTicketCmd = goredis.NewScript(`
local function fine(at, r, w)
	if r == "0" then r = "" end
	return at .. "|||||||" .. r .. "|" .. w .. "|"
end
local id = ARGV[1]
local old = redis.call("HMGET", KEYS[1], id .. ":rating", id .. ":worked", id .. ":at")
local r0, w0, at = old[1] or "0", old[2] or "", old[3]
local r1, w1 = r0, w0
if ARGV[2] ~= "0" then r1 = ARGV[2] end
if ARGV[3] ~= "" then w1 = ARGV[3] end
if at then
	if r0 ~= "0" or w0 ~= "" then
		redis.call("HINCRBY", KEYS[2], fine(at, r0, w0), -1)
	end
else
	at = ARGV[4]
end
redis.call("HINCRBY", KEYS[2], fine(at, r1, w1), 1)
redis.call("HSET", KEYS[1], id .. ":rating", r1, id .. ":worked", w1, id .. ":at", at)
return 1
`)

// RateTicket records the resident's rating of the ticket's assist: rating
// 1..5 (0: leave as is) and worked "yes" or "no" ("": leave as is). Later
// ratings replace earlier ones, part by part, in the counters too; the
// first counts in the ticket's commune on the day it closed (read from the
// ticket first). AssistsBetween applies the ratings when reading, so a
// rating may arrive before or after the ticket's assist is recorded.
func (s *Store) RateTicket(ctx context.Context, ticketID int64, rating int, worked string) error {
	op := fmt.Sprintf("rate ticket %d", ticketID)
	if err := checkRating(rating, worked); err != nil {
		return fmt.Errorf("redis: %s: %w", op, err)
	}
	if rating == 0 && worked == "" {
		return nil
	}
	at, commune := s.now(), ""
	t, err := s.GetTicket(ctx, ticketID)
	switch {
	case err == nil:
		commune = t.Commune
		if !t.ClosedAt.IsZero() {
			at = t.ClosedAt
		}
	case !errors.Is(err, storage.ErrNotFound):
		return fmt.Errorf("redis: %s: %w", op, err)
	}
	keys := []string{s.keys.ratings(), s.keys.assistDelta()}
	place := rollup.RatingPlace(rollup.Day(at, s.loc), commune)
	if err := rateTicketCmd.Run(ctx, s.client, keys, ticketID, rating, worked, place).Err(); err != nil {
		return wrapErr(op, err)
	}
	return nil
}

// AssistsBetween returns the records with from <= At < to, oldest first
// (records with the same At in the order they were recorded, on one
// instance), with their tickets' ratings and their notes applied.
func (s *Store) AssistsBetween(ctx context.Context, from, to time.Time) ([]domain.Assist, error) {
	var out []domain.Assist
	err := s.ScanAssists(ctx, from, to, "", func(a domain.Assist) error {
		out = append(out, a)
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b domain.Assist) int { return a.At.Compare(b.At) })
	return out, nil
}

// ScanAssists reads the log's time index in pages of assistBatch members
// (ZRANGEBYSCORE ... LIMIT), applies each page's ratings and notes (an
// HMGET each, the notes' only when the page has in-person records) and
// calls fn with the records of the range and commune.
func (s *Store) ScanAssists(ctx context.Context, from, to time.Time, commune string, fn func(domain.Assist) error) error {
	const op = "scan assists"
	if !from.Before(to) {
		return nil
	}
	min, max := strconv.FormatInt(from.UnixMilli(), 10), strconv.FormatInt(to.UnixMilli(), 10)
	var offset int64 // members of score min already read
	page := make([]domain.Assist, 0, assistBatch)
	for {
		zs, err := s.client.ZRangeByScoreWithScores(ctx, s.keys.assistLog(), &goredis.ZRangeBy{
			Min: min, Max: max, Offset: offset, Count: assistBatch}).Result()
		if err != nil {
			return wrapErr(op, err)
		}
		page = page[:0]
		for _, z := range zs {
			score := strconv.FormatInt(int64(z.Score), 10)
			if score != min {
				min, offset = score, 0
			}
			offset++
			a, err := decodeMember(z.Member.(string))
			if err != nil {
				return fmt.Errorf("redis: %s: %w", op, err)
			}
			if !a.At.Before(from) && a.At.Before(to) && (commune == "" || a.Commune == commune) {
				page = append(page, a)
			}
		}
		if err := s.applyRatings(ctx, op, page); err != nil {
			return err
		}
		if err := s.applyNotes(ctx, op, page); err != nil {
			return err
		}
		for _, a := range page {
			if err := fn(a); err != nil {
				return err
			}
		}
		if len(zs) < assistBatch {
			return nil
		}
	}
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
