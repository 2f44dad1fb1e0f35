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
// broadcasts) that index members name, in that order, skipping any that no
// longer exist. key builds a record's key from its id; errors are wrapped
// with op.
func loadRecords[T any](ctx context.Context, s *Store, op, kind string, members []string, key func(int64) string) ([]T, error) {
	if len(members) == 0 {
		return nil, nil
	}
	cmds := make([]*goredis.StringCmd, len(members))
	pipe := s.client.Pipeline()
	for i, m := range members {
		id, err := strconv.ParseInt(m, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("redis: %s: %s index member %q: %w", op, kind, m, err)
		}
		cmds[i] = pipe.HGet(ctx, key(id), fieldData)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, goredis.Nil) {
		return nil, wrapErr(op, err)
	}
	out := make([]T, 0, len(members))
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
			return nil, fmt.Errorf("redis: %s: decode %s %s: %w", op, kind, members[i], err)
		}
		out = append(out, record)
	}
	return out, nil
}
