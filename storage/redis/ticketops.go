package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	goredis "github.com/redis/go-redis/v9"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
)

// The ticket operations. Each is one script; the caller encodes the whole
// moved ticket in Go, and the script compares versions, writes it as it
// is, and changes the indexes its move touches. Every key carries the {t}
// tag, so each script runs on one node of a cluster.
//
// casTicket begins every script but openTicketCmd:
//
//	KEYS[1] -> p:{t}:ticket:<id>
//	ARGV[1] -> the version the caller read, decimal
//	ARGV[2] -> the new version, decimal
//	ARGV[3] -> the moved ticket's JSON
//	ARGV[4] -> the ticket's set member, <id19>
//
// It returns 0 (and writes nothing) when the stored version is not ARGV[1];
// versions are compared as strings, so there is no float rounding in Lua.
const casTicket = `
local stored = redis.call("HGET", KEYS[1], "v")
if stored ~= ARGV[1] then
	return 0
end
redis.call("HSET", KEYS[1], "v", ARGV[2], "d", ARGV[3])
`

// openTicketCmd stores a new open ticket.
//
// KEYS[1] -> p:{t}:ticket:<id>, the id just taken from p:{t}:ticket:seq
// KEYS[2] -> p:{t}:active
// KEYS[3] -> p:{t}:queue
// KEYS[4] -> p:{t}:resident:<resident id>
// ARGV[1] -> the ticket's JSON, version 1
// ARGV[2] -> the resident id, decimal
// ARGV[3] -> the ticket id, decimal
// ARGV[4] -> the queue score (Ticket.QueueRank)
// ARGV[5] -> the ticket's set member, <id19>
//
// Returns 1 when stored; -1 when the resident has an active ticket; -2 when
// a ticket with this id exists (the counter is behind).
var openTicketCmd = goredis.NewScript(`
if redis.call("EXISTS", KEYS[1]) == 1 then
	return -2
end
if redis.call("HGET", KEYS[2], ARGV[2]) then
	return -1
end
redis.call("HSET", KEYS[1], "v", "1", "d", ARGV[1])
redis.call("HSET", KEYS[2], ARGV[2], ARGV[3])
redis.call("ZADD", KEYS[3], ARGV[4], ARGV[5])
redis.call("SADD", KEYS[4], ARGV[5])
return 1
`)

// claimTicketCmd: casTicket, then out of the queue and into the claims.
//
// KEYS[2] -> p:{t}:queue
// KEYS[3] -> p:{t}:claims:<volunteer>
// KEYS[4] -> p:{t}:leases
// ARGV[5] -> the claim score (ClaimedAt unix ms)
// ARGV[6] -> the lease score (LeaseUntil unix ms), "" for no lease
//
// Returns 1 when stored, 0 on a version conflict.
var claimTicketCmd = goredis.NewScript(casTicket + `
redis.call("ZREM", KEYS[2], ARGV[4])
redis.call("ZADD", KEYS[3], ARGV[5], ARGV[4])
if ARGV[6] ~= "" then
	redis.call("ZADD", KEYS[4], ARGV[6], ARGV[4])
end
return 1
`)

// replyTicketCmd: casTicket, then out of the leases.
//
// KEYS[2] -> p:{t}:leases
//
// Returns 1 when stored, 0 on a version conflict.
var replyTicketCmd = goredis.NewScript(casTicket + `
redis.call("ZREM", KEYS[2], ARGV[4])
return 1
`)

// requeueTicketCmd: casTicket, then out of the claims and leases and back
// in the queue.
//
// KEYS[2] -> p:{t}:claims:<the volunteer who had it>
// KEYS[3] -> p:{t}:leases
// KEYS[4] -> p:{t}:queue
// ARGV[5] -> the queue score (Ticket.QueueRank)
//
// Returns 1 when stored, 0 on a version conflict.
var requeueTicketCmd = goredis.NewScript(casTicket + `
redis.call("ZREM", KEYS[2], ARGV[4])
redis.call("ZREM", KEYS[3], ARGV[4])
redis.call("ZADD", KEYS[4], ARGV[5], ARGV[4])
return 1
`)

// closeTicketCmd: casTicket, then out of every index.
//
// KEYS[2] -> p:{t}:active
// KEYS[3] -> p:{t}:queue
// KEYS[4] -> p:{t}:claims:<its volunteer> (any claims key when it had none)
// KEYS[5] -> p:{t}:leases
// ARGV[5] -> the resident id, decimal
// ARGV[6] -> the ticket id, decimal
//
// Returns 1 when stored, 0 on a version conflict.
var closeTicketCmd = goredis.NewScript(casTicket + `
if redis.call("HGET", KEYS[2], ARGV[5]) == ARGV[6] then
	redis.call("HDEL", KEYS[2], ARGV[5])
end
redis.call("ZREM", KEYS[3], ARGV[4])
redis.call("ZREM", KEYS[4], ARGV[4])
redis.call("ZREM", KEYS[5], ARGV[4])
return 1
`)

// updateTicketCmd: casTicket, and an open ticket keeps its place in the
// queue by its rank, which urgency moves (EscalateTicket and
// UpdateTicket).
//
// KEYS[2] -> p:{t}:queue
// ARGV[5] -> the queue score (Ticket.QueueRank) of an open ticket, else ""
//
// Returns 1 when stored, 0 on a version conflict.
var updateTicketCmd = goredis.NewScript(casTicket + `
if ARGV[5] ~= "" then
	redis.call("ZADD", KEYS[2], "XX", ARGV[5], ARGV[4])
end
return 1
`)

// OpenTicket stores a new open ticket with the next id from the counter,
// and queues it. It returns an error wrapping storage.ErrConflict when the
// resident has an active ticket (the id taken is then skipped).
func (s *Store) OpenTicket(ctx context.Context, t domain.Ticket) (domain.Ticket, error) {
	op := fmt.Sprintf("open a ticket for resident %d", t.ResidentID)
	if t.State != domain.TicketOpen {
		return domain.Ticket{}, fmt.Errorf("redis: %s: the ticket is %s, not open", op, t.State)
	}
	id, err := s.client.Incr(ctx, s.keys.ticketSeq()).Result()
	if err != nil {
		return domain.Ticket{}, wrapErr(op, err)
	}
	t.ID, t.Version = id, 1
	data, err := json.Marshal(t)
	if err != nil {
		return domain.Ticket{}, fmt.Errorf("redis: %s: encode: %w", op, err)
	}
	res, err := openTicketCmd.Run(ctx, s.client,
		[]string{s.keys.ticket(id), s.keys.activeTickets(), s.keys.queue(), s.keys.residentTickets(t.ResidentID)},
		data, strconv.FormatInt(t.ResidentID, 10), strconv.FormatInt(id, 10), strconv.FormatInt(t.QueueRank(), 10), idMember(id),
	).Int64()
	switch {
	case err != nil:
		return domain.Ticket{}, wrapErr(op, err)
	case res == -1:
		return domain.Ticket{}, fmt.Errorf("redis: %s: %w: the resident has an active ticket", op, storage.ErrConflict)
	case res == -2:
		return domain.Ticket{}, fmt.Errorf("redis: %s: the ticket id counter %s is behind the stored tickets", op, s.keys.ticketSeq())
	}
	return t, nil
}

// ClaimTicket stores a claimed ticket (claimTicketCmd).
func (s *Store) ClaimTicket(ctx context.Context, t domain.Ticket) (domain.Ticket, error) {
	lease := ""
	if leased(t) {
		lease = msScore(t.LeaseUntil)
	}
	return s.moveTicket(ctx, "claim", claimTicketCmd, t,
		[]string{s.keys.queue(), s.keys.claims(t.VolunteerID), s.keys.leases()}, msScore(t.ClaimedAt), lease)
}

// ReplyTicket stores the first reply to a claimed ticket (replyTicketCmd).
func (s *Store) ReplyTicket(ctx context.Context, t domain.Ticket) (domain.Ticket, error) {
	return s.moveTicket(ctx, "reply to", replyTicketCmd, t, []string{s.keys.leases()})
}

// RequeueTicket stores a ticket back in the queue, taken from the claims
// of volunteerID (requeueTicketCmd).
func (s *Store) RequeueTicket(ctx context.Context, t domain.Ticket, volunteerID int64) (domain.Ticket, error) {
	return s.moveTicket(ctx, "requeue", requeueTicketCmd, t,
		[]string{s.keys.claims(volunteerID), s.keys.leases(), s.keys.queue()}, strconv.FormatInt(t.QueueRank(), 10))
}

// CloseTicket stores an ended ticket out of every index (closeTicketCmd).
func (s *Store) CloseTicket(ctx context.Context, t domain.Ticket) (domain.Ticket, error) {
	return s.moveTicket(ctx, "close", closeTicketCmd, t,
		[]string{s.keys.activeTickets(), s.keys.queue(), s.keys.claims(t.VolunteerID), s.keys.leases()},
		strconv.FormatInt(t.ResidentID, 10), strconv.FormatInt(t.ID, 10))
}

// EscalateTicket stores an escalated open ticket (updateTicketCmd).
func (s *Store) EscalateTicket(ctx context.Context, t domain.Ticket) (domain.Ticket, error) {
	return s.moveTicket(ctx, "escalate", updateTicketCmd, t, []string{s.keys.queue()}, queueScore(t))
}

// UpdateTicket stores a ticket that did not move (updateTicketCmd).
func (s *Store) UpdateTicket(ctx context.Context, t domain.Ticket) (domain.Ticket, error) {
	return s.moveTicket(ctx, "update", updateTicketCmd, t, []string{s.keys.queue()}, queueScore(t))
}

// queueScore is an open ticket's queue score, or "" for another.
func queueScore(t domain.Ticket) string {
	if t.State != domain.TicketOpen {
		return ""
	}
	return strconv.FormatInt(t.QueueRank(), 10)
}

// moveTicket runs one of the casTicket scripts for t: the ticket's key
// first, then keys; the casTicket arguments, then args.
func (s *Store) moveTicket(ctx context.Context, move string, script *goredis.Script, t domain.Ticket, keys []string, args ...any) (domain.Ticket, error) {
	op := fmt.Sprintf("%s ticket %d", move, t.ID)
	out := t
	out.Version = t.Version + 1
	data, err := json.Marshal(out)
	if err != nil {
		return domain.Ticket{}, fmt.Errorf("redis: %s: encode: %w", op, err)
	}
	argv := append([]any{strconv.FormatInt(t.Version, 10), strconv.FormatInt(out.Version, 10), data, idMember(t.ID)}, args...)
	res, err := script.Run(ctx, s.client, append([]string{s.keys.ticket(t.ID)}, keys...), argv...).Int64()
	switch {
	case errors.Is(err, goredis.Nil) || (err == nil && res == 0):
		return domain.Ticket{}, fmt.Errorf("redis: %s: %w: the stored version is not %d", op, storage.ErrConflict, t.Version)
	case err != nil:
		return domain.Ticket{}, wrapErr(op, err)
	}
	return out, nil
}
