package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
)

// eraseTicketsCmd deletes a resident's tickets and takes them out of every
// index, if none changed since the caller read them.
//
// KEYS[1] -> p:{t}:resident:<resident id>
// KEYS[2] -> p:{t}:active
// KEYS[3] -> p:{t}:queue
// KEYS[4] -> p:{t}:leases
// then for each ticket i = 1..n:
// KEYS[3+2i] -> p:{t}:ticket:<id>
// KEYS[4+2i] -> p:{t}:claims:<its volunteer> (any claims key when none)
// ARGV[1] -> the resident id, decimal
// then for each ticket:
// ARGV[2i]   -> the version read, "" when the ticket was missing
// ARGV[2i+1] -> its member, <id19>
//
// Returns 1 when done, 0 (and changes nothing) when a ticket's version
// moved.
var eraseTicketsCmd = goredis.NewScript(`
local n = (#KEYS - 4) / 2
for i = 1, n do
	local stored = redis.call("HGET", KEYS[3 + 2 * i], "v") or ""
	if stored ~= ARGV[2 * i] then
		return 0
	end
end
local active = tonumber(redis.call("HGET", KEYS[2], ARGV[1]) or "0")
for i = 1, n do
	local member = ARGV[2 * i + 1]
	if tonumber(member) == active then
		redis.call("HDEL", KEYS[2], ARGV[1])
	end
	redis.call("DEL", KEYS[3 + 2 * i])
	redis.call("ZREM", KEYS[4 + 2 * i], member)
	redis.call("ZREM", KEYS[3], member)
	redis.call("ZREM", KEYS[4], member)
	redis.call("SREM", KEYS[1], member)
end
return 1
`)

// eraseAttempts bounds the retries of EraseResident when the resident's
// tickets keep moving while it reads them.
const eraseAttempts = 5

// EraseResident deletes the resident's tickets (found through the
// tickets-by-resident set, built for older tickets on first use), the
// relays to or from their chat in the outbox and their follow-up, strips
// the resident's assist records of their ticket id and hash, folding in
// the ratings, then marks the files for ScrubErased.
//
// The assist log has no index by resident (on purpose), so it is read
// whole; the matching members are replaced, in one MULTI, by anonymous
// copies. The log is anonymized before the tickets go, so that a
// crash in between leaves the tickets to be found by the next attempt.
func (s *Store) EraseResident(ctx context.Context, residentID int64, residentHash string) ([]domain.Ticket, error) {
	op := fmt.Sprintf("erase resident %d", residentID)
	if err := s.indexResidentTickets(ctx); err != nil {
		return nil, wrapErr(op, err)
	}
	for range eraseAttempts {
		tickets, versions, err := s.residentTickets(ctx, residentID)
		if err != nil {
			return nil, wrapErr(op, err)
		}
		ids := map[int64]bool{}
		for _, t := range tickets {
			ids[t.ID] = true
		}
		rewrote, err := s.anonymizeAssists(ctx, ids, residentHash)
		if err != nil {
			return nil, wrapErr(op, err)
		}
		relays, err := s.eraseOutgoingOf(ctx, residentID)
		if err != nil {
			return nil, wrapErr(op, err)
		}
		web, err := s.eraseWebChatOf(ctx, residentID)
		if err != nil {
			return nil, wrapErr(op, err)
		}
		followUp, err := s.cancelFollowUps(ctx, residentID)
		if err != nil {
			return nil, wrapErr(op, err)
		}
		if len(versions) == 0 && !rewrote && !relays && !web && !followUp {
			return nil, nil
		}
		done, err := s.eraseTickets(ctx, residentID, versions)
		if err != nil {
			return nil, wrapErr(op, err)
		}
		if !done {
			continue // a ticket moved meanwhile: read them again
		}
		if err := s.client.Set(ctx, s.keys.scrubDue(), "1", 0).Err(); err != nil {
			return nil, wrapErr(op, err)
		}
		return tickets, nil
	}
	return nil, fmt.Errorf("redis: %s: %w: the tickets kept changing", op, storage.ErrConflict)
}

// storedTicket is a ticket's member and version as read, for the erase
// script; the version is "" for a member whose ticket is missing.
type storedTicket struct {
	id                      int64
	member, version, claims string
}

// residentTickets reads the resident's tickets.
func (s *Store) residentTickets(ctx context.Context, residentID int64) ([]domain.Ticket, []storedTicket, error) {
	members, err := s.client.SMembers(ctx, s.keys.residentTickets(residentID)).Result()
	if err != nil || len(members) == 0 {
		return nil, nil, err
	}
	slices.Sort(members)
	ids, err := parseIDs("resident's tickets", members)
	if err != nil {
		return nil, nil, err
	}
	cmds := make([]*goredis.SliceCmd, len(members))
	if _, err := s.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HMGet(ctx, s.keys.ticket(id), "v", "d")
		}
		return nil
	}); err != nil {
		return nil, nil, err
	}
	var tickets []domain.Ticket
	stored := make([]storedTicket, len(members))
	for i, m := range members {
		stored[i] = storedTicket{id: ids[i], member: m, claims: s.keys.claims(0)}
		vals := cmds[i].Val()
		version, _ := vals[0].(string)
		data, _ := vals[1].(string)
		if version == "" || data == "" {
			continue
		}
		var t domain.Ticket
		if err := json.Unmarshal([]byte(data), &t); err != nil {
			return nil, nil, fmt.Errorf("decode ticket %s: %w", m, err)
		}
		stored[i].version, stored[i].claims = version, s.keys.claims(t.VolunteerID)
		tickets = append(tickets, t)
	}
	return tickets, stored, nil
}

// eraseTickets runs eraseTicketsCmd; false means a ticket moved.
func (s *Store) eraseTickets(ctx context.Context, residentID int64, stored []storedTicket) (bool, error) {
	keys := []string{s.keys.residentTickets(residentID), s.keys.activeTickets(), s.keys.queue(), s.keys.leases()}
	argv := []any{strconv.FormatInt(residentID, 10)}
	for _, st := range stored {
		keys = append(keys, s.keys.ticket(st.id), st.claims)
		argv = append(argv, st.version, st.member)
	}
	n, err := eraseTicketsCmd.Run(ctx, s.client, keys, argv...).Int()
	return n == 1, err
}

// anonymizeAssists replaces the log members of the given tickets, or of
// the resident with that hash, by copies without the ticket id and the
// hash and with the ticket's rating folded in (same id, same score), then
// deletes those tickets' ratings. The counters do not change: nothing they
// count does. It reports whether it replaced any member.
func (s *Store) anonymizeAssists(ctx context.Context, ids map[int64]bool, residentHash string) (bool, error) {
	type found struct {
		member string
		score  float64
		assist domain.Assist
	}
	var mine []found
	for offset := int64(0); ; offset += assistBatch {
		zs, err := s.client.ZRangeWithScores(ctx, s.keys.assistLog(), offset, offset+assistBatch-1).Result()
		if err != nil {
			return false, err
		}
		for _, z := range zs {
			m := z.Member.(string)
			a, err := decodeMember(m)
			if err != nil {
				return false, err
			}
			if (residentHash != "" && a.Resident == residentHash) || (a.TicketID != 0 && ids[a.TicketID]) {
				mine = append(mine, found{m, z.Score, a})
			}
		}
		if len(zs) < assistBatch {
			break
		}
	}
	as := make([]domain.Assist, len(mine))
	for i, f := range mine {
		as[i] = f.assist
		if f.assist.TicketID != 0 {
			ids[f.assist.TicketID] = true
		}
	}
	if err := s.applyRatings(ctx, "fold ratings", as); err != nil {
		return false, err
	}
	if len(mine) > 0 {
		if _, err := s.client.TxPipelined(ctx, func(p goredis.Pipeliner) error {
			for i, f := range mine {
				a := as[i]
				a.TicketID, a.Resident = 0, ""
				member, err := encodeMember(a)
				if err != nil {
					return fmt.Errorf("encode assist %s: %w", a.ID, err)
				}
				p.ZRem(ctx, s.keys.assistLog(), f.member)
				p.ZAdd(ctx, s.keys.assistLog(), goredis.Z{Score: f.score, Member: member})
			}
			return nil
		}); err != nil {
			return false, fmt.Errorf("replace assists: %w", err)
		}
	}
	if err := s.dropRatings(ctx, ids); err != nil {
		return false, err
	}
	return len(mine) > 0, nil
}

// dropRatings deletes the tickets' ratings.
func (s *Store) dropRatings(ctx context.Context, ids map[int64]bool) error {
	if len(ids) == 0 {
		return nil
	}
	fields := make([]string, 0, 2*len(ids))
	for id := range ids {
		f := strconv.FormatInt(id, 10)
		fields = append(fields, f+ratingSuffix, f+workedSuffix, f+atSuffix)
	}
	return s.client.HDel(ctx, s.keys.ratings(), fields...).Err()
}

// residentIndexBatch is how many tickets indexResidentTickets reads at a
// time.
const residentIndexBatch = 500

// indexResidentTickets puts the tickets opened before the
// tickets-by-resident sets existed into them, once per store: it reads
// every ticket id up to the counter. Running it twice, or beside
// OpenTicket, only adds members already there.
func (s *Store) indexResidentTickets(ctx context.Context) error {
	done, err := s.client.Exists(ctx, s.keys.residentTicketsIndexed()).Result()
	if err != nil || done == 1 {
		return err
	}
	last, err := s.client.Get(ctx, s.keys.ticketSeq()).Int64()
	if err != nil && !errors.Is(err, goredis.Nil) {
		return fmt.Errorf("read the ticket counter: %w", err)
	}
	for from := int64(1); from <= last; from += residentIndexBatch {
		if err := s.indexResidentTicketRange(ctx, from, min(from+residentIndexBatch-1, last)); err != nil {
			return err
		}
	}
	return s.client.Set(ctx, s.keys.residentTicketsIndexed(), "1", 0).Err()
}

// indexResidentTicketRange indexes the tickets with ids from..to.
func (s *Store) indexResidentTicketRange(ctx context.Context, from, to int64) error {
	cmds := make([]*goredis.StringCmd, 0, to-from+1)
	if _, err := s.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for id := from; id <= to; id++ {
			cmds = append(cmds, p.HGet(ctx, s.keys.ticket(id), "d"))
		}
		return nil
	}); err != nil && !errors.Is(err, goredis.Nil) {
		return fmt.Errorf("read tickets %d..%d: %w", from, to, err)
	}
	_, err := s.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, c := range cmds {
			data, err := c.Result()
			if err != nil {
				continue // no such ticket
			}
			var t domain.Ticket
			if err := json.Unmarshal([]byte(data), &t); err != nil {
				return fmt.Errorf("decode ticket: %w", err)
			}
			p.SAdd(ctx, s.keys.residentTickets(t.ResidentID), idMember(t.ID))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("index tickets %d..%d: %w", from, to, err)
	}
	return nil
}

// ScrubErased, when something was erased since the last rewrite, has
// every master rewrite its append-only file (BGREWRITEAOF, when AOF is
// on) and take a snapshot (BGSAVE, when snapshots are configured), so
// that the deleted keys leave the disk: the old log, which still holds
// them, is dropped once the rewrite ends. The due mark is taken with
// GETDEL, so one instance does it; it is set again when a rewrite could
// not start. A server that does not offer these commands (an in-process
// test server) has nothing on disk.
func (s *Store) ScrubErased(ctx context.Context) (bool, error) {
	const op = "scrub erased data"
	err := s.client.GetDel(ctx, s.keys.scrubDue()).Err()
	if errors.Is(err, goredis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, wrapErr(op, err)
	}
	if cluster, ok := s.client.(*goredis.ClusterClient); ok {
		err = cluster.ForEachMaster(ctx, func(ctx context.Context, c *goredis.Client) error { return rewriteFiles(ctx, c) })
	} else {
		err = rewriteFiles(ctx, s.client)
	}
	if err != nil {
		if markErr := s.client.Set(ctx, s.keys.scrubDue(), "1", 0).Err(); markErr != nil {
			err = errors.Join(err, markErr)
		}
		return false, wrapErr(op, err)
	}
	return true, nil
}

// rewriteFiles starts the rewrites of one server's files that it keeps.
func rewriteFiles(ctx context.Context, c goredis.UniversalClient) error {
	info, err := c.Info(ctx, "persistence").Result()
	if unsupported(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read persistence info: %w", err)
	}
	if strings.Contains(info, "aof_enabled:1") {
		if err := c.BgRewriteAOF(ctx).Err(); err != nil && !strings.Contains(err.Error(), "already in progress") {
			return fmt.Errorf("rewrite the append-only file: %w", err)
		}
	}
	save, err := c.ConfigGet(ctx, "save").Result()
	if unsupported(err) {
		return nil // CONFIG may be disabled on managed servers: leave snapshots to their schedule
	}
	if err != nil {
		return fmt.Errorf("read the snapshot schedule: %w", err)
	}
	if strings.TrimSpace(save["save"]) != "" {
		if err := c.Do(ctx, "BGSAVE", "SCHEDULE").Err(); err != nil {
			return fmt.Errorf("take a snapshot: %w", err)
		}
	}
	return nil
}

// unsupported reports an error saying the server does not know or allow a
// command.
func unsupported(err error) bool {
	if err == nil {
		return false
	}
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "unknown command") || strings.Contains(msg, "unknown subcommand") || strings.Contains(msg, "noperm") || strings.Contains(msg, "not supported")
}
