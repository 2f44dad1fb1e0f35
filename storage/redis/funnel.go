package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/hotroso/hotroso/domain"
	goredis "github.com/redis/go-redis/v9"
)

// RecordFunnel appends the events, in order, in one script. A zero At is
// set to the store's clock. Beyond the funnel cap (WithFunnelCap) the oldest
// events are dropped.
func (s *Store) RecordFunnel(ctx context.Context, events ...domain.FunnelEvent) error {
	if len(events) == 0 {
		return nil
	}
	op := fmt.Sprintf("record funnel %s", events[0].Kind)
	args := make([]any, 0, 1+2*len(events))
	args = append(args, s.funnelCap)
	for _, e := range events {
		if e.At.IsZero() {
			e.At = s.now()
		}
		data, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("redis: %s: encode: %w", op, err)
		}
		args = append(args, strconv.FormatInt(e.At.UnixMilli(), 10), data)
	}
	keys := []string{s.keys.funnel(), s.keys.funnelSeq()}
	if err := recordFunnelCmd.Run(ctx, s.client, keys, args...).Err(); err != nil {
		return wrapErr(op, err)
	}
	return nil
}

// FunnelEvents returns the events with from <= At < to, oldest first; events
// with the same At in the order they were recorded.
//
// The set is scored by millisecond: it reads the whole milliseconds that
// overlap [from, to) and filters on At itself.
func (s *Store) FunnelEvents(ctx context.Context, from, to time.Time) ([]domain.FunnelEvent, error) {
	const op = "funnel events"
	if !from.Before(to) {
		return nil, nil
	}
	members, err := s.client.ZRangeByScore(ctx, s.keys.funnel(), &goredis.ZRangeBy{
		Min: strconv.FormatInt(from.UnixMilli(), 10),
		Max: strconv.FormatInt(to.UnixMilli(), 10),
	}).Result()
	if err != nil {
		return nil, wrapErr(op, err)
	}
	out := make([]domain.FunnelEvent, 0, len(members))
	for _, m := range members {
		if len(m) < funnelSeqWidth {
			return nil, fmt.Errorf("redis: %s: malformed member %q", op, m)
		}
		var e domain.FunnelEvent
		if err := json.Unmarshal([]byte(m[funnelSeqWidth:]), &e); err != nil {
			return nil, fmt.Errorf("redis: %s: decode: %w", op, err)
		}
		if e.At.Before(from) || !e.At.Before(to) {
			continue
		}
		out = append(out, e)
	}
	// Redis orders by millisecond, then by member (the sequence); a stable
	// sort on At orders within a millisecond and keeps recording order
	// among equal times.
	slices.SortStableFunc(out, func(a, b domain.FunnelEvent) int { return a.At.Compare(b.At) })
	return out, nil
}
