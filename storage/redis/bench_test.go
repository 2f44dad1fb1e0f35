package redis_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotroso/hotroso/storage"
)

func BenchmarkSaveSession(b *testing.B) {
	ctx := context.Background()
	s := openStore(b, nil)
	sess := storage.Session{ChatID: 1, FlowID: "report", Step: "where",
		Answers: map[string]string{"commune": "26734"}, History: []string{"start"}}
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if sess, err = s.SaveSession(ctx, sess); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFirstSeen(b *testing.B) {
	ctx := context.Background()
	s := openStore(b, nil)
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

// BenchmarkSaveTicket measures the ticket compare-and-set with its index
// updates: Claim alternates one ticket between claimed (with a lease) and
// open; Create makes a new ticket for a new resident each time.
func BenchmarkSaveTicket(b *testing.B) {
	ctx := context.Background()
	b.Run("Claim", func(b *testing.B) {
		s := openStore(b, nil)
		benchClaim(ctx, b, s)
	})
	b.Run("Create", func(b *testing.B) {
		s := openStore(b, nil)
		benchCreate(ctx, b, s)
	})
}

func benchClaim(ctx context.Context, b *testing.B, s storage.Store) {
	now := time.Now()
	t, err := s.SaveTicket(ctx, storage.Ticket{ResidentID: 1, State: storage.TicketOpen, CreatedAt: now,
		Question: "Nhà tôi bị ngập, tôi cần làm gì?", Answers: map[string]string{"commune": "26734"}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if t.State == storage.TicketOpen {
			t.State, t.VolunteerID, t.ClaimedAt, t.LeaseUntil = storage.TicketClaimed, 500, now, now.Add(10*time.Minute)
		} else {
			t.State, t.VolunteerID, t.ClaimedAt, t.LeaseUntil = storage.TicketOpen, 0, time.Time{}, time.Time{}
		}
		if t, err = s.SaveTicket(ctx, t); err != nil {
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
		_, err := s.SaveTicket(ctx, storage.Ticket{ResidentID: resident, State: storage.TicketOpen, CreatedAt: now,
			Question: "Nhà tôi bị ngập, tôi cần làm gì?", Answers: map[string]string{"commune": "26734"}})
		if err != nil {
			b.Fatal(err)
		}
	}
}
