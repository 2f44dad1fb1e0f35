package telegramtest

import (
	"encoding/json"
	"strconv"
	"sync"
	"unicode/utf8"
)

// The fake marshals a message for nearly every call it answers and every
// update it queues. The appendJSON methods below write the API types the
// way encoding/json marshals them (same field order, omitempty rules and
// string escaping, HTML-safe), without reflection. Their json.RawMessage
// fields only ever hold compact JSON that encoding/json produced (or
// appendCanonical, which matches it), so they are copied as they are where
// encoding/json would compact them to the same bytes.

// jsonAppender is an API object that can append its JSON encoding.
type jsonAppender interface {
	appendJSON(dst []byte) []byte
}

const hexDigits = "0123456789abcdef"

// maxPooledBuffer is the largest scratch buffer kept for reuse.
const maxPooledBuffer = 64 << 10

// bufferPool holds scratch buffers for encoding answers and updates.
var bufferPool = sync.Pool{New: func() any { return new([]byte) }}

// getBuffer returns an empty scratch buffer; hand it back with putBuffer
// once its contents were copied or written.
func getBuffer() *[]byte {
	b := bufferPool.Get().(*[]byte)
	*b = (*b)[:0]
	return b
}

// putBuffer returns a scratch buffer, grown to b, to the pool.
func putBuffer(p *[]byte, b []byte) {
	if cap(b) <= maxPooledBuffer {
		*p = b
		bufferPool.Put(p)
	}
}

// appendJSONString appends s as a JSON string the way encoding/json
// marshals it: HTML-safe (<, > and & escaped), invalid UTF-8 replaced by
// U+FFFD, U+2028 and U+2029 escaped.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= ' ' && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// jsonObjectWriter appends the members of a JSON object.
type jsonObjectWriter struct {
	buf   []byte
	empty bool // no member written yet
}

func beginObject(dst []byte) jsonObjectWriter {
	return jsonObjectWriter{buf: append(dst, '{'), empty: true}
}

// name appends a member name (a plain ASCII constant) and the colon.
func (w *jsonObjectWriter) name(name string) {
	if !w.empty {
		w.buf = append(w.buf, ',')
	}
	w.empty = false
	w.buf = append(w.buf, '"')
	w.buf = append(w.buf, name...)
	w.buf = append(w.buf, '"', ':')
}

func (w *jsonObjectWriter) int(name string, v int64) {
	w.name(name)
	w.buf = strconv.AppendInt(w.buf, v, 10)
}

func (w *jsonObjectWriter) string(name, v string) {
	w.name(name)
	w.buf = appendJSONString(w.buf, v)
}

func (w *jsonObjectWriter) bool(name string, v bool) {
	w.name(name)
	w.buf = strconv.AppendBool(w.buf, v)
}

func (w *jsonObjectWriter) raw(name string, v json.RawMessage) {
	w.name(name)
	w.buf = append(w.buf, v...)
}

func (w *jsonObjectWriter) value(name string, v jsonAppender) {
	w.name(name)
	w.buf = v.appendJSON(w.buf)
}

// The *Empty methods skip what omitempty omits.

func (w *jsonObjectWriter) intNonZero(name string, v int64) {
	if v != 0 {
		w.int(name, v)
	}
}

func (w *jsonObjectWriter) stringNonEmpty(name, v string) {
	if v != "" {
		w.string(name, v)
	}
}

func (w *jsonObjectWriter) boolTrue(name string, v bool) {
	if v {
		w.bool(name, v)
	}
}

func (w *jsonObjectWriter) rawNonEmpty(name string, v json.RawMessage) {
	if len(v) > 0 {
		w.raw(name, v)
	}
}

func (w *jsonObjectWriter) end() []byte { return append(w.buf, '}') }

// appendJSONArray appends a slice of API objects as a JSON array.
func appendJSONArray[T any, P interface {
	*T
	jsonAppender
}](dst []byte, items []T) []byte {
	dst = append(dst, '[')
	for i := range items {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = P(&items[i]).appendJSON(dst)
	}
	return append(dst, ']')
}

func (u *apiUser) appendJSON(dst []byte) []byte {
	w := beginObject(dst)
	w.int("id", u.ID)
	w.bool("is_bot", u.IsBot)
	w.string("first_name", u.FirstName)
	w.stringNonEmpty("username", u.Username)
	w.stringNonEmpty("language_code", u.LanguageCode)
	w.boolTrue("can_join_groups", u.CanJoinGroups)
	w.boolTrue("can_read_all_group_messages", u.CanReadAllGroupMessages)
	w.boolTrue("supports_inline_queries", u.SupportsInlineQueries)
	return w.end()
}

func (c *apiChat) appendJSON(dst []byte) []byte {
	w := beginObject(dst)
	w.int("id", c.ID)
	w.string("type", c.Type)
	w.stringNonEmpty("title", c.Title)
	w.stringNonEmpty("first_name", c.FirstName)
	w.stringNonEmpty("username", c.Username)
	return w.end()
}

func (e *apiEntity) appendJSON(dst []byte) []byte {
	w := beginObject(dst)
	w.string("type", e.Type)
	w.int("offset", int64(e.Offset))
	w.int("length", int64(e.Length))
	return w.end()
}

func (p *apiPhotoSize) appendJSON(dst []byte) []byte {
	w := beginObject(dst)
	w.string("file_id", p.FileID)
	w.string("file_unique_id", p.FileUniqueID)
	w.int("width", int64(p.Width))
	w.int("height", int64(p.Height))
	w.intNonZero("file_size", int64(p.FileSize))
	return w.end()
}

func (f *apiFile) appendJSON(dst []byte) []byte {
	w := beginObject(dst)
	w.string("file_id", f.FileID)
	w.string("file_unique_id", f.FileUniqueID)
	w.stringNonEmpty("file_name", f.FileName)
	w.stringNonEmpty("mime_type", f.MimeType)
	w.intNonZero("file_size", int64(f.FileSize))
	w.intNonZero("duration", int64(f.Duration))
	w.intNonZero("width", int64(f.Width))
	w.intNonZero("height", int64(f.Height))
	w.stringNonEmpty("type", f.Type)
	w.stringNonEmpty("emoji", f.Emoji)
	if f.IsAnimated != nil {
		w.bool("is_animated", *f.IsAnimated)
	}
	if f.IsVideo != nil {
		w.bool("is_video", *f.IsVideo)
	}
	return w.end()
}

func (m *apiMessage) appendJSON(dst []byte) []byte {
	w := beginObject(dst)
	w.int("message_id", int64(m.MessageID))
	if m.From != nil {
		w.value("from", m.From)
	}
	w.value("chat", &m.Chat)
	w.int("date", m.Date)
	w.intNonZero("edit_date", m.EditDate)
	w.rawNonEmpty("forward_origin", m.ForwardOrigin)
	if m.ReplyToMessage != nil {
		w.value("reply_to_message", m.ReplyToMessage)
	}
	w.stringNonEmpty("text", m.Text)
	if len(m.Entities) > 0 {
		w.name("entities")
		w.buf = appendJSONArray(w.buf, m.Entities)
	}
	w.stringNonEmpty("caption", m.Caption)
	if len(m.Photo) > 0 {
		w.name("photo")
		w.buf = appendJSONArray(w.buf, m.Photo)
	}
	for _, f := range [...]struct {
		name string
		file *apiFile
	}{
		{"document", m.Document}, {"voice", m.Voice}, {"audio", m.Audio}, {"video", m.Video},
		{"animation", m.Animation}, {"video_note", m.VideoNote}, {"sticker", m.Sticker},
	} {
		if f.file != nil {
			w.value(f.name, f.file)
		}
	}
	w.rawNonEmpty("reply_markup", m.ReplyMarkup)
	return w.end()
}

func (q *apiCallbackQuery) appendJSON(dst []byte) []byte {
	w := beginObject(dst)
	w.string("id", q.ID)
	w.value("from", &q.From)
	w.rawNonEmpty("message", q.Message)
	w.string("chat_instance", q.ChatInstance)
	w.stringNonEmpty("data", q.Data)
	return w.end()
}
