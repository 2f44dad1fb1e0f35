package storagetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/flows"
	"github.com/hotroso/hotroso/storage"
)

// Bench runs the storage benchmarks on a backend: open gives a fresh,
// empty store for each. Backends call it from a Benchmark function of
// their own, so that every backend is measured the same way.
func Bench(b *testing.B, open func(testing.TB) storage.Store) {
	b.Run("SaveSession", func(b *testing.B) { benchSaveSession(b, open) })
	b.Run("FirstSeen", func(b *testing.B) { benchFirstSeen(b, open) })
	b.Run("Ticket", func(b *testing.B) { benchTicket(b, open) })
	b.Run("TakeRecordRecipient", func(b *testing.B) { benchTakeRecordRecipient(b, open) })
	b.Run("LimiterReserve", func(b *testing.B) { benchLimiterReserve(b, open) })
}

func benchSaveSession(b *testing.B, open func(testing.TB) storage.Store) {
	ctx := context.Background()
	s := open(b)
	sess := domain.Session{ChatID: 1, Position: flows.Position{FlowID: "report", Step: "where",
		Answers: map[string]string{"commune": "26734"}, History: []string{"start"}}}
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if sess, err = s.SaveSession(ctx, sess); err != nil {
			b.Fatal(err)
		}
	}
}

func benchFirstSeen(b *testing.B, open func(testing.TB) storage.Store) {
	ctx := context.Background()
	s := open(b)
	var id atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.FirstSeen(ctx, id.Add(1)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// benchTicket measures the ticket moves with their index updates: Claim
// alternates one ticket between claimed (ClaimTicket, with a lease) and
// open (RequeueTicket); Create opens a new ticket for a new resident each
// time (OpenTicket).
func benchTicket(b *testing.B, open func(testing.TB) storage.Store) {
	ctx := context.Background()
	b.Run("Claim", func(b *testing.B) {
		s := open(b)
		benchClaim(ctx, b, s)
	})
	b.Run("Create", func(b *testing.B) {
		s := open(b)
		benchCreate(ctx, b, s)
	})
}

func benchClaim(ctx context.Context, b *testing.B, s storage.Store) {
	now := time.Now()
	t, err := s.OpenTicket(ctx, domain.Ticket{ResidentID: 1, State: domain.TicketOpen, CreatedAt: now,
		Question: "Nhà tôi bị ngập, tôi cần làm gì?", Answers: map[string]string{"commune": "26734"}})
	if err != nil {
		b.Fatal(err)
	}
	volunteer := domain.User{ID: 500, Role: domain.RoleVolunteer}
	b.ReportAllocs()
	for b.Loop() {
		if t.State == domain.TicketOpen {
			if err = t.Claim(volunteer, now, 10*time.Minute); err == nil {
				t, err = s.ClaimTicket(ctx, t)
			}
		} else if err = t.Requeue(now); err == nil {
			t, err = s.RequeueTicket(ctx, t, volunteer.ID)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

func benchCreate(ctx context.Context, b *testing.B, s storage.Store) {
	now := time.Now()
	var resident int64
	b.ReportAllocs()
	for b.Loop() {
		resident++
		_, err := s.OpenTicket(ctx, domain.Ticket{ResidentID: resident, State: domain.TicketOpen, CreatedAt: now,
			Question: "Nhà tôi bị ngập, tôi cần làm gì?", Answers: map[string]string{"commune": "26734"}})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTakeRecordRecipient measures sending's storage cost per
// recipient: taking it (alone, or in a sender's batch of 25) and recording
// its result.
func benchTakeRecordRecipient(b *testing.B, open func(testing.TB) storage.Store) {
	ctx := context.Background()
	for _, batch := range []int{1, 25} {
		b.Run(fmt.Sprintf("Batch%d", batch), func(b *testing.B) {
			s := open(b)
			benchTakeRecord(ctx, b, s, batch)
		})
	}
}

func benchTakeRecord(ctx context.Context, b *testing.B, s storage.Store, batch int) {
	now := time.Now()
	bc, err := s.CreateBroadcast(ctx, domain.Broadcast{CreatedBy: 1, State: domain.BroadcastDraft, CreatedAt: now})
	if err != nil {
		b.Fatal(err)
	}
	var next int64 // the next user id to add
	refill := func() {
		b.StopTimer()
		defer b.StartTimer()
		users := make([]int64, 10_000)
		for i := range users {
			next++
			users[i] = 7_000_000_000 + next
		}
		if err := s.AddRecipients(ctx, bc.ID, users); err != nil {
			b.Fatal(err)
		}
	}
	var taken []int64
	b.ReportAllocs()
	for b.Loop() {
		if len(taken) == 0 {
			if taken, err = s.TakeRecipients(ctx, bc.ID, batch, now); err != nil {
				b.Fatal(err)
			}
			if len(taken) == 0 {
				refill()
				if taken, err = s.TakeRecipients(ctx, bc.ID, batch, now); err != nil || len(taken) == 0 {
					b.Fatal("take after refill:", err)
				}
			}
		}
		if _, err := s.RecordDelivery(ctx, bc.ID, taken[0], domain.DeliverySent); err != nil {
			b.Fatal(err)
		}
		taken = taken[1:]
	}
}

// BenchmarkLimiterReserve measures one Reserve: Allowed reserves a send
// each time (the clock moves one interval per call); Waits is refused
// each time (the clock stands still).
func benchLimiterReserve(b *testing.B, open func(testing.TB) storage.Store) {
	ctx := context.Background()
	s := open(b)
	b.Run("Allowed", func(b *testing.B) {
		now := time.Now()
		b.ReportAllocs()
		for b.Loop() {
			now = now.Add(time.Second / 25)
			if wait, err := s.Reserve(ctx, "allowed", 25, 1, now); err != nil || wait != 0 {
				b.Fatal(wait, err)
			}
		}
	})
	b.Run("Waits", func(b *testing.B) {
		now := time.Now()
		if _, err := s.Reserve(ctx, "waits", 25, 1, now); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if wait, err := s.Reserve(ctx, "waits", 25, 1, now); err != nil || wait == 0 {
				b.Fatal(wait, err)
			}
		}
	})
}
