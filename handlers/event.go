// Package handlers is the desk: it routes each neutral Event by the user's
// role and the chat's state, drives the guided flows, and answers with
// Replies. It knows no Telegram types; bot/ turns updates into Events and
// Replies into API calls, so another channel can be added beside it.
package handlers

import (
	"time"

	"github.com/hotroso/hotroso/domain"
)

// EventKind says what the user did.
type EventKind int

// Event kinds.
const (
	EventText    EventKind = iota + 1 // typed text that is not a command
	EventCommand                      // "/name args"
	EventButton                       // pressed an inline button
	EventMedia                        // sent a photo, voice note, sticker, file...
)

// MediaKind is the kind of media in an EventMedia.
type MediaKind string

// Media kinds.
const (
	MediaPhoto    MediaKind = "photo"
	MediaVoice    MediaKind = "voice"
	MediaSticker  MediaKind = "sticker"
	MediaDocument MediaKind = "document"
	// A shared contact card or place: the desk never copies them on, as
	// they are someone's phone number or where the resident is.
	MediaContact  MediaKind = "contact"
	MediaLocation MediaKind = "location"
	MediaOther    MediaKind = "other"
)

// Event is one thing a user did, independent of the messenger.
type Event struct {
	UpdateID int64
	ChatID   int64
	UserID   int64
	// Group is true in group chats; false in a private chat with the bot.
	Group bool
	// LanguageCode is the user's interface language as the messenger reports
	// it (e.g. "en-US"); it only seeds the user's language on first contact.
	LanguageCode string
	Kind         EventKind
	// Text is the typed text (EventText), or a media caption.
	Text string
	// Command is the command name without the slash and bot name, lowercased;
	// Args is what followed it.
	Command string
	Args    string
	// Data is the pressed button's data (EventButton); MessageID the message
	// that carried the button.
	Data      string
	MessageID int
	Media     MediaKind
	// FileID refers to the media in the messenger.
	FileID string
	// Retry is set when the channel delivers the event again after a
	// crash: it may have been handled already, by a process that died
	// before its answer was sent. A repeat that the desk would answer with
	// a notice alone (a button already followed, a question already
	// claimed) is then answered in full.
	Retry bool
}

// Button is an inline button: Data comes back in an EventButton when it is
// pressed; a button with URL opens the link instead.
type Button struct {
	Label string
	Data  string
	URL   string
}

// Photo is an image (or, as a Reply's Document, any file) to send, with
// its bytes.
type Photo struct {
	Name string
	Data []byte
}

// Reply is one message to send.
type Reply struct {
	// ChatID is where to send it; 0 means the chat of the event.
	ChatID  int64
	Text    string
	Buttons [][]Button
	// Photo, when set, is sent with Text as its caption.
	Photo *Photo
	// Document, when set, is sent as a file with Text as its caption.
	Document *Photo
	// Copy, when set, sends a copy of that message (a resident's photo or
	// voice note, by reference: the desk keeps no bytes) with Text as its
	// caption.
	Copy *MessageRef
	// Retry marks a relay between a resident and a volunteer: when it
	// cannot be delivered at once (the messenger fails, not the chat), it
	// goes to the outbox and is tried again until it arrives.
	Retry bool
	// IfFails, when set, is told to the event's chat when this reply
	// cannot be delivered at once: that it will arrive (Retry), or that it
	// could not be sent (a report, a file), so nothing fails in silence.
	IfFails string
}

// Queued is the reply as the outbox keeps a relay whose first attempt
// failed at now: its text or the message it copies, due again after the
// outbox's first wait.
func (r Reply) Queued(now time.Time) domain.Outgoing {
	o := domain.Outgoing{ChatID: r.ChatID, Text: r.Text, CreatedAt: now}
	if r.Copy != nil {
		o.CopyFromChat, o.CopyMessageID, o.CopyFileID = r.Copy.ChatID, r.Copy.MessageID, r.Copy.FileID
	}
	o.Failed(now)
	return o
}

// MessageRef names a message in a chat.
type MessageRef struct {
	ChatID    int64
	MessageID int
	// FileID is the message's media in its messenger (Event.FileID), for
	// a channel that cannot copy by reference and fetches the file itself
	// (the web chat); empty when unknown.
	FileID string
}

// Response is everything the desk answers to one event.
type Response struct {
	Replies []Reply
	// Notice is a short text shown on the pressed button (a toast); empty
	// for a silent acknowledgement. Every button press is acknowledged.
	Notice string
}
