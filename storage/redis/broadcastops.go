package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	goredis "github.com/redis/go-redis/v9"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
)

// The broadcast operations. Each stores the moved broadcast, encoded whole
// in Go, with a compare-and-set on its version, and keeps the index of
// active broadcasts (p:{b}:active) as its move requires. The keys carry
// the {b} tag, so each script runs on one node of a cluster.
//
// casBroadcast begins every script but createBroadcastCmd:
//
//	KEYS[1] -> p:{b}:broadcast:<id>
//	KEYS[2] -> p:{b}:active
//	ARGV[1] -> the version the caller read, decimal
//	ARGV[2] -> the new version, decimal
//	ARGV[3] -> the moved broadcast's JSON
//	ARGV[4] -> the broadcast's member in the active index, <id19>
//
// It returns 0 (and writes nothing) when the stored version is not ARGV[1].
const casBroadcast = `
if redis.call("HGET", KEYS[1], "v") ~= ARGV[1] then
	return 0
end
redis.call("HSET", KEYS[1], "v", ARGV[2], "d", ARGV[3])
`

// createBroadcastCmd stores a new draft.
//
// KEYS[1] -> p:{b}:broadcast:<id>, the id just taken from p:{b}:broadcast:seq
// ARGV[1] -> the broadcast's JSON, version 1
//
// Returns 1 when stored, -2 when a broadcast with this id exists (the
// counter is behind).
var createBroadcastCmd = goredis.NewScript(`
if redis.call("EXISTS", KEYS[1]) == 1 then
	return -2
end
redis.call("HSET", KEYS[1], "v", "1", "d", ARGV[1])
return 1
`)

// keepBroadcastCmd: casBroadcast, the active index unchanged (updates,
// Prepare, Start, Pause, Resume). Returns 1 when stored, 0 on a version
// conflict.
var keepBroadcastCmd = goredis.NewScript(casBroadcast + `
return 1
`)

// activateBroadcastCmd: casBroadcast, then into the active index (Confirm).
//
// ARGV[5] -> the active score, CreatedAt unix ms
//
// Returns 1 when stored, 0 on a version conflict.
var activateBroadcastCmd = goredis.NewScript(casBroadcast + `
redis.call("ZADD", KEYS[2], ARGV[5], ARGV[4])
return 1
`)

// endBroadcastCmd: casBroadcast, then out of the active index (Cancel,
// Finish). Returns 1 when stored, 0 on a version conflict.
var endBroadcastCmd = goredis.NewScript(casBroadcast + `
redis.call("ZREM", KEYS[2], ARGV[4])
return 1
`)

// CreateBroadcast stores a new draft with the next id from the counter.
func (s *Store) CreateBroadcast(ctx context.Context, b domain.Broadcast) (domain.Broadcast, error) {
	op := fmt.Sprintf("create a broadcast by %d", b.CreatedBy)
	id, err := s.client.Incr(ctx, s.keys.broadcastSeq()).Result()
	if err != nil {
		return domain.Broadcast{}, wrapErr(op, err)
	}
	b.ID, b.Version = id, 1
	data, err := json.Marshal(b)
	if err != nil {
		return domain.Broadcast{}, fmt.Errorf("redis: %s: encode: %w", op, err)
	}
	res, err := createBroadcastCmd.Run(ctx, s.client, []string{s.keys.broadcast(id)}, data).Int64()
	switch {
	case err != nil:
		return domain.Broadcast{}, wrapErr(op, err)
	case res == -2:
		return domain.Broadcast{}, fmt.Errorf("redis: %s: the broadcast id counter %s is behind the stored broadcasts", op, s.keys.broadcastSeq())
	}
	return b, nil
}

// UpdateBroadcast stores a broadcast that did not move (keepBroadcastCmd).
func (s *Store) UpdateBroadcast(ctx context.Context, b domain.Broadcast) (domain.Broadcast, error) {
	return s.moveBroadcast(ctx, "update", keepBroadcastCmd, b)
}

// PrepareBroadcast stores a prepared draft (keepBroadcastCmd).
func (s *Store) PrepareBroadcast(ctx context.Context, b domain.Broadcast) (domain.Broadcast, error) {
	return s.moveBroadcast(ctx, "prepare", keepBroadcastCmd, b)
}

// ConfirmBroadcast stores a confirmed broadcast, now active
// (activateBroadcastCmd).
func (s *Store) ConfirmBroadcast(ctx context.Context, b domain.Broadcast) (domain.Broadcast, error) {
	return s.moveBroadcast(ctx, "confirm", activateBroadcastCmd, b, msScore(b.CreatedAt))
}

// StartBroadcast stores a started broadcast (keepBroadcastCmd).
func (s *Store) StartBroadcast(ctx context.Context, b domain.Broadcast) (domain.Broadcast, error) {
	return s.moveBroadcast(ctx, "start", keepBroadcastCmd, b)
}

// PauseBroadcast stores a paused broadcast (keepBroadcastCmd).
func (s *Store) PauseBroadcast(ctx context.Context, b domain.Broadcast) (domain.Broadcast, error) {
	return s.moveBroadcast(ctx, "pause", keepBroadcastCmd, b)
}

// ResumeBroadcast stores a resumed broadcast (keepBroadcastCmd).
func (s *Store) ResumeBroadcast(ctx context.Context, b domain.Broadcast) (domain.Broadcast, error) {
	return s.moveBroadcast(ctx, "resume", keepBroadcastCmd, b)
}

// CancelBroadcast stores a canceled broadcast, no longer active
// (endBroadcastCmd).
func (s *Store) CancelBroadcast(ctx context.Context, b domain.Broadcast) (domain.Broadcast, error) {
	return s.moveBroadcast(ctx, "cancel", endBroadcastCmd, b)
}

// FinishBroadcast stores a finished broadcast, no longer active
// (endBroadcastCmd).
func (s *Store) FinishBroadcast(ctx context.Context, b domain.Broadcast) (domain.Broadcast, error) {
	return s.moveBroadcast(ctx, "finish", endBroadcastCmd, b)
}

// moveBroadcast runs one of the casBroadcast scripts for b, with args after
// the casBroadcast arguments.
func (s *Store) moveBroadcast(ctx context.Context, move string, script *goredis.Script, b domain.Broadcast, args ...any) (domain.Broadcast, error) {
	op := fmt.Sprintf("%s broadcast %d", move, b.ID)
	out := b
	out.Version = b.Version + 1
	data, err := json.Marshal(out)
	if err != nil {
		return domain.Broadcast{}, fmt.Errorf("redis: %s: encode: %w", op, err)
	}
	argv := append([]any{strconv.FormatInt(b.Version, 10), strconv.FormatInt(out.Version, 10), data, idMember(b.ID)}, args...)
	res, err := script.Run(ctx, s.client, []string{s.keys.broadcast(b.ID), s.keys.activeBroadcasts()}, argv...).Int64()
	switch {
	case errors.Is(err, goredis.Nil) || (err == nil && res == 0):
		return domain.Broadcast{}, fmt.Errorf("redis: %s: %w: the stored version is not %d", op, storage.ErrConflict, b.Version)
	case err != nil:
		return domain.Broadcast{}, wrapErr(op, err)
	}
	return out, nil
}
