package domain

import "time"

// WebKey is a key that signs the web chat's cookies. The store keeps the
// current one and the one before it, so that a rotation logs nobody out.
type WebKey struct {
	Secret    []byte    `json:"secret"`
	CreatedAt time.Time `json:"created_at"`
}

// Who wrote a web chat message.
const (
	WebFromDesk     = "desk"     // the desk: the bot, or a volunteer through it
	WebFromResident = "resident" // the resident, on the page
)

// WebButton is a button under a web chat message: Data goes back to the
// desk when it is tapped; one with URL is a link.
type WebButton struct {
	Label string `json:"label"`
	Data  string `json:"data,omitempty"`
	URL   string `json:"url,omitempty"`
}

// WebMessage is one message of a web resident's conversation, as the page
// shows it. Seq numbers a chat's messages 1, 2, 3... in the order they
// were written, and never again, even after an erasure: the page resumes
// from the last Seq it has.
type WebMessage struct {
	Seq     int64         `json:"-"`
	From    string        `json:"from"`
	Text    string        `json:"text,omitempty"`
	Buttons [][]WebButton `json:"buttons,omitempty"`
	// ImageType is the media type of the message's image (kept apart,
	// see storage.WebChats.WebImage); empty: no image.
	ImageType string `json:"image,omitempty"`
	// Replaces, when set, is the Seq of an earlier message this one
	// edits: the page shows it in that message's place.
	Replaces int64     `json:"replaces,omitempty"`
	At       time.Time `json:"at"`
}
