package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/hotroso/hotroso/domain"
)

// The outbox: relays by due time in p:{o}:outbox, their JSON in
// p:{o}:outbox:data, both under the tag {o} so that each script below
// touches one slot.

// takeDueOutgoingCmd hands out due relays and makes them due again later.
//
// KEYS[1] -> p:{o}:outbox
// KEYS[2] -> p:{o}:outbox:data
// ARGV[1] -> now, unix ms
// ARGV[2] -> now + lease, unix ms
// ARGV[3] -> the most to take
//
// Returns the JSON of each relay taken, earliest first; members with no
// data are dropped.
var takeDueOutgoingCmd = goredis.NewScript(`
local due = redis.call("ZRANGEBYSCORE", KEYS[1], "-inf", ARGV[1], "LIMIT", 0, tonumber(ARGV[3]))
local out = {}
for _, member in ipairs(due) do
	local data = redis.call("HGET", KEYS[2], member)
	if data then
		redis.call("ZADD", KEYS[1], ARGV[2], member)
		out[#out + 1] = data
	else
		redis.call("ZREM", KEYS[1], member)
	end
end
return out
`)

// rescheduleOutgoingCmd stores a relay after a failed attempt, if it is
// still there.
//
// KEYS[1] -> p:{o}:outbox
// KEYS[2] -> p:{o}:outbox:data
// ARGV[1] -> the member, <id19>
// ARGV[2] -> its JSON
// ARGV[3] -> NextAt, unix ms
var rescheduleOutgoingCmd = goredis.NewScript(`
if redis.call("HEXISTS", KEYS[2], ARGV[1]) == 0 then
	return 0
end
redis.call("HSET", KEYS[2], ARGV[1], ARGV[2])
redis.call("ZADD", KEYS[1], ARGV[3], ARGV[1])
return 1
`)

// QueueOutgoing stores a relay with the next id, due at its NextAt.
func (s *Store) QueueOutgoing(ctx context.Context, o domain.Outgoing) (domain.Outgoing, error) {
	const op = "queue a relay"
	id, err := s.client.Incr(ctx, s.keys.outboxSeq()).Result()
	if err != nil {
		return domain.Outgoing{}, wrapErr(op, err)
	}
	o.ID = id
	data, err := json.Marshal(o)
	if err != nil {
		return domain.Outgoing{}, fmt.Errorf("redis: %s: encode: %w", op, err)
	}
	_, err = s.client.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		p.HSet(ctx, s.keys.outboxData(), idMember(id), data)
		p.ZAdd(ctx, s.keys.outbox(), goredis.Z{Score: float64(o.NextAt.UnixMilli()), Member: idMember(id)})
		return nil
	})
	if err != nil {
		return domain.Outgoing{}, wrapErr(op, err)
	}
	return o, nil
}

// TakeDueOutgoing hands out due relays in one script
// (takeDueOutgoingCmd).
func (s *Store) TakeDueOutgoing(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]domain.Outgoing, error) {
	const op = "take due relays"
	if limit <= 0 {
		return nil, nil
	}
	raw, err := takeDueOutgoingCmd.Run(ctx, s.client, []string{s.keys.outbox(), s.keys.outboxData()},
		msScore(now), msScore(now.Add(lease)), limit).StringSlice()
	if err != nil {
		return nil, wrapErr(op, err)
	}
	return decodeAll[domain.Outgoing](op, raw)
}

// RescheduleOutgoing stores a relay's Attempts and NextAt
// (rescheduleOutgoingCmd).
func (s *Store) RescheduleOutgoing(ctx context.Context, o domain.Outgoing) error {
	op := fmt.Sprintf("reschedule relay %d", o.ID)
	data, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("redis: %s: encode: %w", op, err)
	}
	err = rescheduleOutgoingCmd.Run(ctx, s.client, []string{s.keys.outbox(), s.keys.outboxData()}, idMember(o.ID), data, msScore(o.NextAt)).Err()
	if err != nil {
		return wrapErr(op, err)
	}
	return nil
}

// DeleteOutgoing removes a relay.
func (s *Store) DeleteOutgoing(ctx context.Context, id int64) error {
	op := fmt.Sprintf("delete relay %d", id)
	_, err := s.client.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		p.ZRem(ctx, s.keys.outbox(), idMember(id))
		p.HDel(ctx, s.keys.outboxData(), idMember(id))
		return nil
	})
	if err != nil {
		return wrapErr(op, err)
	}
	return nil
}

// eraseOutgoingOf deletes the relays to or from a chat, reading the whole
// outbox (it is short: only relays that failed wait there); it reports
// whether there were any.
func (s *Store) eraseOutgoingOf(ctx context.Context, chatID int64) (bool, error) {
	all, err := s.client.HGetAll(ctx, s.keys.outboxData()).Result()
	if err != nil {
		return false, err
	}
	var gone []string
	for member, data := range all {
		var o domain.Outgoing
		if err := json.Unmarshal([]byte(data), &o); err != nil {
			return false, fmt.Errorf("decode relay %s: %w", member, err)
		}
		if o.Involves(chatID) {
			gone = append(gone, member)
		}
	}
	if len(gone) == 0 {
		return false, nil
	}
	if _, err := s.client.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		p.ZRem(ctx, s.keys.outbox(), gone) // a []string argument spreads
		p.HDel(ctx, s.keys.outboxData(), gone...)
		return nil
	}); err != nil {
		return false, fmt.Errorf("delete relays of %d: %w", chatID, err)
	}
	return true, nil
}
