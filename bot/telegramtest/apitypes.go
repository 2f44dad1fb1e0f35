package telegramtest

import (
	"encoding/json"
	"unicode/utf16"
)

// The types below are the subset of Bot API objects the fake emits.

type apiUser struct {
	ID           int64  `json:"id"`
	IsBot        bool   `json:"is_bot"`
	FirstName    string `json:"first_name"`
	Username     string `json:"username,omitempty"`
	LanguageCode string `json:"language_code,omitempty"`
	// getMe only
	CanJoinGroups           bool `json:"can_join_groups,omitempty"`
	CanReadAllGroupMessages bool `json:"can_read_all_group_messages,omitempty"`
	SupportsInlineQueries   bool `json:"supports_inline_queries,omitempty"`
}

type apiChat struct {
	ID        int64  `json:"id"`
	Type      string `json:"type"`
	Title     string `json:"title,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	Username  string `json:"username,omitempty"`
}

type apiEntity struct {
	Type   string `json:"type"`
	Offset int    `json:"offset"`
	Length int    `json:"length"`
}

type apiPhotoSize struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
	FileSize     int    `json:"file_size,omitempty"`
}

// apiFile covers Document, Voice, Audio, Video, Animation, VideoNote and
// Sticker closely enough for clients to read file_id and friends.
type apiFile struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	FileName     string `json:"file_name,omitempty"`
	MimeType     string `json:"mime_type,omitempty"`
	FileSize     int    `json:"file_size,omitempty"`
	Duration     int    `json:"duration,omitempty"`
	Width        int    `json:"width,omitempty"`
	Height       int    `json:"height,omitempty"`
	// stickers
	Type       string `json:"type,omitempty"`
	Emoji      string `json:"emoji,omitempty"`
	IsAnimated *bool  `json:"is_animated,omitempty"`
	IsVideo    *bool  `json:"is_video,omitempty"`
}

type apiMessage struct {
	MessageID      int             `json:"message_id"`
	From           *apiUser        `json:"from,omitempty"`
	Chat           apiChat         `json:"chat"`
	Date           int64           `json:"date"`
	EditDate       int64           `json:"edit_date,omitempty"`
	ForwardOrigin  json.RawMessage `json:"forward_origin,omitempty"`
	ReplyToMessage *apiMessage     `json:"reply_to_message,omitempty"`
	Text           string          `json:"text,omitempty"`
	Entities       []apiEntity     `json:"entities,omitempty"`
	Caption        string          `json:"caption,omitempty"`
	Photo          []apiPhotoSize  `json:"photo,omitempty"`
	Document       *apiFile        `json:"document,omitempty"`
	Voice          *apiFile        `json:"voice,omitempty"`
	Audio          *apiFile        `json:"audio,omitempty"`
	Video          *apiFile        `json:"video,omitempty"`
	Animation      *apiFile        `json:"animation,omitempty"`
	VideoNote      *apiFile        `json:"video_note,omitempty"`
	Sticker        *apiFile        `json:"sticker,omitempty"`
	ReplyMarkup    json.RawMessage `json:"reply_markup,omitempty"`
}

type apiCallbackQuery struct {
	ID           string          `json:"id"`
	From         apiUser         `json:"from"`
	Message      json.RawMessage `json:"message,omitempty"`
	ChatInstance string          `json:"chat_instance"`
	Data         string          `json:"data,omitempty"`
}

func userJSON(u User) apiUser {
	return apiUser{ID: u.ID, FirstName: u.firstName(), Username: u.Username, LanguageCode: u.LanguageCode}
}

func (s *Server) botUserJSON() apiUser {
	return apiUser{ID: s.botID, IsBot: true, FirstName: s.cfg.botFirstName, Username: s.cfg.botUsername}
}

// utf16Len is the length of s in UTF-16 code units, the unit of entity
// offsets in the Bot API.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// setFileJSON puts f into the field of m that matches kind.
func setFileJSON(m *apiMessage, kind string, f *File) {
	if f == nil {
		return
	}
	af := &apiFile{FileID: f.FileID, FileUniqueID: uniqueID(f.FileID), FileSize: len(f.Data)}
	switch kind {
	case "photo":
		m.Photo = []apiPhotoSize{
			{FileID: f.FileID, FileUniqueID: uniqueID(f.FileID), Width: 320, Height: 240, FileSize: len(f.Data)},
		}
	case "document":
		af.FileName = f.Name
		m.Document = af
	case "voice":
		af.Duration, af.MimeType = 3, "audio/ogg"
		m.Voice = af
	case "audio":
		af.Duration, af.FileName = 3, f.Name
		m.Audio = af
	case "video":
		af.Duration, af.Width, af.Height = 3, 640, 480
		m.Video = af
	case "animation":
		af.Duration, af.Width, af.Height = 3, 320, 240
		m.Animation = af
	case "video_note":
		af.Duration, af.Width, af.Height = 3, 240, 240
		m.VideoNote = af
	case "sticker":
		f := false
		af.Type, af.Emoji, af.Width, af.Height, af.IsAnimated, af.IsVideo = "regular", "👍", 512, 512, &f, &f
		m.Sticker = af
	}
}
