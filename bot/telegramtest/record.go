package telegramtest

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"
)

// Call is one Bot API request the bot made, as recorded by the fake.
type Call struct {
	// Method is the canonical method name ("sendMessage"), or the name as
	// requested when the method is unknown.
	Method string
	// Params holds the request parameters flattened to strings: form and
	// multipart values verbatim, JSON scalars as their text ("42", "true"),
	// and JSON objects/arrays (reply_markup, reply_parameters, ...) as their
	// JSON text.
	Params map[string]string
	// Files holds uploaded multipart file parts, keyed by form field name.
	Files map[string]File
	// At is when the fake received the request.
	At time.Time
	// Code is the error_code of the answer, 0 when the call succeeded.
	Code int
	// Err is the description of the error returned to the bot; empty when
	// the call succeeded.
	Err string
}

// Refused reports whether the fake answered the call with an error.
func (c Call) Refused() bool { return c.Err != "" }

// File is an uploaded or known file.
type File struct {
	// FileID is the file_id the fake assigned (or that was referenced).
	FileID string
	// Name is the uploaded filename (multipart filename), or the base name
	// of the URL the file was sent by.
	Name string
	// Data is the file content; nil when the bot sent it by URL.
	Data []byte
}

// Button is one inline keyboard button.
type Button struct {
	Text string // button label
	Data string // callback_data
	URL  string // url
}

// Message is a message the bot sent (or copied/forwarded) into a chat, with
// later edits applied.
type Message struct {
	ChatID    int64
	MessageID int
	// Kind is the content type: "text", "photo", "document", "voice",
	// "sticker", "video", ... (the send method without its "send" prefix,
	// lower-cased), or the kind of the source message for copies/forwards.
	Kind string
	// Method is the Bot API method that created the message.
	Method string
	// Text is the message text exactly as the bot sent it (markup included).
	Text string
	// PlainText is Text after parse_mode processing, i.e. what the user sees.
	PlainText string
	// Caption is the media caption as the bot sent it.
	Caption string
	// PlainCaption is Caption after parse_mode processing.
	PlainCaption string
	// ParseMode is the parse_mode of the latest send/edit of the text or caption.
	ParseMode string
	// Photo reports whether the message carries a photo.
	Photo bool
	// Document is the attached document (sendDocument), nil otherwise.
	Document *File
	// File is the attached media of any kind (photo, document, voice, ...).
	File *File
	// Buttons is the current inline keyboard (nil when there is none).
	Buttons [][]Button
	// Edited counts successful edits (text, caption, reply markup, media).
	Edited int
	// ReplyTo is the message_id this message replies to, 0 if none.
	ReplyTo int
	// FromChatID and FromMessageID identify the source of a copyMessage or
	// forwardMessage; zero otherwise.
	FromChatID    int64
	FromMessageID int
	// Deleted reports whether the bot deleted the message. Deleted messages
	// stay in Messages so that message counts only ever grow.
	Deleted bool
	// Pinned reports whether the message is currently pinned.
	Pinned bool
	// Date is when the message was sent.
	Date time.Time

	markup        json.RawMessage // canonical inline keyboard markup
	forwardOrigin json.RawMessage
	editedAt      time.Time
}

// HasButton reports whether the inline keyboard has a button labelled text.
func (m Message) HasButton(text string) bool {
	_, ok := m.Button(text)
	return ok
}

// Button returns the inline keyboard button labelled text.
func (m Message) Button(text string) (Button, bool) {
	for _, row := range m.Buttons {
		for _, b := range row {
			if b.Text == text {
				return b, true
			}
		}
	}
	return Button{}, false
}

// ButtonTexts returns the labels of all inline keyboard buttons, row by row.
func (m Message) ButtonTexts() []string {
	var out []string
	for _, row := range m.Buttons {
		for _, b := range row {
			out = append(out, b.Text)
		}
	}
	return out
}

func cloneFile(f *File) *File {
	if f == nil {
		return nil
	}
	c := *f
	c.Data = slices.Clone(f.Data)
	return &c
}

func cloneButtons(b [][]Button) [][]Button {
	if b == nil {
		return nil
	}
	out := make([][]Button, len(b))
	for i, row := range b {
		out[i] = slices.Clone(row)
	}
	return out
}

func (m Message) clone() Message {
	m.Document = cloneFile(m.Document)
	m.File = cloneFile(m.File)
	m.Buttons = cloneButtons(m.Buttons)
	return m
}

func (c Call) clone() Call {
	c.Params = maps.Clone(c.Params)
	if c.Files != nil {
		files := make(map[string]File, len(c.Files))
		for k, f := range c.Files {
			f.Data = slices.Clone(f.Data)
			files[k] = f
		}
		c.Files = files
	}
	return c
}

// Snapshot is a consistent, read-only view of the fake's recorded state,
// handed to WaitFor conditions. Its accessors return copies.
type Snapshot struct {
	srv     *Server // messages are read from it on demand, under its lock
	calls   []Call  // shared, immutable elements
	pending int
	pushed  int64
	polling int
}

// Calls returns every recorded call in arrival order.
func (s *Snapshot) Calls() []Call { return cloneCalls(s.calls, nil) }

// CallsOf returns the recorded calls of one method (matched
// case-insensitively), refused ones included.
func (s *Snapshot) CallsOf(method string) []Call {
	return cloneCalls(s.calls, func(c Call) bool { return strings.EqualFold(c.Method, method) })
}

// Refused returns the calls the fake answered with an error.
func (s *Snapshot) Refused() []Call {
	return cloneCalls(s.calls, func(c Call) bool { return c.Err != "" })
}

// Messages returns the bot's messages in a chat, oldest first, with edits
// applied.
func (s *Snapshot) Messages(chatID int64) []Message {
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	return s.srv.messagesLocked(chatID)
}

// messageCount returns how many messages the bot sent to a chat.
func (s *Snapshot) messageCount(chatID int64) int {
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	if ch := s.srv.chats[chatID]; ch != nil {
		return len(ch.botMsgs)
	}
	return 0
}

// messagesLocked copies a chat's messages; s.mu must be held.
func (s *Server) messagesLocked(chatID int64) []Message {
	ch := s.chats[chatID]
	if ch == nil {
		return []Message{}
	}
	out := make([]Message, len(ch.botMsgs))
	for i, m := range ch.botMsgs {
		out[i] = m.clone()
	}
	return out
}

// LastMessage returns the bot's most recent message in a chat.
func (s *Snapshot) LastMessage(chatID int64) (Message, bool) {
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	ch := s.srv.chats[chatID]
	if ch == nil || len(ch.botMsgs) == 0 {
		return Message{}, false
	}
	return ch.botMsgs[len(ch.botMsgs)-1].clone(), true
}

// PendingUpdates returns how many pushed updates the bot has not yet
// confirmed.
func (s *Snapshot) PendingUpdates() int { return s.pending }

// Polling returns how many getUpdates long polls are currently blocked
// waiting for updates.
func (s *Snapshot) Polling() int { return s.polling }

// PushedUpdates returns how many updates were pushed so far.
func (s *Snapshot) PushedUpdates() int64 { return s.pushed }

func cloneCalls(src []Call, keep func(Call) bool) []Call {
	out := make([]Call, 0, len(src))
	for _, c := range src {
		if keep == nil || keep(c) {
			out = append(out, c.clone())
		}
	}
	return out
}

// snapshotLocked captures the calls and counters; messages are read on
// demand, so that taking a snapshot costs nothing per chat. s.mu must be held.
func (s *Server) snapshotLocked() *Snapshot {
	return &Snapshot{
		srv:     s,
		calls:   s.calls[:len(s.calls):len(s.calls)],
		pending: len(s.pending),
		pushed:  s.pushedCount,
		polling: s.activePolls,
	}
}

// Snapshot returns a consistent copy of the recorded state.
func (s *Server) Snapshot() *Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snapshotLocked()
}

// Calls returns every recorded call in arrival order. getUpdates polls are
// not recorded unless they were refused.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneCalls(s.calls, nil)
}

// CallsOf returns the recorded calls of one method (case-insensitive),
// refused ones included.
func (s *Server) CallsOf(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneCalls(s.calls, func(c Call) bool { return strings.EqualFold(c.Method, method) })
}

// Refused returns the calls the fake answered with an error (validation
// failures, unknown methods, injected faults, blocked users, rate limits).
func (s *Server) Refused() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneCalls(s.calls, func(c Call) bool { return c.Err != "" })
}

// Messages returns the bot's messages in a chat, oldest first, with edits
// applied. Deleted messages are included with Deleted set.
func (s *Server) Messages(chatID int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.chats[chatID]
	if ch == nil {
		return []Message{}
	}
	out := make([]Message, len(ch.botMsgs))
	for i, m := range ch.botMsgs {
		out[i] = m.clone()
	}
	return out
}

// LastMessage returns the bot's most recent message in a chat.
func (s *Server) LastMessage(chatID int64) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.chats[chatID]
	if ch == nil || len(ch.botMsgs) == 0 {
		return Message{}, false
	}
	return ch.botMsgs[len(ch.botMsgs)-1].clone(), true
}

// Message returns one bot message by id.
func (s *Server) Message(chatID int64, messageID int) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.chats[chatID]
	if ch == nil {
		return Message{}, false
	}
	ref, ok := ch.msgs[messageID]
	if !ok || ref.bot == nil {
		return Message{}, false
	}
	return ref.bot.clone(), true
}
