package main

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A resident who scans a commune's QR code (/start c_<code>) has their
// commune set and sees the menu; their question reaches that commune's
// volunteers first: a card straight to those on duty, and /next gives it
// to them before older questions of other communes. A bad code gets the
// usual greeting and sets nothing.
func TestQRStartSetsTheCommuneAndItsVolunteersComeFirst(t *testing.T) {
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
