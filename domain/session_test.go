package domain

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Sessions stored before Awaiting was typed kept it as a string; they read
// as the same awaited input, and a new one round-trips.
func TestAwaitingReadsTheOldStrings(t *testing.T) {
	for stored, want := range map[string]Awaiting{
		`"name"`:     Await(AwaitName, 0),
		`"commune"`:  Await(AwaitCommune, 0),
		`"bc"`:       Await(AwaitBroadcast, 0),
		`"bcc:12"`:   Await(AwaitBroadcastCommune, 12),
		`"bct:7"`:    Await(AwaitBroadcastTime, 7),
		`""`:         {},
		`"whatever"`: {},
	} {
		var s Session
		require.NoError(t, json.Unmarshal([]byte(`{"chat_id":1,"flow":"vneid","step":"prep","awaiting":`+stored+`}`), &s), stored)
		assert.Equal(t, want, s.Awaiting, stored)
		assert.Equal(t, "prep", s.Step, "the position is read alongside")
	}
	in := Session{ChatID: 1, Awaiting: Await(AwaitBroadcastTime, 42)}
	data, err := json.Marshal(in)
	require.NoError(t, err)
	var out Session
	require.NoError(t, json.Unmarshal(data, &out))
	assert.Equal(t, in, out)
	data, err = json.Marshal(Session{ChatID: 2})
	require.NoError(t, err)
	assert.NotContains(t, string(data), "awaiting", "nothing awaited, nothing stored")
}
