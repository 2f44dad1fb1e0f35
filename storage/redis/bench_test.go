package redis_test

import (
	"testing"

	"github.com/hotroso/hotroso/storage"
	"github.com/hotroso/hotroso/storage/storagetest"
)

// BenchmarkStore runs the shared storage benchmarks on REDIS_TEST_URL, or
// on miniredis.
func BenchmarkStore(b *testing.B) {
	storagetest.Bench(b, func(t testing.TB) storage.Store { return openStore(t, nil) })
}
