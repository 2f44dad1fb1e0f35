package domain

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/hotroso/hotroso/flows"
)

// Session is one chat's state: where it stands in a guided flow, and the
// desk's own (what typed text is awaited, a draft, a volunteer's current
// ticket). Version is the compare-and-set token: 0 for a session never
// stored.
type Session struct {
	ChatID int64 `json:"chat_id"`
	flows.Position
	// Awaiting is what the chat's next typed text is for, if anything.
	Awaiting Awaiting `json:"awaiting,omitzero"`
	// Draft is a text the desk could not place (already masked), kept so
	// the resident can send it to a volunteer with one tap.
	Draft string `json:"draft,omitempty"`
	// CurrentTicket is, for a volunteer, the claimed ticket their messages
	// are relayed to.
	CurrentTicket int64 `json:"current_ticket,omitempty"`
	// Log is a volunteer's /log in progress and their latest in-person
	// records.
	Log       LogDraft  `json:"log,omitzero"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int64     `json:"version"`
}

// AwaitKind names what typed text the desk awaits from a chat.
type AwaitKind string

// What the desk may await.
const (
	AwaitName             AwaitKind = "name"              // a new volunteer's display name
	AwaitCommune          AwaitKind = "commune"           // a commune's name, to search
	AwaitBroadcast        AwaitKind = "broadcast"         // an announcement's text or photo
	AwaitBroadcastCommune AwaitKind = "broadcast_commune" // the commune a broadcast goes to
	AwaitBroadcastTime    AwaitKind = "broadcast_time"    // when a broadcast goes out
	AwaitLogCommune       AwaitKind = "log_commune"       // the commune of in-person help (/log), to search
	AwaitLogPeople        AwaitKind = "log_people"        // how many people were helped (/log)
	AwaitLogNote          AwaitKind = "log_note"          // a note on an in-person record (Awaiting.Assist)
)

// Awaiting is what a chat's next typed text is for: its kind, and the
// broadcast it concerns. The zero Awaiting awaits nothing.
type Awaiting struct {
	Kind      AwaitKind `json:"kind"`
	Broadcast int64     `json:"broadcast,omitempty"`
	// Assist is the in-person record a note is for (AwaitLogNote).
	Assist string `json:"assist,omitempty"`
}

// Await is Awaiting of the kind, for a broadcast (0: none).
func Await(kind AwaitKind, broadcast int64) Awaiting {
	return Awaiting{Kind: kind, Broadcast: broadcast}
}

// Is reports whether the chat awaits text of the kind.
func (a Awaiting) Is(kind AwaitKind) bool { return a.Kind == kind }

// UnmarshalJSON reads an Awaiting, or the string that sessions stored
// before it was typed ("name", "commune", "bc", "bcc:<id>", "bct:<id>"),
// so that a chat part-way through a step keeps it across the upgrade.
func (a *Awaiting) UnmarshalJSON(data []byte) error {
	var legacy string
	if err := json.Unmarshal(data, &legacy); err != nil {
		type plain Awaiting
		return json.Unmarshal(data, (*plain)(a))
	}
	kinds := map[string]AwaitKind{"name": AwaitName, "commune": AwaitCommune, "bc": AwaitBroadcast, "bcc": AwaitBroadcastCommune, "bct": AwaitBroadcastTime}
	name, id, _ := strings.Cut(legacy, ":")
	*a = Awaiting{Kind: kinds[name]}
	if n, err := strconv.ParseInt(id, 10, 64); err == nil && a.Kind != "" {
		a.Broadcast = n
	}
	return nil
}
