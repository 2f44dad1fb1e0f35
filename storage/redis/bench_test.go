package redis_test

import (
	"context"
	"sync/atomic"
	"testing"

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
