package telegramtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// queuedUpdate is an update waiting to be confirmed by the bot.
type queuedUpdate struct {
	id   int64
	kind string // "message", "callback_query", ...; "" when unknown
	raw  []byte
	// once: delivered at most once and considered confirmed on delivery
	// (PushUpdateJSON), and always delivered alone in its batch.
	once bool
	// again: a redelivery (Redeliver) that the bot's offset does not
	// confirm away; it is delivered once.
	again bool
}

// defaultExcludedUpdates are not delivered unless asked for explicitly via
// allowed_updates, as in the real API.
var defaultExcludedUpdates = []string{"chat_member", "message_reaction", "message_reaction_count"}

// enqueueLocked assigns the next update_id, stores the update and wakes
// pollers. payload is marshalled under key kind, which sorts before
// "update_id" like every update type, so the members come in the order
// encoding/json gives a map.
func (s *Server) enqueueLocked(kind string, payload jsonAppender) int64 {
	id := s.nextUpdateID
	buf := getBuffer()
	o := beginObject(*buf)
	o.value(kind, payload)
	o.int("update_id", id)
	raw := o.end()
	s.appendUpdateLocked(&queuedUpdate{id: id, kind: kind, raw: slices.Clone(raw)})
	putBuffer(buf, raw)
	return id
}

func (s *Server) appendUpdateLocked(u *queuedUpdate) {
	if s.pushedRaw == nil {
		s.pushedRaw = map[int64][]byte{}
	}
	s.pushedRaw[u.id] = u.raw
	s.nextUpdateID = u.id + 1
	s.pending = append(s.pending, u)
	s.pushedCount++
	s.queueChangedLocked()
}

// SendText makes from send text to the bot in their private chat and
// returns the update id. A leading "/command" gets a bot_command entity.
func (s *Server) SendText(from User, text string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sendInboundLocked(s.privateChatLocked(from), from, &inboundMessage{kind: "text", text: text}, 0)
}

// SendTextInGroup makes from write text in a group chat (registering the
// chat, as "supergroup" for -100… ids and "group" otherwise, unless AddChat
// said differently) and returns the update id.
func (s *Server) SendTextInGroup(chatID int64, from User, text string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sendInboundLocked(s.groupChatLocked(chatID), from, &inboundMessage{kind: "text", text: text}, 0)
}

// SendReply makes from reply with text to message replyTo (typically one of
// the bot's messages) in their private chat and returns the update id.
func (s *Server) SendReply(from User, replyTo int, text string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sendInboundLocked(s.privateChatLocked(from), from, &inboundMessage{kind: "text", text: text}, replyTo)
}

// SendPhoto makes from send a photo (two sizes, fake JPEG bytes) with an
// optional caption and returns the update id.
func (s *Server) SendPhoto(from User, caption string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.privateChatLocked(from)
	f := s.newFileLocked("photo", "photo.jpg", fakeContent("photo", s.nextFileID))
	return s.sendInboundLocked(ch, from, &inboundMessage{kind: "photo", caption: caption, file: f}, 0)
}

// SendSticker makes from send a sticker and returns the update id.
func (s *Server) SendSticker(from User) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.privateChatLocked(from)
	f := s.newFileLocked("sticker", "sticker.webp", fakeContent("sticker", s.nextFileID))
	return s.sendInboundLocked(ch, from, &inboundMessage{kind: "sticker", file: f}, 0)
}

// SendVoice makes from send a voice note and returns the update id.
func (s *Server) SendVoice(from User) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.privateChatLocked(from)
	f := s.newFileLocked("voice", "voice.ogg", fakeContent("voice", s.nextFileID))
	return s.sendInboundLocked(ch, from, &inboundMessage{kind: "voice", file: f}, 0)
}

// SendDocument makes from send a document with the given name, content
// and caption, and returns the update id. The bot can fetch the content via
// getFile and the file download path.
func (s *Server) SendDocument(from User, filename string, data []byte, caption string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.privateChatLocked(from)
	f := s.newFileLocked("document", filename, slices.Clone(data))
	return s.sendInboundLocked(ch, from, &inboundMessage{kind: "document", caption: caption, file: f}, 0)
}

func (s *Server) sendInboundLocked(ch *chatState, from User, m *inboundMessage, replyTo int) int64 {
	m.id = ch.allocMessageID()
	m.from = from
	m.date = s.now()
	ch.msgs[m.id] = &msgRef{user: m}
	if m.kind == "photo" && m.file != nil {
		small := s.newFileLocked("photo", "photo_small.jpg", m.file.Data[:len(m.file.Data)/2])
		m.photo = []apiPhotoSize{
			{FileID: small.FileID, FileUniqueID: uniqueID(small.FileID), Width: 90, Height: 67, FileSize: len(small.Data)},
			{FileID: m.file.FileID, FileUniqueID: uniqueID(m.file.FileID), Width: 1280, Height: 960, FileSize: len(m.file.Data)},
		}
	}
	msg := s.inboundJSON(ch, m)
	if replyTo != 0 {
		if ref := ch.msgs[replyTo]; ref != nil {
			msg.ReplyToMessage = ptr(s.refJSONLocked(ch, ref))
		}
	}
	return s.enqueueLocked("message", &msg)
}

// commandEntities finds bot commands ("/cmd" or "/cmd@bot" at the start of
// the text or after whitespace), with UTF-16 offsets as the real API does.
func commandEntities(text string) []apiEntity {
	var out []apiEntity
	offset := 0 // UTF-16 offset of text[i]
	prevSpace := true
	for i := 0; i < len(text); {
		if text[i] == '/' && prevSpace {
			j := i + 1
			for j < len(text) && j-i <= 32 && isCommandChar(text[j]) {
				j++
			}
			if j > i+1 {
				if j < len(text) && text[j] == '@' {
					k := j + 1
					for k < len(text) && isCommandChar(text[k]) {
						k++
					}
					if k > j+1 {
						j = k
					}
				}
				out = append(out, apiEntity{Type: "bot_command", Offset: offset, Length: j - i})
				offset += j - i
				i = j
				prevSpace = false
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		prevSpace = r == ' ' || r == '\n' || r == '\t' || r == '\r'
		offset += utf16Len(string(r))
		i += size
	}
	return out
}

func isCommandChar(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// PressButton makes from press the inline button labelled label on the most
// recent bot message in their private chat that has such a callback button,
// and returns the update id of the resulting callback_query.
func (s *Server) PressButton(from User, label string) (int64, error) {
	return s.PressButtonIn(from.ID, from, label)
}

// PressButtonIn is PressButton for any chat (groups included).
func (s *Server) PressButtonIn(chatID int64, from User, label string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.chats[chatID]
	if ch == nil {
		return 0, fmt.Errorf("telegramtest: no chat %d", chatID)
	}
	var urlOnly bool
	for i := len(ch.botMsgs) - 1; i >= 0; i-- {
		m := ch.botMsgs[i]
		if m.Deleted {
			continue
		}
		b, ok := m.Button(label)
		if !ok {
			continue
		}
		if b.Data == "" {
			urlOnly = true
			continue
		}
		return s.callbackLocked(ch, from, m.MessageID, b.Data), nil
	}
	if urlOnly {
		return 0, fmt.Errorf("telegramtest: button %q in chat %d has no callback_data", label, chatID)
	}
	return 0, fmt.Errorf("telegramtest: no bot message in chat %d has a button %q (buttons: %s)", chatID, label, s.buttonSummaryLocked(ch))
}

func (s *Server) buttonSummaryLocked(ch *chatState) string {
	var labels []string
	for _, m := range ch.botMsgs {
		if !m.Deleted && len(m.Buttons) > 0 {
			labels = append(labels, fmt.Sprintf("#%d%q", m.MessageID, m.ButtonTexts()))
		}
	}
	if len(labels) == 0 {
		return "none"
	}
	return strings.Join(labels, " ")
}

// PressData sends a callback_query with arbitrary (possibly forged) data
// for message messageID in from's private chat, whether or not such a
// button exists, and returns the update id. If messageID is not a bot
// message the query carries an inaccessible message (date 0).
func (s *Server) PressData(from User, messageID int, data string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callbackLocked(s.privateChatLocked(from), from, messageID, data)
}

// callbackState tracks a callback query until it is answered.
type callbackState struct {
	updateID int64
	answered bool
}

func (s *Server) callbackLocked(ch *chatState, from User, messageID int, data string) int64 {
	s.nextCallback++
	id := strconv.FormatInt(from.ID, 10) + strconv.FormatInt(1_000_000+s.nextCallback, 10)
	q := apiCallbackQuery{
		ID:           id,
		From:         userJSON(from),
		ChatInstance: strconv.FormatInt(ch.id*7919+s.botID, 10),
		Data:         data,
	}
	if ref := ch.msgs[messageID]; ref != nil && ref.bot != nil && !ref.bot.Deleted {
		m := s.botMessageJSON(ch, ref.bot)
		buf := getBuffer()
		q.Message = m.appendJSON(*buf)
		defer putBuffer(buf, q.Message) // enqueueLocked copies it
	} else {
		q.Message = mustJSON(map[string]any{"chat": ch.chatJSON(), "message_id": messageID, "date": 0})
	}
	upd := s.enqueueLocked("callback_query", &q)
	s.callbacks[id] = &callbackState{updateID: upd}
	s.callbackByUp[upd] = id
	return upd
}

// Unanswered returns the update ids of callback queries the bot has not
// answered with answerCallbackQuery (a real client shows a spinner for them).
func (s *Server) Unanswered() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []int64
	for _, cb := range s.callbacks {
		if !cb.answered {
			out = append(out, cb.updateID)
		}
	}
	slices.Sort(out)
	return out
}

// PushUpdate enqueues an arbitrary update. The server sets "update_id" (any
// value in raw is replaced) and returns it; raw is not modified. A
// callback_query with an "id" becomes answerable with answerCallbackQuery.
// It panics if raw cannot be marshalled to JSON.
func (s *Server) PushUpdate(raw map[string]any) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	obj := make(map[string]any, len(raw)+1)
	kind := ""
	for k, v := range raw {
		obj[k] = v
		if k != "update_id" && (kind == "" || k < kind) {
			kind = k
		}
	}
	id := s.nextUpdateID
	obj["update_id"] = id
	data, err := json.Marshal(obj)
	if err != nil {
		panic(fmt.Sprintf("telegramtest: PushUpdate: %v", err))
	}
	s.appendUpdateLocked(&queuedUpdate{id: id, kind: kind, raw: data})
	s.registerRawCallbackLocked(id, data)
	return id
}

// registerRawCallbackLocked makes a callback query pushed as a raw update
// answerable with answerCallbackQuery.
func (s *Server) registerRawCallbackLocked(updateID int64, data []byte) {
	var u struct {
		CallbackQuery *struct {
			ID string `json:"id"`
		} `json:"callback_query"`
	}
	if json.Unmarshal(data, &u) != nil || u.CallbackQuery == nil || u.CallbackQuery.ID == "" {
		return
	}
	if _, dup := s.callbacks[u.CallbackQuery.ID]; !dup {
		s.callbacks[u.CallbackQuery.ID] = &callbackState{updateID: updateID}
		s.callbackByUp[updateID] = u.CallbackQuery.ID
	}
}

// PushUpdateJSON enqueues raw bytes as an update, for malformed-input and
// fuzz tests, and returns the update id the server tracks it under. If data
// is a JSON object its "update_id" is set to that id; anything else
// (invalid JSON, arrays, scalars) is delivered verbatim, which will make the
// client fail to decode that getUpdates response. Such updates are
// delivered alone, exactly once, and count as confirmed once delivered, so
// a client that cannot decode them is not stuck on them forever.
func (s *Server) PushUpdateJSON(data []byte) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.nextUpdateID
	u := &queuedUpdate{id: id, raw: slices.Clone(data), once: true}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err == nil && obj != nil {
		obj["update_id"] = json.RawMessage(strconv.FormatInt(id, 10))
		for k := range obj {
			if k != "update_id" && (u.kind == "" || k < u.kind) {
				u.kind = k
			}
		}
		if b, err := json.Marshal(obj); err == nil {
			u.raw = b
		}
	}
	if len(bytes.TrimSpace(u.raw)) == 0 {
		u.raw = []byte("null")
	}
	s.appendUpdateLocked(u)
	s.registerRawCallbackLocked(id, u.raw)
	return id
}

// Redeliver delivers an update that was already pushed once more, with the
// same update_id, as Telegram does when a bot stopped before confirming it
// (or as a webhook retry does). It is delivered once, whatever the bot's
// offset. It returns an error for an update id never pushed.
func (s *Server) Redeliver(updateID int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	raw, ok := s.pushedRaw[updateID]
	if !ok {
		return fmt.Errorf("telegramtest: no update %d was pushed", updateID)
	}
	s.pending = append(s.pending, &queuedUpdate{id: updateID, raw: raw, once: true, again: true})
	s.pushedCount++
	s.queueChangedLocked()
	return nil
}

// PendingUpdates returns how many pushed updates the bot has not confirmed.
func (s *Server) PendingUpdates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending)
}

// confirmLocked applies getUpdates offset semantics: a positive offset
// confirms every update with a smaller id, a negative one keeps only the
// last -offset updates.
func (s *Server) confirmLocked(offset int64) {
	before := len(s.pending)
	switch {
	case offset > 0:
		s.pending = slices.DeleteFunc(s.pending, func(u *queuedUpdate) bool { return u.id < offset && !u.again })
	case offset < 0:
		if keep := int(-offset); keep < len(s.pending) {
			s.pending = s.pending[len(s.pending)-keep:]
		}
	}
	if len(s.pending) != before {
		s.queueChangedLocked()
	}
}

func (s *Server) updateAllowedLocked(kind string) bool {
	if kind == "" {
		return true
	}
	if len(s.allowedUpdates) == 0 {
		return !slices.Contains(defaultExcludedUpdates, kind)
	}
	return slices.Contains(s.allowedUpdates, kind)
}

// takeBatchLocked returns up to limit deliverable updates. Updates of types
// excluded by allowed_updates are dropped; deliver-once updates are removed
// as they are handed out.
func (s *Server) takeBatchLocked(limit int) [][]byte {
	var batch [][]byte
	changed := false
	for i := 0; i < len(s.pending) && len(batch) < limit; {
		u := s.pending[i]
		if !s.updateAllowedLocked(u.kind) {
			s.pending = slices.Delete(s.pending, i, i+1)
			changed = true
			continue
		}
		if u.once {
			if len(batch) > 0 {
				break
			}
			s.pending = slices.Delete(s.pending, i, i+1)
			changed = true
			batch = append(batch, u.raw)
			break
		}
		batch = append(batch, u.raw)
		i++
	}
	if changed {
		s.queueChangedLocked()
	}
	return batch
}

// handleGetUpdates implements long polling.
func (s *Server) handleGetUpdates(wr *responder, c Call) {
	offset, err1 := intParam(c.Params, "offset", 0)
	limit, err2 := intParam(c.Params, "limit", 100)
	timeout, err3 := intParam(c.Params, "timeout", 0)
	for _, err := range []*apiError{err1, err2, err3} {
		if err != nil {
			wr.fail(c, err)
			return
		}
	}
	limit = min(max(limit, 1), 100)
	var allowed []string
	if raw, ok := c.Params["allowed_updates"]; ok && strings.TrimSpace(raw) != "" {
		if err := json.Unmarshal([]byte(raw), &allowed); err != nil {
			wr.fail(c, badRequest("can't parse allowed updates"))
			return
		}
	}

	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(time.Duration(timeout) * time.Second)
		defer t.Stop()
		expired = t.C
	}

	s.mu.Lock()
	if s.webhookURL != "" {
		s.mu.Unlock()
		wr.fail(c, &apiError{Code: 409, Description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"})
		return
	}
	if allowed != nil {
		s.allowedUpdates = allowed
	}
	s.confirmLocked(offset)
	for {
		batch := s.takeBatchLocked(int(limit))
		if len(batch) > 0 || timeout <= 0 || s.isClosed() {
			s.mu.Unlock()
			writeUpdates(wr.w, batch)
			return
		}
		// Wait for a change of the queue only: other pollers coming and
		// going (activePolls) must not wake us, or two concurrent polls
		// would wake each other forever.
		queueChanged := s.queueCh
		s.activePolls++
		s.notifyLocked()
		s.mu.Unlock()
		aborted := false
		select {
		case <-queueChanged:
		case <-expired:
			timeout = 0
		case <-s.closed:
		case <-wr.r.Context().Done():
			aborted = true
		}
		s.mu.Lock()
		s.activePolls--
		s.notifyLocked()
		if aborted {
			s.mu.Unlock()
			return
		}
	}
}

// writeUpdates writes the getUpdates answer by hand, so that raw updates
// from PushUpdateJSON reach the client byte for byte (even invalid JSON).
func writeUpdates(w http.ResponseWriter, batch [][]byte) {
	buf := getBuffer()
	b := append(*buf, `{"ok":true,"result":[`...)
	for i, u := range batch {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, u...)
	}
	b = append(b, "]}\n"...)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
	putBuffer(buf, b)
}

func intParam(p map[string]string, name string, def int64) (int64, *apiError) {
	v, ok := p[name]
	if !ok || strings.TrimSpace(v) == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, badRequest(fmt.Sprintf("invalid %s specified", name))
	}
	return n, nil
}

func ptr[T any](v T) *T { return &v }

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("telegramtest: marshal: %v", err))
	}
	return b
}
