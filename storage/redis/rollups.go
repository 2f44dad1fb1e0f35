package redis

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
	"github.com/hotroso/hotroso/storage/rollup"
	goredis "github.com/redis/go-redis/v9"
)

// foldCmd folds the given fine fields of the delta hash into their days'
// counters and the totals, projecting each as rollup.Counts does, and
// removes them. It reads each field's value itself: a field counted up
// since the caller saw it is folded whole, and one another fold took first
// is gone and skipped.
//
// KEYS[1]      -> p:{a}:delta
// KEYS[2]      -> p:{a}:total
// KEYS[3]      -> p:{a}:days
// then, for each day, two keys: p:{a}:day:<day>, p:{a}:daily:<day>
// ARGV[1]      -> D, how many days
// ARGV[2..D+1] -> the days (rollup.DayLayout), in the order of their keys
// the rest     -> fine fields (rollup.Fine) of those days
//
// Returns how many fields it folded.
var foldCmd = goredis.NewScript(`
local nd = tonumber(ARGV[1])
local dayKey, dailyKey = {}, {}
for i = 1, nd do
	dayKey[ARGV[i + 1]] = KEYS[2 + 2 * i]
	dailyKey[ARGV[i + 1]] = KEYS[3 + 2 * i]
	redis.call("SADD", KEYS[3], ARGV[i + 1])
end
local sums, done = {}, {}
local function add(key, field, n)
	local t = sums[key]
	if not t then t = {}; sums[key] = t end
	t[field] = (t[field] or 0) + n
end
for i = nd + 2, #ARGV do
	local f = ARGV[i]
	local v = redis.call("HGET", KEYS[1], f)
	local p = {}
	for part in string.gmatch(f .. "|", "([^|]*)|") do p[#p + 1] = part end
	local key = dayKey[p[1]]
	if v and key and #p == 12 then
		local n = tonumber(v)
		done[#done + 1] = f
		local c = {}
		if p[2] ~= "" then
			c[#c + 1] = "n|" .. p[2] .. "|" .. p[3] .. "|" .. p[4] .. "|" .. p[5] .. "|" .. p[6] .. "|||"
			local daily = "d|" .. p[2] .. "|" .. p[3] .. "||||||" .. p[12]
			add(dailyKey[p[1]], daily, n)
			add(KEYS[2], daily, n)
		end
		if p[7] ~= "" then c[#c + 1] = "v|" .. p[2] .. "|" .. p[3] .. "||||" .. p[7] .. "||" end
		if p[8] ~= "" then c[#c + 1] = "w||" .. p[3] .. "|||||" .. p[8] .. "|" end
		if p[9] ~= "" then c[#c + 1] = "h||" .. p[3] .. "|||||" .. p[9] .. "|" end
		if p[10] ~= "" then c[#c + 1] = "r||" .. p[3] .. "|||||" .. p[10] .. "|" end
		if p[11] ~= "" then c[#c + 1] = "k||" .. p[3] .. "||" .. p[11] .. "||||" end
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
if #done > 0 then
	redis.call("HDEL", KEYS[1], unpack(done))
end
return #done
`)

// foldChunk is how many fine fields one foldCmd takes: a few
// milliseconds of Redis's time, so a large backlog (after a bulk load, or
// a long time without reads) never blocks the server for long.
const foldChunk = 1000

// fold folds the delta hash into the day and total counters, reading it
// with HSCAN and folding foldChunk fields per script.
func (s *Store) fold(ctx context.Context) error {
	var cursor uint64
	var batch []string
	for {
		pairs, next, err := s.client.HScan(ctx, s.keys.assistDelta(), cursor, "", foldChunk).Result()
		if err != nil {
			return err
		}
		for i := 0; i < len(pairs); i += 2 {
			batch = append(batch, pairs[i])
		}
		if len(batch) >= foldChunk || next == 0 && len(batch) > 0 {
			if err := s.foldFields(ctx, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
		if cursor = next; cursor == 0 {
			return nil
		}
	}
}

// foldFields runs foldCmd on some fine fields.
func (s *Store) foldFields(ctx context.Context, fields []string) error {
	keys := []string{s.keys.assistDelta(), s.keys.assistTotal(), s.keys.assistDays()}
	seen := map[string]bool{}
	var days []any
	for _, f := range fields {
		day, _, _ := strings.Cut(f, "|")
		if !seen[day] {
			seen[day] = true
			keys = append(keys, s.keys.assistDay(day), s.keys.assistDaily(day))
			days = append(days, day)
		}
	}
	args := append(append(make([]any, 0, 1+len(days)+len(fields)), len(days)), days...)
	for _, f := range fields {
		args = append(args, f)
	}
	return foldCmd.Run(ctx, s.client, keys, args...).Err()
}

// AssistCounts folds recent counts in, then reads each day's counters (one
// HGETALL a day, in one pipeline).
func (s *Store) AssistCounts(ctx context.Context, first, last time.Time, commune string, parts ...domain.CountPart) ([]domain.DayTally, error) {
	const op = "assist counts"
	if err := s.fold(ctx); err != nil {
		return nil, wrapErr(op, err)
	}
	days := rollup.Days(first, last, s.loc, storage.MaxCountDays)
	daily, other := len(parts) == 0, len(parts) == 0 // which hashes to read
	for _, p := range parts {
		daily, other = daily || p == domain.CountDaily, other || p != domain.CountDaily
	}
	cmds := make([][2]*goredis.MapStringStringCmd, len(days))
	pipe := s.client.Pipeline()
	for i, day := range days {
		if daily {
			cmds[i][0] = pipe.HGetAll(ctx, s.keys.assistDaily(day))
		}
		if other {
			cmds[i][1] = pipe.HGetAll(ctx, s.keys.assistDay(day))
		}
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
		t := domain.Tally{}
		for _, c := range cmds[i] {
			if c == nil {
				continue
			}
			if err := addTally(t, c.Val(), commune, parts); err != nil {
				return nil, fmt.Errorf("redis: %s: %w", op, err)
			}
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
	t := domain.Tally{}
	if err := addTally(t, fields, commune, nil); err != nil {
		return nil, fmt.Errorf("redis: %s: %w", op, err)
	}
	return t, nil
}

// addTally adds a counters hash to t, keeping the commune's counts ("":
// all) of the parts (none: all).
func addTally(t domain.Tally, fields map[string]string, commune string, parts []domain.CountPart) error {
	for f, v := range fields {
		if commune != "" && rollup.FieldCommune(f) != commune {
			continue
		}
		k, err := rollup.ParseField(f)
		if err != nil {
			return err
		}
		if len(parts) > 0 && !slices.Contains(parts, k.Part) {
			continue
		}
		n, err := parseCount(v)
		if err != nil {
			return fmt.Errorf("count %q: %w", f, err)
		}
		t.AddKey(k, n)
	}
	return nil
}
