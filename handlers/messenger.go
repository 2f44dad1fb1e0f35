package handlers

import "context"

// Messenger is how the desk reaches chats other than the one an event came
// from: cards in the volunteer group, relays between a resident and a
// volunteer, notices when a lease lapses. bot/ implements it for Telegram.
type Messenger interface {
	// Send delivers a reply to r.ChatID and returns the id of the (last)
	// message sent.
	Send(ctx context.Context, r Reply) (messageID int, err error)
	// Edit replaces the text and buttons of a message the bot sent. A
	// channel may coalesce the edits of one message (bot/ does): it may
	// return before the edit is made, and the latest text lands last.
	Edit(ctx context.Context, chatID int64, messageID int, text string, buttons [][]Button) error
	// Copy sends a copy of a message (a photo, a voice note) from one chat
	// to another, without its sender, with caption instead of its own.
	Copy(ctx context.Context, toChatID, fromChatID int64, messageID int, caption string) error
	// BotUsername is the bot's username, for deep links.
	BotUsername() string
}
