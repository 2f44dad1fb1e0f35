package embedded

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hotroso/hotroso/domain"
)

// outboxDueKey is the bucketOutboxDue key of a relay.
func outboxDueKey(o domain.Outgoing) []byte {
	return putInt(putTime(make([]byte, 0, 16), o.NextAt), o.ID)
}

// putOutgoing writes o and its due entry, replacing the entry of old (a
// zero old has none).
func putOutgoing(tx *bolt.Tx, old, o domain.Outgoing) error {
	if old.ID != 0 {
		if err := tx.Bucket(bucketOutboxDue).Delete(outboxDueKey(old)); err != nil {
			return err
		}
	}
	data, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	if err := tx.Bucket(bucketOutbox).Put(idKey(o.ID), data); err != nil {
		return err
	}
	return tx.Bucket(bucketOutboxDue).Put(outboxDueKey(o), []byte{})
}

// getOutgoing reads a relay; ok is false when there is none.
func getOutgoing(tx *bolt.Tx, id int64) (o domain.Outgoing, ok bool, err error) {
	raw := tx.Bucket(bucketOutbox).Get(idKey(id))
	if raw == nil {
		return o, false, nil
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		return o, false, fmt.Errorf("decode relay %d: %w", id, err)
	}
	return o, true, nil
}

// QueueOutgoing stores a relay with the next id.
func (s *Store) QueueOutgoing(ctx context.Context, in domain.Outgoing) (domain.Outgoing, error) {
	var out domain.Outgoing
	err := s.update(ctx, "queue a relay", func(tx *bolt.Tx) error {
		id, err := newID(tx.Bucket(bucketOutbox), "relay")
		if err != nil {
			return err
		}
		out = in
		out.ID = id
		return putOutgoing(tx, domain.Outgoing{}, out)
	})
	if err != nil {
		return domain.Outgoing{}, err
	}
	return out, nil
}

// TakeDueOutgoing hands out the due relays, earliest first, each due
// again at now+lease.
func (s *Store) TakeDueOutgoing(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]domain.Outgoing, error) {
	var out []domain.Outgoing
	end := putTime(nil, now.Add(time.Nanosecond))
	err := s.update(ctx, "take due relays", func(tx *bolt.Tx) error {
		out = nil
		var due [][]byte
		c := tx.Bucket(bucketOutboxDue).Cursor()
		for k, _ := c.First(); k != nil && len(due) < limit && bytes.Compare(k[:8], end) < 0; k, _ = c.Next() {
			due = append(due, append([]byte(nil), k...))
		}
		for _, k := range due {
			old, ok, err := getOutgoing(tx, getInt(k[8:]))
			if err != nil {
				return err
			}
			if !ok {
				if err := tx.Bucket(bucketOutboxDue).Delete(k); err != nil {
					return err
				}
				continue
			}
			o := old
			o.NextAt = now.Add(lease).UTC()
			if err := putOutgoing(tx, old, o); err != nil {
				return err
			}
			out = append(out, old)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RescheduleOutgoing stores a relay's Attempts and NextAt.
func (s *Store) RescheduleOutgoing(ctx context.Context, o domain.Outgoing) error {
	return s.update(ctx, fmt.Sprintf("reschedule relay %d", o.ID), func(tx *bolt.Tx) error {
		stored, ok, err := getOutgoing(tx, o.ID)
		if err != nil || !ok {
			return err
		}
		next := stored
		next.Attempts, next.NextAt = o.Attempts, o.NextAt.UTC()
		return putOutgoing(tx, stored, next)
	})
}

// DeleteOutgoing removes a relay.
func (s *Store) DeleteOutgoing(ctx context.Context, id int64) error {
	return s.update(ctx, fmt.Sprintf("delete relay %d", id), func(tx *bolt.Tx) error {
		return deleteOutgoing(tx, id)
	})
}

func deleteOutgoing(tx *bolt.Tx, id int64) error {
	o, ok, err := getOutgoing(tx, id)
	if err != nil || !ok {
		return err
	}
	if err := tx.Bucket(bucketOutboxDue).Delete(outboxDueKey(o)); err != nil {
		return err
	}
	return tx.Bucket(bucketOutbox).Delete(idKey(id))
}

// eraseOutgoingOf deletes the relays to or from a chat; it reports
// whether there were any.
func eraseOutgoingOf(tx *bolt.Tx, chatID int64) (bool, error) {
	var ids []int64
	err := tx.Bucket(bucketOutbox).ForEach(func(k, v []byte) error {
		var o domain.Outgoing
		if err := json.Unmarshal(v, &o); err != nil {
			return fmt.Errorf("decode relay %x: %w", k, err)
		}
		if o.Involves(chatID) {
			ids = append(ids, o.ID)
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	for _, id := range ids {
		if err := deleteOutgoing(tx, id); err != nil {
			return false, err
		}
	}
	return len(ids) > 0, nil
}
