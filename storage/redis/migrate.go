package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage/rollup"
	goredis "github.com/redis/go-redis/v9"
)

// migrateLease is how long Migrate's lock lasts: an instance that dies
// while migrating leaves it to another after this long.
const migrateLease = 10 * time.Minute

// migratePoll is how often an instance waiting for another's migration
// looks whether it is done.
const migratePoll = 200 * time.Millisecond

// Migrate brings a store written before the counters up to date, once:
// it moves the old assist stream into the log (giving each record an id
// made from its stream entry, so a second run gives the same), the old
// ratings and notes under {a}, and sets the assist and funnel counters to what the
// log and the kept funnel events count (HSET of whole values, so a run cut
// short is simply run again). A marker key makes later calls return at
// once; a lock with a TTL makes other instances wait for the one that
// migrates. Start-up calls it before the store is used.
func (s *Store) Migrate(ctx context.Context) error {
	const op = "migrate counters"
	for {
		done, err := s.client.Exists(ctx, s.keys.migrated()).Result()
		if err != nil {
			return wrapErr(op, err)
		}
		if done == 1 {
			return nil
		}
		took, err := s.client.SetNX(ctx, s.keys.migrating(), "1", migrateLease).Result()
		if err != nil {
			return wrapErr(op, err)
		}
		if took {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("redis: %s: waiting for another instance: %w", op, ctx.Err())
		case <-time.After(migratePoll):
		}
	}
	if err := s.migrate(ctx); err != nil {
		return fmt.Errorf("redis: %s: %w", op, err)
	}
	if err := s.client.Del(ctx, s.keys.migrating()).Err(); err != nil {
		return wrapErr(op, err)
	}
	return nil
}

// migrate does Migrate's work, holding the lock.
func (s *Store) migrate(ctx context.Context) error {
	if err := s.moveOldLog(ctx); err != nil {
		return err
	}
	if err := s.moveOld(ctx, s.keys.oldRatings(), s.keys.ratings()); err != nil {
		return fmt.Errorf("move old ratings: %w", err)
	}
	if err := s.moveOld(ctx, s.keys.oldNotes(), s.keys.assistNotes()); err != nil {
		return fmt.Errorf("move old notes: %w", err)
	}
	if err := s.dropCounters(ctx); err != nil {
		return err
	}
	if err := s.countLog(ctx); err != nil {
		return err
	}
	if err := s.countFunnel(ctx); err != nil {
		return err
	}
	// One key a command: on a Cluster the old keys and the marker sit in
	// different slots. Deleting first is safe: a migration cut short after
	// it finds everything in the new log, and counts it again.
	_, err := s.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, old := range []string{s.keys.oldAssists(), s.keys.oldRatings(), s.keys.oldNotes()} {
			p.Del(ctx, old)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("drop the old log: %w", err)
	}
	return s.client.Set(ctx, s.keys.migrated(), "1", 0).Err()
}

// dropCounters deletes every counter, so that the log's counts replace
// them (counters written by this version before a migration, or by a
// migration cut short).
func (s *Store) dropCounters(ctx context.Context) error {
	keys := []string{s.keys.assistDelta(), s.keys.assistTotal(), s.keys.assistDays(), s.keys.funnelTotal(), s.keys.funnelDays()}
	for _, set := range []struct {
		key string
		day func(string) string
	}{{s.keys.assistDays(), s.keys.assistDay}, {s.keys.funnelDays(), s.keys.funnelDay}} {
		days, err := s.client.SMembers(ctx, set.key).Result()
		if err != nil {
			return fmt.Errorf("list counter days: %w", err)
		}
		for _, d := range days {
			keys = append(keys, set.day(d))
			if set.key == s.keys.assistDays() {
				keys = append(keys, s.keys.assistDaily(d))
			}
		}
	}
	// One key a command: the assist counters ({a}) and the funnel's ({f})
	// sit in different slots on a Cluster.
	_, err := s.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, key := range keys {
			p.Del(ctx, key)
		}
		return nil
	})
	return err
}

// moveOldLog adds the old stream's records to the log.
func (s *Store) moveOldLog(ctx context.Context) error {
	for start := "-"; ; {
		msgs, err := s.client.XRangeN(ctx, s.keys.oldAssists(), start, "+", assistBatch).Result()
		if err != nil {
			return fmt.Errorf("read old log: %w", err)
		}
		zs := make([]goredis.Z, 0, len(msgs))
		for _, m := range msgs {
			raw, _ := m.Values[fieldData].(string)
			var a domain.Assist
			if err := json.Unmarshal([]byte(raw), &a); err != nil {
				return fmt.Errorf("decode old entry %s: %w", m.ID, err)
			}
			if a.ID == "" {
				a.ID = rollup.MigratedAssistID(a.At, m.ID)
			}
			member, err := encodeMember(a)
			if err != nil {
				return err
			}
			zs = append(zs, goredis.Z{Score: float64(a.At.UnixMilli()), Member: member})
		}
		if len(zs) > 0 {
			if err := s.client.ZAdd(ctx, s.keys.assistLog(), zs...).Err(); err != nil {
				return fmt.Errorf("add to log: %w", err)
			}
		}
		if len(msgs) < assistBatch {
			return nil
		}
		start = "(" + msgs[len(msgs)-1].ID
	}
}

// moveOld copies the fields of an old hash (ratings or notes) to its new
// key under {a}, where the new hash has none yet.
func (s *Store) moveOld(ctx context.Context, from, to string) error {
	old, err := s.client.HGetAll(ctx, from).Result()
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	if len(old) == 0 {
		return nil
	}
	_, err = s.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for f, v := range old {
			p.HSetNX(ctx, to, f, v)
		}
		return nil
	})
	return err
}

// countLog sets the assist counters to what the log counts, ratings
// applied; each rating is marked counted on its record's day and commune.
func (s *Store) countLog(ctx context.Context) error {
	days := map[string]domain.Tally{}
	total := domain.Tally{}
	places := map[int64]string{}
	err := s.ScanAssists(ctx, time.Unix(0, 0).AddDate(-1000, 0, 0), time.Unix(0, 0).AddDate(1000, 0, 0), "", func(a domain.Assist) error {
		day := rollup.Day(a.At, s.loc)
		if days[day] == nil {
			days[day] = domain.Tally{}
		}
		for _, d := range rollup.AssistCounts(day, a) {
			days[day].AddKey(d.Key, d.N)
			total.AddKey(d.Key, d.N)
		}
		if a.TicketID != 0 && (a.Rating != 0 || a.Worked != "") {
			if _, ok := places[a.TicketID]; !ok {
				places[a.TicketID] = rollup.RatingPlace(day, a.Commune)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = s.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for day, t := range days {
			daily := domain.Tally{}
			for k, n := range t {
				if k.Part == domain.CountDaily {
					daily[k] = n
					delete(t, k)
				}
			}
			hsetTally(ctx, p, s.keys.assistDay(day), t)
			hsetTally(ctx, p, s.keys.assistDaily(day), daily)
			p.SAdd(ctx, s.keys.assistDays(), day)
		}
		hsetTally(ctx, p, s.keys.assistTotal(), total)
		for id, place := range places {
			p.HSet(ctx, s.keys.ratings(), strconv.FormatInt(id, 10)+atSuffix, place)
		}
		return nil
	})
	return err
}

// hsetTally queues HSETs of t's counts under key.
func hsetTally(ctx context.Context, p goredis.Pipeliner, key string, t domain.Tally) {
	counts := make(map[string]int64, len(t))
	for k, n := range t {
		counts[rollup.Field(k)] = n
	}
	hsetCounts(ctx, p, key, counts)
}

// hsetCounts queues HSETs of the counts under key, 500 fields a command.
func hsetCounts(ctx context.Context, p goredis.Pipeliner, key string, counts map[string]int64) {
	args := make([]any, 0, 1000)
	for f, n := range counts {
		args = append(args, f, n)
		if len(args) == 1000 {
			p.HSet(ctx, key, args...)
			args = args[:0]
		}
	}
	if len(args) > 0 {
		p.HSet(ctx, key, args...)
	}
}

// countFunnel sets the funnel counters to what the kept events count.
func (s *Store) countFunnel(ctx context.Context) error {
	counts := map[string]map[string]int64{} // day -> field -> n
	total := map[string]int64{}
	for offset := int64(0); ; offset += assistBatch {
		members, err := s.client.ZRange(ctx, s.keys.funnel(), offset, offset+assistBatch-1).Result()
		if err != nil {
			return fmt.Errorf("read funnel: %w", err)
		}
		for _, m := range members {
			_, data, _ := strings.Cut(m, ":")
			var e domain.FunnelEvent
			if err := json.Unmarshal([]byte(data), &e); err != nil {
				return fmt.Errorf("decode funnel member: %w", err)
			}
			day, f := rollup.Day(e.At, s.loc), rollup.FunnelField(e.Key())
			if counts[day] == nil {
				counts[day] = map[string]int64{}
			}
			counts[day][f]++
			total[f]++
		}
		if len(members) < assistBatch {
			break
		}
	}
	_, err := s.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for day, fields := range counts {
			hsetCounts(ctx, p, s.keys.funnelDay(day), fields)
			p.SAdd(ctx, s.keys.funnelDays(), day)
		}
		hsetCounts(ctx, p, s.keys.funnelTotal(), total)
		return nil
	})
	return err
}
