package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
)

// The follow-ups (see keys.go): one per resident, its JSON in the pending
// or the asked hash, its flow (and, while pending, its due time) beside
// it, its time in one sorted set. Every script below takes the same five
// keys, under the tag {u}:
//
// KEYS[1] -> p:{u}:followups
// KEYS[2] -> p:{u}:followups:pending
// KEYS[3] -> p:{u}:followups:asked
// KEYS[4] -> p:{u}:followups:flow
// KEYS[5] -> p:{u}:followups:due
//
// A follow-up's JSON is written by Go (encodeFollowUp, deterministic for
// one follow-up), so scripts compare it as a string and never decode it.

// scheduleFollowUpCmd stores a pending follow-up, replacing the
// resident's.
//
// ARGV[1] -> the resident id, decimal
// ARGV[2] -> the FollowUp JSON
// ARGV[3] -> DueAt, unix ms
// ARGV[4] -> its flow
var scheduleFollowUpCmd = goredis.NewScript(`
redis.call("HDEL", KEYS[3], ARGV[1])
redis.call("HSET", KEYS[2], ARGV[1], ARGV[2])
redis.call("HSET", KEYS[4], ARGV[1], ARGV[4])
redis.call("HSET", KEYS[5], ARGV[1], ARGV[3])
redis.call("ZADD", KEYS[1], ARGV[3], ARGV[1])
return 1
`)

// takeDueFollowUpsCmd hands out due pending follow-ups, making each due
// again at the end of the lease, and drops asked ones whose answer window
// has passed.
//
// ARGV[1] -> now, unix ms
// ARGV[2] -> now + lease, unix ms
// ARGV[3] -> the most to take
//
// Returns the JSON of each follow-up taken, earliest first; a lapsed asked
// one counts against the limit.
var takeDueFollowUpsCmd = goredis.NewScript(`
local due = redis.call("ZRANGEBYSCORE", KEYS[1], "-inf", ARGV[1], "LIMIT", 0, tonumber(ARGV[3]))
local out = {}
for _, member in ipairs(due) do
	local data = redis.call("HGET", KEYS[2], member)
	if data then
		redis.call("ZADD", KEYS[1], ARGV[2], member)
		out[#out + 1] = data
	else
		redis.call("ZREM", KEYS[1], member)
		redis.call("HDEL", KEYS[3], member)
		redis.call("HDEL", KEYS[4], member)
		redis.call("HDEL", KEYS[5], member)
	end
end
return out
`)

// markFollowUpAskedCmd turns the pending follow-up into an asked one, if
// it is still the one taken.
//
// ARGV[1] -> the resident id, decimal
// ARGV[2] -> the FollowUp JSON, as taken
// ARGV[3] -> until when it takes an answer, unix ms
//
// Returns 1 when marked, 0 when the pending follow-up is another or none.
var markFollowUpAskedCmd = goredis.NewScript(`
if redis.call("HGET", KEYS[2], ARGV[1]) ~= ARGV[2] then
	return 0
end
redis.call("HDEL", KEYS[2], ARGV[1])
redis.call("HDEL", KEYS[5], ARGV[1])
redis.call("HSET", KEYS[3], ARGV[1], ARGV[2])
redis.call("ZADD", KEYS[1], ARGV[3], ARGV[1])
return 1
`)

// dropFollowUpCmd removes the pending follow-up, if it is still the one
// taken.
//
// ARGV[1] -> the resident id, decimal
// ARGV[2] -> the FollowUp JSON, as taken
//
// Returns 1 when dropped, 0 when the pending follow-up is another or none.
var dropFollowUpCmd = goredis.NewScript(`
if redis.call("HGET", KEYS[2], ARGV[1]) ~= ARGV[2] then
	return 0
end
redis.call("HDEL", KEYS[2], ARGV[1])
redis.call("HDEL", KEYS[4], ARGV[1])
redis.call("HDEL", KEYS[5], ARGV[1])
redis.call("ZREM", KEYS[1], ARGV[1])
return 1
`)

// answerFollowUpCmd takes away the resident's follow-up about a flow: an
// asked one while its answer window is open, or a pending one that is due
// (its asker sent the question and has not marked it asked yet).
//
// ARGV[1] -> the resident id, decimal
// ARGV[2] -> the flow
// ARGV[3] -> now, unix ms
//
// Returns the FollowUp JSON, or false when there is none to answer.
var answerFollowUpCmd = goredis.NewScript(`
if redis.call("HGET", KEYS[4], ARGV[1]) ~= ARGV[2] then
	return false
end
local now = tonumber(ARGV[3])
local data = redis.call("HGET", KEYS[3], ARGV[1])
if data then
	local open_until = redis.call("ZSCORE", KEYS[1], ARGV[1])
	if not open_until or tonumber(open_until) <= now then
		return false
	end
else
	data = redis.call("HGET", KEYS[2], ARGV[1])
	local due = redis.call("HGET", KEYS[5], ARGV[1])
	if not data or not due or tonumber(due) > now then
		return false
	end
end
redis.call("HDEL", KEYS[2], ARGV[1])
redis.call("HDEL", KEYS[3], ARGV[1])
redis.call("HDEL", KEYS[4], ARGV[1])
redis.call("HDEL", KEYS[5], ARGV[1])
redis.call("ZREM", KEYS[1], ARGV[1])
return data
`)

// cancelFollowUpsCmd removes the resident's follow-up, pending or asked.
//
// ARGV[1] -> the resident id, decimal
//
// Returns 1 when there was one, else 0.
var cancelFollowUpsCmd = goredis.NewScript(`
local n = redis.call("ZREM", KEYS[1], ARGV[1])
n = n + redis.call("HDEL", KEYS[2], ARGV[1]) + redis.call("HDEL", KEYS[3], ARGV[1])
redis.call("HDEL", KEYS[4], ARGV[1])
redis.call("HDEL", KEYS[5], ARGV[1])
if n > 0 then
	return 1
end
return 0
`)

// encodeFollowUp is the JSON of a follow-up, its time in UTC so that one
// follow-up always encodes to the same bytes.
func encodeFollowUp(f domain.FollowUp) (string, error) {
	f.DueAt = f.DueAt.UTC()
	data, err := json.Marshal(f)
	if err != nil {
		return "", fmt.Errorf("encode follow-up: %w", err)
	}
	return string(data), nil
}

func residentMember(id int64) string { return strconv.FormatInt(id, 10) }

// ScheduleFollowUp stores the resident's pending follow-up
// (scheduleFollowUpCmd).
func (s *Store) ScheduleFollowUp(ctx context.Context, f domain.FollowUp) error {
	op := fmt.Sprintf("schedule a follow-up of %d", f.ResidentID)
	data, err := encodeFollowUp(f)
	if err != nil {
		return fmt.Errorf("redis: %s: %w", op, err)
	}
	err = scheduleFollowUpCmd.Run(ctx, s.client, s.keys.followUpKeys(), residentMember(f.ResidentID), data, msScore(f.DueAt), f.FlowID).Err()
	if err != nil {
		return wrapErr(op, err)
	}
	return nil
}

// TakeDueFollowUps hands out due follow-ups in one script
// (takeDueFollowUpsCmd).
func (s *Store) TakeDueFollowUps(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]domain.FollowUp, error) {
	const op = "take due follow-ups"
	if limit <= 0 {
		return nil, nil
	}
	raw, err := takeDueFollowUpsCmd.Run(ctx, s.client, s.keys.followUpKeys(), msScore(now), msScore(now.Add(lease)), limit).StringSlice()
	if err != nil {
		return nil, wrapErr(op, err)
	}
	return decodeAll[domain.FollowUp](op, raw)
}

// MarkFollowUpAsked turns the pending f into an asked follow-up
// (markFollowUpAskedCmd).
func (s *Store) MarkFollowUpAsked(ctx context.Context, f domain.FollowUp, until time.Time) (bool, error) {
	op := fmt.Sprintf("mark the follow-up of %d asked", f.ResidentID)
	data, err := encodeFollowUp(f)
	if err != nil {
		return false, fmt.Errorf("redis: %s: %w", op, err)
	}
	n, err := markFollowUpAskedCmd.Run(ctx, s.client, s.keys.followUpKeys(), residentMember(f.ResidentID), data, msScore(until)).Int()
	if err != nil {
		return false, wrapErr(op, err)
	}
	return n == 1, nil
}

// DropFollowUp removes the pending f (dropFollowUpCmd).
func (s *Store) DropFollowUp(ctx context.Context, f domain.FollowUp) error {
	op := fmt.Sprintf("drop the follow-up of %d", f.ResidentID)
	data, err := encodeFollowUp(f)
	if err != nil {
		return fmt.Errorf("redis: %s: %w", op, err)
	}
	if err := dropFollowUpCmd.Run(ctx, s.client, s.keys.followUpKeys(), residentMember(f.ResidentID), data).Err(); err != nil {
		return wrapErr(op, err)
	}
	return nil
}

// AnswerFollowUp takes away the resident's asked follow-up about the flow
// (answerFollowUpCmd).
func (s *Store) AnswerFollowUp(ctx context.Context, residentID int64, flowID string, now time.Time) (domain.FollowUp, error) {
	op := fmt.Sprintf("answer the follow-up of %d", residentID)
	data, err := answerFollowUpCmd.Run(ctx, s.client, s.keys.followUpKeys(), residentMember(residentID), flowID, msScore(now)).Text()
	if errors.Is(err, goredis.Nil) {
		return domain.FollowUp{}, fmt.Errorf("redis: %s: %w", op, storage.ErrNotFound)
	}
	if err != nil {
		return domain.FollowUp{}, wrapErr(op, err)
	}
	var f domain.FollowUp
	if err := json.Unmarshal([]byte(data), &f); err != nil {
		return domain.FollowUp{}, fmt.Errorf("redis: %s: decode: %w", op, err)
	}
	return f, nil
}

// CancelFollowUps removes the resident's follow-up (cancelFollowUpsCmd).
func (s *Store) CancelFollowUps(ctx context.Context, residentID int64) error {
	_, err := s.cancelFollowUps(ctx, residentID)
	if err != nil {
		return wrapErr(fmt.Sprintf("cancel the follow-ups of %d", residentID), err)
	}
	return nil
}

// cancelFollowUps removes the resident's follow-up and reports whether
// there was one.
func (s *Store) cancelFollowUps(ctx context.Context, residentID int64) (bool, error) {
	n, err := cancelFollowUpsCmd.Run(ctx, s.client, s.keys.followUpKeys(), residentMember(residentID)).Int()
	return n == 1, err
}
