package bot

import (
	"strings"
	"unicode"

	"github.com/go-telegram/bot/models"

	"github.com/hotroso/hotroso/handlers"
)

// toEvent turns a Telegram update into a neutral event. ok is false for
// updates the desk does not handle (edits, channel posts, commands addressed
// to another bot...).
func toEvent(upd *models.Update, botUsername string) (ev handlers.Event, ok bool) {
	ev.UpdateID = upd.ID
	switch {
	case upd.Message != nil:
		return messageEvent(ev, upd.Message, botUsername)
	case upd.CallbackQuery != nil:
		cq := upd.CallbackQuery
		ev.Kind = handlers.EventButton
		ev.UserID, ev.LanguageCode = cq.From.ID, cq.From.LanguageCode
		ev.ChatID, ev.Data = cq.From.ID, cq.Data
		if m := cq.Message; m.Message != nil {
			ev.ChatID, ev.MessageID, ev.Group = m.Message.Chat.ID, m.Message.ID, m.Message.Chat.Type != models.ChatTypePrivate
		} else if m.InaccessibleMessage != nil {
			ev.ChatID, ev.MessageID, ev.Group = m.InaccessibleMessage.Chat.ID, m.InaccessibleMessage.MessageID, m.InaccessibleMessage.Chat.Type != models.ChatTypePrivate
		}
		if ev.ChatID == 0 || ev.UserID == 0 {
			return ev, false // no sender or no chat: nobody to answer
		}
		return ev, true
	}
	return ev, false
}

func messageEvent(ev handlers.Event, m *models.Message, botUsername string) (handlers.Event, bool) {
	if m.From == nil || m.From.IsBot || m.From.ID == 0 || m.Chat.ID == 0 {
		return ev, false
	}
	ev.ChatID, ev.UserID, ev.LanguageCode = m.Chat.ID, m.From.ID, m.From.LanguageCode
	ev.Group = m.Chat.Type != models.ChatTypePrivate
	ev.MessageID = m.ID
	switch {
	case m.Text != "":
		ev.Text = m.Text
		if name, args, isCommand := parseCommand(m.Text); isCommand {
			name, target, _ := strings.Cut(name, "@")
			if target != "" && !strings.EqualFold(target, botUsername) {
				return ev, false // addressed to another bot in a group
			}
			ev.Kind, ev.Command, ev.Args = handlers.EventCommand, strings.ToLower(name), args
			return ev, true
		}
		ev.Kind = handlers.EventText
	case len(m.Photo) > 0:
		ev.Kind, ev.Media, ev.Text = handlers.EventMedia, handlers.MediaPhoto, m.Caption
		ev.FileID = m.Photo[len(m.Photo)-1].FileID // the largest size
	case m.Voice != nil:
		ev.Kind, ev.Media, ev.FileID = handlers.EventMedia, handlers.MediaVoice, m.Voice.FileID
	case m.Sticker != nil:
		ev.Kind, ev.Media = handlers.EventMedia, handlers.MediaSticker
	case m.Document != nil:
		ev.Kind, ev.Media, ev.FileID, ev.Text = handlers.EventMedia, handlers.MediaDocument, m.Document.FileID, m.Caption
	case m.Contact != nil:
		// Only that a contact was shared: its number and names stay here.
		ev.Kind, ev.Media = handlers.EventMedia, handlers.MediaContact
	case m.Location != nil || m.Venue != nil:
		ev.Kind, ev.Media = handlers.EventMedia, handlers.MediaLocation
	case m.NewChatMembers != nil || m.LeftChatMember != nil || m.GroupChatCreated || m.MigrateToChatID != 0 || m.PinnedMessage != nil:
		return ev, false // service messages
	default:
		ev.Kind, ev.Media = handlers.EventMedia, handlers.MediaOther
	}
	return ev, true
}

// parseCommand splits "/name@bot args" into "name@bot" and "args"; the
// name ends at any white space ("/ask\nquestion" too).
func parseCommand(text string) (name, args string, ok bool) {
	if !strings.HasPrefix(text, "/") || len(text) < 2 {
		return "", "", false
	}
	name = text[1:]
	if i := strings.IndexFunc(name, unicode.IsSpace); i >= 0 {
		name, args = name[:i], name[i:]
	}
	if name == "" || name[0] == '@' {
		return "", "", false
	}
	return name, strings.TrimSpace(args), true
}

// chatKey is the key that orders an update: its chat, or for updates
// without one, the user.
func chatKey(upd *models.Update) int64 {
	switch {
	case upd.Message != nil:
		return upd.Message.Chat.ID
	case upd.CallbackQuery != nil:
		if m := upd.CallbackQuery.Message; m.Message != nil {
			return m.Message.Chat.ID
		} else if m.InaccessibleMessage != nil {
			return m.InaccessibleMessage.Chat.ID
		}
		return upd.CallbackQuery.From.ID
	case upd.MyChatMember != nil:
		return upd.MyChatMember.Chat.ID
	case upd.EditedMessage != nil:
		return upd.EditedMessage.Chat.ID
	}
	return 0
}
