package storagetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
)

func (s suite) testFollowUps(t *testing.T) {
	t.Run("DueInOrderAndLeased", s.testFollowUpsDue)
	t.Run("OnePerResident", s.testFollowUpsOnePerResident)
	t.Run("AskedThenAnsweredOnce", s.testFollowUpsAnswered)
	t.Run("AnsweredBeforeMarkedAsked", s.testFollowUpsAnsweredBeforeMarked)
	t.Run("AnswerWindowLapses", s.testFollowUpsLapse)
	t.Run("TakenButReplacedOrDropped", s.testFollowUpsReplacedWhileTaken)
	t.Run("Canceled", s.testFollowUpsCanceled)
	t.Run("EachToOneTaker", s.testFollowUpsOneTaker)
	t.Run("ErasedWithTheResident", s.testFollowUpsErased)
}

// followUp is a follow-up of the resident due at the given time, to the
// millisecond (Redis keeps scores in milliseconds).
func followUp(resident int64, flow string, due time.Time) domain.FollowUp {
	return domain.FollowUp{ResidentID: resident, FlowID: flow, Step: flow + "_done", DueAt: due.Truncate(time.Millisecond).UTC()}
}

func followUpResidents(fs []domain.FollowUp) []int64 {
	out := []int64{}
	for _, f := range fs {
		out = append(out, f.ResidentID)
	}
	return out
}

func (s suite) testFollowUpsDue(t *testing.T) {
	st, clock := s.store(t)
	now := clock.Now().Truncate(time.Millisecond)
	require.NoError(t, st.ScheduleFollowUp(ctx(t), followUp(3, "payment", now.Add(time.Minute))))
	require.NoError(t, st.ScheduleFollowUp(ctx(t), followUp(2, "dossier", now)))
	require.NoError(t, st.ScheduleFollowUp(ctx(t), followUp(1, "dossier", now.Add(-time.Second))))

	none, err := st.TakeDueFollowUps(ctx(t), now.Add(-2*time.Second), time.Minute, 10)
	require.NoError(t, err)
	assert.Empty(t, none, "nothing due yet")
	due, err := st.TakeDueFollowUps(ctx(t), now, time.Minute, 10)
	require.NoError(t, err)
	require.Equal(t, []int64{1, 2}, followUpResidents(due), "due ones, earliest first")
	assert.Equal(t, followUp(1, "dossier", now.Add(-time.Second)), due[0], "as scheduled")
	again, err := st.TakeDueFollowUps(ctx(t), now.Add(30*time.Second), time.Minute, 10)
	require.NoError(t, err)
	assert.Empty(t, again, "taken ones wait out their lease")
	later, err := st.TakeDueFollowUps(ctx(t), now.Add(2*time.Minute), time.Minute, 2)
	require.NoError(t, err)
	assert.Len(t, later, 2, "the limit holds")
	rest, err := st.TakeDueFollowUps(ctx(t), now.Add(2*time.Minute), time.Minute, 10)
	require.NoError(t, err)
	assert.Len(t, rest, 1, "a taker that never finished leaves them to be taken again")
}

func (s suite) testFollowUpsOnePerResident(t *testing.T) {
	st, clock := s.store(t)
	now := clock.Now()
	require.NoError(t, st.ScheduleFollowUp(ctx(t), followUp(5, "dossier", now.Add(time.Hour))))
	require.NoError(t, st.ScheduleFollowUp(ctx(t), followUp(5, "payment", now.Add(2*time.Hour))))
	early, err := st.TakeDueFollowUps(ctx(t), now.Add(time.Hour+time.Second), time.Minute, 10)
	require.NoError(t, err)
	assert.Empty(t, early, "the later follow-up replaced the earlier")
	due, err := st.TakeDueFollowUps(ctx(t), now.Add(3*time.Hour), time.Minute, 10)
	require.NoError(t, err)
	require.Len(t, due, 1)
	assert.Equal(t, "payment", due[0].FlowID)
}

// askOne schedules, takes and marks asked a follow-up of the resident,
// open for answers for window.
func askOne(t *testing.T, st storage.Store, resident int64, flow string, now time.Time, window time.Duration) domain.FollowUp {
	t.Helper()
	require.NoError(t, st.ScheduleFollowUp(ctx(t), followUp(resident, flow, now)))
	taken, err := st.TakeDueFollowUps(ctx(t), now, time.Minute, 10)
	require.NoError(t, err)
	require.Len(t, taken, 1)
	asked, err := st.MarkFollowUpAsked(ctx(t), taken[0], now.Add(window))
	require.NoError(t, err)
	require.True(t, asked)
	return taken[0]
}

func (s suite) testFollowUpsAnswered(t *testing.T) {
	st, clock := s.store(t)
	now := clock.Now().Truncate(time.Millisecond)
	f := askOne(t, st, 7, "dossier", now, 24*time.Hour)
	again, err := st.MarkFollowUpAsked(ctx(t), f, now.Add(time.Hour))
	require.NoError(t, err)
	assert.False(t, again, "asked once")
	taken, err := st.TakeDueFollowUps(ctx(t), now.Add(time.Hour), time.Minute, 10)
	require.NoError(t, err)
	assert.Empty(t, taken, "an asked follow-up is not handed out again")

	_, err = st.AnswerFollowUp(ctx(t), 7, "payment", now.Add(time.Hour))
	require.ErrorIs(t, err, storage.ErrNotFound, "an answer about another flow")
	_, err = st.AnswerFollowUp(ctx(t), 8, "dossier", now.Add(time.Hour))
	require.ErrorIs(t, err, storage.ErrNotFound, "another resident")
	got, err := st.AnswerFollowUp(ctx(t), 7, "dossier", now.Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, f, got)
	_, err = st.AnswerFollowUp(ctx(t), 7, "dossier", now.Add(time.Hour))
	require.ErrorIs(t, err, storage.ErrNotFound, "answered once")

	require.NoError(t, st.ScheduleFollowUp(ctx(t), followUp(9, "payment", now.Add(time.Hour))))
	_, err = st.AnswerFollowUp(ctx(t), 9, "payment", now)
	require.ErrorIs(t, err, storage.ErrNotFound, "not due yet")
}

// An answer may overtake the record that its question was asked: a due
// follow-up, taken and sent, is answered once before MarkFollowUpAsked.
func (s suite) testFollowUpsAnsweredBeforeMarked(t *testing.T) {
	st, clock := s.store(t)
	now := clock.Now().Truncate(time.Millisecond)
	require.NoError(t, st.ScheduleFollowUp(ctx(t), followUp(6, "dossier", now)))
	taken, err := st.TakeDueFollowUps(ctx(t), now, time.Minute, 10)
	require.NoError(t, err)
	require.Len(t, taken, 1)
	_, err = st.AnswerFollowUp(ctx(t), 6, "payment", now)
	require.ErrorIs(t, err, storage.ErrNotFound, "about another flow")
	got, err := st.AnswerFollowUp(ctx(t), 6, "dossier", now)
	require.NoError(t, err)
	assert.Equal(t, taken[0], got)
	asked, err := st.MarkFollowUpAsked(ctx(t), taken[0], now.Add(time.Hour))
	require.NoError(t, err)
	assert.False(t, asked, "answered already")
	_, err = st.AnswerFollowUp(ctx(t), 6, "dossier", now)
	require.ErrorIs(t, err, storage.ErrNotFound, "answered once")
	gone, err := st.TakeDueFollowUps(ctx(t), now.Add(time.Hour), time.Minute, 10)
	require.NoError(t, err)
	assert.Empty(t, gone, "nothing left to ask")
}

func (s suite) testFollowUpsLapse(t *testing.T) {
	st, clock := s.store(t)
	now := clock.Now().Truncate(time.Millisecond)
	askOne(t, st, 7, "dossier", now, time.Hour)
	_, err := st.AnswerFollowUp(ctx(t), 7, "dossier", now.Add(time.Hour))
	require.ErrorIs(t, err, storage.ErrNotFound, "the answer window has passed")
	taken, err := st.TakeDueFollowUps(ctx(t), now.Add(time.Hour), time.Minute, 10)
	require.NoError(t, err)
	assert.Empty(t, taken, "a lapsed question is dropped, not asked again")
	_, err = st.AnswerFollowUp(ctx(t), 7, "dossier", now.Add(time.Minute))
	require.ErrorIs(t, err, storage.ErrNotFound, "dropped")

	// A new follow-up replaces an asked one.
	askOne(t, st, 8, "dossier", now, time.Hour)
	require.NoError(t, st.ScheduleFollowUp(ctx(t), followUp(8, "payment", now.Add(time.Minute))))
	_, err = st.AnswerFollowUp(ctx(t), 8, "dossier", now)
	require.ErrorIs(t, err, storage.ErrNotFound, "replaced")
	due, err := st.TakeDueFollowUps(ctx(t), now.Add(time.Minute), time.Minute, 10)
	require.NoError(t, err)
	assert.Equal(t, []int64{8}, followUpResidents(due))
}

func (s suite) testFollowUpsReplacedWhileTaken(t *testing.T) {
	st, clock := s.store(t)
	now := clock.Now().Truncate(time.Millisecond)
	require.NoError(t, st.ScheduleFollowUp(ctx(t), followUp(4, "dossier", now)))
	taken, err := st.TakeDueFollowUps(ctx(t), now, time.Minute, 10)
	require.NoError(t, err)
	require.Len(t, taken, 1)
	newer := followUp(4, "payment", now.Add(time.Hour))
	require.NoError(t, st.ScheduleFollowUp(ctx(t), newer))
	asked, err := st.MarkFollowUpAsked(ctx(t), taken[0], now.Add(time.Hour))
	require.NoError(t, err)
	assert.False(t, asked, "the taken follow-up was replaced meanwhile")
	require.NoError(t, st.DropFollowUp(ctx(t), taken[0]))
	due, err := st.TakeDueFollowUps(ctx(t), now.Add(time.Hour), time.Minute, 10)
	require.NoError(t, err)
	require.Equal(t, []domain.FollowUp{newer}, due, "dropping the old one leaves the new")
	require.NoError(t, st.DropFollowUp(ctx(t), newer))
	require.NoError(t, st.DropFollowUp(ctx(t), newer), "dropping twice is fine")
	gone, err := st.TakeDueFollowUps(ctx(t), now.Add(3*time.Hour), time.Minute, 10)
	require.NoError(t, err)
	assert.Empty(t, gone, "dropped")
}

func (s suite) testFollowUpsCanceled(t *testing.T) {
	st, clock := s.store(t)
	now := clock.Now().Truncate(time.Millisecond)
	require.NoError(t, st.ScheduleFollowUp(ctx(t), followUp(1, "dossier", now)))
	require.NoError(t, st.ScheduleFollowUp(ctx(t), followUp(2, "dossier", now)))
	askOne(t, st, 3, "payment", now.Add(-time.Minute), time.Hour)
	require.NoError(t, st.CancelFollowUps(ctx(t), 1))
	require.NoError(t, st.CancelFollowUps(ctx(t), 3))
	require.NoError(t, st.CancelFollowUps(ctx(t), 99), "none is fine")
	_, err := st.AnswerFollowUp(ctx(t), 3, "payment", now)
	require.ErrorIs(t, err, storage.ErrNotFound, "an asked one is canceled too")
	due, err := st.TakeDueFollowUps(ctx(t), now, time.Minute, 10)
	require.NoError(t, err)
	assert.Equal(t, []int64{2}, followUpResidents(due))
}

func (s suite) testFollowUpsOneTaker(t *testing.T) {
	a, b, clock := s.pair(t)
	now := clock.Now()
	const n = 40
	for i := range n {
		require.NoError(t, a.ScheduleFollowUp(ctx(t), followUp(int64(1000+i), "dossier", now.Add(-time.Duration(i)*time.Second))))
	}
	eachTakenOnce(t, a, b, n, "follow-up", func(st storage.Store) ([]int64, error) {
		got, err := st.TakeDueFollowUps(ctx(t), now, time.Minute, 7)
		return followUpResidents(got), err
	})
}

func (s suite) testFollowUpsErased(t *testing.T) {
	st, clock := s.store(t)
	now := clock.Now().Truncate(time.Millisecond)
	require.NoError(t, st.ScheduleFollowUp(ctx(t), followUp(801, "dossier", now)))
	require.NoError(t, st.ScheduleFollowUp(ctx(t), followUp(802, "dossier", now)))
	askOne(t, st, 803, "payment", now.Add(-time.Hour), 24*time.Hour)
	_, err := st.EraseResident(ctx(t), 801, "")
	require.NoError(t, err)
	did, err := st.ScrubErased(ctx(t))
	require.NoError(t, err)
	assert.True(t, did, "erasing a follow-up makes a scrub due")
	_, err = st.EraseResident(ctx(t), 803, "")
	require.NoError(t, err)
	_, err = st.AnswerFollowUp(ctx(t), 803, "payment", now)
	require.ErrorIs(t, err, storage.ErrNotFound, "an asked one is erased too")
	due, err := st.TakeDueFollowUps(ctx(t), now, time.Minute, 10)
	require.NoError(t, err)
	assert.Equal(t, []int64{802}, followUpResidents(due), "only the other resident's follow-up is left")
}
