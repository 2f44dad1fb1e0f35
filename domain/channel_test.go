package domain

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWebAndTelegramIDsNeverCollide(t *testing.T) {
	telegram := []int64{1, 41, 777000, 5_000_000_000, TelegramIDLimit - 1, -1, -100123456, -1001234567890, -(TelegramIDLimit - 1)}
	for _, id := range telegram {
		assert.Equal(t, ChannelTelegram, ChannelOf(id), "Telegram id %d", id)
	}
	for _, n := range []uint64{0, 1, 1 << 52, 1<<59 - 1, 1 << 59, math.MaxUint64} {
		id := WebID(n)
		assert.Equal(t, ChannelWeb, ChannelOf(id), "web id of %d", n)
		assert.GreaterOrEqual(t, id, TelegramIDLimit, "above every Telegram id")
	}
	seen := map[int64]bool{}
	for range 1000 {
		id, err := NewWebID()
		require.NoError(t, err)
		require.True(t, IsWebID(id))
		require.False(t, seen[id], "random web ids differ")
		seen[id] = true
	}
	assert.False(t, IsWebID(math.MaxInt64), "the range ends below the int64 limit")
	assert.False(t, IsWebID(math.MinInt64))
}

func TestAssistChannelDefaultsToTelegram(t *testing.T) {
	assert.Equal(t, ChannelTelegram, Assist{}.AssistChannel())
	assert.Equal(t, ChannelWeb, Assist{Channel: ChannelWeb}.AssistChannel())
}
