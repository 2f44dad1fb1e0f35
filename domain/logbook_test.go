package domain

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestALogDraftRemembersTheLatestRecordsForAnUndo(t *testing.T) {
	t0 := time.Date(2026, 3, 9, 8, 0, 0, 0, time.UTC)
	var d LogDraft
	d.Topic, d.Commune = TopicPayment, "15499"
	for i := range 7 {
		d.Logged(string(rune('a'+i)), t0.Add(time.Duration(i)*time.Minute))
	}
	assert.Empty(t, d.Topic, "the draft is cleared")
	assert.Empty(t, d.Commune)
	require.Len(t, d.Recent, maxRecentLogs)
	_, ok := d.Find("a")
	assert.False(t, ok, "the oldest are forgotten")
	g, ok := d.Find("g")
	require.True(t, ok)
	assert.True(t, g.CanUndo(g.At.Add(UndoWindow)), "up to ten minutes")
	assert.False(t, g.CanUndo(g.At.Add(UndoWindow+time.Nanosecond)))
	assert.False(t, g.CanUndo(g.At.Add(-time.Second)), "a clock that went back")
	d.Forget("g")
	_, ok = d.Find("g")
	assert.False(t, ok)

	assert.True(t, IsTopic(TopicSafety))
	assert.False(t, IsTopic("bank"))
}
