package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
)

// telegramLimits are Telegram's per-chat limits as the fake enforces them
// in these tests: about one message a second in a private chat (a few in a
// burst), and twenty a minute in a group.
var telegramLimits = telegramtest.ChatLimits{PrivatePerSecond: 1, PrivateBurst: 5, GroupPerMinute: 20}

// limitedDeskApp is deskApp against a fake that answers 429 as Telegram
// does when a chat gets more than its limit.
func limitedDeskApp(t *testing.T, backend string, extra map[string]string) *app {
	t.Helper()
	api := newFakeAPI(t, telegramtest.WithChatLimits(telegramLimits))
	env := appEnv(t, backend, map[string]string{"ORGANIZER_IDS": "900", "VOLUNTEER_CHAT_ID": "-100123456",
		"TELEGRAM_BOT_TOKEN": api.Token(), "TELEGRAM_API_URL": api.URL()})
	for k, v := range extra {
		env[k] = v
	}
	api.AddChat(volunteerGroup, telegramtest.ChatSupergroup)
	return startWith(t, api, env)
}

// floodWait bounds the wait for a flood to be handled: the messages within
// the resident's rate go to a chat Telegram allows about one a second.
const floodWait = 2 * time.Minute

// flood has the resident send n numbered messages as fast as the test can.
func flood(c *chat, n int) {
	for i := range n {
		c.api.SendText(c.user, fmt.Sprintf("Cháu ơi giúp bác với, tin số %d", i))
	}
}

// countMessages counts the chat's messages whose text or caption contains
// part.
func countMessages(api *telegramtest.Server, chatID int64, part string) int {
	n := 0
	for _, m := range api.Messages(chatID) {
		if strings.Contains(m.Text+m.Caption, part) {
			n++
		}
	}
	return n
}

// A resident who floods the desk while a volunteer holds their question: the
// volunteer gets at most the resident's rate of relays (20 a minute, in a
// burst of 20), the resident one kind word that the rest was not passed on,
// and Telegram answers no storm of 429s.
func TestAFloodingResidentIsHeldToTheirRate(t *testing.T) {
	skipLong(t, "100 messages paced within Telegram's chat limits")
	forEachBackend(t, func(t *testing.T, backend string) {
		a := limitedDeskApp(t, backend, nil)
		org, vol, res := newChat(t, a, 900, "vi"), newChat(t, a, 530, "vi"), newChat(t, a, 91, "vi")
		joinVolunteer(t, org, vol, "Lan - Đoàn xã Thọ Xuân")
		res.say("/ask")
		res.next()
		vol.say("/next")
		vol.next()
		res.next()
		before429 := a.api.TooManyRequests()

		start := time.Now()
		flood(res, 100)
		res.say("/ask") // a command is no message to the desk: its answer says the flood was handled
		_, err := a.api.WaitMessage(res.user.ID, floodWait, func(m telegramtest.Message) bool { return strings.Contains(m.Text, "đang giúp bác") })
		require.NoError(t, err, "stderr:\n%s", lastBytes(a.stderr.String(), 3000))
		// The relays follow at the volunteer's chat's pace, after the flood
		// was handled: wait for the first 20.
		require.NoError(t, a.api.WaitFor(floodWait, func(s *telegramtest.Snapshot) bool {
			n := 0
			for _, m := range s.Messages(vol.user.ID) {
				if strings.Contains(m.Text, "Cháu ơi giúp bác với, tin số") {
					n++
				}
			}
			return n >= 20
		}), "the resident's first 20 messages reach the volunteer")
		elapsed := time.Since(start)

		relays := countMessages(a.api, vol.user.ID, "Cháu ơi giúp bác với, tin số")
		allowed := 20 + int(elapsed/(3*time.Second)) + 1 // the burst, then one every 3 s
		t.Logf("%d relays in %v; %d 429s", relays, elapsed.Round(time.Millisecond), a.api.TooManyRequests()-before429)
		assert.GreaterOrEqual(t, relays, 20, "the resident's first 20 messages reach the volunteer")
		assert.LessOrEqual(t, relays, allowed, "no more than the resident's rate")
		assert.Equal(t, 1, countMessages(a.api, res.user.ID, "nhắn nhanh quá"), "one kind word, not one per message")
		assert.LessOrEqual(t, a.api.TooManyRequests()-before429, 2, "no storm of 429s: at most the one that slows a chat down")
	})
}

// While one resident floods the desk with an open question (each message
// would edit its card in the volunteer group), others are answered at
// once: the p99 of 100 residents' /start round trips stays under 200 ms.
// The card is edited at most once every 3 seconds, and ends with the
// latest text.
func TestOthersAreAnsweredAtOnceWhileOneResidentFloods(t *testing.T) {
	skipLong(t, "a flood paced within Telegram's chat limits")
	forEachBackend(t, func(t *testing.T, backend string) {
		a := limitedDeskApp(t, backend, map[string]string{"EDIT_INTERVAL": "3s"})
		flooder := newChat(t, a, 92, "vi")
		flooder.say("/ask")
		flooder.next()
		cards, err := a.api.WaitMessages(volunteerGroup, 1, wait)
		require.NoError(t, err)
		card := cards[0].MessageID

		start := time.Now()
		flood(flooder, 100)
		var trips []time.Duration
		for i := range 100 {
			other := newChat(t, a, int64(3000+i), "vi")
			sent := time.Now()
			other.say("/start")
			assert.Contains(t, other.nextText(), "Xin chào bác")
			trips = append(trips, time.Since(sent))
		}
		slices.Sort(trips)
		p99 := trips[(len(trips)*99+99)/100-1]
		t.Logf("/start round trips during the flood: p50 %v, p99 %v, max %v", trips[len(trips)/2], p99, trips[len(trips)-1])
		assert.Less(t, p99, 200*time.Millisecond, "another resident is answered at once")

		flooder.say("/ask") // its answer says the flood was handled
		_, err = a.api.WaitMessage(flooder.user.ID, floodWait, func(m telegramtest.Message) bool { return strings.Contains(m.Text, "vẫn đang chờ") })
		require.NoError(t, err)
		elapsed := time.Since(start)
		t.Logf("flood handled in %v; %d 429s", elapsed.Round(time.Millisecond), a.api.TooManyRequests())
		assert.LessOrEqual(t, a.api.TooManyRequests(), 2, "no storm of 429s")
		assert.LessOrEqual(t, cardEdits(a.api, card), int(elapsed/(3*time.Second))+2, "one edit of the card every 3 seconds at most")

		a.stop(t) // pending edits are sent before the program ends
		tk, err := openStoreOf(t, a).GetTicket(context.Background(), 1)
		require.NoError(t, err)
		require.NotEmpty(t, tk.Notes)
		last, _ := a.api.Message(volunteerGroup, card)
		assert.Contains(t, last.Text, "« "+tk.Notes[len(tk.Notes)-1]+" »", "the card ends with the latest text")
	})
}

// cardEdits counts the successful edits of a message in the volunteer group.
func cardEdits(api *telegramtest.Server, messageID int) int {
	n := 0
	for _, c := range api.CallsOf("editMessageText") {
		if c.Err == "" && c.Params["chat_id"] == fmt.Sprint(volunteerGroup) && c.Params["message_id"] == fmt.Sprint(messageID) {
			n++
		}
	}
	return n
}

// A resident asking and withdrawing over and over posts at most five cards
// an hour; after that, /ask says kindly when they can ask again.
func TestAskCancelCyclesAreLimited(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		a := startApp(t, backend, map[string]string{"ORGANIZER_IDS": "900"}) // no group: cards go to the volunteer on duty
		org, vol, res := newChat(t, a, 900, "en"), newChat(t, a, 550, "en"), newChat(t, a, 93, "en")
		joinVolunteer(t, org, vol, "Minh - Youth Union")
		for round := range 20 {
			res.say("/ask")
			asked := res.nextText()
			res.say("/cancel")
			canceled := res.nextText()
			if round < 5 {
				assert.Contains(t, asked, "number 1 in line", "round %d", round)
				assert.Contains(t, canceled, "withdrawn", "round %d", round)
				continue
			}
			assert.Contains(t, asked, "You can ask again in about 12 minutes (at 00:3", "round %d", round)
			assert.Contains(t, asked, "keep your question open", "round %d", round)
			assert.Contains(t, canceled, "no question waiting", "round %d", round)
		}
		res.say("/start") // the resident's chat is handled in order: every round is over
		res.next()
		assert.Equal(t, 5, countMessages(a.api, vol.user.ID, "❓ Question #"), "five cards, not twenty")
	})
}

// A photo whose caption is as long as Telegram allows reaches the other
// side with all of its text, both ways: the label the desk adds goes with
// the photo, and what does not fit under it follows as a message.
func TestPhotosWithTheLongestCaptionArriveWhole(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		a := deskApp(t, backend)
		org, vol, res := newChat(t, a, 900, "en"), newChat(t, a, 540, "en"), newChat(t, a, 94, "en")
		joinVolunteer(t, org, vol, "Lan - Youth Union")
		res.say("/ask")
		res.next()
		vol.say("/next")
		vol.next()
		res.next()
		caption := strings.Repeat("the screen says ", 64)[:1023] + "!" // 1,024 characters
		require.Len(t, []rune(caption), 1024)

		// From the resident: the caption is relayed as text, then the photo.
		a.api.SendPhoto(res.user, caption)
		assert.Contains(t, res.nextText(), "Before the photo goes to a volunteer")
		res.press("✅ Send this photo")
		relay := vol.next()
		assert.Equal(t, "👤 Resident (#1): "+caption, relay.Text)
		assert.True(t, vol.next().Photo, "the photo reaches the volunteer")

		// From the volunteer: "🙋 name: " makes the caption too long.
		a.api.SendPhoto(vol.user, caption)
		photo := res.next()
		require.True(t, photo.Photo, "the photo reaches the resident")
		rest := res.next()
		assert.LessOrEqual(t, len([]rune(photo.Caption)), 1024)
		assert.Equal(t, "🙋 Lan - Youth Union: "+caption, photo.Caption+rest.Text, "all of the text, in order")
		assert.Empty(t, a.api.Refused())
	})
}

// A group where the bot's commands are typed over and over is asked to
// talk privately once a minute, not once a command.
func TestAGroupIsAskedToTalkPrivatelyOnceAMinute(t *testing.T) {
	a := startApp(t, "embedded", nil)
	const group = -100778
	for i := range 10 {
		a.api.SendTextInGroup(group, resident(int64(1510+i), "vi"), "/start@"+a.api.BotUsername())
	}
	u := resident(1520, "vi")
	a.api.SendText(u, "/start")
	_, err := a.api.WaitMessages(u.ID, 1, wait)
	require.NoError(t, err)
	require.NoError(t, a.api.WaitUpdatesConsumed(wait))
	a.stop(t) // every update handled
	assert.Equal(t, 1, countMessages(a.api, group, "nhắn riêng"))
}
