package telegramtest

import (
	"fmt"
	"strconv"
	"time"
)

// User is a Telegram user the test acts as. ID must be positive (it is also
// the id of the user's private chat with the bot); methods acting as a user
// with a non-positive ID panic. An empty FirstName becomes "User<ID>".
type User struct {
	ID           int64
	FirstName    string
	LanguageCode string
	Username     string
}

func (u User) firstName() string {
	if u.FirstName != "" {
		return u.FirstName
	}
	return "User" + strconv.FormatInt(u.ID, 10)
}

// Chat kinds accepted by AddChat.
const (
	ChatPrivate    = "private"
	ChatGroup      = "group"
	ChatSupergroup = "supergroup"
	ChatChannel    = "channel"
)

// chatState is everything the fake knows about one chat.
type chatState struct {
	id        int64
	kind      string
	title     string
	user      *User // private chats: the other party
	nextMsgID int
	msgs      map[int]*msgRef // by message_id, user and bot messages
	botMsgs   []*Message      // bot messages in order
}

// msgRef is either a bot message or a user message.
type msgRef struct {
	bot  *Message
	user *inboundMessage
}

// inboundMessage is a message a user sent to the bot.
type inboundMessage struct {
	id      int
	from    User
	kind    string // "text", "photo", "sticker", "voice", "document"
	text    string
	caption string
	file    *File
	photo   []apiPhotoSize // photo sizes, for kind "photo"
	date    time.Time
	deleted bool
}

func (c *chatState) allocMessageID() int {
	c.nextMsgID++
	return c.nextMsgID
}

// chatKindFor guesses the kind of a group chat from its id: supergroup ids
// are -100xxxxxxxxxx, basic groups are other negative ids.
func chatKindFor(chatID int64) string {
	switch {
	case chatID <= -1000000000000:
		return ChatSupergroup
	case chatID < 0:
		return ChatGroup
	default:
		return ChatPrivate
	}
}

// privateChatLocked returns (creating) the private chat with u.
func (s *Server) privateChatLocked(u User) *chatState {
	if u.ID <= 0 {
		panic(fmt.Sprintf("telegramtest: user id must be positive, got %d", u.ID))
	}
	ch := s.chats[u.ID]
	if ch == nil {
		ch = &chatState{id: u.ID, kind: ChatPrivate, msgs: make(map[int]*msgRef)}
		s.chats[u.ID] = ch
	}
	uc := u
	ch.user = &uc
	return ch
}

// groupChatLocked returns (creating) a group chat.
func (s *Server) groupChatLocked(chatID int64) *chatState {
	if chatID >= 0 {
		panic(fmt.Sprintf("telegramtest: group chat ids are negative, got %d", chatID))
	}
	ch := s.chats[chatID]
	if ch == nil {
		ch = &chatState{id: chatID, kind: chatKindFor(chatID), title: fmt.Sprintf("Chat %d", chatID), msgs: make(map[int]*msgRef)}
		s.chats[chatID] = ch
	}
	return ch
}

// AddChat registers a chat the bot may send to without anybody having
// written first (for example an operators' group the bot was added to).
// kind is one of ChatPrivate, ChatGroup, ChatSupergroup, ChatChannel; an
// empty kind is guessed from the id.
func (s *Server) AddChat(chatID int64, kind string) {
	if kind == "" {
		kind = chatKindFor(chatID)
	}
	switch kind {
	case ChatPrivate, ChatGroup, ChatSupergroup, ChatChannel:
	default:
		panic(fmt.Sprintf("telegramtest: unknown chat kind %q", kind))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.chats[chatID]
	if ch == nil {
		ch = &chatState{id: chatID, msgs: make(map[int]*msgRef)}
		s.chats[chatID] = ch
	}
	ch.kind = kind
	if kind == ChatPrivate {
		if ch.user == nil {
			ch.user = &User{ID: chatID}
		}
	} else if ch.title == "" {
		ch.title = fmt.Sprintf("Chat %d", chatID)
	}
	s.notifyLocked()
}

// chatJSON renders the Chat object.
func (c *chatState) chatJSON() apiChat {
	out := apiChat{ID: c.id, Type: c.kind, Title: c.title}
	if c.kind == ChatPrivate && c.user != nil {
		out.Title = ""
		out.FirstName = c.user.firstName()
		out.Username = c.user.Username
	}
	return out
}
