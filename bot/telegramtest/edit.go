package telegramtest

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// editTargetLocked finds the message an edit* call addresses. inline is true for
// inline_message_id edits, which the fake accepts without tracking.
func (s *Server) editTargetLocked(x *exchange) (m *Message, inline bool, err *apiError) {
	if strings.TrimSpace(x.p["inline_message_id"]) != "" {
		return nil, true, nil
	}
	if x.chat == nil {
		return nil, false, badRequest("chat_id is empty")
	}
	id, err := messageIDParam(x.p, "message_id")
	if err != nil {
		return nil, false, err
	}
	ref := x.chat.msgs[id]
	if ref == nil || ref.deleted() {
		return nil, false, badRequest("message to edit not found")
	}
	if ref.bot == nil {
		return nil, false, badRequest("message can't be edited")
	}
	return ref.bot, false, nil
}

const notModified = "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"

func (s *Server) editResult(x *exchange, m *Message, inline bool) any {
	if inline {
		return true
	}
	m.Edited++
	m.editedAt = s.now()
	return s.botMessageJSON(x.chat, m)
}

func (s *Server) editMessageText(x *exchange) (any, *apiError) {
	m, inline, err := s.editTargetLocked(x)
	if err != nil {
		return nil, err
	}
	if m != nil && m.Kind != "text" {
		return nil, badRequest("there is no text in the message to edit")
	}
	plain, err := s.textFor(x.p["text"], x.p["parse_mode"])
	if err != nil {
		return nil, err
	}
	mk, err := s.markupLocked(x.p["reply_markup"])
	if err != nil {
		return nil, err
	}
	if inline {
		return true, nil
	}
	if m.Text == x.p["text"] && m.ParseMode == x.p["parse_mode"] && bytes.Equal(m.markup, mk.inline) {
		return nil, badRequest(notModified)
	}
	// Like the real API, an edit without reply_markup removes the keyboard.
	m.Text, m.PlainText, m.ParseMode = x.p["text"], plain, x.p["parse_mode"]
	m.Buttons, m.markup = mk.buttons, mk.inline
	return s.editResult(x, m, inline), nil
}

func (s *Server) editMessageCaption(x *exchange) (any, *apiError) {
	m, inline, err := s.editTargetLocked(x)
	if err != nil {
		return nil, err
	}
	if m != nil && m.File == nil {
		return nil, badRequest("there is no caption in the message to edit")
	}
	caption, err := s.captionFor(x.p["caption"], x.p["parse_mode"])
	if err != nil {
		return nil, err
	}
	mk, err := s.markupLocked(x.p["reply_markup"])
	if err != nil {
		return nil, err
	}
	if inline {
		return true, nil
	}
	if m.Caption == x.p["caption"] && m.ParseMode == x.p["parse_mode"] && bytes.Equal(m.markup, mk.inline) {
		return nil, badRequest(notModified)
	}
	m.Caption, m.PlainCaption, m.ParseMode = x.p["caption"], caption, x.p["parse_mode"]
	m.Buttons, m.markup = mk.buttons, mk.inline
	return s.editResult(x, m, inline), nil
}

func (s *Server) editMessageReplyMarkup(x *exchange) (any, *apiError) {
	m, inline, err := s.editTargetLocked(x)
	if err != nil {
		return nil, err
	}
	mk, err := s.markupLocked(x.p["reply_markup"])
	if err != nil {
		return nil, err
	}
	if inline {
		return true, nil
	}
	if bytes.Equal(m.markup, mk.inline) {
		return nil, badRequest(notModified)
	}
	m.Buttons, m.markup = mk.buttons, mk.inline
	return s.editResult(x, m, inline), nil
}

func (s *Server) editMessageMedia(x *exchange) (any, *apiError) {
	m, inline, err := s.editTargetLocked(x)
	if err != nil {
		return nil, err
	}
	var im inputMedia
	if err := json.Unmarshal([]byte(x.p["media"]), &im); err != nil || !fileFields[im.Type] {
		return nil, badRequest("can't parse InputMedia JSON object")
	}
	caption, err := s.captionFor(im.Caption, im.ParseMode)
	if err != nil {
		return nil, err
	}
	mk, err := s.markupLocked(x.p["reply_markup"])
	if err != nil {
		return nil, err
	}
	if m != nil && m.File == nil {
		return nil, badRequest("there is no media in the message to edit")
	}
	f, err := s.mediaFileLocked(im, x.call)
	if err != nil {
		return nil, err
	}
	if inline {
		return true, nil
	}
	m.Kind, m.File, m.Photo = im.Type, f, im.Type == "photo"
	m.Document = nil
	if im.Type == "document" {
		m.Document = f
	}
	m.Caption, m.PlainCaption, m.ParseMode = im.Caption, caption, im.ParseMode
	m.Buttons, m.markup = mk.buttons, mk.inline
	return s.editResult(x, m, inline), nil
}

func (s *Server) answerCallbackQuery(x *exchange) (any, *apiError) {
	cb := s.callbacks[x.p["callback_query_id"]]
	if cb == nil || cb.answered {
		return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	if utf8.RuneCountInString(x.p["text"]) > MaxCallbackAnswerText {
		return nil, badRequest("MESSAGE_TOO_LONG")
	}
	cb.answered = true
	return true, nil
}
