package storagetest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/domain"
)

// testChatState: ChatState reads what GetUser and GetSession read, and
// says which is missing.
func (s suite) testChatState(t *testing.T) {
	st, clock := s.store(t)
	now := clock.Now()
	got, err := st.ChatState(ctx(t), 11, 11)
	require.NoError(t, err)
	assert.False(t, got.HasUser)
	assert.False(t, got.HasSession)

	u := domain.User{ID: 11, Role: domain.RoleVolunteer, Language: "en", DisplayName: "Lan", CreatedAt: now, UpdatedAt: now}
	require.NoError(t, st.PutUser(ctx(t), u))
	got, err = st.ChatState(ctx(t), 11, 11)
	require.NoError(t, err)
	require.True(t, got.HasUser)
	assert.False(t, got.HasSession)
	want, err := st.GetUser(ctx(t), 11)
	require.NoError(t, err)
	assert.Equal(t, want, got.User)

	saved, err := st.SaveSession(ctx(t), domain.Session{ChatID: -100, Draft: "chào"})
	require.NoError(t, err)
	got, err = st.ChatState(ctx(t), 11, -100)
	require.NoError(t, err)
	require.True(t, got.HasSession, "a group chat's session with a user's")
	assert.Equal(t, saved, got.Session)
	got, err = st.ChatState(ctx(t), 12, -100)
	require.NoError(t, err)
	assert.False(t, got.HasUser)
	assert.True(t, got.HasSession)
}
