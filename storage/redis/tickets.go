package redis

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
)

// SaveTicket stores in if the stored version equals in.Version and returns
// it with Version incremented; otherwise it stores nothing and returns an
// error wrapping storage.ErrConflict. Version 0 creates a ticket and assigns
// its ID from a counter (1, 2, ...), whatever in.ID says.
//
// A save that would leave the resident with two active tickets (creating
// one while another is open or claimed, or reactivating an old one) also
// gives storage.ErrConflict.
//
// An update reads the stored ticket first, for what the index cleanup needs
// (its resident and volunteer); the check, the write and every index update
// are then one script (saveTicketCmd), which re-checks the version.
func (s *Store) SaveTicket(ctx context.Context, in domain.Ticket) (domain.Ticket, error) {
	op := fmt.Sprintf("save ticket %d", in.ID)
	create := in.Version == 0
	if create {
		op = fmt.Sprintf("create ticket for resident %d", in.ResidentID)
	}
	out := in
	out.Version = in.Version + 1
	oldResident, oldClaims := "", s.keys.claims(in.VolunteerID)
	if create {
		out.ID = 0 // the script writes the id it assigns over this
	} else {
		old, err := s.getTicket(ctx, op, in.ID)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			return domain.Ticket{}, fmt.Errorf("redis: %s: %w: none stored, want version %d", op, storage.ErrConflict, in.Version)
		case err != nil:
			return domain.Ticket{}, err
		case old.Version != in.Version:
			return domain.Ticket{}, fmt.Errorf("redis: %s: %w: stored version %d, want %d", op, storage.ErrConflict, old.Version, in.Version)
		}
		oldResident, oldClaims = strconv.FormatInt(old.ResidentID, 10), s.keys.claims(old.VolunteerID)
	}
	data, err := json.Marshal(out)
	if err != nil {
		return domain.Ticket{}, fmt.Errorf("redis: %s: encode: %w", op, err)
	}
	if create && !bytes.HasPrefix(data, []byte(newTicketPrefix)) {
		return domain.Ticket{}, fmt.Errorf("redis: %s: encode: JSON does not start with %s", op, newTicketPrefix)
	}

	var queueScore, leaseScore, claimScore string
	switch out.State {
	case domain.TicketOpen:
		queueScore = strconv.FormatInt(out.QueueRank(), 10)
	case domain.TicketClaimed:
		claimScore = msScore(out.ClaimedAt)
		if !out.LeaseUntil.IsZero() {
			leaseScore = msScore(out.LeaseUntil)
		}
	}
	keys := []string{
		s.keys.ticketSeq(),
		s.keys.activeTickets(),
		s.keys.queue(),
		s.keys.leases(),
		oldClaims,
		s.keys.claims(out.VolunteerID),
	}
	id, err := saveTicketCmd.Run(ctx, s.client, keys,
		s.keys.ticketPrefix(),
		strconv.FormatInt(out.ID, 10),
		strconv.FormatInt(in.Version, 10),
		strconv.FormatInt(out.Version, 10),
		data,
		oldResident,
		strconv.FormatInt(out.ResidentID, 10),
		boolField(out.Active()),
		queueScore,
		leaseScore,
		claimScore,
	).Int64()
	switch {
	case err != nil:
		return domain.Ticket{}, wrapErr(op, err)
	case id == 0:
		return domain.Ticket{}, fmt.Errorf("redis: %s: %w: stored version is not %d", op, storage.ErrConflict, in.Version)
	case id == -1:
		return domain.Ticket{}, fmt.Errorf("redis: %s: %w: resident %d already has an active ticket", op, storage.ErrConflict, out.ResidentID)
	case id < 0:
		return domain.Ticket{}, fmt.Errorf("redis: %s: the ticket id counter %s is behind the stored tickets", op, s.keys.ticketSeq())
	}
	out.ID = id
	return out, nil
}

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
	rank, err := s.client.ZRank(ctx, s.keys.queue(), ticketMember(id)).Result()
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
