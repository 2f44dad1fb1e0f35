package storagetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
)

func (s suite) testOutbox(t *testing.T) {
	t.Run("DueInOrderAndLeased", s.testOutboxDue)
	t.Run("RescheduleAndDelete", s.testOutboxReschedule)
	t.Run("EachRelayToOneTaker", s.testOutboxOneTaker)
	t.Run("ErasedWithTheResident", s.testOutboxErased)
}

func relay(chat int64, text string, due time.Time) domain.Outgoing {
	return domain.Outgoing{ChatID: chat, Text: text, NextAt: due, CreatedAt: due}
}

func relayIDs(os []domain.Outgoing) []int64 {
	out := []int64{}
	for _, o := range os {
		out = append(out, o.ID)
	}
	return out
}

func (s suite) testOutboxDue(t *testing.T) {
	st, clock := s.store(t)
	now := clock.Now()
	late, err := st.QueueOutgoing(ctx(t), relay(1, "sau", now.Add(time.Minute)))
	require.NoError(t, err)
	first, err := st.QueueOutgoing(ctx(t), relay(2, "trước", now.Add(-time.Second)))
	require.NoError(t, err)
	copied, err := st.QueueOutgoing(ctx(t), domain.Outgoing{ChatID: 3, Text: "ảnh", CopyFromChat: 9, CopyMessageID: 44, NextAt: now, CreatedAt: now})
	require.NoError(t, err)
	assert.NotEqual(t, first.ID, late.ID)

	due, err := st.TakeDueOutgoing(ctx(t), now, time.Minute, 10)
	require.NoError(t, err)
	require.Equal(t, []int64{first.ID, copied.ID}, relayIDs(due), "due ones, earliest first")
	assert.Equal(t, "trước", due[0].Text)
	assert.Equal(t, int64(9), due[1].CopyFromChat)
	assert.Equal(t, 44, due[1].CopyMessageID)
	again, err := st.TakeDueOutgoing(ctx(t), now.Add(30*time.Second), time.Minute, 10)
	require.NoError(t, err)
	assert.Empty(t, again, "taken ones wait out their lease")
	later, err := st.TakeDueOutgoing(ctx(t), now.Add(2*time.Minute), time.Minute, 2)
	require.NoError(t, err)
	assert.Len(t, later, 2, "the limit holds")
}

func (s suite) testOutboxReschedule(t *testing.T) {
	st, clock := s.store(t)
	now := clock.Now()
	o, err := st.QueueOutgoing(ctx(t), relay(1, "x", now))
	require.NoError(t, err)
	taken, err := st.TakeDueOutgoing(ctx(t), now, time.Hour, 10)
	require.NoError(t, err)
	require.Len(t, taken, 1)
	o = taken[0]
	o.Attempts, o.NextAt = 1, now.Add(10*time.Second)
	require.NoError(t, st.RescheduleOutgoing(ctx(t), o))
	due, err := st.TakeDueOutgoing(ctx(t), now.Add(10*time.Second), time.Minute, 10)
	require.NoError(t, err)
	require.Len(t, due, 1, "due at the rescheduled time, not the lease")
	assert.Equal(t, 1, due[0].Attempts)
	require.NoError(t, st.DeleteOutgoing(ctx(t), o.ID))
	require.NoError(t, st.DeleteOutgoing(ctx(t), o.ID), "deleting twice is fine")
	require.NoError(t, st.RescheduleOutgoing(ctx(t), o), "rescheduling a deleted relay is fine")
	gone, err := st.TakeDueOutgoing(ctx(t), now.Add(time.Hour), time.Minute, 10)
	require.NoError(t, err)
	assert.Empty(t, gone, "a rescheduled deleted relay does not come back")
}

func (s suite) testOutboxOneTaker(t *testing.T) {
	a, b, clock := s.pair(t)
	now := clock.Now()
	const n = 40
	for i := range n {
		_, err := a.QueueOutgoing(ctx(t), relay(int64(i), "x", now))
		require.NoError(t, err)
	}
	eachTakenOnce(t, a, b, n, "relay", func(st storage.Store) ([]int64, error) {
		got, err := st.TakeDueOutgoing(ctx(t), now, time.Minute, 7)
		return relayIDs(got), err
	})
}

func (s suite) testOutboxErased(t *testing.T) {
	st, clock := s.store(t)
	now := clock.Now()
	_, err := st.QueueOutgoing(ctx(t), relay(801, "to the resident", now))
	require.NoError(t, err)
	_, err = st.QueueOutgoing(ctx(t), domain.Outgoing{ChatID: 900, CopyFromChat: 801, CopyMessageID: 3, NextAt: now, CreatedAt: now})
	require.NoError(t, err)
	other, err := st.QueueOutgoing(ctx(t), relay(802, "someone else", now))
	require.NoError(t, err)
	_, err = st.EraseResident(ctx(t), 801, "")
	require.NoError(t, err)
	due, err := st.TakeDueOutgoing(ctx(t), now, time.Minute, 10)
	require.NoError(t, err)
	assert.Equal(t, []int64{other.ID}, relayIDs(due), "only the other resident's relay is left")
	did, err := st.ScrubErased(ctx(t))
	require.NoError(t, err)
	assert.True(t, did, "erasing relays makes a scrub due")
}
