package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/handlers"
)

// Owns reports whether a chat is a web resident's (bot.Elsewhere).
func (c *Channel) Owns(chatID int64) bool { return domain.IsWebID(chatID) }

// BotUsername is the Telegram bot's username (handlers.Messenger).
func (c *Channel) BotUsername() string {
	if c.tg == nil {
		return ""
	}
	return c.tg.BotUsername()
}

// Send delivers a reply that concerns a web chat (handlers.Messenger): to
// a web resident it goes into their log (a copy of a Telegram photo is
// downloaded first); from a web resident to a Telegram chat (a copy of
// their photo) it goes to Telegram as a new photo with the bytes.
func (c *Channel) Send(ctx context.Context, r handlers.Reply) (int, error) {
	if !c.Owns(r.ChatID) {
		return c.sendToTelegram(ctx, r)
	}
	m := domain.WebMessage{From: domain.WebFromDesk, Text: r.Text, Buttons: webButtons(r.Buttons), At: c.cfg.Now()}
	var image []byte
	switch {
	case r.Copy != nil:
		data, err := c.copied(ctx, *r.Copy)
		if err != nil {
			return 0, err
		}
		image = data
	case r.Photo != nil:
		image = r.Photo.Data
	case r.Document != nil:
		image = r.Document.Data
	}
	if len(image) > 0 {
		m.ImageType = http.DetectContentType(image)
	}
	return c.append(ctx, r.ChatID, m, image)
}

// copied is the media of a copied message: a web chat's image, or a
// Telegram file downloaded by its id.
func (c *Channel) copied(ctx context.Context, ref handlers.MessageRef) ([]byte, error) {
	if c.Owns(ref.ChatID) {
		return c.cfg.Store.WebImage(ctx, ref.ChatID, int64(ref.MessageID))
	}
	if ref.FileID == "" || c.tg == nil {
		return nil, fmt.Errorf("web: copy of Telegram message %d: no file to fetch", ref.MessageID)
	}
	return c.tg.Download(ctx, ref.FileID)
}

// sendToTelegram sends a copy of a web resident's photo to a Telegram
// chat, as a photo with its bytes (Telegram cannot copy what it never saw).
func (c *Channel) sendToTelegram(ctx context.Context, r handlers.Reply) (int, error) {
	if r.Copy == nil || !c.Owns(r.Copy.ChatID) || c.tg == nil {
		return 0, fmt.Errorf("web: reply to chat %d is not the web chat's", r.ChatID)
	}
	image, err := c.cfg.Store.WebImage(ctx, r.Copy.ChatID, int64(r.Copy.MessageID))
	if err != nil {
		return 0, fmt.Errorf("web: photo to copy: %w", err)
	}
	name := "photo" + extension(http.DetectContentType(image))
	out := handlers.Reply{ChatID: r.ChatID, Text: r.Text, Buttons: r.Buttons, Photo: &handlers.Photo{Name: name, Data: image}}
	return c.tg.Send(ctx, out)
}

// Edit shows a new text and buttons in place of a message of a web chat
// (handlers.Messenger): the log keeps both, the page shows the latest.
func (c *Channel) Edit(ctx context.Context, chatID int64, messageID int, text string, buttons [][]handlers.Button) error {
	m := domain.WebMessage{From: domain.WebFromDesk, Text: text, Buttons: webButtons(buttons), Replaces: int64(messageID), At: c.cfg.Now()}
	_, err := c.append(ctx, chatID, m, nil)
	return err
}

// Copy copies a message to or from a web chat (handlers.Messenger).
func (c *Channel) Copy(ctx context.Context, toChatID, fromChatID int64, messageID int, caption string) error {
	_, err := c.Send(ctx, handlers.Reply{ChatID: toChatID, Text: caption, Copy: &handlers.MessageRef{ChatID: fromChatID, MessageID: messageID}})
	return err
}

// append writes a message to a chat's log and wakes its live pages.
func (c *Channel) append(ctx context.Context, chatID int64, m domain.WebMessage, image []byte) (int, error) {
	m, err := c.cfg.Store.AppendWebMessage(ctx, chatID, m, image)
	if err != nil {
		return 0, fmt.Errorf("web: %w", err)
	}
	c.live.wake(chatID)
	return int(m.Seq), nil
}

func webButtons(rows [][]handlers.Button) [][]domain.WebButton {
	out := make([][]domain.WebButton, 0, len(rows))
	for _, row := range rows {
		r := make([]domain.WebButton, 0, len(row))
		for _, b := range row {
			r = append(r, domain.WebButton{Label: b.Label, Data: b.Data, URL: b.URL})
		}
		out = append(out, r)
	}
	return out
}

// isImage reports whether a media type is one the page shows as a picture.
func isImage(mediaType string) bool { return strings.HasPrefix(mediaType, "image/") }

// extension is a file extension for an image's media type.
func extension(mediaType string) string {
	switch mediaType {
	case "image/png":
		return ".png"
	case "image/gif":
		return ".gif"
	case "image/webp":
		return ".webp"
	}
	return ".jpg"
}
