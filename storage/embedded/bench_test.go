package embedded_test

import (
	"path/filepath"
	"testing"

	"github.com/hotroso/hotroso/storage"
	"github.com/hotroso/hotroso/storage/storagetest"
)

// BenchmarkStore runs the shared storage benchmarks on a bbolt file.
func BenchmarkStore(b *testing.B) {
	storagetest.Bench(b, func(t testing.TB) storage.Store {
		return openStore(t, filepath.Join(t.TempDir(), "hotroso.db"))
	})
}
