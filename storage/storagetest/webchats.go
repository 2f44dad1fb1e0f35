package storagetest

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
)

func (s suite) testWebChats(t *testing.T) {
	t.Run("KeysRotateKeepingThePrevious", s.testWebKeys)
	t.Run("LogInOrderFromAnySeq", s.testWebLog)
	t.Run("ConcurrentAppendsGetDistinctSeqs", s.testWebLogConcurrent)
	t.Run("ErasedWithTheResident", s.testWebLogErased)
}

func (s suite) testWebKeys(t *testing.T) {
	st, clock := s.store(t)
	day := 24 * time.Hour
	first, err := st.WebKeys(ctx(t), []byte("key-one-key-one-key-one-key-one!"), clock.Now(), day)
	require.NoError(t, err)
	require.Len(t, first, 1, "the first call makes a key")
	assert.Equal(t, []byte("key-one-key-one-key-one-key-one!"), first[0].Secret)
	again, err := st.WebKeys(ctx(t), []byte("other"), clock.Now().Add(time.Hour), day)
	require.NoError(t, err)
	require.Len(t, again, 1, "a young key is kept; the candidate is not used")
	assert.Equal(t, first[0].Secret, again[0].Secret)
	assert.WithinDuration(t, clock.Now(), again[0].CreatedAt, time.Millisecond)

	rotated, err := st.WebKeys(ctx(t), []byte("key-two"), clock.Now().Add(day), day)
	require.NoError(t, err)
	require.Len(t, rotated, 2)
	assert.Equal(t, []byte("key-two"), rotated[0].Secret, "the new key is current")
	assert.Equal(t, first[0].Secret, rotated[1].Secret, "the old one is still accepted")
	third, err := st.WebKeys(ctx(t), []byte("key-three"), clock.Now().Add(3*day), day)
	require.NoError(t, err)
	require.Len(t, third, 2, "only the previous key is kept")
	assert.Equal(t, [][]byte{[]byte("key-three"), []byte("key-two")}, [][]byte{third[0].Secret, third[1].Secret})
}

func (s suite) testWebLog(t *testing.T) {
	st, clock := s.store(t)
	chat, other := domain.WebID(7), domain.WebID(8)
	empty, err := st.WebMessages(ctx(t), chat, 0, 10)
	require.NoError(t, err)
	assert.Empty(t, empty)
	image := bytes.Repeat([]byte{0x89, 'P', 'N', 'G', 0}, 1000)
	for i := 1; i <= 5; i++ {
		m := domain.WebMessage{From: domain.WebFromDesk, Text: fmt.Sprintf("tin %d <b>", i), At: clock.Now(),
			Buttons: [][]domain.WebButton{{{Label: "Menu", Data: "m"}}}}
		var img []byte
		if i == 3 {
			m.ImageType, img = "image/png", image
		}
		got, err := st.AppendWebMessage(ctx(t), chat, m, img)
		require.NoError(t, err)
		assert.Equal(t, int64(i), got.Seq)
	}
	mine, err := st.AppendWebMessage(ctx(t), other, domain.WebMessage{From: domain.WebFromResident, Text: "khác"}, nil)
	require.NoError(t, err)
	assert.Equal(t, int64(1), mine.Seq, "each chat counts its own")

	after2, err := st.WebMessages(ctx(t), chat, 2, 2)
	require.NoError(t, err)
	require.Len(t, after2, 2)
	assert.Equal(t, []int64{3, 4}, []int64{after2[0].Seq, after2[1].Seq})
	assert.Equal(t, "tin 3 <b>", after2[0].Text)
	assert.Equal(t, "image/png", after2[0].ImageType)
	assert.Equal(t, "Menu", after2[0].Buttons[0][0].Label)
	tail, err := st.WebMessages(ctx(t), chat, 4, 100)
	require.NoError(t, err)
	require.Len(t, tail, 1)
	none, err := st.WebMessages(ctx(t), chat, 5, 100)
	require.NoError(t, err)
	assert.Empty(t, none)

	got, err := st.WebImage(ctx(t), chat, 3)
	require.NoError(t, err)
	assert.Equal(t, image, got)
	_, err = st.WebImage(ctx(t), chat, 2)
	assert.ErrorIs(t, err, storage.ErrNotFound)
	_, err = st.WebImage(ctx(t), other, 3)
	assert.ErrorIs(t, err, storage.ErrNotFound)
}

func (s suite) testWebLogConcurrent(t *testing.T) {
	st, _ := s.store(t)
	chat := domain.WebID(9)
	var wg sync.WaitGroup
	seqs := make([]int64, 20)
	for i := range seqs {
		wg.Go(func() {
			m, err := st.AppendWebMessage(ctx(t), chat, domain.WebMessage{From: domain.WebFromDesk, Text: fmt.Sprint(i)}, nil)
			assert.NoError(t, err)
			seqs[i] = m.Seq
		})
	}
	wg.Wait()
	all, err := st.WebMessages(ctx(t), chat, 0, 100)
	require.NoError(t, err)
	require.Len(t, all, 20)
	for i, m := range all {
		assert.Equal(t, int64(i+1), m.Seq)
		assert.Equal(t, m.Text, fmt.Sprint(indexOf(seqs, m.Seq)))
	}
}

func indexOf(xs []int64, x int64) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}

func (s suite) testWebLogErased(t *testing.T) {
	st, clock := s.store(t)
	chat, other := domain.WebID(10), domain.WebID(11)
	for _, c := range []int64{chat, other} {
		_, err := st.AppendWebMessage(ctx(t), c, domain.WebMessage{From: domain.WebFromResident, Text: "số tôi là ••••", At: clock.Now()}, []byte("img"))
		require.NoError(t, err)
	}
	_, err := st.EraseResident(ctx(t), chat, "")
	require.NoError(t, err)
	gone, err := st.WebMessages(ctx(t), chat, 0, 10)
	require.NoError(t, err)
	assert.Empty(t, gone)
	_, err = st.WebImage(ctx(t), chat, 1)
	assert.ErrorIs(t, err, storage.ErrNotFound)
	next, err := st.AppendWebMessage(ctx(t), chat, domain.WebMessage{From: domain.WebFromDesk, Text: "đã xoá"}, nil)
	require.NoError(t, err)
	assert.Equal(t, int64(2), next.Seq, "seqs go on after an erasure, so a page that had 1 gets the next")
	first, err := st.WebMessages(ctx(t), chat, 0, 1)
	require.NoError(t, err)
	require.Len(t, first, 1, "the limit counts messages, not the erased seqs before them")
	assert.Equal(t, "đã xoá", first[0].Text)
	kept, err := st.WebMessages(ctx(t), other, 0, 10)
	require.NoError(t, err)
	assert.Len(t, kept, 1, "another resident's conversation stays")
	did, err := st.ScrubErased(ctx(t))
	require.NoError(t, err)
	assert.True(t, did, "an erased conversation makes a scrub due")
}
