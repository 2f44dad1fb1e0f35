package bot

import (
	"encoding/json"
	"testing"

	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/handlers"
)

// roundTrip queues upd as webhook mode does and reads it back.
func roundTrip(t *testing.T, upd *models.Update, maskText bool) *models.Update {
	t.Helper()
	raw, err := json.Marshal(minimize(upd, maskText))
	require.NoError(t, err)
	back, err := decodeQueued(raw)
	require.NoError(t, err)
	return back
}

// The desk sees the same event from a queued update as from the update,
// but for masked texts.
func TestQueuedUpdatesGiveTheDeskTheSameEvents(t *testing.T) {
	from := &models.User{ID: 7, FirstName: "Hoa", Username: "hoa", LanguageCode: "vi"}
	private := models.Chat{ID: 7, Type: models.ChatTypePrivate, FirstName: "Hoa"}
	group := models.Chat{ID: -100, Type: models.ChatTypeSupergroup, Title: "TNV"}
	cases := map[string]*models.Update{
		"text":     {ID: 1, Message: &models.Message{ID: 3, Date: 100, Chat: private, From: from, Text: "chào cháu"}},
		"command":  {ID: 2, Message: &models.Message{ID: 4, Date: 100, Chat: private, From: from, Text: "/start v_ab12cd34ef56gh78"}},
		"group":    {ID: 3, Message: &models.Message{ID: 5, Date: 100, Chat: group, From: from, Text: "/queue@hotroso_bot"}},
		"photo":    {ID: 4, Message: &models.Message{ID: 6, Date: 100, Chat: private, From: from, Photo: []models.PhotoSize{{FileID: "a"}, {FileID: "b"}}, Caption: "ảnh"}},
		"voice":    {ID: 5, Message: &models.Message{ID: 7, Date: 100, Chat: private, From: from, Voice: &models.Voice{FileID: "v"}}},
		"sticker":  {ID: 6, Message: &models.Message{ID: 8, Date: 100, Chat: private, From: from, Sticker: &models.Sticker{FileID: "s"}}},
		"document": {ID: 7, Message: &models.Message{ID: 9, Date: 100, Chat: private, From: from, Document: &models.Document{FileID: "d", FileName: "CCCD_Hoa.jpg"}}},
		"contact":  {ID: 8, Message: &models.Message{ID: 10, Date: 100, Chat: private, From: from, Contact: &models.Contact{PhoneNumber: "0912345678", FirstName: "Lâm"}}},
		"location": {ID: 9, Message: &models.Message{ID: 11, Date: 100, Chat: private, From: from, Location: &models.Location{Latitude: 19.8, Longitude: 105.7}}},
		"other":    {ID: 10, Message: &models.Message{ID: 12, Date: 100, Chat: private, From: from, Dice: &models.Dice{Emoji: "🎲", Value: 3}}},
		"button": {ID: 11, CallbackQuery: &models.CallbackQuery{ID: "cb1", From: *from, Data: "m:vneid",
			Message: models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeMessage, Message: &models.Message{ID: 13, Date: 100, Chat: private}}}},
		"old button": {ID: 12, CallbackQuery: &models.CallbackQuery{ID: "cb2", From: *from, Data: "m:vneid",
			Message: models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeInaccessibleMessage, InaccessibleMessage: &models.InaccessibleMessage{Chat: group, MessageID: 14}}}},
	}
	for name, upd := range cases {
		want, wantOK := toEvent(upd, "hotroso_bot")
		got, gotOK := toEvent(roundTrip(t, upd, false), "hotroso_bot")
		assert.Equal(t, wantOK, gotOK, name)
		assert.Equal(t, want, got, name)
		assert.Equal(t, chatKey(upd), chatKey(roundTrip(t, upd, true)), name)
	}
	assert.Equal(t, handlers.MediaContact, mustEvent(t, cases["contact"]).Media)
	assert.Equal(t, handlers.MediaLocation, mustEvent(t, cases["location"]).Media)
}

func mustEvent(t *testing.T, upd *models.Update) handlers.Event {
	ev, ok := toEvent(upd, "hotroso_bot")
	require.True(t, ok)
	return ev
}

// A resident's text and command arguments are masked; the bot's own deep
// links are not, nor is anything but the few fields the desk reads kept.
func TestQueuedUpdatesKeepNoPersonalData(t *testing.T) {
	from := &models.User{ID: 7, FirstName: "Thị Hoa", LastName: "Nguyễn", Username: "hoa1950", LanguageCode: "vi"}
	private := models.Chat{ID: 7, Type: models.ChatTypePrivate, FirstName: "Thị Hoa", Username: "hoa1950"}
	msg := func(text string) *models.Update {
		return &models.Update{ID: 1, Message: &models.Message{ID: 3, Date: 100, Chat: private, From: from, Text: text,
			Contact: &models.Contact{PhoneNumber: "0912345678", FirstName: "Lâm"}}}
	}
	for text, want := range map[string]string{
		"số CCCD 038123456789":      "số CCCD ••••",
		"/ask sđt bác 0912345678":   "/ask sđt bác ••••",
		"/start v_ab12cd34ef567890": "/start v_ab12cd34ef567890",
		"/start 038123456789":       "/start ••••",
	} {
		raw, err := json.Marshal(minimize(msg(text), true))
		require.NoError(t, err)
		for _, secret := range []string{"038123456789", "0912345678", "Thị Hoa", "Nguyễn", "hoa1950", "Lâm"} {
			assert.NotContains(t, string(raw), secret, text)
		}
		back, err := decodeQueued(raw)
		require.NoError(t, err)
		assert.Equal(t, want, back.Message.Text)
	}
	raw, err := json.Marshal(minimize(msg("0912345678"), false))
	require.NoError(t, err)
	assert.Contains(t, string(raw), "0912345678", "a volunteer's text is kept as written")
}

// Entries an older version queued, raw updates, are still read.
func TestQueuedRawUpdatesFromAnOlderVersionAreRead(t *testing.T) {
	upd, err := decodeQueued([]byte(`{"update_id":9,"message":{"message_id":1,"date":5,"chat":{"id":3,"type":"private"},"from":{"id":3,"is_bot":false,"first_name":"A"},"text":"hi"}}`))
	require.NoError(t, err)
	assert.Equal(t, int64(9), upd.ID)
	assert.Equal(t, "hi", upd.Message.Text)
}
