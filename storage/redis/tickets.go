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
	"github.com/hotroso/hotroso/storage"
)

// GetTicket returns the ticket, or an error wrapping storage.ErrNotFound.
func (s *Store) GetTicket(ctx context.Context, id int64) (domain.Ticket, error) {
	return s.getTicket(ctx, fmt.Sprintf("get ticket %d", id), id)
}

// getTicket is GetTicket with errors wrapped with op.
func (s *Store) getTicket(ctx context.Context, op string, id int64) (domain.Ticket, error) {
	data, err := s.client.HGet(ctx, s.keys.ticket(id), fieldData).Bytes()
	if err != nil {
		return domain.Ticket{}, wrapErr(op, err)
	}
	var t domain.Ticket
	if err := json.Unmarshal(data, &t); err != nil {
		return domain.Ticket{}, fmt.Errorf("redis: %s: decode: %w", op, err)
	}
	return t, nil
}

// ActiveTicketOf returns the resident's open or claimed ticket, or an error
// wrapping storage.ErrNotFound. It reads the resident index, then the
// ticket; a ticket that stopped being the resident's active one in between
// counts as none.
func (s *Store) ActiveTicketOf(ctx context.Context, residentID int64) (domain.Ticket, error) {
	op := fmt.Sprintf("active ticket of %d", residentID)
	id, err := s.client.HGet(ctx, s.keys.activeTickets(), strconv.FormatInt(residentID, 10)).Int64()
	if err != nil {
		return domain.Ticket{}, wrapErr(op, err)
	}
	t, err := s.getTicket(ctx, op, id)
	if err != nil {
		return domain.Ticket{}, err
	}
	if !t.Active() || t.ResidentID != residentID {
		return domain.Ticket{}, fmt.Errorf("redis: %s: %w: ticket %d is no longer active", op, storage.ErrNotFound, id)
	}
	return t, nil
}

// OpenTickets returns up to limit open tickets in queue order: by
// Ticket.QueueRank (urgent first, then CreatedAt to the millisecond), then
// by id.
func (s *Store) OpenTickets(ctx context.Context, limit int) ([]domain.Ticket, error) {
	const op = "open tickets"
	if limit <= 0 {
		return nil, nil
	}
	members, err := s.client.ZRange(ctx, s.keys.queue(), 0, int64(limit-1)).Result()
	if err != nil {
		return nil, wrapErr(op, err)
	}
	ts, err := s.loadTickets(ctx, op, members)
	if err != nil {
		return nil, err
	}
	// A ticket may have moved on since the queue was read.
	return slices.DeleteFunc(ts, func(t domain.Ticket) bool { return t.State != domain.TicketOpen }), nil
}

// QueuePosition returns the open ticket's place in the queue, from 1, or an
// error wrapping storage.ErrNotFound when it is not open: its rank in the
// queue set.
func (s *Store) QueuePosition(ctx context.Context, id int64) (int, error) {
	rank, err := s.client.ZRank(ctx, s.keys.queue(), idMember(id)).Result()
	if err != nil {
		return 0, wrapErr(fmt.Sprintf("queue position of ticket %d", id), err)
	}
	return int(rank) + 1, nil
}

// ClaimsOf returns the tickets the volunteer has claimed, oldest ClaimedAt
// first (then by id).
func (s *Store) ClaimsOf(ctx context.Context, volunteerID int64) ([]domain.Ticket, error) {
	op := fmt.Sprintf("claims of %d", volunteerID)
	members, err := s.client.ZRange(ctx, s.keys.claims(volunteerID), 0, -1).Result()
	if err != nil {
		return nil, wrapErr(op, err)
	}
	ts, err := s.loadTickets(ctx, op, members)
	if err != nil {
		return nil, err
	}
	ts = slices.DeleteFunc(ts, func(t domain.Ticket) bool {
		return t.State != domain.TicketClaimed || t.VolunteerID != volunteerID
	})
	// The set orders by millisecond; order exactly.
	slices.SortStableFunc(ts, func(a, b domain.Ticket) int {
		return cmp.Or(a.ClaimedAt.Compare(b.ClaimedAt), cmp.Compare(a.ID, b.ID))
	})
	return ts, nil
}

// LapsedLeases returns up to limit claimed tickets whose LeaseUntil is set
// and not after now, earliest first (then by id).
//
// The leases set is scored by millisecond: it reads the entries up to now's
// millisecond in batches, loads their tickets and checks LeaseUntil itself.
func (s *Store) LapsedLeases(ctx context.Context, now time.Time, limit int) ([]domain.Ticket, error) {
	const op = "lapsed leases"
	if limit <= 0 {
		return nil, nil
	}
	var out []domain.Ticket
	for offset := 0; len(out) < limit; offset += limit {
		members, err := s.client.ZRangeByScore(ctx, s.keys.leases(), &goredis.ZRangeBy{
			Min:    "-inf",
			Max:    msScore(now),
			Offset: int64(offset),
			Count:  int64(limit),
		}).Result()
		if err != nil {
			return nil, wrapErr(op, err)
		}
		ts, err := s.loadTickets(ctx, op, members)
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			if leased(t) && !t.LeaseUntil.After(now) {
				out = append(out, t)
			}
		}
		if len(members) < limit {
			break
		}
	}
	slices.SortStableFunc(out, func(a, b domain.Ticket) int {
		return cmp.Or(a.LeaseUntil.Compare(b.LeaseUntil), cmp.Compare(a.ID, b.ID))
	})
	return out[:min(len(out), limit)], nil
}

// loadTickets loads the tickets that members (ticket set members) name, in
// that order, skipping any that no longer exist. Errors are wrapped with op.
func (s *Store) loadTickets(ctx context.Context, op string, members []string) ([]domain.Ticket, error) {
	return loadIndexed[domain.Ticket](ctx, s, op, "ticket", members, s.keys.ticket)
}

// leased reports whether a ticket belongs in the leases index.
func leased(t domain.Ticket) bool {
	return t.State == domain.TicketClaimed && !t.LeaseUntil.IsZero()
}

// msScore is t as a sorted-set score: unix milliseconds.
func msScore(t time.Time) string {
	return strconv.FormatInt(t.UnixMilli(), 10)
}
