package redis

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/hotroso/hotroso/domain"
)

// Fields of a broadcast's counts hash (p:{b<id>}:counts). The result
// counters are named after the domain.Delivery values, so that
// recordDeliveryCmd counts a result under its own name.
const (
	countTotal   = "total"
	countSent    = string(domain.DeliverySent)
	countBlocked = string(domain.DeliveryBlocked)
	countFailed  = string(domain.DeliveryFailed)
)

// GetBroadcast returns the broadcast, or an error wrapping
// storage.ErrNotFound.
func (s *Store) GetBroadcast(ctx context.Context, id int64) (domain.Broadcast, error) {
	op := fmt.Sprintf("get broadcast %d", id)
	data, err := s.client.HGet(ctx, s.keys.broadcast(id), fieldData).Bytes()
	if err != nil {
		return domain.Broadcast{}, wrapErr(op, err)
	}
	var b domain.Broadcast
	if err := json.Unmarshal(data, &b); err != nil {
		return domain.Broadcast{}, fmt.Errorf("redis: %s: decode: %w", op, err)
	}
	return b, nil
}

// ActiveBroadcasts returns the scheduled, running and paused broadcasts,
// oldest first: by CreatedAt, then by id. It reads the index, then the
// broadcasts (a pipeline), and skips any that stopped being active in
// between.
func (s *Store) ActiveBroadcasts(ctx context.Context) ([]domain.Broadcast, error) {
	const op = "active broadcasts"
	members, err := s.client.ZRange(ctx, s.keys.activeBroadcasts(), 0, -1).Result()
	if err != nil {
		return nil, wrapErr(op, err)
	}
	all, err := loadIndexed[domain.Broadcast](ctx, s, op, "broadcast", members, s.keys.broadcast)
	if err != nil {
		return nil, err
	}
	out := make([]domain.Broadcast, 0, len(all))
	for _, b := range all {
		if b.Active() {
			out = append(out, b)
		}
	}
	// The index orders by millisecond; order exactly.
	slices.SortStableFunc(out, func(a, b domain.Broadcast) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// AddRecipients appends the user ids to the broadcast's pending list, in
// order, and counts them in its total. Each batch of recipientBatch ids is
// one script (addRecipientsCmd); a failure part way leaves the batches
// before it added. The broadcast is not checked to exist (its record is in
// another slot). Ids should be distinct: a repeated one is counted in the
// total twice but handed out once at a time (see TakeRecipients).
func (s *Store) AddRecipients(ctx context.Context, id int64, userIDs []int64) error {
	op := fmt.Sprintf("add %d recipients to broadcast %d", len(userIDs), id)
	rk := s.keys.recipients(id)
	for batch := range slices.Chunk(userIDs, recipientBatch) {
		args := make([]any, len(batch))
		for i, u := range batch {
			args[i] = strconv.FormatInt(u, 10)
		}
		if err := addRecipientsCmd.Run(ctx, s.client, []string{rk.pending, rk.counts}, args...).Err(); err != nil {
			return wrapErr(op, err)
		}
	}
	return nil
}

// TakeRecipients moves up to n recipients from the front of the pending
// list to in-flight, marked with now (to the millisecond), and returns them
// in order; none when the list is empty or n < 1. It is one script
// (takeRecipientsCmd), so of concurrent callers, on any instance, each
// recipient goes to one only. Recipients that already have a result or are
// in flight are dropped from the list instead of handed out again.
func (s *Store) TakeRecipients(ctx context.Context, id int64, n int, now time.Time) ([]int64, error) {
	op := fmt.Sprintf("take recipients of broadcast %d", id)
	if n < 1 {
		return nil, nil
	}
	rk := s.keys.recipients(id)
	members, err := takeRecipientsCmd.Run(ctx, s.client,
		[]string{rk.pending, rk.inflight, rk.taken, rk.results, rk.counts},
		n, msScore(now)).StringSlice()
	if err != nil {
		return nil, wrapErr(op, err)
	}
	return parseIDs(op, members)
}

// RecordDelivery stores the recipient's result unless it has one, takes
// it out of flight and counts it, in one script (recordDeliveryCmd). It
// reports false, changing nothing, when the recipient already had a
// result. A result other than the three domain.Delivery values is an
// error.
func (s *Store) RecordDelivery(ctx context.Context, id, userID int64, result domain.Delivery) (bool, error) {
	op := fmt.Sprintf("record delivery to %d of broadcast %d", userID, id)
	if err := checkDelivery(result); err != nil {
		return false, fmt.Errorf("redis: %s: %w", op, err)
	}
	rk := s.keys.recipients(id)
	n, err := recordDeliveryCmd.Run(ctx, s.client,
		[]string{rk.results, rk.inflight, rk.taken, rk.counts},
		strconv.FormatInt(userID, 10), string(result)).Int()
	if err != nil {
		return false, wrapErr(op, err)
	}
	return n == 1, nil
}

// ReclaimInFlight puts the recipients taken before the given time, and
// still without a result, back at the front of the pending list, in the
// order they were taken, in one script (reclaimInFlightCmd); it reports how
// many. Taking times are kept to the millisecond: a recipient taken in
// before's own millisecond is not reclaimed yet.
func (s *Store) ReclaimInFlight(ctx context.Context, id int64, before time.Time) (int, error) {
	op := fmt.Sprintf("reclaim in-flight recipients of broadcast %d", id)
	rk := s.keys.recipients(id)
	n, err := reclaimInFlightCmd.Run(ctx, s.client,
		[]string{rk.pending, rk.inflight, rk.taken, rk.results},
		"("+msScore(before)).Int()
	if err != nil {
		return 0, wrapErr(op, err)
	}
	return n, nil
}

// ReturnRecipients gives back the recipients of userIDs that the take at
// takenAt (to the millisecond) handed out and that are still in flight
// from it without a result: to the front of the pending list, in the order
// they were taken, in one script (returnRecipientsCmd). It reports how
// many went back.
func (s *Store) ReturnRecipients(ctx context.Context, id int64, takenAt time.Time, userIDs []int64) (int, error) {
	op := fmt.Sprintf("return %d recipients of broadcast %d", len(userIDs), id)
	if len(userIDs) == 0 {
		return 0, nil
	}
	args := make([]any, 0, len(userIDs)+1)
	args = append(args, msScore(takenAt))
	for _, u := range userIDs {
		args = append(args, strconv.FormatInt(u, 10))
	}
	rk := s.keys.recipients(id)
	n, err := returnRecipientsCmd.Run(ctx, s.client,
		[]string{rk.pending, rk.inflight, rk.taken, rk.results, rk.counts}, args...).Int()
	if err != nil {
		return 0, wrapErr(op, err)
	}
	return n, nil
}

// BroadcastCounts returns the broadcast's counts, read in one transaction.
// A broadcast without recipients, or an unknown one, has all counts zero.
func (s *Store) BroadcastCounts(ctx context.Context, id int64) (domain.BroadcastCounts, error) {
	op := fmt.Sprintf("counts of broadcast %d", id)
	rk := s.keys.recipients(id)
	var (
		counts   *goredis.SliceCmd
		inflight *goredis.IntCmd
	)
	_, err := s.client.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		counts = p.HMGet(ctx, rk.counts, countTotal, countSent, countBlocked, countFailed)
		inflight = p.ZCard(ctx, rk.inflight)
		return nil
	})
	if err != nil {
		return domain.BroadcastCounts{}, wrapErr(op, err)
	}
	var c [4]int
	for i, v := range counts.Val() {
		if v == nil {
			continue
		}
		str, ok := v.(string)
		if !ok {
			return domain.BroadcastCounts{}, fmt.Errorf("redis: %s: counter %d is %T", op, i, v)
		}
		if c[i], err = strconv.Atoi(str); err != nil {
			return domain.BroadcastCounts{}, fmt.Errorf("redis: %s: counter %d: %w", op, i, err)
		}
	}
	return domain.BroadcastCounts{
		Total:    c[0],
		Sent:     c[1],
		Blocked:  c[2],
		Failed:   c[3],
		InFlight: int(inflight.Val()),
	}, nil
}

// ReleaseRecipients forgets the broadcast's recipients in one script
// (releaseRecipientsCmd): Redis frees the lists in the background (UNLINK),
// so even a province-wide broadcast does not stall the server. The counts
// stay; a delivery recorded afterwards reports false.
func (s *Store) ReleaseRecipients(ctx context.Context, id int64) error {
	rk := s.keys.recipients(id)
	err := releaseRecipientsCmd.Run(ctx, s.client,
		[]string{rk.pending, rk.inflight, rk.taken, rk.results, rk.counts}).Err()
	if err != nil {
		return wrapErr(fmt.Sprintf("release recipients of broadcast %d", id), err)
	}
	return nil
}

// checkDelivery accepts the three delivery results.
func checkDelivery(d domain.Delivery) error {
	switch d {
	case domain.DeliverySent, domain.DeliveryBlocked, domain.DeliveryFailed:
		return nil
	}
	return fmt.Errorf("unknown delivery result %q", d)
}
