package embedded

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
)

// GetSession returns the chat's session, or an error wrapping
// storage.ErrNotFound.
func (s *Store) GetSession(ctx context.Context, chatID int64) (domain.Session, error) {
	var sess domain.Session
	err := s.view(ctx, fmt.Sprintf("get session %d", chatID), func(tx *bolt.Tx) error {
		var err error
		sess, err = getSession(tx, chatID)
		return err
	})
	return sess, err
}

// GetSessions returns the stored sessions of the chats, in the order given,
// skipping chats that have none, in one read transaction.
func (s *Store) GetSessions(ctx context.Context, chatIDs []int64) ([]domain.Session, error) {
	var out []domain.Session
	err := s.view(ctx, fmt.Sprintf("get %d sessions", len(chatIDs)), func(tx *bolt.Tx) error {
		out = out[:0]
		for _, id := range chatIDs {
			sess, err := getSession(tx, id)
			if errors.Is(err, storage.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			out = append(out, sess)
		}
		return nil
	})
	return out, err
}

// SaveSession stores in if the stored version equals in.Version (0: none
// stored), stamping UpdatedAt with the store's clock and incrementing
// Version, and returns what it stored. On a version mismatch it stores
// nothing and returns an error wrapping storage.ErrConflict.
func (s *Store) SaveSession(ctx context.Context, in domain.Session) (domain.Session, error) {
	out := in
	out.Version = in.Version + 1
	out.UpdatedAt = s.now()
	data, err := json.Marshal(out)
	if err != nil {
		return domain.Session{}, fmt.Errorf("embedded: save session %d: encode: %w", in.ChatID, err)
	}
	err = s.update(ctx, fmt.Sprintf("save session %d", in.ChatID), func(tx *bolt.Tx) error {
		old, err := getSession(tx, in.ChatID)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			if in.Version != 0 {
				return fmt.Errorf("%w: none stored, want version %d", storage.ErrConflict, in.Version)
			}
		case err != nil:
			return err
		case old.Version != in.Version:
			return fmt.Errorf("%w: stored version %d, want %d", storage.ErrConflict, old.Version, in.Version)
		default:
			if err := unindexIdle(tx, old); err != nil {
				return err
			}
		}
		if err := tx.Bucket(bucketSessions).Put(idKey(in.ChatID), data); err != nil {
			return err
		}
		return indexIdle(tx, out)
	})
	if err != nil {
		return domain.Session{}, err
	}
	return out, nil
}

// DeleteSession removes the chat's session; a missing one is not an error.
func (s *Store) DeleteSession(ctx context.Context, chatID int64) error {
	return s.update(ctx, fmt.Sprintf("delete session %d", chatID), func(tx *bolt.Tx) error {
		old, err := getSession(tx, chatID)
		if errors.Is(err, storage.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := unindexIdle(tx, old); err != nil {
			return err
		}
		return tx.Bucket(bucketSessions).Delete(idKey(chatID))
	})
}

// IdleSessions returns up to limit sessions in a flow, not abandoned, and
// last updated before the given time, oldest first.
func (s *Store) IdleSessions(ctx context.Context, before time.Time, limit int) ([]domain.Session, error) {
	var out []domain.Session
	if limit <= 0 {
		return out, nil
	}
	end := putTime(nil, before)
	err := s.view(ctx, "idle sessions", func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketIdle).Cursor()
		for k, _ := c.First(); k != nil && len(out) < limit; k, _ = c.Next() {
			if len(k) != 16 {
				return fmt.Errorf("corrupt idle key %x", k)
			}
			if bytes.Compare(k[:8], end) >= 0 {
				break
			}
			sess, err := getSession(tx, getInt(k[8:]))
			if err != nil {
				return fmt.Errorf("indexed session: %w", err)
			}
			out = append(out, sess)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func getSession(tx *bolt.Tx, chatID int64) (domain.Session, error) {
	var sess domain.Session
	raw := tx.Bucket(bucketSessions).Get(idKey(chatID))
	if raw == nil {
		return sess, storage.ErrNotFound
	}
	if err := json.Unmarshal(raw, &sess); err != nil {
		return sess, fmt.Errorf("decode session %d: %w", chatID, err)
	}
	return sess, nil
}

// idle reports whether a session belongs in the idle index.
func idle(s domain.Session) bool {
	return s.InFlow() && !s.Abandoned
}

func indexIdle(tx *bolt.Tx, s domain.Session) error {
	if !idle(s) {
		return nil
	}
	return tx.Bucket(bucketIdle).Put(idleKey(s.UpdatedAt, s.ChatID), []byte{})
}

func unindexIdle(tx *bolt.Tx, s domain.Session) error {
	if !idle(s) {
		return nil
	}
	return tx.Bucket(bucketIdle).Delete(idleKey(s.UpdatedAt, s.ChatID))
}

// ChatState reads the user and the chat's session in one read
// transaction.
func (s *Store) ChatState(ctx context.Context, userID, chatID int64) (storage.ChatState, error) {
	var out storage.ChatState
	err := s.view(ctx, fmt.Sprintf("get user %d and session %d", userID, chatID), func(tx *bolt.Tx) error {
		out = storage.ChatState{}
		u, err := getUser(tx, userID)
		switch {
		case err == nil:
			out.User, out.HasUser = u, true
		case !errors.Is(err, storage.ErrNotFound):
			return err
		}
		sess, err := getSession(tx, chatID)
		switch {
		case err == nil:
			out.Session, out.HasSession = sess, true
		case !errors.Is(err, storage.ErrNotFound):
			return err
		}
		return nil
	})
	return out, err
}
