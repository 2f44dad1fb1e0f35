package embedded

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
)

// CreateBroadcast stores a new draft with the next id of the broadcasts
// bucket's sequence (1, 2, ...).
func (s *Store) CreateBroadcast(ctx context.Context, in domain.Broadcast) (domain.Broadcast, error) {
	var out domain.Broadcast
	err := s.update(ctx, fmt.Sprintf("create a broadcast by %d", in.CreatedBy), func(tx *bolt.Tx) error {
		id, err := newID(tx.Bucket(bucketBroadcasts), "broadcast")
		if err != nil {
			return err
		}
		out = in // afresh: a batched transaction may run fn again
		out.ID, out.Version = id, 1
		return putBroadcast(tx, out)
	})
	if err != nil {
		return domain.Broadcast{}, err
	}
	return out, nil
}

// UpdateBroadcast stores a broadcast that did not move.
func (s *Store) UpdateBroadcast(ctx context.Context, b domain.Broadcast) (domain.Broadcast, error) {
	return s.moveBroadcast(ctx, "update", b)
}

// PrepareBroadcast stores a prepared draft, not yet active.
func (s *Store) PrepareBroadcast(ctx context.Context, b domain.Broadcast) (domain.Broadcast, error) {
	return s.moveBroadcast(ctx, "prepare", b)
}

// ConfirmBroadcast stores a confirmed broadcast, now active.
func (s *Store) ConfirmBroadcast(ctx context.Context, b domain.Broadcast) (domain.Broadcast, error) {
	return s.moveBroadcast(ctx, "confirm", b)
}

// StartBroadcast stores a started broadcast.
func (s *Store) StartBroadcast(ctx context.Context, b domain.Broadcast) (domain.Broadcast, error) {
	return s.moveBroadcast(ctx, "start", b)
}

// PauseBroadcast stores a paused broadcast.
func (s *Store) PauseBroadcast(ctx context.Context, b domain.Broadcast) (domain.Broadcast, error) {
	return s.moveBroadcast(ctx, "pause", b)
}

// ResumeBroadcast stores a resumed broadcast.
func (s *Store) ResumeBroadcast(ctx context.Context, b domain.Broadcast) (domain.Broadcast, error) {
	return s.moveBroadcast(ctx, "resume", b)
}

// CancelBroadcast stores a canceled broadcast, no longer active.
func (s *Store) CancelBroadcast(ctx context.Context, b domain.Broadcast) (domain.Broadcast, error) {
	return s.moveBroadcast(ctx, "cancel", b)
}

// FinishBroadcast stores a finished broadcast, no longer active.
func (s *Store) FinishBroadcast(ctx context.Context, b domain.Broadcast) (domain.Broadcast, error) {
	return s.moveBroadcast(ctx, "finish", b)
}

// moveBroadcast is every move's transaction: compare the stored version
// with in.Version, store in with Version incremented, and keep the active
// index by its state. Otherwise it stores nothing and returns an error
// wrapping storage.ErrConflict.
func (s *Store) moveBroadcast(ctx context.Context, move string, in domain.Broadcast) (domain.Broadcast, error) {
	var out domain.Broadcast
	err := s.update(ctx, fmt.Sprintf("%s broadcast %d", move, in.ID), func(tx *bolt.Tx) error {
		old, err := getBroadcast(tx, in.ID)
		if err := checkVersion(old.Version, err, in.Version); err != nil {
			return err
		}
		if old.Active() {
			if err := tx.Bucket(bucketBroadcastActive).Delete(activeBroadcastKey(old)); err != nil {
				return err
			}
		}
		out = in
		out.Version = in.Version + 1
		return putBroadcast(tx, out)
	})
	if err != nil {
		return domain.Broadcast{}, err
	}
	return out, nil
}

// putBroadcast writes b and indexes it when it is active.
func putBroadcast(tx *bolt.Tx, b domain.Broadcast) error {
	data, err := json.Marshal(b)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	if err := tx.Bucket(bucketBroadcasts).Put(idKey(b.ID), data); err != nil {
		return err
	}
	if b.Active() {
		return tx.Bucket(bucketBroadcastActive).Put(activeBroadcastKey(b), []byte{})
	}
	return nil
}

// GetBroadcast returns the broadcast, or an error wrapping
// storage.ErrNotFound.
func (s *Store) GetBroadcast(ctx context.Context, id int64) (domain.Broadcast, error) {
	var b domain.Broadcast
	err := s.view(ctx, fmt.Sprintf("get broadcast %d", id), func(tx *bolt.Tx) error {
		var err error
		b, err = getBroadcast(tx, id)
		return err
	})
	return b, err
}

// ActiveBroadcasts returns the scheduled, running and paused broadcasts,
// oldest first: by CreatedAt, then by id.
func (s *Store) ActiveBroadcasts(ctx context.Context) ([]domain.Broadcast, error) {
	var out []domain.Broadcast
	err := s.view(ctx, "active broadcasts", func(tx *bolt.Tx) error {
		out = nil
		c := tx.Bucket(bucketBroadcastActive).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if len(k) != 16 {
				return fmt.Errorf("corrupt active broadcast key %x", k)
			}
			id := getInt(k[8:])
			b, err := getBroadcast(tx, id)
			if err != nil {
				return fmt.Errorf("indexed broadcast %d: %w", id, err)
			}
			out = append(out, b)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Keys clamp times outside the UnixNano range; order exactly.
	slices.SortStableFunc(out, func(a, b domain.Broadcast) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

func getBroadcast(tx *bolt.Tx, id int64) (domain.Broadcast, error) {
	var b domain.Broadcast
	raw := tx.Bucket(bucketBroadcasts).Get(idKey(id))
	if raw == nil {
		return b, storage.ErrNotFound
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		return b, fmt.Errorf("decode broadcast %d: %w", id, err)
	}
	return b, nil
}

// recipientState is a broadcast's counters, stored in bucketRecipientState
// as consecutive 8-byte numbers (putInt) in field order. A broadcast
// without recipients has none stored: all zero.
type recipientState struct {
	Total, Sent, Blocked, Failed int64
	InFlight                     int64 // entries in bucketInFlight
	Seq                          int64 // the last take sequence number
	Tail                         int64 // the next pending position to append at
	Released                     int64 // 1 once ReleaseRecipients ran; stored last, absent before it existed
}

// fields lists the state's numbers in their stored order.
func (st *recipientState) fields() []*int64 {
	return []*int64{&st.Total, &st.Sent, &st.Blocked, &st.Failed, &st.InFlight, &st.Seq, &st.Tail, &st.Released}
}

func loadRecipientState(tx *bolt.Tx, id int64) (recipientState, error) {
	var st recipientState
	raw := tx.Bucket(bucketRecipientState).Get(idKey(id))
	if raw == nil {
		return st, nil
	}
	fields := st.fields()
	// A state saved before Released existed lacks the last number.
	if len(raw) != 8*len(fields) && len(raw) != 8*(len(fields)-1) {
		return st, fmt.Errorf("corrupt state of broadcast %d: %d bytes", id, len(raw))
	}
	for i := range len(raw) / 8 {
		*fields[i] = getInt(raw[8*i:])
	}
	return st, nil
}

func (st *recipientState) save(tx *bolt.Tx, id int64) error {
	fields := st.fields()
	b := make([]byte, 0, 8*len(fields))
	for _, f := range fields {
		b = putInt(b, *f)
	}
	return tx.Bucket(bucketRecipientState).Put(idKey(id), b)
}

// counter is the state's counter of a delivery result.
func (st *recipientState) counter(d domain.Delivery) (*int64, error) {
	switch d {
	case domain.DeliverySent:
		return &st.Sent, nil
	case domain.DeliveryBlocked:
		return &st.Blocked, nil
	case domain.DeliveryFailed:
		return &st.Failed, nil
	}
	return nil, fmt.Errorf("unknown delivery result %q", d)
}

// AddRecipients appends the user ids to the broadcast's pending
// recipients, in order, and counts them in its total, in one transaction.
// The broadcast is not checked to exist, as in the Redis backend. Ids
// should be distinct: a repeated one is counted in the total twice but
// handed out once at a time (see TakeRecipients).
func (s *Store) AddRecipients(ctx context.Context, id int64, userIDs []int64) error {
	if len(userIDs) == 0 {
		return nil
	}
	return s.update(ctx, fmt.Sprintf("add %d recipients to broadcast %d", len(userIDs), id), func(tx *bolt.Tx) error {
		st, err := loadRecipientState(tx, id)
		if err != nil {
			return err
		}
		pending := tx.Bucket(bucketPending)
		for _, u := range userIDs {
			if err := pending.Put(recipientKey(id, st.Tail), idKey(u)); err != nil {
				return err
			}
			st.Tail++
		}
		st.Total += int64(len(userIDs))
		return st.save(tx, id)
	})
}

// TakeRecipients moves up to n recipients from the front of the pending
// list to in-flight, marked with now (to the millisecond, as in the Redis
// backend), and returns them in order; none when the list is empty or
// n < 1. Taking is one write transaction, and bbolt runs those one at a
// time: of concurrent callers each recipient goes to one only. Recipients
// that already have a result (recorded late, after a reclaim put them
// back) or are in flight (added twice) are dropped from the list instead
// of handed out again.
func (s *Store) TakeRecipients(ctx context.Context, id int64, n int, now time.Time) ([]int64, error) {
	if n < 1 {
		return nil, nil
	}
	var out []int64
	err := s.update(ctx, fmt.Sprintf("take recipients of broadcast %d", id), func(tx *bolt.Tx) error {
		out = nil // afresh: fn may run again
		st, err := loadRecipientState(tx, id)
		if err != nil || st.Released != 0 {
			return err
		}
		popped := false
		for len(out) < n {
			users, err := popPending(tx, id, n-len(out))
			if err != nil || len(users) == 0 {
				if err != nil {
					return err
				}
				break
			}
			popped = true
			if out, err = takeEach(tx, id, &st, now, users, out); err != nil {
				return err
			}
		}
		if !popped {
			return nil
		}
		return st.save(tx, id)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// popPending takes up to n recipients off the front of the broadcast's
// pending list.
func popPending(tx *bolt.Tx, id int64, n int) ([]int64, error) {
	pending := tx.Bucket(bucketPending)
	prefix := idKey(id)
	// Collect first: deleting under a cursor may skip keys.
	var keys [][]byte
	var users []int64
	c := pending.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(keys) < n; k, v = c.Next() {
		if len(v) != 8 {
			return nil, fmt.Errorf("corrupt pending recipient %x", k)
		}
		keys = append(keys, bytes.Clone(k))
		users = append(users, getInt(v))
	}
	for _, k := range keys {
		if err := pending.Delete(k); err != nil {
			return nil, err
		}
	}
	return users, nil
}

// takeEach puts users in flight, marked with now, and appends them to
// out; a user who has a result or is in flight already is dropped.
func takeEach(tx *bolt.Tx, id int64, st *recipientState, now time.Time, users, out []int64) ([]int64, error) {
	results, taken, inflight := tx.Bucket(bucketResults), tx.Bucket(bucketTaken), tx.Bucket(bucketInFlight)
	for _, u := range users {
		rk := recipientKey(id, u)
		if results.Get(rk) != nil || taken.Get(rk) != nil {
			continue
		}
		st.Seq++
		suffix := inFlightSuffix(now, st.Seq)
		if err := inflight.Put(append(idKey(id), suffix...), idKey(u)); err != nil {
			return out, err
		}
		if err := taken.Put(rk, suffix); err != nil {
			return out, err
		}
		st.InFlight++
		out = append(out, u)
	}
	return out, nil
}

// RecordDelivery stores the recipient's result unless it has one, takes
// it out of flight and counts it, in one transaction. It reports false,
// changing nothing, when the recipient already had a result. A result
// other than the three domain.Delivery values is an error.
func (s *Store) RecordDelivery(ctx context.Context, id, userID int64, result domain.Delivery) (bool, error) {
	op := fmt.Sprintf("record delivery to %d of broadcast %d", userID, id)
	var probe recipientState
	if _, err := probe.counter(result); err != nil {
		return false, fmt.Errorf("embedded: %s: %w", op, err)
	}
	var recorded bool
	err := s.update(ctx, op, func(tx *bolt.Tx) error {
		recorded = false // afresh: fn may run again
		results := tx.Bucket(bucketResults)
		rk := recipientKey(id, userID)
		if results.Get(rk) != nil {
			return nil
		}
		st, err := loadRecipientState(tx, id)
		if err != nil || st.Released != 0 {
			return err
		}
		if err := results.Put(rk, []byte(result)); err != nil {
			return err
		}
		taken := tx.Bucket(bucketTaken)
		if suffix := taken.Get(rk); suffix != nil {
			if err := tx.Bucket(bucketInFlight).Delete(append(idKey(id), suffix...)); err != nil {
				return err
			}
			if err := taken.Delete(rk); err != nil {
				return err
			}
			st.InFlight--
		}
		counter, err := st.counter(result)
		if err != nil {
			return err
		}
		*counter++
		recorded = true
		return st.save(tx, id)
	})
	if err != nil {
		return false, err
	}
	return recorded, nil
}

// ReclaimInFlight puts the recipients taken before the given time, and
// still without a result, back at the front of the pending list, in the
// order they were taken, in one transaction; it reports how many. Taking
// times are kept to the millisecond, as in the Redis backend: a recipient
// taken in before's own millisecond is not reclaimed yet.
func (s *Store) ReclaimInFlight(ctx context.Context, id int64, before time.Time) (int, error) {
	var n int
	err := s.update(ctx, fmt.Sprintf("reclaim in-flight recipients of broadcast %d", id), func(tx *bolt.Tx) error {
		n = 0 // afresh: fn may run again
		found, err := inFlightBefore(tx, id, before)
		if err != nil || len(found) == 0 {
			return err
		}
		st, err := loadRecipientState(tx, id)
		if err != nil || st.Released != 0 {
			return err
		}
		back, err := dropInFlight(tx, id, &st, found)
		if err != nil {
			return err
		}
		if err := pushFront(tx, id, &st, back); err != nil {
			return err
		}
		n = len(back)
		return st.save(tx, id)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// ReturnRecipients gives back the recipients of userIDs that the take at
// takenAt (to the millisecond, as in the Redis backend) handed out and
// that are still in flight from it without a result: to the front of the
// pending list, in the order they were taken, in one transaction. It
// reports how many went back.
func (s *Store) ReturnRecipients(ctx context.Context, id int64, takenAt time.Time, userIDs []int64) (int, error) {
	if len(userIDs) == 0 {
		return 0, nil
	}
	var n int
	err := s.update(ctx, fmt.Sprintf("return %d recipients of broadcast %d", len(userIDs), id), func(tx *bolt.Tx) error {
		n = 0 // afresh: fn may run again
		st, err := loadRecipientState(tx, id)
		if err != nil || st.Released != 0 {
			return err
		}
		found := inFlightFromTake(tx, id, takenAt, userIDs)
		if len(found) == 0 {
			return nil
		}
		back, err := dropInFlight(tx, id, &st, found)
		if err != nil {
			return err
		}
		if err := pushFront(tx, id, &st, back); err != nil {
			return err
		}
		n = len(back)
		return st.save(tx, id)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// inFlightFromTake lists those of users in flight from the take at
// takenAt, in the order they were taken; each once.
func inFlightFromTake(tx *bolt.Tx, id int64, takenAt time.Time, users []int64) []inFlightEntry {
	taken := tx.Bucket(bucketTaken)
	ms := takenAt.UnixMilli()
	var found []inFlightEntry
	seen := map[int64]bool{}
	for _, u := range users {
		suffix := taken.Get(recipientKey(id, u))
		if len(suffix) != 16 || seen[u] || getInt(suffix) != ms {
			continue
		}
		seen[u] = true
		found = append(found, inFlightEntry{key: append(idKey(id), suffix...), user: u, seq: getInt(suffix[8:])})
	}
	slices.SortStableFunc(found, func(a, b inFlightEntry) int { return cmp.Compare(a.seq, b.seq) })
	return found
}

// inFlightEntry is a recipient in flight: its key, who, and the order it
// was taken in.
type inFlightEntry struct {
	key  []byte
	user int64
	seq  int64
}

// inFlightBefore lists the broadcast's recipients taken before the given
// time, in the order they were taken.
func inFlightBefore(tx *bolt.Tx, id int64, before time.Time) ([]inFlightEntry, error) {
	var found []inFlightEntry
	prefix := idKey(id)
	end := putInt(idKey(id), before.UnixMilli()) // the first key not taken before
	c := tx.Bucket(bucketInFlight).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.Compare(k, end) < 0; k, v = c.Next() {
		if len(k) != 24 || len(v) != 8 {
			return nil, fmt.Errorf("corrupt in-flight recipient %x", k)
		}
		found = append(found, inFlightEntry{key: bytes.Clone(k), user: getInt(v), seq: getInt(k[16:])})
	}
	slices.SortStableFunc(found, func(a, b inFlightEntry) int { return cmp.Compare(a.seq, b.seq) })
	return found, nil
}

// dropInFlight takes the entries out of flight and returns the recipients
// among them still without a result.
func dropInFlight(tx *bolt.Tx, id int64, st *recipientState, found []inFlightEntry) ([]int64, error) {
	results, taken, inflight := tx.Bucket(bucketResults), tx.Bucket(bucketTaken), tx.Bucket(bucketInFlight)
	back := make([]int64, 0, len(found))
	for _, f := range found {
		if err := inflight.Delete(f.key); err != nil {
			return nil, err
		}
		rk := recipientKey(id, f.user)
		if err := taken.Delete(rk); err != nil {
			return nil, err
		}
		st.InFlight--
		if results.Get(rk) == nil {
			back = append(back, f.user)
		}
	}
	return back, nil
}

// pushFront puts users at the front of the pending list: the positions
// just below the first pending one, or, with none pending, at the tail.
func pushFront(tx *bolt.Tx, id int64, st *recipientState, users []int64) error {
	pending := tx.Bucket(bucketPending)
	prefix := idKey(id)
	pos := st.Tail
	if k, _ := pending.Cursor().Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) {
		pos = getInt(k[8:]) - int64(len(users))
	} else {
		st.Tail += int64(len(users))
	}
	for i, u := range users {
		if err := pending.Put(recipientKey(id, pos+int64(i)), idKey(u)); err != nil {
			return err
		}
	}
	return nil
}

// BroadcastCounts returns the broadcast's counts. A broadcast without
// recipients, or an unknown one, has all counts zero.
func (s *Store) BroadcastCounts(ctx context.Context, id int64) (domain.BroadcastCounts, error) {
	var st recipientState
	err := s.view(ctx, fmt.Sprintf("counts of broadcast %d", id), func(tx *bolt.Tx) error {
		var err error
		st, err = loadRecipientState(tx, id)
		return err
	})
	if err != nil {
		return domain.BroadcastCounts{}, err
	}
	return domain.BroadcastCounts{
		Total:    int(st.Total),
		Sent:     int(st.Sent),
		Blocked:  int(st.Blocked),
		Failed:   int(st.Failed),
		InFlight: int(st.InFlight),
	}, nil
}

// releaseBatch is how many recipient entries one transaction of
// ReleaseRecipients deletes, so that a province-wide broadcast is not one
// huge transaction.
const releaseBatch = 10_000

// ReleaseRecipients marks the broadcast's recipients released (nothing is
// taken or recorded for it any more, and none is in flight), then deletes
// its pending, in-flight, taken and result entries, releaseBatch at a time.
// Its counts stay. Calling it again finishes a deletion that was cut short.
func (s *Store) ReleaseRecipients(ctx context.Context, id int64) error {
	op := fmt.Sprintf("release recipients of broadcast %d", id)
	err := s.update(ctx, op, func(tx *bolt.Tx) error {
		st, err := loadRecipientState(tx, id)
		if err != nil {
			return err
		}
		st.Released, st.InFlight = 1, 0
		return st.save(tx, id)
	})
	if err != nil {
		return err
	}
	prefix := idKey(id)
	for {
		deleted := 0
		err := s.update(ctx, op, func(tx *bolt.Tx) error {
			deleted = 0 // afresh: fn may run again
			for _, name := range [][]byte{bucketPending, bucketInFlight, bucketTaken, bucketResults} {
				bucket := tx.Bucket(name)
				var keys [][]byte
				c := bucket.Cursor()
				for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && deleted+len(keys) < releaseBatch; k, _ = c.Next() {
					keys = append(keys, bytes.Clone(k))
				}
				for _, k := range keys {
					if err := bucket.Delete(k); err != nil {
						return err
					}
				}
				deleted += len(keys)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if deleted < releaseBatch {
			return nil
		}
	}
}
