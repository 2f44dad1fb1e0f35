package redis

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/hotroso/hotroso/storage"
)

// Webhook updates. In webhook mode every instance answers Telegram's POSTs
// by storing the update in a Redis stream, and workers on every instance
// consume the streams. To keep each chat's updates in order across
// instances, updates are split by chat into UpdateShards streams, and each
// shard is consumed by one instance at a time, the holder of the shard's
// lease. Keys, for prefix p and shard n:
//
//	p:{u<n>}:updates        stream  entries u -> update JSON, id -> update id;
//	                                consumer group "workers"
//	p:{u<n>}:seen:<id>      string  "1" for storage.DedupWindow: the update
//	                                id was enqueued (Telegram retries a POST
//	                                it got no answer to)
//	p:{u<n>}:owner          string  "<instance>|<lease end, unix ms>": the
//	                                instance holding the shard
//	p:instances             zset    live instances, scored by their last
//	                                heartbeat (unix ms)
//
// A shard's keys share the tag {u<n>}: enqueueing is one script over the
// stream and the seen key.

// UpdateShards is how many streams webhook updates are split into.
const UpdateShards = 16

// UpdateGroup is the consumer group of the update streams.
const UpdateGroup = "workers"

func (k keyspace) updates(shard int) string {
	return k.prefix + ":{u" + strconv.Itoa(shard) + "}:updates"
}
func (k keyspace) updateSeen(shard int, id int64) string {
	return k.prefix + ":{u" + strconv.Itoa(shard) + "}:seen:" + strconv.FormatInt(id, 10)
}
func (k keyspace) updateOwner(shard int) string {
	return k.prefix + ":{u" + strconv.Itoa(shard) + "}:owner"
}
func (k keyspace) instances() string { return k.prefix + ":instances" }

// enqueueScript stores an update once.
//
//	KEYS[1] -> p:{u<n>}:updates
//	KEYS[2] -> p:{u<n>}:seen:<id>
//	ARGV[1] -> update JSON
//	ARGV[2] -> update id
//	ARGV[3] -> seen TTL, seconds
//	Returns 1 when stored, 0 for an update id already enqueued.
var enqueueScript = goredis.NewScript(`
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[3]) == false then
  return 0
end
redis.call('XADD', KEYS[1], '*', 'u', ARGV[1], 'id', ARGV[2])
return 1
`)

// EnqueueUpdate stores a webhook update in its shard's stream, unless its
// update id was enqueued within storage.DedupWindow; it reports whether it
// stored it.
func (s *Store) EnqueueUpdate(ctx context.Context, updateID int64, shard int, raw []byte) (bool, error) {
	n, err := enqueueScript.Run(ctx, s.client, []string{s.keys.updates(shard), s.keys.updateSeen(shard, updateID)},
		raw, updateID, int(storage.DedupWindow.Seconds())).Int()
	if err != nil {
		return false, wrapErr("enqueue update", err)
	}
	return n == 1, nil
}

// holdScript takes a shard lease that is free or has run out, or renews
// one the owner holds. The lease's end is kept in the value (owner|end ms),
// judged by the callers' clocks, so it works without relying on key expiry;
// the key's own TTL only cleans up.
//
//	KEYS[1] -> p:{u<n>}:owner
//	ARGV[1] -> owner
//	ARGV[2] -> TTL, ms
//	ARGV[3] -> now, unix ms
//	ARGV[4] -> the lease's end, unix ms
//	Returns 1 when the owner holds the lease, 0 when another does.
var holdScript = goredis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur then
  local owner, ends = string.match(cur, '^(.*)|(%d+)$')
  if owner ~= ARGV[1] and ends and tonumber(ends) > tonumber(ARGV[3]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[4], 'PX', ARGV[2])
return 1
`)

// releaseScript gives up a lease the owner holds.
//
//	KEYS[1] -> p:{u<n>}:owner
//	ARGV[1] -> owner
//	Returns 1 when released.
var releaseScript = goredis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur and string.match(cur, '^(.*)|') == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

// HoldShard takes the shard's lease for owner if it is free or ran out by
// now, or renews it if owner holds it, until now+ttl; it reports whether
// owner holds it.
func (s *Store) HoldShard(ctx context.Context, shard int, owner string, now time.Time, ttl time.Duration) (bool, error) {
	n, err := holdScript.Run(ctx, s.client, []string{s.keys.updateOwner(shard)}, owner, ttl.Milliseconds(),
		now.UnixMilli(), now.Add(ttl).UnixMilli()).Int()
	if err != nil {
		return false, wrapErr("hold shard", err)
	}
	return n == 1, nil
}

// ReleaseShard gives up owner's lease on the shard, if it holds it.
func (s *Store) ReleaseShard(ctx context.Context, shard int, owner string) error {
	if err := releaseScript.Run(ctx, s.client, []string{s.keys.updateOwner(shard)}, owner).Err(); err != nil {
		return wrapErr("release shard", err)
	}
	return nil
}

// Heartbeat records that owner is alive at now, forgets instances silent
// for longer than ttl, and returns how many are alive.
func (s *Store) Heartbeat(ctx context.Context, owner string, now time.Time, ttl time.Duration) (int, error) {
	key := s.keys.instances()
	pipe := s.client.Pipeline()
	pipe.ZAdd(ctx, key, goredis.Z{Score: float64(now.UnixMilli()), Member: owner})
	pipe.ZRemRangeByScore(ctx, key, "-inf", "("+strconv.FormatInt(now.Add(-ttl).UnixMilli(), 10))
	card := pipe.ZCard(ctx, key)
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, wrapErr("heartbeat", err)
	}
	return int(card.Val()), nil
}

// Leave removes owner from the live instances.
func (s *Store) Leave(ctx context.Context, owner string) error {
	if err := s.client.ZRem(ctx, s.keys.instances(), owner).Err(); err != nil {
		return wrapErr("leave", err)
	}
	return nil
}

// ensureGroup creates the shard's stream and consumer group if needed.
func (s *Store) ensureGroup(ctx context.Context, shard int) error {
	err := s.client.XGroupCreateMkStream(ctx, s.keys.updates(shard), UpdateGroup, "0").Err()
	if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		return wrapErr("create update group", err)
	}
	return nil
}

// TakeOverUpdates moves every update another consumer read from the shard
// but did not acknowledge (its instance died or lost the lease) to
// consumer, and returns them oldest first. Call it once on taking a
// shard's lease, before ReadUpdates.
func (s *Store) TakeOverUpdates(ctx context.Context, shard int, consumer string) ([]storage.QueuedUpdate, error) {
	if err := s.ensureGroup(ctx, shard); err != nil {
		return nil, err
	}
	var out []storage.QueuedUpdate
	start := "0-0"
	for {
		msgs, next, err := s.client.XAutoClaim(ctx, &goredis.XAutoClaimArgs{Stream: s.keys.updates(shard), Group: UpdateGroup,
			Consumer: consumer, MinIdle: 0, Start: start, Count: 500}).Result()
		if err != nil {
			return nil, wrapErr("take over updates", err)
		}
		out = append(out, queued(msgs)...)
		if next == "0-0" || next == "" || len(msgs) == 0 {
			return out, nil
		}
		start = next
	}
}

// ReadUpdates reads up to count new updates of the shard for consumer,
// waiting up to block for the first.
//
// The consumer group is made by TakeOverUpdates; if it has gone (the stream
// was deleted), it is made again here.
func (s *Store) ReadUpdates(ctx context.Context, shard int, consumer string, count int, block time.Duration) ([]storage.QueuedUpdate, error) {
	args := &goredis.XReadGroupArgs{Group: UpdateGroup, Consumer: consumer,
		Streams: []string{s.keys.updates(shard), ">"}, Count: int64(count), Block: block}
	streams, err := s.client.XReadGroup(ctx, args).Result()
	if err != nil && strings.HasPrefix(err.Error(), "NOGROUP") {
		if err := s.ensureGroup(ctx, shard); err != nil {
			return nil, err
		}
		streams, err = s.client.XReadGroup(ctx, args).Result()
	}
	if errors.Is(err, goredis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, wrapErr("read updates", err)
	}
	var out []storage.QueuedUpdate
	for _, st := range streams {
		out = append(out, queued(st.Messages)...)
	}
	return out, nil
}

// AckUpdate marks an update handled and removes it from the stream. A
// handledID above 0 is also recorded as FirstSeen would, in the same round
// trip, so that the update is skipped should it come again.
func (s *Store) AckUpdate(ctx context.Context, shard int, entryID string, handledID int64) error {
	key := s.keys.updates(shard)
	pipe := s.client.Pipeline()
	pipe.XAck(ctx, key, UpdateGroup, entryID)
	pipe.XDel(ctx, key, entryID)
	if handledID > 0 {
		pipe.SetNX(ctx, s.keys.dedup(handledID), 1, storage.DedupWindow)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return wrapErr("ack update", err)
	}
	return nil
}

// UpdatesPending counts the updates of every shard not yet acknowledged
// (waiting or being handled), for metrics and tests.
func (s *Store) UpdatesPending(ctx context.Context) (int, error) {
	total := 0
	for shard := range UpdateShards {
		n, err := s.client.XLen(ctx, s.keys.updates(shard)).Result()
		if err != nil {
			return 0, wrapErr("count updates", err)
		}
		total += int(n)
	}
	return total, nil
}

func queued(msgs []goredis.XMessage) []storage.QueuedUpdate {
	out := make([]storage.QueuedUpdate, 0, len(msgs))
	for _, m := range msgs {
		raw, _ := m.Values["u"].(string)
		out = append(out, storage.QueuedUpdate{EntryID: m.ID, Raw: []byte(raw)})
	}
	return out
}
