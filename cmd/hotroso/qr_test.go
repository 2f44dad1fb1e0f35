package main

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"testing"

	qr "github.com/piglig/go-qr"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
)

// A resident who scans a commune's QR code (/start c_<code>) has their
// commune set and sees the menu; their question reaches that commune's
// volunteers first: a card straight to those on duty, and /next gives it
// to them before older questions of other communes. A bad code gets the
// usual greeting and sets nothing.
func TestQRStartSetsTheCommuneAndItsVolunteersComeFirst(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		a := deskApp(t, backend)
		org := newChat(t, a, 900, "vi")
		ours, theirs := newChat(t, a, 500, "vi"), newChat(t, a, 501, "vi")
		joinVolunteer(t, org, ours, "Lan - Đoàn xã Thọ Xuân")
		joinVolunteer(t, org, theirs, "Minh - Đoàn phường Sầm Sơn")
		setCommune(ours, "tho xuan", "Xã Thọ Xuân")
		setCommune(theirs, "sam son", "Phường Sầm Sơn")

		earlier := newChat(t, a, 70, "vi")
		earlier.say("/ask")
		earlier.next()
		earlier.say("hỏi từ trước, không rõ xã")
		earlier.next()

		scanned := newChat(t, a, 71, "vi")
		scanned.say("/start c_15499")
		greeting := scanned.next()
		assert.Contains(t, greeting.Text, "Tổ công nghệ số cộng đồng Xã Thọ Xuân")
		assert.Contains(t, labels(greeting), "Tài khoản VNeID", "the menu")
		scanned.say("/ask")
		scanned.next()
		assert.Contains(t, ours.nextText(), "Câu hỏi mới của người dân xã/phường bạn", "the commune's volunteer is told straight away")
		scanned.say("cháu ở Thọ Xuân, cần kích hoạt VNeID")
		scanned.next()

		assert.Contains(t, ours.sayNext(t, "/next").Text, "cháu ở Thọ Xuân", "their commune's question before the older one")
		assert.Contains(t, theirs.sayNext(t, "/next").Text, "hỏi từ trước", "the others get the oldest")
		for _, m := range a.api.Messages(theirs.user.ID) {
			assert.NotContains(t, m.Text, "xã/phường bạn", "no notice to another commune's volunteer")
		}

		bad := newChat(t, a, 72, "vi")
		bad.say("/start c_99999")
		assert.Contains(t, bad.nextText(), "Xin chào bác! Cháu là trợ lý số của Tổ công nghệ số cộng đồng.")
		assert.Empty(t, a.api.Refused())
		a.stop(t)

		st := openStoreOf(t, a)
		u, err := st.GetUser(context.Background(), 71)
		require.NoError(t, err)
		assert.Equal(t, "15499", u.Commune)
		u, err = st.GetUser(context.Background(), 72)
		require.NoError(t, err)
		assert.Empty(t, u.Commune)
	})
}

// readPoster decodes a /qr answer: a PNG file of an A4 page at 150 dpi,
// and the URL its QR code holds, read back by a QR reader.
func readPoster(t *testing.T, m telegramtest.Message) string {
	t.Helper()
	require.NotNil(t, m.Document, "a file, not a compressed photo")
	assert.Regexp(t, `^qr-\d+\.png$`, m.Document.Name)
	img, err := png.Decode(bytes.NewReader(m.Document.Data))
	require.NoError(t, err)
	assert.Equal(t, image.Rect(0, 0, 1240, 1754), img.Bounds())
	url, err := qr.Decode(img)
	require.NoError(t, err)
	return url
}

// /qr sends a volunteer the printable poster of their commune, or of a
// commune they name (picked among the matches when several): its QR code
// is the bot's link that sets the commune.
func TestQRPosterOfACommune(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		a := startApp(t, backend, map[string]string{"ORGANIZER_IDS": "900"})
		org, vol := newChat(t, a, 900, "vi"), newChat(t, a, 500, "vi")
		joinVolunteer(t, org, vol, "Lan - Đoàn xã Thọ Xuân")
		assert.Contains(t, vol.sayNext(t, "/qr").Text, "Bạn chưa có xã/phường", "no commune yet")
		setCommune(vol, "tho xuan", "Xã Thọ Xuân")

		poster := vol.sayNext(t, "/qr")
		assert.Contains(t, poster.Caption, "Mã QR của Xã Thọ Xuân")
		assert.Equal(t, "https://t.me/"+telegramtest.DefaultBotUsername+"?start=c_15499", readPoster(t, poster))

		pick := vol.sayNext(t, "/qr sam son")
		assert.Equal(t, []string{"Phường Sầm Sơn", "Phường Nam Sầm Sơn"}, labels(pick))
		vol.press("Phường Sầm Sơn")
		assert.Equal(t, "https://t.me/"+telegramtest.DefaultBotUsername+"?start=c_16531", readPoster(t, vol.next()))

		a.api.PressData(vol.user, pick.MessageID, "qr:99999")
		assert.Contains(t, vol.nextText(), "Việc này chỉ dành cho", "a forged commune")
		res := newChat(t, a, 40, "vi")
		assert.Contains(t, res.sayNext(t, "/qr").Text, "Việc này chỉ dành cho", "residents make no posters")
		assert.Empty(t, a.api.Refused())
	})
}
