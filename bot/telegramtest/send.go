package telegramtest

import (
	"encoding/json"
	"slices"
	"strings"
	"unicode"
)

// kindOf turns a send method name into a message kind: "sendVideoNote" →
// "video_note".
func kindOf(method string) string {
	name := strings.TrimPrefix(method, "send")
	var b strings.Builder
	for i, r := range name {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// newBotMessageLocked appends a new bot message to ch.
func (s *Server) newBotMessageLocked(ch *chatState, method, kind string) *Message {
	m := &Message{
		ChatID:    ch.id,
		MessageID: ch.allocMessageID(),
		Kind:      kind,
		Method:    method,
		Date:      s.now(),
	}
	ch.msgs[m.MessageID] = &msgRef{bot: m}
	ch.botMsgs = append(ch.botMsgs, m)
	if s.onBotMessage != nil {
		s.onBotMessage(ch.id)
	}
	return m
}

// OnBotMessage sets a function told the chat of every new bot message, for
// load tests that wait on many chats at once (Wait* wake every waiter on
// every change). It is called with the server's lock held: it must return
// at once and not call the server. Set it before the bot starts.
func (s *Server) OnBotMessage(fn func(chatID int64)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onBotMessage = fn
}

// botMessageJSON renders a bot message as the API returns it.
func (s *Server) botMessageJSON(ch *chatState, m *Message) apiMessage {
	out := s.botMessageJSONNoReply(ch, m)
	if m.ReplyTo != 0 {
		if ref := ch.msgs[m.ReplyTo]; ref != nil {
			out.ReplyToMessage = ptr(s.refJSONLocked(ch, ref))
		}
	}
	return out
}

func (s *Server) botMessageJSONNoReply(ch *chatState, m *Message) apiMessage {
	out := apiMessage{
		MessageID:     m.MessageID,
		From:          ptr(s.botUserJSON()),
		Chat:          ch.chatJSON(),
		Date:          m.Date.Unix(),
		Text:          m.PlainText,
		Caption:       m.PlainCaption,
		ReplyMarkup:   m.markup,
		ForwardOrigin: m.forwardOrigin,
	}
	if m.Edited > 0 {
		out.EditDate = m.editedAt.Unix()
	}
	setFileJSON(&out, m.Kind, m.File)
	return out
}

// refJSONLocked renders any message (bot or user) without its own reply.
func (s *Server) refJSONLocked(ch *chatState, ref *msgRef) apiMessage {
	if ref.bot != nil {
		return s.botMessageJSONNoReply(ch, ref.bot)
	}
	return s.inboundJSON(ch, ref.user)
}

func (s *Server) inboundJSON(ch *chatState, m *inboundMessage) apiMessage {
	out := apiMessage{
		MessageID: m.id,
		From:      ptr(userJSON(m.from)),
		Chat:      ch.chatJSON(),
		Date:      m.date.Unix(),
		Text:      m.text,
		Entities:  commandEntities(m.text),
		Caption:   m.caption,
	}
	if m.kind == "photo" && len(m.photo) > 0 {
		out.Photo = m.photo
	} else {
		setFileJSON(&out, m.kind, m.file)
	}
	return out
}

func (s *Server) sendMessage(x *exchange) (any, *apiError) {
	plain, err := s.textFor(x.p["text"], x.p["parse_mode"])
	if err != nil {
		return nil, err
	}
	mk, err := s.markupLocked(x.p["reply_markup"])
	if err != nil {
		return nil, err
	}
	reply, err := s.replyTargetLocked(x.chat, x.p)
	if err != nil {
		return nil, err
	}
	m := s.newBotMessageLocked(x.chat, x.spec.Name, "text")
	m.Text, m.PlainText, m.ParseMode = x.p["text"], plain, x.p["parse_mode"]
	m.Buttons, m.markup, m.ReplyTo = mk.buttons, mk.inline, reply
	return s.botMessageJSON(x.chat, m), nil
}

// sendMedia handles sendPhoto, sendDocument, sendVoice, ... : one InputFile
// named like the kind, an optional caption and markup.
func (s *Server) sendMedia(x *exchange) (any, *apiError) {
	kind := kindOf(x.spec.Name)
	caption, err := s.captionFor(x.p["caption"], x.p["parse_mode"])
	if err != nil {
		return nil, err
	}
	mk, err := s.markupLocked(x.p["reply_markup"])
	if err != nil {
		return nil, err
	}
	reply, err := s.replyTargetLocked(x.chat, x.p)
	if err != nil {
		return nil, err
	}
	f, err := s.inputFileLocked(kind, kind, x.call)
	if err != nil {
		return nil, err
	}
	m := s.newBotMessageLocked(x.chat, x.spec.Name, kind)
	m.Caption, m.PlainCaption, m.ParseMode = x.p["caption"], caption, x.p["parse_mode"]
	m.Buttons, m.markup, m.ReplyTo = mk.buttons, mk.inline, reply
	m.File = f
	m.Photo = kind == "photo"
	if kind == "document" {
		m.Document = f
	}
	return s.botMessageJSON(x.chat, m), nil
}

type inputMedia struct {
	Type      string `json:"type"`
	Media     string `json:"media"`
	Caption   string `json:"caption"`
	ParseMode string `json:"parse_mode"`
}

func (s *Server) sendMediaGroup(x *exchange) (any, *apiError) {
	var media []inputMedia
	if err := json.Unmarshal([]byte(x.p["media"]), &media); err != nil {
		return nil, badRequest("can't parse media JSON object")
	}
	if len(media) < 2 || len(media) > 10 {
		return nil, badRequest("wrong number of media in the group: must be between 2 and 10")
	}
	reply, err := s.replyTargetLocked(x.chat, x.p)
	if err != nil {
		return nil, err
	}
	type item struct {
		media   inputMedia
		caption string
		file    *File
	}
	items := make([]item, 0, len(media))
	for _, im := range media {
		if !fileFields[im.Type] {
			return nil, badRequest("unsupported media type \"" + im.Type + "\" in the media group")
		}
		caption, err := s.captionFor(im.Caption, im.ParseMode)
		if err != nil {
			return nil, err
		}
		items = append(items, item{media: im, caption: caption})
	}
	for i := range items {
		f, err := s.mediaFileLocked(items[i].media, x.call)
		if err != nil {
			return nil, err
		}
		items[i].file = f
	}
	out := make([]apiMessage, 0, len(items))
	for _, it := range items {
		m := s.newBotMessageLocked(x.chat, x.spec.Name, it.media.Type)
		m.Caption, m.PlainCaption, m.ParseMode = it.media.Caption, it.caption, it.media.ParseMode
		m.File, m.Photo, m.ReplyTo = it.file, it.media.Type == "photo", reply
		if it.media.Type == "document" {
			m.Document = it.file
		}
		out = append(out, s.botMessageJSON(x.chat, m))
	}
	return out, nil
}

// mediaFileLocked resolves InputMedia.media.
func (s *Server) mediaFileLocked(im inputMedia, c *Call) (*File, *apiError) {
	if name, ok := strings.CutPrefix(im.Media, "attach://"); ok {
		up, ok := c.Files[name]
		if !ok {
			return nil, badRequest("wrong file identifier/HTTP URL specified")
		}
		return s.uploadLocked(im.Type, name, up, c)
	}
	return s.fileRefLocked(im.Type, im.Media)
}

var chatActions = []string{
	"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
	"upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
}

func (s *Server) sendChatAction(x *exchange) (any, *apiError) {
	if !slices.Contains(chatActions, x.p["action"]) {
		return nil, badRequest("wrong parameter action in request")
	}
	return true, nil
}
