package domain

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestACommuneOrganizerActsWithinTheirCommune(t *testing.T) {
	province := User{ID: 1, Role: RoleOrganizer}
	commune := User{ID: 2, Role: RoleOrganizer, Scope: "15499"}
	volunteer := User{ID: 3, Role: RoleVolunteer, Commune: "15499"}

	assert.True(t, province.MayInvite(RoleOrganizer, ""))
	assert.True(t, province.MayInvite(RoleOrganizer, "16531"))
	assert.True(t, commune.MayInvite(RoleVolunteer, "15499"))
	assert.True(t, commune.MayInvite(RoleOrganizer, "15499"))
	assert.False(t, commune.MayInvite(RoleOrganizer, ""), "not a province organizer")
	assert.False(t, commune.MayInvite(RoleVolunteer, "16531"), "not into another commune")
	assert.False(t, volunteer.MayInvite(RoleVolunteer, "15499"))

	assert.True(t, commune.Covers("15499"))
	assert.False(t, commune.Covers("16531"))
	assert.False(t, commune.Covers(""), "a volunteer of no commune is not theirs")
	assert.Equal(t, "15499", commune.Home())
	assert.Equal(t, "15499", volunteer.Home())

	all, ok := commune.Limit(Audience{Kind: "all"})
	assert.True(t, ok)
	assert.Equal(t, Audience{Kind: "all", Scope: "15499"}, all)
	_, ok = commune.Limit(Audience{Kind: "commune", Commune: "16531"})
	assert.False(t, ok, "another commune")
	same, ok := province.Limit(Audience{Kind: "commune", Commune: "16531"})
	assert.True(t, ok)
	assert.Empty(t, same.Scope)

	mine, theirs := Broadcast{ID: 1, CreatedBy: 2, State: BroadcastRunning}, Broadcast{ID: 2, CreatedBy: 1, State: BroadcastRunning}
	require.NoError(t, mine.Pause(commune))
	require.ErrorIs(t, theirs.Pause(commune), ErrNotAllowed, "another organizer's broadcast")
	require.NoError(t, theirs.Cancel(province, time.Now()), "a province organizer steers any")
}
