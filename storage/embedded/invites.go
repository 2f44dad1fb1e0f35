package embedded

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
)

// CreateInvite stores the invite, replacing one with the same code. In the
// same transaction it drops the invites that expired by the store's clock,
// so unused ones do not pile up.
func (s *Store) CreateInvite(ctx context.Context, inv domain.Invite) error {
	op := "create invite"
	if inv.Code == "" {
		return fmt.Errorf("embedded: %s: empty code", op)
	}
	data, err := json.Marshal(inv)
	if err != nil {
		return fmt.Errorf("embedded: %s: encode: %w", op, err)
	}
	now := s.now()
	return s.update(ctx, op, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketInvites)
		var expired [][]byte
		err := b.ForEach(func(k, v []byte) error {
			var old domain.Invite
			if json.Unmarshal(v, &old) != nil || !old.ExpiresAt.After(now) {
				expired = append(expired, k)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range expired {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return b.Put([]byte(inv.Code), data)
	})
}

// UseInvite consumes the code and returns its invite. An unknown, used or
// expired (ExpiresAt not after now) code gives an error wrapping
// storage.ErrNotFound; an expired one is deleted all the same. Consuming is
// a delete inside a write transaction, and bbolt runs those one at a time:
// of concurrent users exactly one finds the invite.
func (s *Store) UseInvite(ctx context.Context, code string, now time.Time) (domain.Invite, error) {
	const op = "use invite"
	var (
		inv   domain.Invite
		found bool
	)
	err := s.update(ctx, op, func(tx *bolt.Tx) error {
		inv, found = domain.Invite{}, false // afresh: fn may run again
		b := tx.Bucket(bucketInvites)
		raw := b.Get([]byte(code))
		if raw == nil {
			return nil
		}
		if err := json.Unmarshal(raw, &inv); err != nil {
			return fmt.Errorf("decode: %w", err)
		}
		found = true
		return b.Delete([]byte(code))
	})
	switch {
	case err != nil:
		return domain.Invite{}, err
	case !found:
		return domain.Invite{}, fmt.Errorf("embedded: %s: %w: unknown or used code", op, storage.ErrNotFound)
	case !inv.ExpiresAt.After(now):
		return domain.Invite{}, fmt.Errorf("embedded: %s: %w: expired at %s", op, storage.ErrNotFound, inv.ExpiresAt)
	}
	return inv, nil
}

// saltSize is the length of the store's salt.
const saltSize = 32

// Salt returns the store's secret salt: 32 random bytes made on first use
// and kept in the meta bucket. Concurrent first callers agree, since the
// create-if-missing runs inside a write transaction.
func (s *Store) Salt(ctx context.Context) ([]byte, error) {
	var salt []byte
	err := s.view(ctx, "salt", func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketMeta).Get(metaSalt); len(v) == saltSize {
			salt = append([]byte(nil), v...) // v lives only as long as tx
		}
		return nil
	})
	if err != nil || salt != nil {
		return salt, err
	}
	fresh := make([]byte, saltSize)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("embedded: salt: %w", err)
	}
	err = s.update(ctx, "create salt", func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get(metaSalt); len(v) == saltSize {
			salt = append([]byte(nil), v...)
			return nil
		}
		salt = fresh
		return meta.Put(metaSalt, fresh)
	})
	if err != nil {
		return nil, err
	}
	return salt, nil
}
