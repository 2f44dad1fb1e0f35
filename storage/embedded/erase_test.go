package embedded

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/domain"
)

// TestScrubErasedWipesFreedPages: bbolt frees the pages of deleted records
// without wiping them, so an erased question is still in the file until
// ScrubErased compacts it into a fresh one.
func TestScrubErasedWipesFreedPages(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hotroso.db")
	s, err := Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	const marker = "xóm Cây Gạo Đầu Đình"
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	for i := range 20 { // others' questions, so that the file has pages to spare
		_, err := s.OpenTicket(ctx, domain.Ticket{ResidentID: int64(100 + i), State: domain.TicketOpen, CreatedAt: now, Question: "câu hỏi khác"})
		require.NoError(t, err)
	}
	_, err = s.OpenTicket(ctx, domain.Ticket{ResidentID: 7, State: domain.TicketOpen, CreatedAt: now, Question: marker})
	require.NoError(t, err)
	holds := func() bool {
		raw, err := os.ReadFile(path)
		require.NoError(t, err)
		return bytes.Contains(raw, []byte(marker))
	}
	require.True(t, holds())

	_, err = s.EraseResident(ctx, 7, "")
	require.NoError(t, err)
	assert.True(t, holds(), "deleted, but still in a freed page")
	did, err := s.ScrubErased(ctx)
	require.NoError(t, err)
	require.True(t, did)
	assert.False(t, holds(), "gone after the compaction")
	tk, err := s.OpenTicket(ctx, domain.Ticket{ResidentID: 7, State: domain.TicketOpen, CreatedAt: now})
	require.NoError(t, err, "the store works on the compacted file")
	assert.Equal(t, int64(22), tk.ID, "ids go on from where they were")
}
