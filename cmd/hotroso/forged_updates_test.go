package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
	"github.com/hotroso/hotroso/flows"
)

// Settings of TestTenThousandRandomAndMalformedUpdates.
const (
	malformedUpdates = 10_000
	malformedSeed    = 20261126
	// malformedResidents write to the bot through the fake's helpers, which
	// open their private chat the way Telegram does.
	malformedResidents = 300
	residentBase       = 7_000_000
	// Strangers appear only in forged updates: Telegram never saw them open
	// a chat with the bot, so the fake refuses sends to them ("chat not
	// found"), as Telegram would. Those refusals are the forgery's, not ours.
	strangerBase = 9_000_000
	// malformedWait bounds the waits of this test: 10,000 updates on a
	// loaded 2-core machine under -race.
	malformedWait = 4 * time.Minute
)

// TestTenThousandRandomAndMalformedUpdates throws 10,000 updates drawn from a
// fixed seed at the whole program: valid ones from many residents (long
// texts, emoji, right-to-left and zero-width characters, commands with and
// without arguments, numbers that look like ID cards and OTPs, media, group
// chatter, replies), button presses with real, stale, forged and random
// data, updates with missing fields, update types the bot does not handle,
// and about 5% malformed JSON (truncated, arrays, scalars, deep nesting,
// wrong types). Afterwards the program must still run and greet a new
// resident, every answerable button press must have got exactly one answer,
// the fake must have refused nothing except what the forgery itself caused,
// and no handler may have panicked.
//
// Runtime, measured on a 2-core machine: about 55 s with -race (36 s
// without) on the embedded store, of which some 33 s is the poller's
// 100 ms pause after each of the ~330 getUpdates answers it cannot decode
// (see malformed). Both backends at once take about 82 s with -race, so the
// test runs on the embedded store only; set HOTROSO_STORM_ALL_BACKENDS=1 to
// run it on Redis too (REDIS_TEST_URL or an in-process server).
func TestTenThousandRandomAndMalformedUpdates(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("10,000 updates: skipped with -short")
	}
	if os.Getenv("HOTROSO_STORM_ALL_BACKENDS") != "" {
		forEachBackend(t, stormTest)
		return
	}
	stormTest(t, "embedded")
}

func stormTest(t *testing.T, backend string) {
	start := time.Now()
	a := startApp(t, backend, nil)
	g := newUpdateGen(t, a.api)
	for range malformedUpdates {
		g.next()
	}
	t.Logf("pushed %d updates in %v: %v", malformedUpdates, time.Since(start).Round(time.Millisecond), g.stats)

	require.NoError(t, a.api.WaitUpdatesConsumed(malformedWait), "the bot stopped taking updates; stderr tail:\n%s", lastBytes(a.stderr.String(), 3000))
	t.Logf("all updates consumed after %v", time.Since(start).Round(time.Millisecond))

	// Still running and healthy: a new resident is greeted.
	select {
	case err := <-a.done:
		a.done <- err
		t.Fatalf("the program stopped: %v\nstderr tail:\n%s", err, lastBytes(a.stderr.String(), 3000))
	default:
	}
	fresh := resident(residentBase-1, "vi")
	a.api.SendText(fresh, "/start")
	msgs, err := a.api.WaitMessages(fresh.ID, 1, malformedWait)
	require.NoError(t, err, "a new resident is greeted after the storm")
	assert.Contains(t, msgs[0].Text, "Xin chào bác")

	// Every answerable button press is answered (once: a second answer
	// would be refused, which the check of refusals below catches). The
	// last presses may still be in the workers: wait, bounded.
	err = a.api.WaitFor(malformedWait, func(*telegramtest.Snapshot) bool { return len(a.api.Unanswered()) == 0 })
	assert.NoError(t, err, "unanswered button presses (update ids): %v", a.api.Unanswered())
	assert.Empty(t, a.api.Unanswered())
	answers := map[string]int{}
	for _, c := range a.api.CallsOf("answerCallbackQuery") {
		if c.Err == "" {
			answers[c.Params["callback_query_id"]]++
		}
	}
	for id, n := range answers {
		assert.Equal(t, 1, n, "callback query %q answered %d times", id, n)
	}

	// Refusals: only those the forged updates make unavoidable.
	var ours []string
	allowed := 0
	for _, c := range a.api.Refused() {
		if why := g.forgeryCaused(c); why != "" {
			allowed++
			continue
		}
		ours = append(ours, fmt.Sprintf("%s %v: %s", c.Method, shortParams(c.Params), c.Err))
	}
	assert.Empty(t, ours, "calls the fake refused that no forgery explains")
	t.Logf("%d refusals caused by forged updates (sends to strangers, answers to callback queries without an id)", allowed)

	logs := a.stderr.String()
	assert.NotContains(t, logs, "handler panicked")
	assert.NotContains(t, logs, "runtime error")
	t.Logf("done in %v; %d calls recorded; %d bytes of warnings logged", time.Since(start).Round(time.Millisecond), len(a.api.Calls()), len(logs))
}

// updateGen draws updates from a fixed seed and pushes them to the fake.
type updateGen struct {
	t         *testing.T
	api       *telegramtest.Server
	r         *rand.Rand
	residents []telegramtest.User
	opened    []telegramtest.User // residents who wrote through a helper already
	isOpen    map[int64]bool
	groups    []int64
	buttons   []string // callback data of buttons the bot really shows
	forged    []string // callback data the bot never shows
	// noIDCallbacks counts the callback queries pushed without an id: the bot answers
	// them with an empty id, which Telegram (and the fake) refuse.
	noIDCallbacks int
	strangers     map[int64]bool
	callbackSeq   int
	stats         map[string]int
	// lastUndecodable: the previous update will make the client fail to
	// decode its getUpdates answer.
	lastUndecodable bool
}

func newUpdateGen(t *testing.T, api *telegramtest.Server) *updateGen {
	g := &updateGen{
		t: t, api: api, r: rand.New(rand.NewPCG(malformedSeed, 1)),
		isOpen: map[int64]bool{}, strangers: map[int64]bool{}, stats: map[string]int{},
		groups: []int64{-1001234567001, -1001234567002, -4001, -4002},
	}
	langs := []string{"vi", "vi", "vi", "en", "en-US", "fr", "zh-hans", ""}
	for i := range malformedResidents {
		g.residents = append(g.residents, telegramtest.User{
			ID: residentBase + int64(i), FirstName: []string{"Lan", "Minh", "Hùng", "Thảo", "محمد", "👵", "\u200b", ""}[i%8],
			LanguageCode: langs[i%len(langs)], Username: []string{"", "lan_99", "x"}[i%3],
		})
	}
	for _, id := range g.groups {
		api.AddChat(id, "") // the bot was added to these groups
	}
	g.buttons = []string{"m", "l", "l:en", "l:vi", "ask", "forget:yes", "forget:no", "cm", "cm-", "an:off", "an:on"}
	lib, err := flows.Load(flows.Embedded(), []string{"vi", "en"}, flows.Words{})
	require.NoError(t, err)
	for _, f := range lib.Flows() {
		g.buttons = append(g.buttons, flows.StartData(f.ID), flows.ContinueData(f.ID))
		for _, id := range f.StepIDs {
			for i := range f.Steps[id].Choices {
				g.buttons = append(g.buttons, flows.ChoiceData(f.ID, id, i))
			}
			g.buttons = append(g.buttons, flows.BackData(f.ID, id), flows.RestartData(f.ID, id), flows.AskData(f.ID, id))
		}
	}
	g.forged = []string{
		"tc:999999", "td:1:solved", "td:999999:done", "c:vneid:welcome:9", "c:vneid:welcome:99", "c:vneid:welcome:-1",
		"bc:1:x", "tc:1", "tc:0", "tc:-1", "tw:1", "tw:abc", "rt:1:5", "rt:1:9", "rt:999999:5", "rw:1:yes", "rw:-1:no",
		"vr:1", "vr:abc", "ba:1:all", "ba:1:vol", "bf:1:vneid", "bm:1:x", "bg:1", "bq:1", "bs:1", "bx:1", "bp:1", "br:1",
		"cm:00000", "cm:../../etc", "l:fr", "l:", "f:", "f:nosuchflow", "k:", "c:::", "b:vneid:", "a:vneid:welcome:1",
		"r:safety:welcome", "f:VNEID", "c:vneid:welcome:00", "c:vneid:welcome:1e3", "forget:maybe", "m:", "ask:", "",
		strings.Repeat("x", 64), "tc:99999999999999999999", "td:1:" + strings.Repeat("a", 58),
	}
	return g
}

// next pushes one update.
func (g *updateGen) next() {
	undecodable := false
	switch p := g.r.IntN(1000); {
	case p < 380:
		g.text()
	case p < 470:
		g.command()
	case p < 650:
		g.press()
	case p < 730:
		g.media()
	case p < 780:
		g.group()
	case p < 850:
		g.missingFields()
	case p < 900:
		g.unknownType()
	case p < 950 && !g.lastUndecodable:
		undecodable = g.malformed()
	default:
		g.reply()
	}
	g.lastUndecodable = undecodable
}

func (g *updateGen) count(kind string) { g.stats[kind]++ }

// resident picks any resident; the helpers open their chat.
func (g *updateGen) resident() telegramtest.User {
	u := g.residents[g.r.IntN(len(g.residents))]
	if !g.isOpen[u.ID] {
		g.isOpen[u.ID] = true
		g.opened = append(g.opened, u)
	}
	return u
}

// openedResident picks a resident whose chat is open, for raw updates
// (which open nothing in the fake).
func (g *updateGen) openedResident() telegramtest.User {
	if len(g.opened) == 0 {
		return g.resident()
	}
	return g.opened[g.r.IntN(len(g.opened))]
}

func (g *updateGen) stranger() int64 {
	id := strangerBase + int64(g.r.IntN(1000))
	g.strangers[id] = true
	return id
}

func randomOf[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }

// someText is what residents type.
func (g *updateGen) someText() string {
	r := g.r
	switch r.IntN(20) {
	case 0:
		return strings.Repeat(randomOf(r, []string{"dài quá ", "👨‍👩‍👧‍👦", "a", "مرحبا ", "\u200b"}), 1+r.IntN(4096))
	case 1:
		return strings.Repeat("x", 4096) // Telegram's longest
	case 2:
		return strings.Repeat("ư", 4097+r.IntN(6000)) // longer than Telegram allows: a forged update
	case 3:
		return randomOf(r, []string{"038123456789", "CCCD 038 123 456 789", "0912345678", "+84 912 345 678", "mã OTP là 482913", "482913",
			"otp: 4829", "thẻ 9704 1234 5678 9012", "stk 19034567890123", "mật khẩu là Abc@12345", "password: hunter2", "pin 1234",
			"1", "0", "-5", "3.5", "1e9", "99999999999999999999", "١٢٣", "１２３"})
	case 4:
		var b strings.Builder
		for range 1 + r.IntN(40) {
			b.WriteRune(rune(r.IntN(0x10FFFF)))
		}
		return b.String()
	case 5:
		return randomOf(r, []string{"\u202eRTL override\u202c", "שלום עולם", "مرحبا بالعالم", "a\u200bb\u200cc\u200dd\ufeff",
			"\u0000", "e\u0301\u0301\u0301", "Z̷̢̛a̸l̴g̶o̵", "\r\n\t", " ", "\u2028\u2029", "<b>bold</b>", "*_`[]()~>#+-=|{}.!",
			"@" + g.api.BotUsername(), "https://example.com/?a=1&b=<2>", "👍🏽", "🇻🇳", "\U0001F9D1\u200D\U0001F9B3"})
	}
	return randomOf(r, []string{"chào bạn", "alo alo", "có", "không", "Có", "KHÔNG", "yes", "no", "ok", "1", "2", "3", "10", "100",
		"tôi quên mật khẩu VNeID", "làm sao nộp hồ sơ?", "cảm ơn", "hủy", "menu", "help", "giúp tôi với", "ừ", "dạ", "vâng",
		"Thanh Hóa", "xã Quảng Phú", "phường Hạc Thành", "tôi bị lừa", "?", "...", "/", "//", "/ start", "hi /start"})
}

func (g *updateGen) command() {
	g.count("command")
	r := g.r
	name := randomOf(r, []string{"start", "menu", "ask", "cancel", "commune", "help", "lang", "language", "forget", "queue", "next",
		"done", "release", "on", "off", "invite", "broadcast", "stats", "export", "volunteers", "xyz", "START", "Ask", "ASK",
		"start@" + g.api.BotUsername(), "start@other_bot", "ask@" + strings.ToUpper(g.api.BotUsername()), "@" + g.api.BotUsername(),
		strings.Repeat("a", 100)})
	text := "/" + name
	switch r.IntN(4) {
	case 0:
		text += " " + randomOf(r, []string{"v_bogus", "v_", "v_" + strings.Repeat("9", 60), "x y z", "038123456789", "tôi cần giúp", "1", "-1", "999999", "vneid"})
	case 1:
		text += randomOf(r, []string{"\n", "\t", "\u00a0", "  "}) + g.someText()
	}
	g.api.SendText(g.resident(), text)
}

func (g *updateGen) text() {
	g.count("text")
	g.api.SendText(g.resident(), g.someText())
}

func (g *updateGen) reply() {
	g.count("reply")
	g.api.SendReply(g.resident(), g.r.IntN(40), g.someText())
}

func (g *updateGen) media() {
	g.count("media")
	u := g.resident()
	switch g.r.IntN(4) {
	case 0:
		g.api.SendPhoto(u, randomOf(g.r, []string{"", "giấy tờ", g.someText()}))
	case 1:
		g.api.SendSticker(u)
	case 2:
		g.api.SendVoice(u)
	default:
		g.api.SendDocument(u, randomOf(g.r, []string{"don.pdf", "../../etc/passwd", "", "ảnh.jpg"}), []byte("%PDF-1.4 fake"), randomOf(g.r, []string{"", "đơn", "038123456789"}))
	}
}

func (g *updateGen) group() {
	g.count("group")
	texts := []string{"chào cả nhà", "/start", "/start@" + g.api.BotUsername(), "/start@other_bot", "/ask@" + g.api.BotUsername() + " giúp với",
		"/help", "/queue@" + g.api.BotUsername(), "0912345678", g.someText()}
	// Writing in a group opens no private chat: any resident, opened or not.
	g.api.SendTextInGroup(randomOf(g.r, g.groups), randomOf(g.r, g.residents), randomOf(g.r, texts))
}

// press presses a button: real data on a random message (often stale),
// forged data, or random bytes.
func (g *updateGen) press() {
	g.count("press")
	r := g.r
	var data string
	switch p := r.IntN(10); {
	case p < 5:
		data = randomOf(r, g.buttons)
	case p < 8:
		data = randomOf(r, g.forged)
	default:
		b := make([]byte, r.IntN(65))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		data = string(b)
	}
	g.api.PressData(g.resident(), r.IntN(40), data)
}

func (g *updateGen) callbackID() string {
	g.callbackSeq++
	return "forged" + strconv.Itoa(g.callbackSeq)
}

func rawUser(u telegramtest.User) map[string]any {
	return map[string]any{"id": u.ID, "is_bot": false, "first_name": u.FirstName, "language_code": u.LanguageCode}
}

func rawPrivateChat(id int64) map[string]any {
	return map[string]any{"id": id, "type": "private", "first_name": "X"}
}

// missingFields pushes raw updates that lack something Telegram always
// sends, or carry something odd.
func (g *updateGen) missingFields() {
	g.count("raw")
	r := g.r
	u := g.openedResident()
	now := time.Now().Unix()
	switch r.IntN(14) {
	case 0: // a message without a sender
		g.api.PushUpdate(map[string]any{"message": map[string]any{"message_id": 1, "chat": rawPrivateChat(u.ID), "date": now, "text": "/start"}})
	case 1: // a button without a message (inline mode)
		g.api.PushUpdate(map[string]any{"callback_query": map[string]any{"id": g.callbackID(), "from": rawUser(u), "chat_instance": "1", "data": randomOf(r, g.buttons)}})
	case 2: // a button without a sender nor a message
		g.api.PushUpdate(map[string]any{"callback_query": map[string]any{"id": g.callbackID(), "chat_instance": "1", "data": "m"}})
	case 3: // a button without an id
		g.noIDCallbacks++
		g.api.PushUpdate(map[string]any{"callback_query": map[string]any{"from": rawUser(u), "message": map[string]any{"message_id": 1, "chat": rawPrivateChat(u.ID), "date": 0}, "data": "m"}})
	case 4: // a message without a chat, or with chat id 0
		g.api.PushUpdate(map[string]any{"message": map[string]any{"message_id": 1, "from": rawUser(u), "date": now, "text": "hi"}})
	case 5: // a sender with id 0
		g.api.PushUpdate(map[string]any{"message": map[string]any{"message_id": 1, "from": map[string]any{"id": 0, "first_name": ""}, "chat": rawPrivateChat(u.ID), "date": now, "text": "/start"}})
	case 6: // neither text nor media
		g.api.PushUpdate(map[string]any{"message": map[string]any{"message_id": 1, "from": rawUser(u), "chat": rawPrivateChat(u.ID), "date": now}})
	case 7: // a message from another bot
		g.api.PushUpdate(map[string]any{"message": map[string]any{"message_id": 1, "from": map[string]any{"id": 1087968824, "is_bot": true, "first_name": "Group"}, "chat": rawPrivateChat(u.ID), "date": now, "text": "/start"}})
	case 8: // a stranger Telegram never saw open a chat (the bot's replies are refused)
		s := telegramtest.User{ID: g.stranger(), FirstName: "Stranger", LanguageCode: "vi"}
		g.api.PushUpdate(map[string]any{"message": map[string]any{"message_id": 1, "from": rawUser(s), "chat": rawPrivateChat(s.ID), "date": now, "text": g.someText()}})
	case 9: // a stranger's button
		s := telegramtest.User{ID: g.stranger(), FirstName: "Stranger"}
		g.api.PushUpdate(map[string]any{"callback_query": map[string]any{"id": g.callbackID(), "from": rawUser(s), "chat_instance": "1", "data": randomOf(r, g.buttons),
			"message": map[string]any{"message_id": 5, "chat": rawPrivateChat(s.ID), "date": 0}}})
	case 10: // a button on a group message
		g.api.PushUpdate(map[string]any{"callback_query": map[string]any{"id": g.callbackID(), "from": rawUser(u), "chat_instance": "2", "data": randomOf(r, append(g.buttons, g.forged...)),
			"message": map[string]any{"message_id": 3, "chat": map[string]any{"id": randomOf(r, g.groups), "type": "supergroup", "title": "G"}, "date": now, "text": "x"}}})
	case 11: // the resident blocks or unblocks the bot
		status := randomOf(r, []string{"kicked", "member"})
		g.api.PushUpdate(map[string]any{"my_chat_member": map[string]any{"chat": rawPrivateChat(u.ID), "from": rawUser(u), "date": now,
			"old_chat_member": map[string]any{"status": "member", "user": map[string]any{"id": g.api.BotID(), "is_bot": true, "first_name": "Bot"}},
			"new_chat_member": map[string]any{"status": status, "user": map[string]any{"id": g.api.BotID(), "is_bot": true, "first_name": "Bot"}, "until_date": 0}}})
	case 12: // a membership change with nothing in it
		g.api.PushUpdate(map[string]any{"my_chat_member": map[string]any{}})
	default: // bot_command entities that point outside the text
		g.api.PushUpdate(map[string]any{"message": map[string]any{"message_id": 1, "from": rawUser(u), "chat": rawPrivateChat(u.ID), "date": now, "text": "/ask",
			"entities": []any{map[string]any{"type": "bot_command", "offset": 3, "length": 100}}}})
	}
}

// unknownType pushes update types the bot does not ask for (the fake drops
// them, as Telegram does) and objects with fields no Bot API version has.
func (g *updateGen) unknownType() {
	g.count("unknown")
	u := g.openedResident()
	switch g.r.IntN(6) {
	case 0:
		g.api.PushUpdate(map[string]any{"poll": map[string]any{"id": "1", "question": "?", "options": []any{}}})
	case 1:
		g.api.PushUpdate(map[string]any{"edited_message": map[string]any{"message_id": 1, "from": rawUser(u), "chat": rawPrivateChat(u.ID), "date": 1, "edit_date": 2, "text": "sửa"}})
	case 2:
		g.api.PushUpdate(map[string]any{"channel_post": map[string]any{"message_id": 1, "chat": map[string]any{"id": -100999, "type": "channel"}, "date": 1, "text": "tin"}})
	case 3:
		g.api.PushUpdate(map[string]any{"brand_new_update": map[string]any{"x": 1}})
	case 4: // delivered: an allowed type (empty) beside a type from the future
		g.api.PushUpdate(map[string]any{"message": nil, "zzz_future_update": map[string]any{"x": []any{1, "two"}}})
	default: // delivered: a message with fields from the future
		g.api.PushUpdate(map[string]any{"message": map[string]any{"message_id": 1, "from": rawUser(u), "chat": rawPrivateChat(u.ID), "date": 1, "text": "chào",
			"hologram": map[string]any{"depth": 3}, "reactions_v9": []any{"🔥"}}})
	}
}

// malformed pushes raw bytes with PushUpdateJSON. It reports whether the
// client will fail to decode the getUpdates answer that carries them.
//
// The poller (bot/poll.go) pauses after such an answer, 100 ms doubling up
// to 5 s while they follow each other, so next never pushes two
// undecodable updates in a row: each then costs one 100 ms pause.
//
// Never pushed as such: a JSON null (or empty bytes, which the fake sends
// as null); an undecodable answer goes in its place. The poller would skip
// it as an update without an id (go-telegram/bot's own loop, which the
// poller replaced, crashed on it).
func (g *updateGen) malformed() (undecodable bool) {
	g.count("malformed")
	r := g.r
	u := g.openedResident()
	valid, err := json.Marshal(map[string]any{"update_id": 1, "message": map[string]any{"message_id": 1, "from": rawUser(u), "chat": rawPrivateChat(u.ID), "date": 1, "text": "chào"}})
	require.NoError(g.t, err)
	var data []byte
	switch r.IntN(12) {
	case 0, 1: // truncated
		data = valid[:1+r.IntN(len(valid)-2)]
	case 2:
		data = []byte(randomOf(r, []string{"[]", "[1,2,3]", "[{}]", `[{"message":{}}]`}))
	case 3:
		data = []byte(randomOf(r, []string{"42", "-1e999", "0x1F", "3.14", "true", "false", `"update"`, "NaN", "{", "}", "{{}}", `{"a":}`}))
	case 4: // nested deeper than encoding/json allows
		depth := 10_001 + r.IntN(10_000)
		data = []byte(strings.Repeat("[", depth) + strings.Repeat("]", depth))
	case 5: // deep, but within encoding/json's limit half of the time
		depth := 5_000 + r.IntN(20_000)
		data = []byte(`{"message":` + strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth) + "}")
	case 6: // wrong types (never in a callback_query: the fake would count it as answerable)
		data = []byte(randomOf(r, []string{`{"message":"chào"}`, `{"message":{"chat":[]}}`, `{"message":{"message_id":"1","chat":{"id":1}}}`,
			`{"message":{"from":{"id":"x"},"chat":{"id":1},"text":"a"}}`, `{"message":{"text":5}}`, `{"my_chat_member":[]}`,
			fmt.Sprintf(`{"message":{"message_id":1,"from":{"id":%d},"chat":{"id":1e30},"text":"a"}}`, u.ID)}))
	case 7, 8: // odd but well-typed objects
		data = []byte(randomOf(r, []string{"{}", `{"message":{}}`, `{"message":{"chat":{}}}`, `{"callback_query":null}`, `{"my_chat_member":null}`,
			fmt.Sprintf(`{"message":{"message_id":1,"from":{"id":%d,"first_name":"\ud800"},"chat":{"id":%d,"type":"private"},"date":1,"text":"\u0000\ud83d"}}`, u.ID, u.ID),
			fmt.Sprintf(`{"message":{"message_id":1,"from":{"id":%d},"chat":{"id":%d,"type":"private"},"date":1,"text":"/start","text":"/help"}}`, u.ID, u.ID)}))
	case 9: // invalid UTF-8 inside a string
		data = fmt.Appendf(nil, `{"message":{"message_id":1,"from":{"id":%d},"chat":{"id":%d,"type":"private"},"date":1,"text":"%s"}}`, u.ID, u.ID, "\xff\xfe ch\xe0o")
	case 10: // an answerable button without a message
		data = fmt.Appendf(nil, `{"callback_query":{"id":%q,"from":{"id":%d,"first_name":"X"},"chat_instance":"1","data":%q}}`, g.callbackID(), u.ID, randomOf(r, g.buttons))
	default: // garbage bytes
		b := make([]byte, 1+r.IntN(200))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		data = b
		if json.Valid(data) { // the odd chance
			data = append(data, '{')
		}
	}
	// Whether the client can decode the getUpdates answer that carries the
	// bytes (alone in it: PushUpdateJSON's updates are delivered alone).
	var got []*models.Update
	decodes := json.Unmarshal(slices.Concat([]byte("["), data, []byte("]")), &got) == nil
	if strings.TrimSpace(string(data)) == "" || (decodes && slices.Contains(got, nil)) {
		data, decodes = []byte("[null"), false // see above: null is never pushed
	}
	g.api.PushUpdateJSON(data)
	if !decodes {
		g.count("undecodable")
	}
	return !decodes
}

// forgeryCaused says why a refused call is the forged updates' doing, or ""
// when it is not.
func (g *updateGen) forgeryCaused(c telegramtest.Call) string {
	if id, err := strconv.ParseInt(c.Params["chat_id"], 10, 64); err == nil && g.strangers[id] && c.Err == "Bad Request: chat not found" {
		return "a stranger never opened a chat with the bot"
	}
	if c.Method == "answerCallbackQuery" && c.Params["callback_query_id"] == "" && g.noIDCallbacks > 0 {
		return "the callback query came without an id"
	}
	return ""
}

// shortParams shortens long parameter values for a failure message.
func shortParams(p map[string]string) map[string]string {
	out := make(map[string]string, len(p))
	for k, v := range p {
		if len(v) > 80 {
			v = v[:80] + "…"
		}
		out[k] = v
	}
	return out
}

func lastBytes(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
