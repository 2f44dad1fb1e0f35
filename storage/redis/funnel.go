package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
	"github.com/hotroso/hotroso/storage/rollup"
	goredis "github.com/redis/go-redis/v9"
)

// RecordFunnel appends the events, in order, and counts them in their
// days' and the total funnel counters, in one script. A zero At is set to
// the store's clock. Events older than the funnel retention are counted,
// not kept, and kept ones that have grown older are dropped; beyond the
// funnel cap (WithFunnelCap) the oldest events are dropped too. Neither
// changes the counters.
func (s *Store) RecordFunnel(ctx context.Context, events ...domain.FunnelEvent) error {
	if len(events) == 0 {
		return nil
	}
	op := fmt.Sprintf("record funnel %s", events[0].Kind)
	now := s.now()
	cutoff := "-inf"
	if s.retention > 0 {
		cutoff = "(" + strconv.FormatInt(now.Add(-s.retention).UnixMilli(), 10)
	}
	keys := []string{s.keys.funnel(), s.keys.funnelSeq(), s.keys.funnelTotal(), s.keys.funnelDays()}
	dayIndex := map[string]int{}
	var days []any
	counts := map[[2]string]int64{} // day, field -> n
	var kept []any
	for _, e := range events {
		if e.At.IsZero() {
			e.At = now
		}
		day := rollup.Day(e.At, s.loc)
		if _, ok := dayIndex[day]; !ok {
			dayIndex[day] = len(keys) + 1 // a Lua index into KEYS
			keys = append(keys, s.keys.funnelDay(day))
			days = append(days, day)
		}
		counts[[2]string{day, rollup.FunnelField(e.Key())}]++
		if s.retention > 0 && e.At.Before(now.Add(-s.retention)) {
			continue
		}
		data, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("redis: %s: encode: %w", op, err)
		}
		kept = append(kept, strconv.FormatInt(e.At.UnixMilli(), 10), data)
	}
	args := append(make([]any, 0, 3+len(kept)+3*len(counts)), s.funnelCap, cutoff, len(kept)/2)
	args = append(args, kept...)
	for k, n := range counts {
		args = append(args, dayIndex[k[0]], k[1], n)
	}
	args = append(args, days...)
	if err := recordFunnelCmd.Run(ctx, s.client, keys, args...).Err(); err != nil {
		return wrapErr(op, err)
	}
	return nil
}

// FunnelTotals reads the funnel counters of all time (one HGETALL).
func (s *Store) FunnelTotals(ctx context.Context) (domain.FunnelTally, error) {
	fields, err := s.client.HGetAll(ctx, s.keys.funnelTotal()).Result()
	if err != nil {
		return nil, wrapErr("funnel totals", err)
	}
	out := domain.FunnelTally{}
	if err := addFunnelFields(out, fields); err != nil {
		return nil, fmt.Errorf("redis: funnel totals: %w", err)
	}
	return out, nil
}

// FunnelCounts reads the days' funnel counters (one HGETALL a day, in one
// pipeline) and sums them.
func (s *Store) FunnelCounts(ctx context.Context, first, last time.Time) (domain.FunnelTally, error) {
	const op = "funnel counts"
	days := rollup.Days(first, last, s.loc, storage.MaxCountDays)
	out := domain.FunnelTally{}
	if len(days) == 0 {
		return out, nil
	}
	pipe := s.client.Pipeline()
	cmds := make([]*goredis.MapStringStringCmd, len(days))
	for i, day := range days {
		cmds[i] = pipe.HGetAll(ctx, s.keys.funnelDay(day))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, wrapErr(op, err)
	}
	for _, c := range cmds {
		if err := addFunnelFields(out, c.Val()); err != nil {
			return nil, fmt.Errorf("redis: %s: %w", op, err)
		}
	}
	return out, nil
}

// addFunnelFields adds a funnel counters hash to t.
func addFunnelFields(t domain.FunnelTally, fields map[string]string) error {
	for f, v := range fields {
		k, err := rollup.ParseFunnelField(f)
		if err != nil {
			return err
		}
		n, err := parseCount(v)
		if err != nil {
			return fmt.Errorf("count %q: %w", f, err)
		}
		if t[k] += n; t[k] == 0 {
			delete(t, k)
		}
	}
	return nil
}

// parseCount reads a counter's value.
func parseCount(v string) (int64, error) {
	return strconv.ParseInt(v, 10, 64)
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
