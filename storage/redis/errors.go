package redis

import (
	"context"
	"errors"
	"fmt"

	goredis "github.com/redis/go-redis/v9"

	"github.com/hotroso/hotroso/storage"
)

// wrapErr adds the operation to a go-redis error and classifies it:
// goredis.Nil becomes storage.ErrNotFound; failures to reach or use the
// server (network, timeouts, closed client, a loading or failing-over server)
// wrap storage.ErrUnavailable; the caller's own cancellation and other
// command errors are wrapped as they are.
func wrapErr(op string, err error) error {
	switch {
	case errors.Is(err, goredis.Nil):
		return fmt.Errorf("redis: %s: %w", op, storage.ErrNotFound)
	case errors.Is(err, context.Canceled), !unavailable(err):
		return fmt.Errorf("redis: %s: %w", op, err)
	default:
		return fmt.Errorf("redis: %s: %w: %w", op, storage.ErrUnavailable, err)
	}
}

// unavailable reports whether err means the server cannot serve us now,
// rather than that a command was wrong.
func unavailable(err error) bool {
	var reply goredis.Error
	if !errors.As(err, &reply) {
		// Not a server reply: dial and I/O errors, timeouts (including a
		// context deadline), pool exhaustion, a closed client.
		return true
	}
	return goredis.IsLoadingError(err) ||
		goredis.IsReadOnlyError(err) ||
		goredis.IsClusterDownError(err) ||
		goredis.IsTryAgainError(err) ||
		goredis.IsMasterDownError(err) ||
		goredis.IsMaxClientsError(err) ||
		goredis.IsOOMError(err)
}
