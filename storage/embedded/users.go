package embedded

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
)

// GetUser returns the user, or an error wrapping storage.ErrNotFound.
func (s *Store) GetUser(ctx context.Context, id int64) (domain.User, error) {
	var u domain.User
	err := s.view(ctx, fmt.Sprintf("get user %d", id), func(tx *bolt.Tx) error {
		var err error
		u, err = getUser(tx, id)
		return err
	})
	return u, err
}

// PutUser creates or replaces the user as given, and files it under its
// role in the same transaction.
func (s *Store) PutUser(ctx context.Context, u domain.User) error {
	data, err := json.Marshal(u)
	if err != nil {
		return fmt.Errorf("embedded: put user %d: encode: %w", u.ID, err)
	}
	return s.update(ctx, fmt.Sprintf("put user %d", u.ID), func(tx *bolt.Tx) error {
		if err := unindexRole(tx, u.ID); err != nil {
			return err
		}
		if err := tx.Bucket(bucketUsers).Put(idKey(u.ID), data); err != nil {
			return err
		}
		return tx.Bucket(bucketRoles).Put(roleKey(u.Role, u.ID), []byte{})
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
		if err := unindexRole(tx, id); err != nil {
			return err
		}
		return tx.Bucket(bucketUsers).Delete(idKey(id))
	})
}

// UsersWithRole returns every user whose role is role, by ascending id. A
// user with no role counts as a resident.
func (s *Store) UsersWithRole(ctx context.Context, role domain.Role) ([]domain.User, error) {
	var out []domain.User
	err := s.view(ctx, fmt.Sprintf("users with role %q", role), func(tx *bolt.Tx) error {
		out = nil
		prefix := rolePrefix(role)
		c := tx.Bucket(bucketRoles).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if len(k) != len(prefix)+8 {
				continue // a longer role that starts with this one and a 0 byte
			}
			u, err := getUser(tx, getInt(k[len(prefix):]))
			if err != nil {
				return fmt.Errorf("indexed user: %w", err)
			}
			out = append(out, u)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// unindexRole removes the stored user, if any, from the roles index.
func unindexRole(tx *bolt.Tx, id int64) error {
	old, err := getUser(tx, id)
	if err != nil {
		// Unknown: nothing to remove. Undecodable: its role, and so its
		// entry, cannot be known; PutUser may still replace the record.
		return nil
	}
	return tx.Bucket(bucketRoles).Delete(roleKey(old.Role, id))
}

// indexAllRoles rebuilds the roles index from the users bucket.
func indexAllRoles(tx *bolt.Tx) error {
	if err := tx.DeleteBucket(bucketRoles); err != nil {
		return fmt.Errorf("clear roles: %w", err)
	}
	roles, err := tx.CreateBucket(bucketRoles)
	if err != nil {
		return fmt.Errorf("create roles: %w", err)
	}
	return tx.Bucket(bucketUsers).ForEach(func(k, v []byte) error {
		var u domain.User
		if err := json.Unmarshal(v, &u); err != nil {
			return nil // unreadable by GetUser as well: not a user to list
		}
		return roles.Put(roleKey(u.Role, getInt(k)), []byte{})
	})
}

// effectiveRole is the role a user counts as: no role means resident.
func effectiveRole(r domain.Role) domain.Role {
	if r == "" {
		return domain.RoleResident
	}
	return r
}

func getUser(tx *bolt.Tx, id int64) (domain.User, error) {
	var u domain.User
	raw := tx.Bucket(bucketUsers).Get(idKey(id))
	if raw == nil {
		return u, storage.ErrNotFound
	}
	if err := json.Unmarshal(raw, &u); err != nil {
		return u, fmt.Errorf("decode: %w", err)
	}
	return u, nil
}
