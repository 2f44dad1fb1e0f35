package telegramtest

import (
	"encoding/json"
	"strings"
)

// sourceLocked finds the message copyMessage/forwardMessage refers to.
func (s *Server) sourceLocked(x *exchange, idParam, notFound string) (*msgRef, int, *apiError) {
	if x.fromChat == nil {
		return nil, 0, badRequest("chat not found")
	}
	id, err := messageIDParam(x.p, idParam)
	if err != nil {
		return nil, 0, err
	}
	ref := x.fromChat.msgs[id]
	if ref == nil || ref.deleted() {
		return nil, 0, badRequest(notFound)
	}
	return ref, id, nil
}

// cloneIntoLocked creates a bot message in x.chat with the content of ref.
func (s *Server) cloneIntoLocked(x *exchange, ref *msgRef, srcID int, forward bool) (*Message, *apiError) {
	var kind, text, caption, parseMode string
	var file *File
	if ref.bot != nil {
		kind, text, caption, parseMode, file = ref.bot.Kind, ref.bot.Text, ref.bot.Caption, ref.bot.ParseMode, ref.bot.File
	} else {
		kind, text, caption, file = ref.user.kind, ref.user.text, ref.user.caption, ref.user.file
	}
	plainCaption, err := s.plain(caption, parseMode)
	if err != nil {
		return nil, err
	}
	var mk markup
	reply := 0
	if !forward {
		if v, ok := x.p["caption"]; ok {
			caption, parseMode = v, x.p["parse_mode"]
			if plainCaption, err = s.captionFor(caption, parseMode); err != nil {
				return nil, err
			}
		}
		if mk, err = s.markupLocked(x.p["reply_markup"]); err != nil {
			return nil, err
		}
		if reply, err = s.replyTargetLocked(x.chat, x.p); err != nil {
			return nil, err
		}
	}
	plain, err := s.plain(text, parseMode)
	if err != nil {
		return nil, err
	}
	m := s.newBotMessageLocked(x.chat, x.spec.Name, kind)
	m.Text, m.PlainText, m.Caption, m.PlainCaption, m.ParseMode = text, plain, caption, plainCaption, parseMode
	m.File, m.Photo = file, kind == "photo"
	if kind == "document" {
		m.Document = file
	}
	m.Buttons, m.markup, m.ReplyTo = mk.buttons, mk.inline, reply
	m.FromChatID, m.FromMessageID = x.fromChat.id, srcID
	if forward {
		origin := map[string]any{"type": "user", "date": s.now().Unix()}
		if ref.bot != nil {
			origin["sender_user"] = s.botUserJSON()
		} else {
			origin["sender_user"] = userJSON(ref.user.from)
			origin["date"] = ref.user.date.Unix()
		}
		m.forwardOrigin = mustJSON(origin)
	}
	return m, nil
}

func (s *Server) copyMessage(x *exchange) (any, *apiError) {
	ref, id, err := s.sourceLocked(x, "message_id", "message to copy not found")
	if err != nil {
		return nil, err
	}
	m, err := s.cloneIntoLocked(x, ref, id, false)
	if err != nil {
		return nil, err
	}
	return map[string]int{"message_id": m.MessageID}, nil
}

func (s *Server) forwardMessage(x *exchange) (any, *apiError) {
	ref, id, err := s.sourceLocked(x, "message_id", "message to forward not found")
	if err != nil {
		return nil, err
	}
	m, err := s.cloneIntoLocked(x, ref, id, true)
	if err != nil {
		return nil, err
	}
	return s.botMessageJSON(x.chat, m), nil
}

func messageIDs(p map[string]string) ([]int, *apiError) {
	var ids []int
	if err := json.Unmarshal([]byte(p["message_ids"]), &ids); err != nil {
		return nil, badRequest("can't parse message identifiers JSON array")
	}
	if len(ids) == 0 || len(ids) > 100 {
		return nil, badRequest("message_ids must contain 1-100 identifiers")
	}
	return ids, nil
}

func (s *Server) copyMessages(x *exchange) (any, *apiError) { return s.copyOrForwardMany(x, false) }

func (s *Server) forwardMessages(x *exchange) (any, *apiError) { return s.copyOrForwardMany(x, true) }

func (s *Server) copyOrForwardMany(x *exchange, forward bool) (any, *apiError) {
	ids, err := messageIDs(x.p)
	if err != nil {
		return nil, err
	}
	out := []map[string]int{}
	for _, id := range ids {
		ref := x.fromChat.msgs[id]
		if ref == nil || ref.deleted() {
			continue // skipped, as the real API does
		}
		m, err := s.cloneIntoLocked(x, ref, id, forward)
		if err != nil {
			return nil, err
		}
		out = append(out, map[string]int{"message_id": m.MessageID})
	}
	if len(out) == 0 {
		return nil, badRequest("there are no messages to forward")
	}
	return out, nil
}

func (s *Server) deleteMessage(x *exchange) (any, *apiError) {
	id, err := messageIDParam(x.p, "message_id")
	if err != nil {
		return nil, err
	}
	ref := x.chat.msgs[id]
	if ref == nil || ref.deleted() {
		return nil, badRequest("message to delete not found")
	}
	markDeleted(ref)
	return true, nil
}

func markDeleted(ref *msgRef) {
	if ref.bot != nil {
		ref.bot.Deleted = true
		ref.bot.Pinned = false
	} else {
		ref.user.deleted = true
	}
}

func (s *Server) deleteMessages(x *exchange) (any, *apiError) {
	ids, err := messageIDs(x.p)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if ref := x.chat.msgs[id]; ref != nil && !ref.deleted() {
			markDeleted(ref)
		}
	}
	return true, nil
}

func (s *Server) pinChatMessage(x *exchange) (any, *apiError) {
	id, err := messageIDParam(x.p, "message_id")
	if err != nil {
		return nil, err
	}
	ref := x.chat.msgs[id]
	if ref == nil || ref.deleted() {
		return nil, badRequest("message to pin not found")
	}
	if ref.bot != nil {
		ref.bot.Pinned = true
	}
	return true, nil
}

func (s *Server) unpinChatMessage(x *exchange) (any, *apiError) {
	if strings.TrimSpace(x.p["message_id"]) != "" {
		id, err := messageIDParam(x.p, "message_id")
		if err != nil {
			return nil, err
		}
		ref := x.chat.msgs[id]
		if ref == nil || ref.deleted() {
			return nil, badRequest("message to unpin not found")
		}
		if ref.bot != nil {
			ref.bot.Pinned = false
		}
		return true, nil
	}
	for i := len(x.chat.botMsgs) - 1; i >= 0; i-- {
		if m := x.chat.botMsgs[i]; m.Pinned {
			m.Pinned = false
			break
		}
	}
	return true, nil
}

func (s *Server) unpinAllChatMessages(x *exchange) (any, *apiError) {
	for _, m := range x.chat.botMsgs {
		m.Pinned = false
	}
	return true, nil
}
