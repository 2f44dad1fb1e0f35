package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/hotroso/hotroso/handlers"
	"github.com/hotroso/hotroso/metrics"
	"github.com/hotroso/hotroso/storage"
)

// Telegram's limits on one message.
const (
	MaxTextRunes    = 4096
	MaxCaptionRunes = 1024
)

// ErrBlocked means the user blocked the bot: Telegram answered 403.
var ErrBlocked = errors.New("bot: the user blocked the bot")

// BlockMarker records users who blocked the bot.
type BlockMarker interface {
	SetBlocked(ctx context.Context, userID int64, blocked bool) error
}

// Sender sends replies within Telegram's limits, chat by chat: a 429
// about one chat pauses that chat only (a private chat then gets one
// message a second for a minute), a 429 about no chat pauses every call,
// groups are kept under Telegram's 20 messages a minute through a limiter
// shared by every instance, and the edits of one message are coalesced
// (see Edit). It retries a 5xx a few times, splits long texts and
// captions, and marks users who blocked the bot. Sends to one chat never
// wait for another chat's limits.
type Sender struct {
	api     *tgbot.Bot
	blocked BlockMarker
	log     *slog.Logger
	metrics *metrics.Metrics
	sleep   func(context.Context, time.Duration) error
	now     func() time.Time
	// groups paces group chats across instances; nil: in this process
	// only.
	groups storage.Limiter
	pace   pacer
	edits  edits
	// elsewhere delivers to the chats of another channel (Route).
	elsewhere Elsewhere
}

// Elsewhere is another channel beside Telegram (the web chat): the sender
// hands it every reply, edit and copy that concerns one of its chats.
type Elsewhere interface {
	handlers.Messenger
	// Owns reports whether the chat is one of its chats.
	Owns(chatID int64) bool
}

// otherChannel reports whether a send to chatID (copying from, when
// set) goes to the other channel: its chat is the recipient or the source.
func (s *Sender) otherChannel(chatID int64, from *handlers.MessageRef) bool {
	return s.elsewhere != nil && (s.elsewhere.Owns(chatID) || (from != nil && s.elsewhere.Owns(from.ChatID)))
}

// maxAttempts bounds the tries of one API call.
const maxAttempts = 5

// DefaultEditInterval is how often at most one message is edited unless
// Config.EditInterval says otherwise.
const DefaultEditInterval = 3 * time.Second

// NewSender builds a Sender on a go-telegram/bot client. groups, when not
// nil, paces group chats together with the other instances sharing it;
// editEvery is how often at most one message is edited (0:
// DefaultEditInterval).
func NewSender(api *tgbot.Bot, blocked BlockMarker, groups storage.Limiter, editEvery time.Duration, log *slog.Logger) *Sender {
	if editEvery <= 0 {
		editEvery = DefaultEditInterval
	}
	s := &Sender{api: api, blocked: blocked, log: log, sleep: sleepCtx, now: time.Now, groups: groups}
	s.edits.init(editEvery)
	return s
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Send delivers one reply to chatID (a reply's own ChatID wins). A text over
// Telegram's limit goes as several messages, the buttons under the last one;
// a caption over the photo limit goes as a message after the photo.
func (s *Sender) Send(ctx context.Context, chatID int64, r handlers.Reply) (messageID int, err error) {
	if r.ChatID != 0 {
		chatID = r.ChatID
	}
	if s.otherChannel(chatID, r.Copy) {
		r.ChatID = chatID
		return s.elsewhere.Send(ctx, r)
	}
	markup := keyboard(r.Buttons)
	switch {
	case r.Copy != nil:
		return s.sendCopy(ctx, chatID, r, markup)
	case r.Document != nil:
		return s.sendDocument(ctx, chatID, r, markup)
	case r.Photo != nil:
		caption := r.Text
		if utf8.RuneCountInString(caption) > MaxCaptionRunes {
			caption = ""
		}
		id, err := s.sendPhoto(ctx, chatID, r.Photo, caption, markup, caption != "" || r.Text == "")
		if err != nil || caption != "" || r.Text == "" {
			return id, err
		}
	}
	return s.sendText(ctx, chatID, r.Text, markup)
}

// sendCopy copies a message, with the reply's text as its caption: what
// does not fit under the copy follows as a message, with the buttons.
func (s *Sender) sendCopy(ctx context.Context, chatID int64, r handlers.Reply, markup models.ReplyMarkup) (messageID int, err error) {
	caption, rest := splitCaption(r.Text)
	params := &tgbot.CopyMessageParams{ChatID: chatID, FromChatID: r.Copy.ChatID, MessageID: r.Copy.MessageID, Caption: caption}
	if rest == "" {
		params.ReplyMarkup = markup
	}
	err = s.call(ctx, chatID, func(ctx context.Context) error {
		m, err := s.api.CopyMessage(ctx, params)
		if err == nil {
			messageID = m.ID
		}
		return err
	})
	if err != nil || rest == "" {
		return messageID, err
	}
	return s.sendText(ctx, chatID, rest, markup)
}

// sendDocument sends a file, with the reply's text as its caption: what
// does not fit under the file follows as a message, with the buttons.
func (s *Sender) sendDocument(ctx context.Context, chatID int64, r handlers.Reply, markup models.ReplyMarkup) (messageID int, err error) {
	caption, rest := splitCaption(r.Text)
	params := &tgbot.SendDocumentParams{ChatID: chatID, Caption: caption}
	if rest == "" {
		params.ReplyMarkup = markup
	}
	err = s.call(ctx, chatID, func(ctx context.Context) error {
		params.Document = &models.InputFileUpload{Filename: r.Document.Name, Data: bytes.NewReader(r.Document.Data)}
		m, err := s.api.SendDocument(ctx, params)
		if err == nil {
			messageID = m.ID
		}
		return err
	})
	if err != nil || rest == "" {
		return messageID, err
	}
	return s.sendText(ctx, chatID, rest, markup)
}

// splitCaption cuts text for a caption: caption fits Telegram's limit (cut
// after a line break or a space where it can), and rest, empty when all
// of it fits, is what follows. caption+rest is text.
func splitCaption(text string) (caption, rest string) {
	if utf8.RuneCountInString(text) <= MaxCaptionRunes {
		return text, ""
	}
	caption = SplitText(text, MaxCaptionRunes)[0]
	return caption, text[len(caption):]
}

// sendPhoto sends a photo with a caption, and the buttons when withButtons
// (else they go with the text that follows it).
func (s *Sender) sendPhoto(ctx context.Context, chatID int64, photo *handlers.Photo, caption string, markup models.ReplyMarkup, withButtons bool) (messageID int, err error) {
	params := &tgbot.SendPhotoParams{ChatID: chatID, Caption: caption}
	if withButtons {
		params.ReplyMarkup = markup
	}
	err = s.call(ctx, chatID, func(ctx context.Context) error {
		params.Photo = &models.InputFileUpload{Filename: photo.Name, Data: bytes.NewReader(photo.Data)}
		m, err := s.api.SendPhoto(ctx, params)
		if err == nil {
			messageID = m.ID
		}
		return err
	})
	return messageID, err
}

// sendText sends text in as many messages as Telegram's limit needs, the
// buttons under the last.
func (s *Sender) sendText(ctx context.Context, chatID int64, text string, markup models.ReplyMarkup) (messageID int, err error) {
	chunks := SplitText(text, MaxTextRunes)
	for i, chunk := range chunks {
		params := &tgbot.SendMessageParams{ChatID: chatID, Text: chunk, LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tgbot.True()}}
		if i == len(chunks)-1 && markup != nil {
			params.ReplyMarkup = markup
		}
		if err := s.call(ctx, chatID, func(ctx context.Context) error {
			m, err := s.api.SendMessage(ctx, params)
			if err == nil {
				messageID = m.ID
			}
			return err
		}); err != nil {
			return messageID, err
		}
	}
	return messageID, nil
}

// Copy copies a message into another chat with a new caption (none: the
// message keeps its own); what does not fit under the copy follows as a
// message.
func (s *Sender) Copy(ctx context.Context, toChatID, fromChatID int64, messageID int, caption string) error {
	if s.otherChannel(toChatID, &handlers.MessageRef{ChatID: fromChatID}) {
		return s.elsewhere.Copy(ctx, toChatID, fromChatID, messageID, caption)
	}
	_, err := s.sendCopy(ctx, toChatID, handlers.Reply{Text: caption, Copy: &handlers.MessageRef{ChatID: fromChatID, MessageID: messageID}}, nil)
	return err
}

// AnswerButton acknowledges a button press, with an optional short notice.
func (s *Sender) AnswerButton(ctx context.Context, callbackID, notice string) error {
	return s.call(ctx, 0, func(ctx context.Context) error {
		_, err := s.api.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: callbackID, Text: notice})
		return err
	})
}

// call runs one API call with the retry rules, in chatID's turn. chatID
// names the chat the call is about (0: none, e.g. a button's answer): its
// pauses and pace, its 429s, and the recipient of a 403.
func (s *Sender) call(ctx context.Context, chatID int64, do func(context.Context) error) error {
	var err error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		if err := s.waitTurn(ctx, chatID); err != nil {
			return err
		}
		err = do(ctx)
		var tooMany *tgbot.TooManyRequestsError
		switch {
		case err == nil:
			s.metrics.Send("ok")
			if f := mayDefer(ctx); f != nil {
				f.Store(false) // a part went: the rest of the reply follows it
			}
			return nil
		case errors.As(err, &tooMany):
			s.metrics.TooManyRequests()
			s.tooMany(ctx, chatID, time.Duration(max(tooMany.RetryAfter, 1))*time.Second)
			if f := mayDefer(ctx); f != nil && f.Load() && chatID > 0 {
				return errWouldWait
			}
			continue
		case errors.Is(err, tgbot.ErrorForbidden):
			if chatID > 0 && s.blocked != nil {
				if markErr := s.blocked.SetBlocked(ctx, chatID, true); markErr != nil {
					s.log.Warn("could not mark a blocked user", "err", markErr)
				}
			}
			s.metrics.Send("blocked")
			return fmt.Errorf("%w: %v", ErrBlocked, err)
		case isServerError(err) && attempt < 3:
			if err := s.sleep(ctx, time.Duration(attempt)*200*time.Millisecond); err != nil {
				return err
			}
			continue
		}
		s.metrics.Send("failed")
		return fmt.Errorf("bot: telegram call: %w", err)
	}
	return fmt.Errorf("bot: telegram call gave up after %d attempts: %w", maxAttempts, err)
}

// isServerError reports a 5xx from Telegram, which is worth a retry.
func isServerError(err error) bool {
	return serverErrorPattern.MatchString(err.Error())
}

// serverErrorPattern matches how go-telegram/bot reports an error code it
// has no sentinel for.
var serverErrorPattern = regexp.MustCompile(`error response from telegram for method \S+, 5\d\d `)

// keyboard turns button rows into an inline keyboard, or nil for none.
func keyboard(rows [][]handlers.Button) models.ReplyMarkup {
	if len(rows) == 0 {
		return nil
	}
	kb := make([][]inlineButton, 0, len(rows))
	for _, row := range rows {
		out := make([]inlineButton, 0, len(row))
		for _, b := range row {
			out = append(out, buttonOf(b))
		}
		kb = append(kb, out)
	}
	return &inlineKeyboard{InlineKeyboard: kb}
}

// inlineKeyboard is an InlineKeyboardMarkup. It stands in for
// go-telegram/bot's models.InlineKeyboardMarkup, whose buttons always carry
// "copy_text":{"text":""} beside their callback_data or url: the Bot API
// asks for exactly one kind of field per button, and a copy_text of 1 to
// 256 characters.
type inlineKeyboard struct {
	InlineKeyboard [][]inlineButton `json:"inline_keyboard"`
}

// inlineButton is an InlineKeyboardButton of one of the two kinds the desk
// uses: a link (url) or a button that calls back (callback_data).
type inlineButton struct {
	Text         string `json:"text"`
	URL          string `json:"url,omitempty"`
	CallbackData string `json:"callback_data,omitempty"`
}

// buttonOf is the desk's button as Telegram's: a link when it has a URL,
// else a callback with its data.
func buttonOf(b handlers.Button) inlineButton {
	if b.URL != "" {
		return inlineButton{Text: b.Label, URL: b.URL}
	}
	return inlineButton{Text: b.Label, CallbackData: b.Data}
}

// SplitText cuts text into pieces of at most limit characters, after a line
// break where it can, else after a space, else anywhere. Joined, the pieces
// are the text.
func SplitText(text string, limit int) []string {
	var out []string
	for utf8.RuneCountInString(text) > limit {
		cut := byteIndexOfRune(text, limit)
		piece := text[:cut]
		if i := strings.LastIndex(piece, "\n"); i > len(piece)/2 {
			cut = i + 1
		} else if i := strings.LastIndex(piece, " "); i > len(piece)/2 {
			cut = i + 1
		}
		out = append(out, text[:cut])
		text = text[cut:]
	}
	return append(out, text)
}

func byteIndexOfRune(s string, n int) int {
	i := 0
	for pos := range s {
		if i == n {
			return pos
		}
		i++
	}
	return len(s)
}
