package redis

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
)

// inviteTTLSlack is how long past its ExpiresAt (by the store's clock) an
// invite's key lives on. The TTL only cleans up unused invites; UseInvite
// decides expiry on ExpiresAt itself, so the key must not vanish first.
const inviteTTLSlack = time.Hour

// CreateInvite stores the invite, replacing one with the same code, with a
// TTL running until an hour after ExpiresAt by the store's clock. An invite
// that has already expired is not stored.
func (s *Store) CreateInvite(ctx context.Context, inv domain.Invite) error {
	const op = "create invite"
	if inv.Code == "" {
		return fmt.Errorf("redis: %s: empty code", op)
	}
	data, err := json.Marshal(inv)
	if err != nil {
		return fmt.Errorf("redis: %s: encode: %w", op, err)
	}
	ttl := inv.ExpiresAt.Sub(s.now())
	if ttl <= 0 {
		return nil
	}
	if err := s.client.Set(ctx, s.keys.invite(inv.Code), data, ttl+inviteTTLSlack).Err(); err != nil {
		return wrapErr(op, err)
	}
	return nil
}

// UseInvite consumes the code and returns its invite. An unknown, used or
// expired (ExpiresAt not after now) code gives an error wrapping
// storage.ErrNotFound. Consuming is GETDEL, atomic on the server: of
// concurrent users exactly one gets the invite.
func (s *Store) UseInvite(ctx context.Context, code string, now time.Time) (domain.Invite, error) {
	const op = "use invite"
	data, err := s.client.GetDel(ctx, s.keys.invite(code)).Bytes()
	if errors.Is(err, goredis.Nil) {
		return domain.Invite{}, fmt.Errorf("redis: %s: %w: unknown or used code", op, storage.ErrNotFound)
	}
	if err != nil {
		return domain.Invite{}, wrapErr(op, err)
	}
	var inv domain.Invite
	if err := json.Unmarshal(data, &inv); err != nil {
		return domain.Invite{}, fmt.Errorf("redis: %s: decode: %w", op, err)
	}
	if !inv.ExpiresAt.After(now) {
		return domain.Invite{}, fmt.Errorf("redis: %s: %w: expired at %s", op, storage.ErrNotFound, inv.ExpiresAt)
	}
	return inv, nil
}

// saltSize is the length of the store's salt.
const saltSize = 32

// Salt returns the store's secret salt: 32 random bytes made on first use.
// The first callers race with SET NX and then all read what won, so they
// agree.
func (s *Store) Salt(ctx context.Context) ([]byte, error) {
	const op = "salt"
	key := s.keys.salt()
	salt, err := s.client.Get(ctx, key).Bytes()
	if err == nil && len(salt) == saltSize {
		return salt, nil
	}
	if err != nil && !errors.Is(err, goredis.Nil) {
		return nil, wrapErr(op, err)
	}
	if err == nil {
		return nil, fmt.Errorf("redis: %s: stored salt has %d bytes, want %d", op, len(salt), saltSize)
	}
	fresh := make([]byte, saltSize)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("redis: %s: %w", op, err)
	}
	if err := s.client.SetNX(ctx, key, fresh, 0).Err(); err != nil {
		return nil, wrapErr(op, err)
	}
	salt, err = s.client.Get(ctx, key).Bytes()
	if err != nil {
		return nil, wrapErr(op, err)
	}
	return salt, nil
}
