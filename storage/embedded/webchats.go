package embedded

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
)

// WebKeys returns the cookie keys, the current first, making or rotating
// the current one first when it is missing or was made at or before
// now-rotateEvery: one transaction.
func (s *Store) WebKeys(ctx context.Context, candidate []byte, now time.Time, rotateEvery time.Duration) ([]domain.WebKey, error) {
	var keys []domain.WebKey
	err := s.update(ctx, "web keys", func(tx *bolt.Tx) error {
		keys = nil
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get(metaWebKeys); v != nil {
			if err := json.Unmarshal(v, &keys); err != nil {
				return fmt.Errorf("decode web keys: %w", err)
			}
		}
		fresh := domain.WebKey{Secret: bytes.Clone(candidate), CreatedAt: time.UnixMilli(now.UnixMilli()).UTC()}
		switch {
		case len(keys) == 0:
			keys = []domain.WebKey{fresh}
		case !keys[0].CreatedAt.After(now.Add(-rotateEvery)):
			keys = []domain.WebKey{fresh, keys[0]}
		default:
			return nil
		}
		data, err := json.Marshal(keys)
		if err != nil {
			return fmt.Errorf("encode web keys: %w", err)
		}
		return meta.Put(metaWebKeys, data)
	})
	return keys, err
}

// webKey is the key of a web chat's message seq in bucketWebLog and
// bucketWebImages.
func webKey(chatID, seq int64) []byte {
	return putInt(putInt(make([]byte, 0, 16), chatID), seq)
}

// AppendWebMessage adds m to the chat's log with the next seq: one
// transaction over the counter, the log and the images.
func (s *Store) AppendWebMessage(ctx context.Context, chatID int64, m domain.WebMessage, image []byte) (domain.WebMessage, error) {
	data, err := json.Marshal(m)
	if err != nil {
		return m, fmt.Errorf("embedded: append web message: %w", err)
	}
	err = s.update(ctx, fmt.Sprintf("append web message to %d", chatID), func(tx *bolt.Tx) error {
		counters := tx.Bucket(bucketWebSeq)
		seq := int64(1)
		if v := counters.Get(idKey(chatID)); v != nil {
			seq = getInt(v) + 1
		}
		m.Seq = seq
		if err := counters.Put(idKey(chatID), idKey(seq)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketWebLog).Put(webKey(chatID, seq), data); err != nil {
			return err
		}
		if len(image) == 0 {
			return nil
		}
		return tx.Bucket(bucketWebImages).Put(webKey(chatID, seq), image)
	})
	return m, err
}

// WebMessages returns up to limit of the chat's messages after a seq: one
// read of bucketWebLog.
func (s *Store) WebMessages(ctx context.Context, chatID int64, after int64, limit int) ([]domain.WebMessage, error) {
	out := []domain.WebMessage{}
	err := s.view(ctx, fmt.Sprintf("web messages of %d", chatID), func(tx *bolt.Tx) error {
		prefix := idKey(chatID)
		c := tx.Bucket(bucketWebLog).Cursor()
		for k, v := c.Seek(webKey(chatID, max(after, 0)+1)); k != nil && bytes.HasPrefix(k, prefix) && len(out) < limit; k, v = c.Next() {
			var m domain.WebMessage
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("decode web message %x: %w", k, err)
			}
			m.Seq = getInt(k[8:])
			out = append(out, m)
		}
		return nil
	})
	return out, err
}

// WebImage returns the image of a web chat's message.
func (s *Store) WebImage(ctx context.Context, chatID int64, seq int64) ([]byte, error) {
	var image []byte
	op := fmt.Sprintf("web image %d of %d", seq, chatID)
	err := s.view(ctx, op, func(tx *bolt.Tx) error {
		image = bytes.Clone(tx.Bucket(bucketWebImages).Get(webKey(chatID, seq)))
		return nil
	})
	if err != nil {
		return nil, err
	}
	if image == nil {
		return nil, fmt.Errorf("embedded: %s: %w", op, storage.ErrNotFound)
	}
	return image, nil
}

// eraseWebChatOf deletes a web resident's messages and images (the
// counter stays) and reports whether there were any.
func eraseWebChatOf(tx *bolt.Tx, chatID int64) (bool, error) {
	prefix := idKey(chatID)
	erased := false
	for _, name := range [][]byte{bucketWebLog, bucketWebImages} {
		c := tx.Bucket(name).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
			if err := c.Delete(); err != nil {
				return false, err
			}
			erased = true
		}
	}
	return erased, nil
}
