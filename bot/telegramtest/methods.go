package telegramtest

import (
	"strconv"
	"strings"
)

func (s *Server) getMe(*exchange) (any, *apiError) {
	u := s.botUserJSON()
	u.CanJoinGroups = true
	return u, nil
}

func (s *Server) setWebhook(x *exchange) (any, *apiError) {
	s.webhookURL = strings.TrimSpace(x.p["url"])
	if x.p["drop_pending_updates"] == "true" {
		s.dropPendingLocked()
	}
	return true, nil
}

func (s *Server) deleteWebhook(x *exchange) (any, *apiError) {
	s.webhookURL = ""
	if x.p["drop_pending_updates"] == "true" {
		s.dropPendingLocked()
	}
	return true, nil
}

func (s *Server) dropPendingLocked() {
	s.pending = nil
	s.queueChangedLocked()
}

func (s *Server) getWebhookInfo(*exchange) (any, *apiError) {
	return map[string]any{
		"url":                    s.webhookURL,
		"has_custom_certificate": false,
		"pending_update_count":   len(s.pending),
	}, nil
}

func (s *Server) getFile(x *exchange) (any, *apiError) {
	f, ok := s.files[x.p["file_id"]]
	if !ok {
		return nil, badRequest("invalid file_id")
	}
	return map[string]any{
		"file_id":        f.FileID,
		"file_unique_id": uniqueID(f.FileID),
		"file_size":      len(f.Data),
		"file_path":      s.filePathLocked(f.FileID),
	}, nil
}

func (s *Server) getChat(x *exchange) (any, *apiError) {
	c := x.chat.chatJSON()
	out := map[string]any{"id": c.ID, "type": c.Type, "accent_color_id": 0, "max_reaction_count": 11}
	for k, v := range map[string]string{"title": c.Title, "first_name": c.FirstName, "username": c.Username} {
		if v != "" {
			out[k] = v
		}
	}
	return out, nil
}

func (s *Server) getChatMember(x *exchange) (any, *apiError) {
	uid, err := strconv.ParseInt(strings.TrimSpace(x.p["user_id"]), 10, 64)
	if err != nil {
		return nil, badRequest("invalid user_id specified")
	}
	if uid == s.botID {
		return map[string]any{"status": "administrator", "user": s.botUserJSON(), "can_be_edited": false,
			"is_anonymous": false, "can_manage_chat": true, "can_delete_messages": true, "can_manage_video_chats": true,
			"can_restrict_members": true, "can_promote_members": false, "can_change_info": true, "can_invite_users": true,
			"can_post_stories": false, "can_edit_stories": false, "can_delete_stories": false, "can_pin_messages": true}, nil
	}
	u := User{ID: uid}
	if x.chat.user != nil && x.chat.user.ID == uid {
		u = *x.chat.user
	}
	return map[string]any{"status": "member", "user": userJSON(u)}, nil
}

// genericLocked answers every other spec method with a plausible result:
// send* methods returning a Message create a message of their kind,
// Boolean → true, arrays → [], other objects → {}.
func (s *Server) genericLocked(x *exchange) (any, *apiError) {
	name := x.spec.Name
	if strings.HasPrefix(name, "send") && x.spec.returns("Message") && x.chat != nil {
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
		m := s.newBotMessageLocked(x.chat, name, kindOf(name))
		m.Caption, m.PlainCaption, m.ParseMode = x.p["caption"], caption, x.p["parse_mode"]
		m.Buttons, m.markup, m.ReplyTo = mk.buttons, mk.inline, reply
		return s.botMessageJSON(x.chat, m), nil
	}
	if x.spec.returns("Boolean") {
		return true, nil
	}
	if len(x.spec.Returns) == 0 {
		return true, nil
	}
	ret := x.spec.Returns[0]
	switch {
	case strings.HasPrefix(ret, "Array of"):
		return []any{}, nil
	case ret == "Integer":
		return 1, nil
	case ret == "String":
		return "https://t.me/+telegramtest", nil
	case ret == "MessageId":
		return map[string]int{"message_id": 0}, nil
	default:
		return map[string]any{}, nil
	}
}
