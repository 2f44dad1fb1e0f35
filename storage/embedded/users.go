package embedded

import (
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/hotroso/hotroso/storage"
)

// GetUser returns the user, or an error wrapping storage.ErrNotFound.
func (s *Store) GetUser(ctx context.Context, id int64) (storage.User, error) {
	var u storage.User
	err := s.view(ctx, fmt.Sprintf("get user %d", id), func(tx *bolt.Tx) error {
		var err error
		u, err = getUser(tx, id)
		return err
	})
	return u, err
}

// PutUser creates or replaces the user as given.
func (s *Store) PutUser(ctx context.Context, u storage.User) error {
	data, err := json.Marshal(u)
	if err != nil {
		return fmt.Errorf("embedded: put user %d: encode: %w", u.ID, err)
	}
	return s.update(ctx, fmt.Sprintf("put user %d", u.ID), func(tx *bolt.Tx) error {
		return tx.Bucket(bucketUsers).Put(idKey(u.ID), data)
	})
}

// SetBlocked sets the user's Blocked flag and stamps UpdatedAt with the
// store's clock. It returns an error wrapping storage.ErrNotFound for an
// unknown user.
func (s *Store) SetBlocked(ctx context.Context, id int64, blocked bool) error {
	now := s.now()
	return s.update(ctx, fmt.Sprintf("set blocked user %d", id), func(tx *bolt.Tx) error {
		u, err := getUser(tx, id)
		if err != nil {
			return err
		}
		u.Blocked, u.UpdatedAt = blocked, now
		data, err := json.Marshal(u)
		if err != nil {
			return fmt.Errorf("encode: %w", err)
		}
		return tx.Bucket(bucketUsers).Put(idKey(id), data)
	})
}

// DeleteUser erases the user; an unknown user is not an error.
func (s *Store) DeleteUser(ctx context.Context, id int64) error {
	return s.update(ctx, fmt.Sprintf("delete user %d", id), func(tx *bolt.Tx) error {
		return tx.Bucket(bucketUsers).Delete(idKey(id))
	})
}

func getUser(tx *bolt.Tx, id int64) (storage.User, error) {
	var u storage.User
	raw := tx.Bucket(bucketUsers).Get(idKey(id))
	if raw == nil {
		return u, storage.ErrNotFound
	}
	if err := json.Unmarshal(raw, &u); err != nil {
		return u, fmt.Errorf("decode: %w", err)
	}
	return u, nil
}
