package telegramtest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits of the real Bot API.
const (
	MaxTextLength         = 4096 // characters of message text after entity parsing
	MaxCaptionLength      = 1024 // characters of a media caption after entity parsing
	MaxCallbackDataBytes  = 64   // bytes of an inline button's callback_data
	MaxCallbackAnswerText = 200  // characters of answerCallbackQuery text
	maxInlineButtons      = 100
)

// fileFields names the parameters that carry an InputFile, per send method
// kind.
var fileFields = map[string]bool{
	"photo": true, "document": true, "voice": true, "audio": true, "video": true,
	"animation": true, "video_note": true, "sticker": true,
}

// missingParam is the error for an absent required field.
func missingParam(method, field string) *apiError {
	switch {
	case field == "text" && (method == "sendMessage" || method == "editMessageText"):
		return badRequest("message text is empty")
	case field == "message_id":
		return badRequest("message identifier is not specified")
	case fileFields[field]:
		return badRequest("there is no " + field + " in the request")
	default:
		return badRequest(field + " is empty")
	}
}

// textFor validates message text (sendMessage, editMessageText).
func (s *Server) textFor(raw, parseMode string) (string, *apiError) {
	plain, err := s.plain(raw, parseMode)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(plain) == "" {
		return "", badRequest("message text is empty")
	}
	if utf8.RuneCountInString(plain) > MaxTextLength {
		return "", badRequest("message is too long")
	}
	return plain, nil
}

// captionFor validates a media caption.
func (s *Server) captionFor(raw, parseMode string) (string, *apiError) {
	plain, err := s.plain(raw, parseMode)
	if err != nil {
		return "", err
	}
	if utf8.RuneCountInString(plain) > MaxCaptionLength {
		return "", badRequest("message caption is too long")
	}
	return plain, nil
}

func (s *Server) plain(raw, parseMode string) (string, *apiError) {
	plain, err := plainText(raw, parseMode)
	if err != nil && s.cfg.lenientMarkup && strings.Contains(err.Description, "can't parse entities") {
		return raw, nil
	}
	return plain, err
}

// markup is a parsed reply_markup.
type markup struct {
	buttons [][]Button      // inline keyboard, nil if none
	inline  json.RawMessage // canonical JSON of the inline keyboard markup, nil if none
}

// maxCachedMarkups bounds the memo of parsed reply markups.
const maxCachedMarkups = 1024

// markupLocked is parseMarkup, memoized by the markup text: bots send the
// same few keyboards over and over. The buttons and JSON of a cached
// markup are shared by the messages that carry it, which never modify
// them. s.mu must be held.
func (s *Server) markupLocked(raw string) (markup, *apiError) {
	if mk, ok := s.markups[raw]; ok {
		return mk, nil
	}
	mk, err := parseMarkup(raw)
	if err != nil {
		return markup{}, err
	}
	if len(s.markups) >= maxCachedMarkups {
		clear(s.markups)
	}
	s.markups[raw] = mk
	return mk, nil
}

// parseMarkup validates reply_markup the way the real API does for the
// mistakes that matter: malformed JSON, callback_data over 64 bytes,
// buttons that do not use exactly one kind of field (as the specification
// asks), copy_text of the wrong length, localhost URLs, too many buttons.
func parseMarkup(raw string) (markup, *apiError) {
	if strings.TrimSpace(raw) == "" {
		return markup{}, nil
	}
	root, err := parseJSON([]byte(raw))
	if err != nil || root.kind != jsonObject {
		return markup{}, badRequest("can't parse reply keyboard markup JSON object")
	}
	kb, ok := root.member("inline_keyboard")
	if !ok {
		for _, k := range []string{"keyboard", "remove_keyboard", "force_reply"} {
			if _, ok := root.member(k); ok {
				return markup{}, nil
			}
		}
		return markup{}, badRequest("can't parse reply keyboard markup JSON object")
	}
	if !isKeyboard(kb) {
		return markup{}, badRequest("field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array of Arrays")
	}
	out := markup{buttons: make([][]Button, 0, len(kb.elems))}
	total := 0
	for _, row := range kb.elems {
		btnRow := make([]Button, 0, len(row.elems))
		for i := range row.elems {
			total++
			btn, err := parseInlineButton(&row.elems[i])
			if err != nil {
				return markup{}, err
			}
			btnRow = append(btnRow, btn)
		}
		out.buttons = append(out.buttons, btnRow)
	}
	if total > maxInlineButtons {
		return markup{}, badRequest("reply markup is too long")
	}
	// canonical form: as encoding/json re-encodes the decoded keyboard
	const prefix = `{"inline_keyboard":`
	canon := append(make([]byte, 0, len(prefix)+len(kb.raw)+16), prefix...)
	out.inline = append(kb.appendCanonical(canon), '}')
	return out, nil
}

// isKeyboard reports whether v decodes into rows of buttons: null or an
// array of nulls and arrays of nulls and objects.
func isKeyboard(v *jsonValue) bool {
	if v.kind == jsonNull {
		return true
	}
	if v.kind != jsonArray {
		return false
	}
	for _, row := range v.elems {
		if row.kind == jsonNull {
			continue
		}
		if row.kind != jsonArray {
			return false
		}
		for _, b := range row.elems {
			if b.kind != jsonNull && b.kind != jsonObject {
				return false
			}
		}
	}
	return true
}

// parseInlineButton validates one InlineKeyboardButton (an object, or
// null, which has no members) as the Bot API specification has it: a
// non-empty text and exactly one of the fields that give a button its kind
// (url, callback_data, copy_text, ...: see buttonSpec), that one valid.
func parseInlineButton(b *jsonValue) (Button, *apiError) {
	var btn Button
	if v, ok := b.member("text"); ok && v.kind == jsonString {
		btn.Text = v.str
	}
	if strings.TrimSpace(btn.Text) == "" {
		return btn, badRequest("can't parse inline keyboard button: Text must be non-empty")
	}
	rules := inlineButtonSpec()
	var used []string
	for _, k := range rules.Kinds {
		if v, ok := b.member(k); ok && v.kind != jsonNull && (k != "pay" || v.kind == jsonTrue) {
			used = append(used, k)
		}
	}
	if err := oneKind(rules, used); err != nil {
		return btn, err
	}
	v, _ := b.member(used[0])
	switch used[0] {
	case "callback_data":
		if v.kind != jsonString {
			return btn, wrongButtonField("callback_data", "String")
		}
		if n := len(v.str); n < rules.CallbackData[0] || n > rules.CallbackData[1] {
			return btn, badRequest("BUTTON_DATA_INVALID")
		}
		btn.Data = v.str
	case "url":
		if v.kind != jsonString {
			return btn, wrongButtonField("url", "String")
		}
		if !validButtonURL(v.str) {
			return btn, badRequest("BUTTON_URL_INVALID")
		}
		btn.URL = v.str
	case "copy_text":
		if v.kind != jsonObject {
			return btn, wrongButtonField("copy_text", "Object")
		}
		text, ok := v.member("text")
		if !ok || text.kind != jsonString {
			return btn, wrongButtonField("copy_text.text", "String")
		}
		return btn, copyTextLength(rules, text.str)
	}
	return btn, nil
}

// oneKind refuses a button that uses none, or more than one, of the
// fields that give a button its kind.
func oneKind(rules buttonSpec, used []string) *apiError {
	switch len(used) {
	case 0:
		return badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
	case 1:
		return nil
	}
	return badRequest(fmt.Sprintf("can't parse inline keyboard button: exactly one of the fields %s must be used, not %s",
		strings.Join(rules.Kinds, ", "), strings.Join(used, " and ")))
}

// copyTextLength refuses a copy_text whose text is empty or too long.
func copyTextLength(rules buttonSpec, text string) *apiError {
	if n := utf8.RuneCountInString(text); n < rules.CopyText[0] || n > rules.CopyText[1] {
		return badRequest(fmt.Sprintf("can't parse inline keyboard button: the text of copy_text must be %d-%d characters, not %d",
			rules.CopyText[0], rules.CopyText[1], n))
	}
	return nil
}

// wrongButtonField is Telegram's answer to a button field of the wrong
// type.
func wrongButtonField(field, typ string) *apiError {
	return badRequest(fmt.Sprintf("can't parse inline keyboard button: Field \"%s\" must be of type %s", field, typ))
}

// validButtonURL refuses what Telegram refuses most often in tests:
// unparsable URLs, unsupported schemes and links to localhost.
func validButtonURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || strings.ContainsAny(raw, " \t\n") {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	case "tg", "ton", "mailto":
		return true
	case "":
		return u.Path != ""
	default:
		return false
	}
	host := u.Hostname()
	if host == "" || strings.EqualFold(host, "localhost") {
		return false
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return false
	}
	return true
}

// replyTarget resolves reply_parameters / reply_to_message_id.
func (s *Server) replyTargetLocked(ch *chatState, p map[string]string) (int, *apiError) {
	var rp struct {
		MessageID                int             `json:"message_id"`
		ChatID                   json.RawMessage `json:"chat_id"`
		AllowSendingWithoutReply bool            `json:"allow_sending_without_reply"`
	}
	if raw := strings.TrimSpace(p["reply_parameters"]); raw != "" {
		if err := json.Unmarshal([]byte(raw), &rp); err != nil {
			return 0, badRequest("can't parse reply parameters JSON object")
		}
	} else if v := strings.TrimSpace(p["reply_to_message_id"]); v != "" {
		id, err := strconv.Atoi(v)
		if err != nil {
			return 0, badRequest("invalid reply_to_message_id specified")
		}
		rp.MessageID = id
		rp.AllowSendingWithoutReply = p["allow_sending_without_reply"] == "true"
	}
	if rp.MessageID == 0 {
		return 0, nil
	}
	target := ch
	if len(rp.ChatID) > 0 && string(rp.ChatID) != "null" {
		id := strings.Trim(string(rp.ChatID), `"`)
		c, err := s.chatLocked(id)
		if err != nil {
			return 0, err
		}
		target = c
	}
	if ref := target.msgs[rp.MessageID]; ref != nil && !ref.deleted() {
		return rp.MessageID, nil
	}
	if rp.AllowSendingWithoutReply {
		return 0, nil
	}
	return 0, badRequest("message to be replied not found")
}

func (r *msgRef) deleted() bool {
	if r.bot != nil {
		return r.bot.Deleted
	}
	return r.user.deleted
}

// chatLocked resolves a chat_id parameter to a known chat. Unknown chats
// (including private chats whose user never wrote) are "chat not found".
func (s *Server) chatLocked(v string) (*chatState, *apiError) {
	v = strings.TrimSpace(v)
	// "@username" addresses public channels/groups, which the fake does not
	// model; users cannot be addressed by username.
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil, badRequest("chat not found")
	}
	ch := s.chats[id]
	if ch == nil {
		return nil, badRequest("chat not found")
	}
	return ch, nil
}

// messageIDParam parses message_id.
func messageIDParam(p map[string]string, name string) (int, *apiError) {
	v := strings.TrimSpace(p[name])
	if v == "" {
		return 0, badRequest("message identifier is not specified")
	}
	id, err := strconv.Atoi(v)
	if err != nil {
		return 0, badRequest(fmt.Sprintf("invalid %s specified", name))
	}
	if id <= 0 {
		return 0, badRequest("message identifier is not specified")
	}
	return id, nil
}
