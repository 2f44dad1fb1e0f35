package storagetest

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/storage"
)

func (s suite) testWeeklyReports(t *testing.T) {
	t.Run("ClaimedOnce", s.testWeeklyClaimedOnce)
	t.Run("OnceAcrossInstances", s.testWeeklyOnceAcross)
}

func (s suite) testWeeklyClaimedOnce(t *testing.T) {
	st, clock := s.store(t)
	now := clock.Now()
	ok, err := st.ClaimWeeklyReport(ctx(t), "2026-03-02", 900, now)
	require.NoError(t, err)
	assert.True(t, ok, "the first claim")
	ok, err = st.ClaimWeeklyReport(ctx(t), "2026-03-02", 900, now.Add(time.Hour))
	require.NoError(t, err)
	assert.False(t, ok, "claimed already")
	ok, err = st.ClaimWeeklyReport(ctx(t), "2026-03-02", 901, now)
	require.NoError(t, err)
	assert.True(t, ok, "another organizer's report")
	ok, err = st.ClaimWeeklyReport(ctx(t), "2026-03-09", 900, now.Add(7*24*time.Hour))
	require.NoError(t, err)
	assert.True(t, ok, "the next week")
	ok, err = st.ClaimWeeklyReport(ctx(t), "2026-03-02", 900, now.Add(storage.WeeklyClaimKept/2))
	require.NoError(t, err)
	assert.False(t, ok, "still kept weeks later")
}

func (s suite) testWeeklyOnceAcross(t *testing.T) {
	a, b, clock := s.pair(t)
	now := clock.Now()
	var won atomic.Int32
	onBoth(a, b, 10, func(st storage.Store) {
		ok, err := st.ClaimWeeklyReport(ctx(t), "2026-03-02", 900, now)
		assert.NoError(t, err)
		if ok {
			won.Add(1)
		}
	})
	assert.Equal(t, int32(1), won.Load(), "one claimer of ten")
}
