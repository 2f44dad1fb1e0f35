package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	goredis "github.com/redis/go-redis/v9"
)

// loadRecords loads, in one pipeline, the JSON records (tickets,
// broadcasts, sessions) with the ids given, in that order, skipping any
// that do not exist. key builds a record's key from its id; errors are
// wrapped with op.
func loadRecords[T any](ctx context.Context, s *Store, op, kind string, ids []int64, key func(int64) string) ([]T, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	cmds := make([]*goredis.StringCmd, len(ids))
	pipe := s.client.Pipeline()
	for i, id := range ids {
		cmds[i] = pipe.HGet(ctx, key(id), fieldData)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, goredis.Nil) {
		return nil, wrapErr(op, err)
	}
	out := make([]T, 0, len(ids))
	for i, cmd := range cmds {
		data, err := cmd.Bytes()
		if errors.Is(err, goredis.Nil) {
			continue
		}
		if err != nil {
			return nil, wrapErr(op, err)
		}
		var record T
		if err := json.Unmarshal(data, &record); err != nil {
			return nil, fmt.Errorf("redis: %s: decode %s %d: %w", op, kind, ids[i], err)
		}
		out = append(out, record)
	}
	return out, nil
}

// loadIndexed is loadRecords for the ids an index holds as members.
func loadIndexed[T any](ctx context.Context, s *Store, op, kind string, members []string, key func(int64) string) ([]T, error) {
	ids, err := parseIDs(op, members)
	if err != nil {
		return nil, err
	}
	return loadRecords[T](ctx, s, op, kind, ids, key)
}

// parseIDs parses decimal ids (index members, user ids); errors are wrapped with op.
func parseIDs(op string, members []string) ([]int64, error) {
	out := make([]int64, len(members))
	for i, m := range members {
		id, err := strconv.ParseInt(m, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("redis: %s: member %q: %w", op, m, err)
		}
		out[i] = id
	}
	return out, nil
}

// decodeAll decodes the JSON records a script returned, in order; errors
// are wrapped with op.
func decodeAll[T any](op string, raw []string) ([]T, error) {
	out := make([]T, 0, len(raw))
	for _, data := range raw {
		var record T
		if err := json.Unmarshal([]byte(data), &record); err != nil {
			return nil, fmt.Errorf("redis: %s: decode: %w", op, err)
		}
		out = append(out, record)
	}
	return out, nil
}
