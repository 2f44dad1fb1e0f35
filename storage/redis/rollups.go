package redis

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
	"github.com/hotroso/hotroso/storage/rollup"
	goredis "github.com/redis/go-redis/v9"
)

// foldCmd folds the fine counts of the delta hash whose days are given
// into those days' counters and the totals, projecting each fine field as
// rollup.Counts does, and removes what it folded. Fields of other days
// (recorded since the caller listed the days) stay for the next fold.
//
// KEYS[1]      -> p:{a}:delta
// KEYS[2]      -> p:{a}:total
// KEYS[3]      -> p:{a}:days
// KEYS[4], ... -> p:{a}:day:<day> for each day
// ARGV         -> the days (rollup.DayLayout), one per day key, in order
//
// Returns how many fine fields it folded.
var foldCmd = goredis.NewScript(`
local dayKey = {}
for i = 1, #ARGV do
	dayKey[ARGV[i]] = KEYS[i + 3]
	redis.call("SADD", KEYS[3], ARGV[i])
end
local flat = redis.call("HGETALL", KEYS[1])
local sums, done = {}, {}
local function add(key, field, n)
	local t = sums[key]
	if not t then t = {}; sums[key] = t end
	t[field] = (t[field] or 0) + n
end
for i = 1, #flat, 2 do
	local f, n = flat[i], tonumber(flat[i + 1])
	local p = {}
	for part in string.gmatch(f .. "|", "([^|]*)|") do p[#p + 1] = part end
	local key = dayKey[p[1]]
	if key and #p == 11 then
		done[#done + 1] = f
		local c = {}
		if p[2] ~= "" then c[#c + 1] = "n|" .. p[2] .. "|" .. p[3] .. "|" .. p[4] .. "|" .. p[5] .. "|" .. p[6] .. "||" end
		if p[7] ~= "" then c[#c + 1] = "v|" .. p[2] .. "|" .. p[3] .. "||||" .. p[7] .. "|" end
		if p[8] ~= "" then c[#c + 1] = "w||" .. p[3] .. "|||||" .. p[8] end
		if p[9] ~= "" then c[#c + 1] = "h||" .. p[3] .. "|||||" .. p[9] end
		if p[10] ~= "" then c[#c + 1] = "r||" .. p[3] .. "|||||" .. p[10] end
		if p[11] ~= "" then c[#c + 1] = "k||" .. p[3] .. "||" .. p[11] .. "|||" end
		for _, field in ipairs(c) do
			add(key, field, n)
			add(KEYS[2], field, n)
		end
	end
end
for key, t in pairs(sums) do
	for field, n in pairs(t) do
		if n ~= 0 and redis.call("HINCRBY", key, field, n) == 0 then
			redis.call("HDEL", key, field)
		end
	end
end
for i = 1, #done, 1000 do
	redis.call("HDEL", KEYS[1], unpack(done, i, math.min(i + 999, #done)))
end
return #done
`)

// fold folds the delta hash into the day and total counters: one HKEYS to
// learn its days, one script.
func (s *Store) fold(ctx context.Context) error {
	fields, err := s.client.HKeys(ctx, s.keys.assistDelta()).Result()
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	keys := []string{s.keys.assistDelta(), s.keys.assistTotal(), s.keys.assistDays()}
	var days []any
	for _, f := range fields {
		day, _, _ := strings.Cut(f, "|")
		if !seen[day] {
			seen[day] = true
			keys = append(keys, s.keys.assistDay(day))
			days = append(days, day)
		}
	}
	if len(days) == 0 {
		return nil
	}
	return foldCmd.Run(ctx, s.client, keys, days...).Err()
}

// AssistCounts folds recent counts in, then reads each day's counters (one
// HGETALL a day, in one pipeline).
func (s *Store) AssistCounts(ctx context.Context, first, last time.Time, commune string) ([]domain.DayTally, error) {
	const op = "assist counts"
	if err := s.fold(ctx); err != nil {
		return nil, wrapErr(op, err)
	}
	days := rollup.Days(first, last, s.loc, storage.MaxCountDays)
	cmds := make([]*goredis.MapStringStringCmd, len(days))
	pipe := s.client.Pipeline()
	for i, day := range days {
		cmds[i] = pipe.HGetAll(ctx, s.keys.assistDay(day))
	}
	if len(days) > 0 {
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, wrapErr(op, err)
		}
	}
	out := make([]domain.DayTally, len(days))
	for i, day := range days {
		mid, err := rollup.Midnight(day, s.loc)
		if err != nil {
			return nil, err
		}
		t, err := tallyOf(cmds[i].Val(), commune)
		if err != nil {
			return nil, fmt.Errorf("redis: %s: %w", op, err)
		}
		out[i] = domain.DayTally{Day: mid, Tally: t}
	}
	return out, nil
}

// AssistTotals folds recent counts in, then reads the totals.
func (s *Store) AssistTotals(ctx context.Context, commune string) (domain.Tally, error) {
	const op = "assist totals"
	if err := s.fold(ctx); err != nil {
		return nil, wrapErr(op, err)
	}
	fields, err := s.client.HGetAll(ctx, s.keys.assistTotal()).Result()
	if err != nil {
		return nil, wrapErr(op, err)
	}
	t, err := tallyOf(fields, commune)
	if err != nil {
		return nil, fmt.Errorf("redis: %s: %w", op, err)
	}
	return t, nil
}

// tallyOf reads a counters hash, keeping the commune's counts ("": all).
func tallyOf(fields map[string]string, commune string) (domain.Tally, error) {
	t := domain.Tally{}
	for f, v := range fields {
		if commune != "" && rollup.FieldCommune(f) != commune {
			continue
		}
		k, err := rollup.ParseField(f)
		if err != nil {
			return nil, err
		}
		n, err := parseCount(v)
		if err != nil {
			return nil, fmt.Errorf("count %q: %w", f, err)
		}
		t.AddKey(k, n)
	}
	return t, nil
}
