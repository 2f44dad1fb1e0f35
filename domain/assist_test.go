package domain

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAssistWeightCountsPeopleOfAnInPersonRecord(t *testing.T) {
	assert.Equal(t, 1, Assist{Kind: AssistFlow}.Weight())
	assert.Equal(t, 1, Assist{Kind: AssistInPerson}.Weight(), "no count given: one person")
	assert.Equal(t, 5, Assist{Kind: AssistInPerson, People: 5}.Weight())
}

func TestOrganizerScopeCoversItsCommuneOnly(t *testing.T) {
	province := User{Role: RoleOrganizer}
	commune := User{Role: RoleOrganizer, Scope: "16015"}
	assert.True(t, province.Covers("16015"))
	assert.True(t, province.Covers(""), "the unknown commune is the province's")
	assert.True(t, commune.Covers("16015"))
	assert.False(t, commune.Covers("16018"))
	assert.False(t, commune.Covers(""))
	assert.False(t, User{Role: RoleVolunteer}.Covers("16015"), "only organizers have a scope")
}
