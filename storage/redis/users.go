package redis

import (
	"context"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/hotroso/hotroso/storage"
)

// A user is a hash with one field per attribute, so that SetBlocked can
// change a field in place without decoding JSON in Lua. Times are RFC 3339
// with nanoseconds.
const (
	fieldID        = "id"
	fieldRole      = "role"
	fieldLanguage  = "lang"
	fieldCommune   = "commune"
	fieldBlocked   = "blocked"
	fieldCreatedAt = "created_at"
	fieldUpdatedAt = "updated_at"
)

// GetUser returns the user, or an error wrapping storage.ErrNotFound.
func (s *Store) GetUser(ctx context.Context, id int64) (storage.User, error) {
	op := fmt.Sprintf("get user %d", id)
	fields, err := s.client.HGetAll(ctx, s.keys.user(id)).Result()
	if err != nil {
		return storage.User{}, wrapErr(op, err)
	}
	if len(fields) == 0 {
		return storage.User{}, fmt.Errorf("redis: %s: %w", op, storage.ErrNotFound)
	}
	u, err := decodeUser(fields)
	if err != nil {
		return storage.User{}, fmt.Errorf("redis: %s: decode: %w", op, err)
	}
	return u, nil
}

// PutUser creates or replaces the user as given.
func (s *Store) PutUser(ctx context.Context, u storage.User) error {
	op := fmt.Sprintf("put user %d", u.ID)
	fields, err := encodeUser(u)
	if err != nil {
		return fmt.Errorf("redis: %s: encode: %w", op, err)
	}
	key := s.keys.user(u.ID)
	_, err = s.client.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		p.Del(ctx, key) // replace, not merge
		p.HSet(ctx, key, fields)
		return nil
	})
	if err != nil {
		return wrapErr(op, err)
	}
	return nil
}

// SetBlocked sets the user's Blocked flag and stamps UpdatedAt with the
// store's clock. It returns an error wrapping storage.ErrNotFound for an
// unknown user.
func (s *Store) SetBlocked(ctx context.Context, id int64, blocked bool) error {
	op := fmt.Sprintf("set blocked user %d", id)
	updated, err := s.now().MarshalText()
	if err != nil {
		return fmt.Errorf("redis: %s: encode: %w", op, err)
	}
	n, err := setBlockedCmd.Run(ctx, s.client, []string{s.keys.user(id)}, boolField(blocked), updated).Int()
	if err != nil {
		return wrapErr(op, err)
	}
	if n == 0 {
		return fmt.Errorf("redis: %s: %w", op, storage.ErrNotFound)
	}
	return nil
}

// DeleteUser erases the user; an unknown user is not an error.
func (s *Store) DeleteUser(ctx context.Context, id int64) error {
	if err := s.client.Del(ctx, s.keys.user(id)).Err(); err != nil {
		return wrapErr(fmt.Sprintf("delete user %d", id), err)
	}
	return nil
}

func encodeUser(u storage.User) (map[string]any, error) {
	created, err := u.CreatedAt.MarshalText()
	if err != nil {
		return nil, fmt.Errorf("created_at: %w", err)
	}
	updated, err := u.UpdatedAt.MarshalText()
	if err != nil {
		return nil, fmt.Errorf("updated_at: %w", err)
	}
	return map[string]any{
		fieldID:        u.ID,
		fieldRole:      string(u.Role),
		fieldLanguage:  u.Language,
		fieldCommune:   u.Commune,
		fieldBlocked:   boolField(u.Blocked),
		fieldCreatedAt: created,
		fieldUpdatedAt: updated,
	}, nil
}

func decodeUser(f map[string]string) (storage.User, error) {
	var u storage.User
	id, err := strconv.ParseInt(f[fieldID], 10, 64)
	if err != nil {
		return u, fmt.Errorf("id: %w", err)
	}
	u.ID = id
	u.Role = storage.Role(f[fieldRole])
	u.Language = f[fieldLanguage]
	u.Commune = f[fieldCommune]
	u.Blocked = f[fieldBlocked] == "1"
	if u.CreatedAt, err = parseTime(f[fieldCreatedAt]); err != nil {
		return u, fmt.Errorf("created_at: %w", err)
	}
	if u.UpdatedAt, err = parseTime(f[fieldUpdatedAt]); err != nil {
		return u, fmt.Errorf("updated_at: %w", err)
	}
	return u, nil
}

func parseTime(s string) (time.Time, error) {
	var t time.Time
	if s == "" {
		return t, nil
	}
	err := t.UnmarshalText([]byte(s))
	return t, err
}

func boolField(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
