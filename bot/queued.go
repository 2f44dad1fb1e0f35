package bot

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/go-telegram/bot/models"

	"github.com/hotroso/hotroso/privacy"
)

// queuedUpdate is what webhook mode keeps of an update in the durable
// queue until it is handled: only what the desk and the adapter use. It
// holds no names, usernames, phone numbers or places, and a resident's
// text and caption are masked (package privacy) before they are stored.
// Volunteers' and organizers' texts are kept as written: they reach
// residents, who may need a phone number a volunteer gives them.
type queuedUpdate struct {
	// Version marks the format; entries without it are raw updates queued
	// by an older version.
	Version  int             `json:"v"`
	ID       int64           `json:"id"`
	ChatID   int64           `json:"chat"`
	ChatType models.ChatType `json:"chat_type,omitempty"`
	UserID   int64           `json:"user,omitempty"`
	IsBot    bool            `json:"bot,omitempty"`
	Language string          `json:"lang,omitempty"`
	// Message is the message id (of the message, or of the one whose
	// button was pressed); Date its send time (0: inaccessible).
	Message int    `json:"msg,omitempty"`
	Date    int    `json:"date,omitempty"`
	Text    string `json:"text,omitempty"`
	Caption string `json:"caption,omitempty"`
	// Content says what the message carried besides text.
	Content queuedContent `json:"content,omitempty"`
	FileID  string        `json:"file,omitempty"`
	// CallbackID and Data are a button press's.
	CallbackID string `json:"cb,omitempty"`
	Data       string `json:"data,omitempty"`
	// Member is the new status of the bot in a chat (my_chat_member).
	Member models.ChatMemberType `json:"member,omitempty"`
}

// queuedContent names what a queued message carried.
type queuedContent string

// Contents of a queued message.
const (
	contentPhoto    queuedContent = "photo"
	contentVoice    queuedContent = "voice"
	contentSticker  queuedContent = "sticker"
	contentDocument queuedContent = "document"
	contentContact  queuedContent = "contact"
	contentLocation queuedContent = "location"
	contentService  queuedContent = "service"
	contentOther    queuedContent = "other"
)

// queuedFormat is queuedUpdate's current Version.
const queuedFormat = 1

// minimize keeps of upd what the desk needs. maskText says whether its
// text and caption are a resident's, to be masked.
func minimize(upd *models.Update, maskText bool) queuedUpdate {
	q := queuedUpdate{Version: queuedFormat, ID: upd.ID}
	mask := func(s string) string {
		if !maskText {
			return s
		}
		out, _ := privacy.Mask(s)
		return out
	}
	switch {
	case upd.Message != nil:
		minimizeMessage(&q, upd.Message, mask)
	case upd.CallbackQuery != nil:
		cq := upd.CallbackQuery
		q.CallbackID, q.Data, q.UserID, q.Language, q.IsBot = cq.ID, cq.Data, cq.From.ID, cq.From.LanguageCode, cq.From.IsBot
		q.ChatID = cq.From.ID
		switch m := cq.Message; {
		case m.Message != nil:
			q.ChatID, q.ChatType, q.Message, q.Date = m.Message.Chat.ID, m.Message.Chat.Type, m.Message.ID, max(m.Message.Date, 1)
		case m.InaccessibleMessage != nil:
			q.ChatID, q.ChatType, q.Message = m.InaccessibleMessage.Chat.ID, m.InaccessibleMessage.Chat.Type, m.InaccessibleMessage.MessageID
		}
	case upd.MyChatMember != nil:
		m := upd.MyChatMember
		q.ChatID, q.ChatType, q.UserID, q.Member = m.Chat.ID, m.Chat.Type, m.From.ID, m.NewChatMember.Type
	}
	return q
}

// minimizeMessage fills q from a message.
func minimizeMessage(q *queuedUpdate, m *models.Message, mask func(string) string) {
	q.ChatID, q.ChatType, q.Message, q.Date = m.Chat.ID, m.Chat.Type, m.ID, m.Date
	if m.From != nil {
		q.UserID, q.IsBot, q.Language = m.From.ID, m.From.IsBot, m.From.LanguageCode
	}
	if isCommand(m.Text) {
		q.Text = commandMasked(m.Text, mask)
	} else {
		q.Text = mask(m.Text)
	}
	q.Caption = mask(m.Caption)
	switch {
	case m.Text != "":
	case len(m.Photo) > 0:
		q.Content, q.FileID = contentPhoto, m.Photo[len(m.Photo)-1].FileID
	case m.Voice != nil:
		q.Content, q.FileID = contentVoice, m.Voice.FileID
	case m.Sticker != nil:
		q.Content = contentSticker
	case m.Document != nil:
		q.Content, q.FileID = contentDocument, m.Document.FileID
	case m.Contact != nil:
		q.Content = contentContact
	case m.Location != nil || m.Venue != nil:
		q.Content = contentLocation
	case m.NewChatMembers != nil || m.LeftChatMember != nil || m.GroupChatCreated || m.MigrateToChatID != 0 || m.PinnedMessage != nil:
		q.Content = contentService
	default:
		q.Content = contentOther
	}
}

// isCommand reports text that starts with a command.
func isCommand(text string) bool {
	_, _, ok := parseCommand(text)
	return ok
}

// commandMasked masks a command's arguments, except a /start deep-link
// parameter (the bot's own invite and commune codes: letters, digits, "_"
// and "-", which masking would break).
func commandMasked(text string, mask func(string) string) string {
	name, args, _ := parseCommand(text)
	if args == "" {
		return text
	}
	if base, _, _ := strings.Cut(name, "@"); strings.EqualFold(base, "start") && isDeepLinkParameter(args) {
		return text
	}
	return "/" + name + " " + mask(args)
}

// isDeepLinkParameter reports a /start parameter as Telegram allows it
// (up to 64 of A-Z, a-z, 0-9, _ and -) that names something of the bot's:
// a prefix of letters then "_" ("v_…", "c_…"), not bare digits.
func isDeepLinkParameter(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	prefix := true
	sawPrefix := false
	for i := range len(s) {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c == '_' && prefix && i > 0:
			prefix, sawPrefix = false, true
		case c >= '0' && c <= '9', c == '-', c == '_':
			prefix = false
		default:
			return false
		}
	}
	return sawPrefix
}

// update rebuilds, in memory, the update the desk is given.
func (q queuedUpdate) update() *models.Update {
	upd := &models.Update{ID: q.ID}
	chat := models.Chat{ID: q.ChatID, Type: q.ChatType}
	from := models.User{ID: q.UserID, IsBot: q.IsBot, LanguageCode: q.Language}
	switch {
	case q.CallbackID != "" || q.Data != "":
		cq := &models.CallbackQuery{ID: q.CallbackID, From: from, Data: q.Data}
		if q.Date != 0 {
			cq.Message = models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeMessage,
				Message: &models.Message{ID: q.Message, Date: q.Date, Chat: chat}}
		} else if q.Message != 0 {
			cq.Message = models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeInaccessibleMessage,
				InaccessibleMessage: &models.InaccessibleMessage{Chat: chat, MessageID: q.Message}}
		}
		upd.CallbackQuery = cq
	case q.Member != "":
		upd.MyChatMember = &models.ChatMemberUpdated{Chat: chat, From: from, NewChatMember: models.ChatMember{Type: q.Member}}
	default:
		upd.Message = q.message(chat, from)
	}
	return upd
}

// message rebuilds a queued message.
func (q queuedUpdate) message(chat models.Chat, from models.User) *models.Message {
	m := &models.Message{ID: q.Message, Date: q.Date, Chat: chat, Text: q.Text, Caption: q.Caption}
	if q.UserID != 0 {
		m.From = &from
	}
	switch q.Content {
	case contentPhoto:
		m.Photo = []models.PhotoSize{{FileID: q.FileID}}
	case contentVoice:
		m.Voice = &models.Voice{FileID: q.FileID}
	case contentSticker:
		m.Sticker = &models.Sticker{}
	case contentDocument:
		m.Document = &models.Document{FileID: q.FileID}
	case contentContact:
		m.Contact = &models.Contact{PhoneNumber: privacy.Masked}
	case contentLocation:
		m.Location = &models.Location{}
	case contentService:
		m.GroupChatCreated = true
	}
	return m
}

// decodeQueued reads a queue entry: the minimal form, or a raw update
// queued by an older version.
func decodeQueued(raw []byte) (*models.Update, error) {
	var probe struct {
		Version int `json:"v"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, fmt.Errorf("bot: decode queued update: %w", err)
	}
	if probe.Version == 0 {
		var upd models.Update
		if err := json.Unmarshal(raw, &upd); err != nil {
			return nil, fmt.Errorf("bot: decode queued raw update: %w", err)
		}
		return &upd, nil
	}
	var q queuedUpdate
	if err := json.Unmarshal(raw, &q); err != nil {
		return nil, fmt.Errorf("bot: decode queued update: %w", err)
	}
	return q.update(), nil
}
