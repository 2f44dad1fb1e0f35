package telegramtest_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
)

func TestTextReachesHandlerViaLongPolling(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	got := make(chan *models.Update, 4)
	b, _ := startBot(t, srv, func(ctx context.Context, b *bot.Bot, u *models.Update) { got <- u })

	replied := make(chan error, 1)
	b.RegisterHandler(bot.HandlerTypeMessageText, "start", bot.MatchTypeCommand, func(ctx context.Context, b *bot.Bot, u *models.Update) {
		_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: u.Message.Chat.ID, Text: "Hello, " + u.Message.From.FirstName})
		replied <- err
	})

	require.NoError(t, srv.WaitPolling(wait))
	srv.SendText(alice, "just text")
	select {
	case u := <-got:
		require.NotNil(t, u.Message)
		assert.Equal(t, "just text", u.Message.Text)
		assert.Equal(t, alice.ID, u.Message.Chat.ID)
		assert.Equal(t, models.ChatTypePrivate, u.Message.Chat.Type)
		assert.Equal(t, alice.ID, u.Message.From.ID)
		assert.Equal(t, "en", u.Message.From.LanguageCode)
		assert.Equal(t, 1, u.Message.ID)
		assert.NotZero(t, u.Message.Date)
	case <-time.After(wait):
		t.Fatal("update not delivered")
	}

	up := srv.SendText(alice, "/start")
	msgs, err := srv.WaitMessages(alice.ID, 1, wait)
	require.NoError(t, err)
	require.NoError(t, <-replied)
	assert.Equal(t, "Hello, Alice", msgs[0].Text)
	assert.Equal(t, "Hello, Alice", msgs[0].PlainText)
	assert.Equal(t, 3, msgs[0].MessageID, "message ids are per chat and shared with the user's messages")
	assert.Equal(t, "text", msgs[0].Kind)
	assert.Greater(t, up, int64(1))

	require.NoError(t, srv.WaitUpdatesConsumed(wait))
	assert.Zero(t, srv.PendingUpdates())
	assert.Empty(t, srv.Refused())
	calls := srv.CallsOf("sendMessage")
	require.Len(t, calls, 1)
	assert.Equal(t, fmt.Sprint(alice.ID), calls[0].Params["chat_id"])
	assert.Len(t, srv.CallsOf("getMe"), 1)
}

func TestGetMe(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t, telegramtest.WithToken("777:abc"), telegramtest.WithBotUser("@helpdesk_bot"))
	b := newClient(t, srv)
	me, err := b.GetMe(ctxT(t))
	require.NoError(t, err)
	assert.True(t, me.IsBot)
	assert.Equal(t, int64(777), me.ID)
	assert.Equal(t, "helpdesk_bot", me.Username)
	assert.Equal(t, int64(777), srv.BotID())
}

func TestWrongTokenIsUnauthorized(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	_, err := bot.New("999:wrong", bot.WithServerURL(srv.URL()))
	require.Error(t, err)
	assert.ErrorIs(t, err, bot.ErrorUnauthorized)
	refused := srv.Refused()
	require.Len(t, refused, 1)
	assert.Equal(t, 401, refused[0].Code)
}

func TestInlineKeyboardAndPressButton(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	answers := make(chan error, 3)
	b, _ := startBot(t, srv, nil)
	b.RegisterHandler(bot.HandlerTypeMessageText, "start", bot.MatchTypeCommand, func(ctx context.Context, b *bot.Bot, u *models.Update) {
		_, err := b.SendMessage(ctx, &bot.SendMessageParams{
			ChatID:      u.Message.Chat.ID,
			Text:        "Did it help?",
			ReplyMarkup: inlineKeyboard([]button{cb("Yes", "fb:yes"), cb("No", "fb:no")}, []button{{Text: "Docs", URL: "https://example.com/docs"}}),
		})
		assert.NoError(t, err)
	})
	b.RegisterHandler(bot.HandlerTypeCallbackQueryData, "fb:", bot.MatchTypePrefix, func(ctx context.Context, b *bot.Bot, u *models.Update) {
		q := u.CallbackQuery
		assert.Equal(t, alice.ID, q.From.ID)
		assert.Equal(t, models.MaybeInaccessibleMessageTypeMessage, q.Message.Type)
		assert.Equal(t, "Did it help?", q.Message.Message.Text)
		assert.Len(t, q.Message.Message.ReplyMarkup.InlineKeyboard, 2)
		_, err := b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: q.ID, Text: "Thanks!"})
		answers <- err
		// a second answer to the same query is refused, as by Telegram
		_, err = b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: q.ID})
		answers <- err
		_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: q.Message.Message.Chat.ID, MessageID: q.Message.Message.ID, Text: "You said: " + q.Data})
		answers <- err
	})

	srv.SendText(alice, "/start")
	msgs, err := srv.WaitMessages(alice.ID, 1, wait)
	require.NoError(t, err)
	m := msgs[0]
	require.Equal(t, [][]telegramtest.Button{
		{{Text: "Yes", Data: "fb:yes"}, {Text: "No", Data: "fb:no"}},
		{{Text: "Docs", URL: "https://example.com/docs"}},
	}, m.Buttons)
	assert.True(t, m.HasButton("No"))

	_, err = srv.PressButton(alice, "Docs")
	assert.ErrorContains(t, err, "no callback_data")
	_, err = srv.PressButton(alice, "Maybe")
	assert.ErrorContains(t, err, `no bot message in chat 1001 has a button "Maybe"`)

	up, err := srv.PressButton(alice, "No")
	require.NoError(t, err)
	answer, err := srv.WaitCallbackAnswer(up, wait)
	require.NoError(t, err)
	assert.Equal(t, "Thanks!", answer.Params["text"])
	require.NoError(t, <-answers)
	second := <-answers
	require.Error(t, second)
	assert.ErrorIs(t, second, bot.ErrorBadRequest)
	assert.Contains(t, second.Error(), "query is too old")

	// The fake records a call before answering it, so wait for the handler
	// itself to finish before the test (and with it the bot) ends.
	require.NoError(t, <-answers)
	edited, err := srv.WaitMessage(alice.ID, wait, func(m telegramtest.Message) bool { return m.Edited > 0 })
	require.NoError(t, err)
	assert.Equal(t, "You said: fb:no", edited.Text)
	assert.Nil(t, edited.Buttons, "editMessageText without reply_markup removes the keyboard")
	assert.Equal(t, m.MessageID, edited.MessageID)
	assert.Len(t, srv.Messages(alice.ID), 1)
	assert.Empty(t, srv.Unanswered())

	refused := srv.Refused()
	require.Len(t, refused, 1)
	assert.Equal(t, "answerCallbackQuery", refused[0].Method)

	_, err = srv.PressButton(alice, "Yes")
	assert.Error(t, err, "the keyboard is gone after the edit")
}

func TestPressDataForgedAndInaccessible(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	got := make(chan *models.CallbackQuery, 2)
	startBot(t, srv, func(ctx context.Context, b *bot.Bot, u *models.Update) {
		if u.CallbackQuery != nil {
			got <- u.CallbackQuery
		}
	})
	srv.SendText(alice, "hi")
	up := srv.PressData(alice, 999, "admin:delete_everything")
	q := <-got
	assert.Equal(t, "admin:delete_everything", q.Data)
	assert.Equal(t, models.MaybeInaccessibleMessageTypeInaccessibleMessage, q.Message.Type)
	assert.Equal(t, 999, q.Message.InaccessibleMessage.MessageID)
	assert.Equal(t, []int64{up}, srv.Unanswered())
	id, ok := srv.CallbackQueryID(up)
	require.True(t, ok)
	assert.Equal(t, q.ID, id)
}

func TestCallbackDataOver64BytesRefused(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	srv.SendText(alice, "hi")
	b := newClient(t, srv)
	ctx := ctxT(t)

	_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "ok",
		ReplyMarkup: inlineKeyboard([]button{cb("x", strings.Repeat("a", 64))})})
	require.NoError(t, err)

	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "too long",
		ReplyMarkup: inlineKeyboard([]button{cb("x", strings.Repeat("a", 65))})})
	require.Error(t, err)
	assert.ErrorIs(t, err, bot.ErrorBadRequest)
	assert.Contains(t, err.Error(), "BUTTON_DATA_INVALID")

	// a button with neither callback_data nor url
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "no action",
		ReplyMarkup: inlineKeyboard([]button{{Text: "lonely"}})})
	require.ErrorIs(t, err, bot.ErrorBadRequest)
	assert.Contains(t, err.Error(), "Text buttons are unallowed")

	// localhost links are refused by Telegram
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "link",
		ReplyMarkup: inlineKeyboard([]button{{Text: "go", URL: "http://localhost:8080/x"}})})
	require.ErrorIs(t, err, bot.ErrorBadRequest)
	assert.Contains(t, err.Error(), "BUTTON_URL_INVALID")

	// a button of two kinds: go-telegram/bot's own type sends an empty
	// copy_text beside the callback_data
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "two kinds",
		ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "x", CallbackData: "x"}}}}})
	require.ErrorIs(t, err, bot.ErrorBadRequest)
	assert.Contains(t, err.Error(), "Bad Request: can't parse inline keyboard button: exactly one of the fields")
	assert.Contains(t, err.Error(), "not callback_data and copy_text")

	assert.Len(t, srv.Messages(alice.ID), 1)
	assert.Len(t, srv.Refused(), 4)
}

func TestTextLimits(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	srv.SendText(alice, "hi")
	b := newClient(t, srv)
	ctx := ctxT(t)

	// 4096 characters (runes, not bytes) are fine
	_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: strings.Repeat("é", 4096)})
	require.NoError(t, err)

	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: strings.Repeat("a", 4097)})
	require.ErrorIs(t, err, bot.ErrorBadRequest)
	assert.Contains(t, err.Error(), "message is too long")

	// markup does not count
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, ParseMode: models.ParseModeHTML, Text: "<b>" + strings.Repeat("a", 4096) + "</b>"})
	require.NoError(t, err)

	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: ""})
	require.ErrorIs(t, err, bot.ErrorBadRequest)
	assert.Contains(t, err.Error(), "message text is empty")

	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: " \n "})
	require.ErrorIs(t, err, bot.ErrorBadRequest)

	_, err = b.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: alice.ID, Photo: &models.InputFileUpload{Filename: "p.jpg", Data: strings.NewReader("jpg")}, Caption: strings.Repeat("c", 1025)})
	require.ErrorIs(t, err, bot.ErrorBadRequest)
	assert.Contains(t, err.Error(), "caption is too long")

	assert.Len(t, srv.Messages(alice.ID), 2)
	assert.Len(t, srv.Refused(), 4)
}

func TestParseModeRefusals(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	srv.SendText(alice, "hi")
	b := newClient(t, srv)
	ctx := ctxT(t)

	_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, ParseMode: models.ParseModeHTML, Text: "if a < b then"})
	require.ErrorIs(t, err, bot.ErrorBadRequest)
	assert.Contains(t, err.Error(), "can't parse entities")

	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, ParseMode: models.ParseModeMarkdown, Text: "Ticket #12 closed."})
	require.ErrorIs(t, err, bot.ErrorBadRequest)
	assert.Contains(t, err.Error(), "Character '#' is reserved")

	msg, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, ParseMode: models.ParseModeHTML, Text: "<b>Ticket</b> &lt;42&gt; <a href=\"https://example.com\">open</a>"})
	require.NoError(t, err)
	assert.Equal(t, "Ticket <42> open", msg.Text, "the API returns the text without markup")
	last, ok := srv.LastMessage(alice.ID)
	require.True(t, ok)
	assert.Equal(t, "<b>Ticket</b> &lt;42&gt; <a href=\"https://example.com\">open</a>", last.Text)
	assert.Equal(t, "Ticket <42> open", last.PlainText)
	assert.Equal(t, "HTML", last.ParseMode)

	lenient := telegramtest.New(t, telegramtest.WithLenientMarkup())
	lenient.SendText(alice, "hi")
	_, err = newClient(t, lenient).SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, ParseMode: models.ParseModeHTML, Text: "a < b"})
	require.NoError(t, err)
}

func TestUnknownMethodRefused(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	resp, err := srv.Client().Post(srv.URL()+"/bot"+srv.Token()+"/sendTelepathy", "application/json", strings.NewReader(`{"chat_id":1}`))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.JSONEq(t, `{"ok":false,"error_code":404,"description":"Not Found"}`, string(body))

	refused := srv.Refused()
	require.Len(t, refused, 1)
	assert.Equal(t, "sendTelepathy", refused[0].Method)
	assert.Equal(t, 404, refused[0].Code)
	assert.Equal(t, "1", refused[0].Params["chat_id"])

	// method names are case-insensitive, like the real API (go-telegram/bot
	// calls "logout")
	ok, err := newClient(t, srv).Logout(ctxT(t))
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Len(t, srv.CallsOf("logOut"), 1)
}

func TestMissingRequiredFields(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	srv.SendText(alice, "hi")
	b := newClient(t, srv)
	ctx := ctxT(t)

	_, err := b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{})
	require.ErrorIs(t, err, bot.ErrorBadRequest)
	assert.Contains(t, err.Error(), "callback_query_id is empty")

	_, err = b.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: alice.ID})
	require.ErrorIs(t, err, bot.ErrorBadRequest)

	_, err = b.SendMessage(ctx, &bot.SendMessageParams{Text: "no chat"})
	require.ErrorIs(t, err, bot.ErrorBadRequest)

	_, err = b.DeleteMessage(ctx, &bot.DeleteMessageParams{ChatID: alice.ID})
	require.ErrorIs(t, err, bot.ErrorBadRequest)
	assert.Contains(t, err.Error(), "message identifier is not specified")

	assert.Len(t, srv.Refused(), 4)
}

func TestFailNextTooManyRequests(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	srv.SendText(alice, "hi")
	b := newClient(t, srv)
	ctx := ctxT(t)

	srv.FailNext("sendMessage", 2, telegramtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: 7})
	for range 2 {
		_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "hi"})
		require.Error(t, err)
		var tooMany *bot.TooManyRequestsError
		require.ErrorAs(t, err, &tooMany)
		assert.Equal(t, 7, tooMany.RetryAfter)
		assert.True(t, bot.IsTooManyRequestsError(err))
	}
	_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "hi"})
	require.NoError(t, err)

	refused := srv.Refused()
	require.Len(t, refused, 2)
	assert.Equal(t, "Too Many Requests: retry after 7", refused[0].Err)
	assert.Equal(t, 429, refused[0].Code)
	assert.Len(t, srv.Messages(alice.ID), 1, "faulted sends leave no message")

	srv.FailNext("SENDMESSAGE", 1, telegramtest.FaultInternal)
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "hi"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "500")

	assert.Panics(t, func() { srv.FailNext("noSuchMethod", 1, telegramtest.FaultInternal) })
}

func TestFailNextAnyMethodAndClear(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	srv.SendText(alice, "hi")
	b := newClient(t, srv)
	ctx := ctxT(t)
	srv.FailNext(telegramtest.AnyMethod, 1, telegramtest.FaultForbidden)
	_, err := b.SendChatAction(ctx, &bot.SendChatActionParams{ChatID: alice.ID, Action: models.ChatActionTyping})
	require.ErrorIs(t, err, bot.ErrorForbidden)
	srv.FailNext("sendMessage", 3, telegramtest.FaultInternal)
	srv.ClearFaults()
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "hi"})
	require.NoError(t, err)
}

func TestBlockedBy(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	srv.SendText(alice, "hi")
	srv.SendText(bob, "hi")
	b := newClient(t, srv)
	ctx := ctxT(t)

	srv.BlockedBy(alice.ID)
	_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "hello?"})
	require.Error(t, err)
	assert.ErrorIs(t, err, bot.ErrorForbidden)
	assert.Contains(t, err.Error(), "bot was blocked by the user")
	_, err = b.SendChatAction(ctx, &bot.SendChatActionParams{ChatID: alice.ID, Action: models.ChatActionTyping})
	assert.ErrorIs(t, err, bot.ErrorForbidden)

	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: bob.ID, Text: "hello"})
	require.NoError(t, err, "other users are unaffected")

	srv.Unblock(alice.ID)
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "hello again"})
	require.NoError(t, err)

	refused := srv.Refused()
	require.Len(t, refused, 2)
	assert.Equal(t, 403, refused[0].Code)
}

func TestChatNotFound(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	b := newClient(t, srv)
	ctx := ctxT(t)

	_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: 4242, Text: "cold call"})
	require.ErrorIs(t, err, bot.ErrorBadRequest)
	assert.Contains(t, err.Error(), "chat not found")

	const operators = int64(-1001234567890)
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: operators, Text: "new ticket"})
	require.ErrorIs(t, err, bot.ErrorBadRequest)

	srv.AddChat(operators, telegramtest.ChatSupergroup)
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: operators, Text: "new ticket"})
	require.NoError(t, err)

	const group = int64(-555)
	srv.SendTextInGroup(group, bob, "hello group")
	msg, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: group, Text: "hi all"})
	require.NoError(t, err)
	assert.Equal(t, models.ChatTypeGroup, msg.Chat.Type)
	assert.Equal(t, 2, msg.ID)

	chat, err := b.GetChat(ctx, &bot.GetChatParams{ChatID: operators})
	require.NoError(t, err)
	assert.Equal(t, models.ChatTypeSupergroup, chat.Type)
}

func TestGroupCommandAndButtons(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t, telegramtest.WithBotUser("desk_bot"))
	const group = int64(-1009876543210)
	got := make(chan *models.Update, 4)
	b, _ := startBot(t, srv, func(ctx context.Context, b *bot.Bot, u *models.Update) { got <- u })
	b.RegisterHandler(bot.HandlerTypeMessageText, "tickets", bot.MatchTypeCommandStartOnly, func(ctx context.Context, b *bot.Bot, u *models.Update) {
		_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: u.Message.Chat.ID, Text: "Open tickets", ReplyMarkup: inlineKeyboard([]button{cb("Take #1", "take:1")})})
		assert.NoError(t, err)
	})
	srv.SendTextInGroup(group, bob, "/tickets")
	_, err := srv.WaitMessages(group, 1, wait)
	require.NoError(t, err)

	up, err := srv.PressButtonIn(group, alice, "Take #1")
	require.NoError(t, err)
	u := <-got
	require.NotNil(t, u.CallbackQuery)
	assert.Equal(t, "take:1", u.CallbackQuery.Data)
	assert.Equal(t, alice.ID, u.CallbackQuery.From.ID)
	assert.Equal(t, group, u.CallbackQuery.Message.Message.Chat.ID)
	assert.Equal(t, []int64{up}, srv.Unanswered())

	// "/cmd@bot" carries the mention inside the bot_command entity
	srv.SendTextInGroup(group, bob, "/help@desk_bot now")
	u = <-got
	require.Len(t, u.Message.Entities, 1)
	assert.Equal(t, models.MessageEntity{Type: models.MessageEntityTypeBotCommand, Offset: 0, Length: len("/help@desk_bot")}, u.Message.Entities[0])
	assert.Equal(t, models.ChatTypeSupergroup, u.Message.Chat.Type)
}

func TestSendPhotoUploadRecorded(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	srv.SendText(alice, "hi")
	b := newClient(t, srv)
	ctx := ctxT(t)
	data := []byte("\x89PNG fake image bytes")

	msg, err := b.SendPhoto(ctx, &bot.SendPhotoParams{
		ChatID:  alice.ID,
		Photo:   &models.InputFileUpload{Filename: "chart.png", Data: bytes.NewReader(data)},
		Caption: "<i>Your chart</i>", ParseMode: models.ParseModeHTML,
	})
	require.NoError(t, err)
	require.NotEmpty(t, msg.Photo)
	assert.Equal(t, "Your chart", msg.Caption)

	calls := srv.CallsOf("sendPhoto")
	require.Len(t, calls, 1)
	f := calls[0].Files["photo"]
	assert.Equal(t, "chart.png", f.Name)
	assert.Equal(t, data, f.Data)
	assert.Equal(t, msg.Photo[0].FileID, f.FileID)

	last, _ := srv.LastMessage(alice.ID)
	assert.True(t, last.Photo)
	assert.Equal(t, "photo", last.Kind)
	assert.Equal(t, data, last.File.Data)
	assert.Equal(t, "Your chart", last.PlainCaption)

	// resend by file_id and by URL
	_, err = b.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: alice.ID, Photo: &models.InputFileString{Data: f.FileID}})
	require.NoError(t, err)
	_, err = b.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: alice.ID, Photo: &models.InputFileString{Data: "https://example.com/cat.jpg"}})
	require.NoError(t, err)
	_, err = b.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: alice.ID, Photo: &models.InputFileString{Data: "bogus-file-id"}})
	require.ErrorIs(t, err, bot.ErrorBadRequest)
	msgs := srv.Messages(alice.ID)
	require.Len(t, msgs, 3)
	assert.Equal(t, data, msgs[1].File.Data)
	assert.Equal(t, "cat.jpg", msgs[2].File.Name)
	assert.Nil(t, msgs[2].File.Data)

	// what the bot uploaded can be downloaded again
	file, err := b.GetFile(ctx, &bot.GetFileParams{FileID: f.FileID})
	require.NoError(t, err)
	assert.Equal(t, download(t, srv, b.FileDownloadLink(file)), data)
}

func download(t *testing.T, srv *telegramtest.Server, link string) []byte {
	t.Helper()
	resp, err := srv.Client().Get(link)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return body
}

func TestSendDocumentKeepsBytes(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	srv.SendText(alice, "hi")
	b := newClient(t, srv)
	ctx := ctxT(t)
	data := bytes.Repeat([]byte("ticket,status\n42,open\n"), 1000)

	msg, err := b.SendDocument(ctx, &bot.SendDocumentParams{
		ChatID:   alice.ID,
		Document: &models.InputFileUpload{Filename: "tickets.csv", Data: bytes.NewReader(data)},
		Caption:  "Export",
	})
	require.NoError(t, err)
	require.NotNil(t, msg.Document)
	assert.Equal(t, "tickets.csv", msg.Document.FileName)

	last, ok := srv.LastMessage(alice.ID)
	require.True(t, ok)
	require.NotNil(t, last.Document)
	assert.Equal(t, "tickets.csv", last.Document.Name)
	assert.Equal(t, data, last.Document.Data)
	assert.Equal(t, "Export", last.Caption)
	assert.Equal(t, data, srv.CallsOf("sendDocument")[0].Files["document"].Data)

	_, err = b.SendDocument(ctx, &bot.SendDocumentParams{ChatID: alice.ID, Document: &models.InputFileUpload{Filename: "empty.txt", Data: bytes.NewReader(nil)}})
	require.ErrorIs(t, err, bot.ErrorBadRequest)
	assert.Contains(t, err.Error(), "file must be non-empty")
}

func TestUserMediaAndGetFile(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	got := make(chan *models.Message, 4)
	b, _ := startBot(t, srv, func(ctx context.Context, b *bot.Bot, u *models.Update) { got <- u.Message })
	ctx := ctxT(t)

	srv.SendPhoto(alice, "screenshot of the error")
	m := <-got
	require.Len(t, m.Photo, 2)
	assert.Equal(t, "screenshot of the error", m.Caption)
	largest := m.Photo[len(m.Photo)-1]
	f, err := b.GetFile(ctx, &bot.GetFileParams{FileID: largest.FileID})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(f.FilePath, "photos/"))
	content := download(t, srv, b.FileDownloadLink(f))
	assert.True(t, bytes.HasPrefix(content, []byte("\xff\xd8\xff")), "fake JPEG")
	assert.Equal(t, int64(len(content)), f.FileSize)

	srv.SendSticker(alice)
	m = <-got
	require.NotNil(t, m.Sticker)
	assert.NotEmpty(t, m.Sticker.FileID)

	srv.SendVoice(alice)
	m = <-got
	require.NotNil(t, m.Voice)
	assert.Equal(t, "audio/ogg", m.Voice.MimeType)

	srv.SendDocument(alice, "log.txt", []byte("panic: boom"), "logs")
	m = <-got
	require.NotNil(t, m.Document)
	f, err = b.GetFile(ctx, &bot.GetFileParams{FileID: m.Document.FileID})
	require.NoError(t, err)
	assert.Equal(t, []byte("panic: boom"), download(t, srv, b.FileDownloadLink(f)))

	_, err = b.GetFile(ctx, &bot.GetFileParams{FileID: "nope"})
	require.ErrorIs(t, err, bot.ErrorBadRequest)

	resp, err := srv.Client().Get(srv.URL() + "/file/bot" + srv.Token() + "/photos/missing.jpg")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestWaitMessagesTimesOut(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	start := time.Now()
	msgs, err := srv.WaitMessages(alice.ID, 1, 50*time.Millisecond)
	require.Error(t, err)
	assert.ErrorIs(t, err, telegramtest.ErrTimeout)
	assert.Empty(t, msgs)
	assert.Less(t, time.Since(start), wait)
	assert.Contains(t, err.Error(), "chat 1001 has 0")

	_, err = srv.WaitCalls("sendMessage", 1, 20*time.Millisecond)
	assert.ErrorIs(t, err, telegramtest.ErrTimeout)
	err = srv.WaitFor(20*time.Millisecond, func(s *telegramtest.Snapshot) bool { return len(s.Calls()) > 0 })
	assert.ErrorIs(t, err, telegramtest.ErrTimeout)
}

func TestWaitReturnsOnClose(t *testing.T) {
	t.Parallel()
	srv := telegramtest.NewServer()
	errc := make(chan error, 1)
	go func() {
		_, err := srv.WaitMessages(alice.ID, 1, time.Hour)
		errc <- err
	}()
	srv.Close()
	srv.Close() // idempotent
	select {
	case err := <-errc:
		assert.ErrorIs(t, err, telegramtest.ErrClosed)
	case <-time.After(wait):
		t.Fatal("Close did not release the waiter")
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	// one token, refilled every 100 s: the second send in a row is limited
	srv := telegramtest.New(t, telegramtest.WithRateLimit(0.01, 3))
	srv.SendText(alice, "hi")
	b := newClient(t, srv)
	ctx := ctxT(t)

	_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "one"})
	require.NoError(t, err)
	_, err = b.SendChatAction(ctx, &bot.SendChatActionParams{ChatID: alice.ID, Action: models.ChatActionTyping})
	require.NoError(t, err, "chat actions are not rate limited")
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "two"})
	var tooMany *bot.TooManyRequestsError
	require.ErrorAs(t, err, &tooMany)
	assert.Equal(t, 3, tooMany.RetryAfter)
	_, err = b.GetMe(ctx)
	require.NoError(t, err, "non-sending methods are not limited")

	assert.Len(t, srv.Messages(alice.ID), 1)
	refused := srv.Refused()
	require.Len(t, refused, 1)
	assert.Equal(t, 429, refused[0].Code)
}

func TestChatLimits(t *testing.T) {
	t.Parallel()
	// Private chats: two in a burst, then one every 100 s. Groups: three a
	// minute. Edits count; each chat has its own limit.
	srv := telegramtest.New(t, telegramtest.WithChatLimits(telegramtest.ChatLimits{PrivatePerSecond: 0.01, PrivateBurst: 2, GroupPerMinute: 3}))
	srv.SendText(alice, "hi")
	srv.SendText(bob, "hi")
	const group = -100777
	srv.AddChat(group, telegramtest.ChatSupergroup)
	b := newClient(t, srv)
	ctx := ctxT(t)
	var tooMany *bot.TooManyRequestsError

	first, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "one"})
	require.NoError(t, err)
	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: alice.ID, MessageID: first.ID, Text: "one, edited"})
	require.NoError(t, err)
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "three"})
	require.ErrorAs(t, err, &tooMany, "the burst of two is spent")
	assert.InDelta(t, 100, tooMany.RetryAfter, 1, "retry_after says when a token is back")
	_, err = b.SendChatAction(ctx, &bot.SendChatActionParams{ChatID: alice.ID, Action: models.ChatActionTyping})
	require.NoError(t, err, "chat actions are not limited")
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: bob.ID, Text: "bob's own limit"})
	require.NoError(t, err)

	for i := range 3 {
		_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: group, Text: fmt.Sprint("group ", i)})
		require.NoError(t, err)
	}
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: group, Text: "fourth in a minute"})
	require.ErrorAs(t, err, &tooMany)
	assert.InDelta(t, 60, tooMany.RetryAfter, 1)
	assert.Equal(t, 2, srv.TooManyRequests())
	assert.Len(t, srv.Messages(group), 3)
}

func TestDelayedResponseInterruptedByClose(t *testing.T) {
	t.Parallel()
	srv := telegramtest.NewServer()
	srv.SendText(alice, "hi")
	b, err := bot.New(srv.Token(), bot.WithServerURL(srv.URL()), bot.WithSkipGetMe())
	require.NoError(t, err)
	srv.FailNext("sendMessage", 1, telegramtest.Fault{Delay: time.Hour})

	errc := make(chan error, 1)
	go func() {
		_, err := b.SendMessage(context.Background(), &bot.SendMessageParams{ChatID: alice.ID, Text: "slow"})
		errc <- err
	}()
	// the fault is taken when the request arrives: then it is being delayed
	require.NoError(t, srv.WaitFor(wait, func(*telegramtest.Snapshot) bool { return srv.FaultsLeft("sendMessage") == 0 }))
	srv.Close()
	select {
	case <-errc: // any outcome, but promptly
	case <-time.After(wait):
		t.Fatal("Close did not release the delayed response")
	}
}

func TestDelayedResponseSucceedsAndHonoursContext(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	srv.SendText(alice, "hi")
	b := newClient(t, srv)

	// a short delay then normal processing
	srv.FailNext("sendMessage", 1, telegramtest.Fault{Delay: 10 * time.Millisecond})
	_, err := b.SendMessage(ctxT(t), &bot.SendMessageParams{ChatID: alice.ID, Text: "slow but fine"})
	require.NoError(t, err)

	// a long delay cut short by the client's context
	srv.FailNext("sendMessage", 1, telegramtest.Fault{Delay: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "too slow"})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	refused, err := srv.WaitRefused(1, wait)
	require.NoError(t, err)
	assert.Contains(t, refused[0].Err, "abandoned")
	assert.Len(t, srv.Messages(alice.ID), 1)
}

func TestDisconnectFault(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	srv.SendText(alice, "hi")
	b := newClient(t, srv)
	srv.FailNext("sendMessage", 1, telegramtest.Fault{Disconnect: true})
	_, err := b.SendMessage(ctxT(t), &bot.SendMessageParams{ChatID: alice.ID, Text: "x"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "error do request")
	_, err = b.SendMessage(ctxT(t), &bot.SendMessageParams{ChatID: alice.ID, Text: "x"})
	require.NoError(t, err)
}

func TestEditsAndDeletes(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	srv.SendText(alice, "hi")
	b := newClient(t, srv)
	ctx := ctxT(t)

	msg, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "Ticket #1: open",
		ReplyMarkup: inlineKeyboard([]button{cb("Close", "close:1")})})
	require.NoError(t, err)

	_, err = b.EditMessageReplyMarkup(ctx, &bot.EditMessageReplyMarkupParams{ChatID: alice.ID, MessageID: msg.ID,
		ReplyMarkup: inlineKeyboard([]button{cb("Reopen", "reopen:1")})})
	require.NoError(t, err)
	_, err = b.EditMessageReplyMarkup(ctx, &bot.EditMessageReplyMarkupParams{ChatID: alice.ID, MessageID: msg.ID,
		ReplyMarkup: inlineKeyboard([]button{cb("Reopen", "reopen:1")})})
	require.ErrorIs(t, err, bot.ErrorBadRequest)
	assert.Contains(t, err.Error(), "message is not modified")

	edited, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: alice.ID, MessageID: msg.ID, Text: "Ticket #1: closed",
		ReplyMarkup: inlineKeyboard([]button{cb("Reopen", "reopen:1")})})
	require.NoError(t, err)
	assert.NotZero(t, edited.EditDate)

	m, ok := srv.Message(alice.ID, msg.ID)
	require.True(t, ok)
	assert.Equal(t, "Ticket #1: closed", m.Text)
	assert.Equal(t, 2, m.Edited)
	assert.Equal(t, [][]telegramtest.Button{{{Text: "Reopen", Data: "reopen:1"}}}, m.Buttons)

	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: alice.ID, MessageID: 999, Text: "x"})
	require.ErrorIs(t, err, bot.ErrorBadRequest)
	assert.Contains(t, err.Error(), "message to edit not found")
	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: alice.ID, MessageID: 1, Text: "x"})
	require.ErrorIs(t, err, bot.ErrorBadRequest)
	assert.Contains(t, err.Error(), "message can't be edited", "message 1 is Alice's")
	_, err = b.EditMessageCaption(ctx, &bot.EditMessageCaptionParams{ChatID: alice.ID, MessageID: msg.ID, Caption: "x"})
	require.ErrorIs(t, err, bot.ErrorBadRequest)

	ok, err = b.PinChatMessage(ctx, &bot.PinChatMessageParams{ChatID: alice.ID, MessageID: msg.ID})
	require.NoError(t, err)
	assert.True(t, ok)
	m, _ = srv.Message(alice.ID, msg.ID)
	assert.True(t, m.Pinned)

	_, err = b.DeleteMessage(ctx, &bot.DeleteMessageParams{ChatID: alice.ID, MessageID: msg.ID})
	require.NoError(t, err)
	_, err = b.DeleteMessage(ctx, &bot.DeleteMessageParams{ChatID: alice.ID, MessageID: msg.ID})
	require.ErrorIs(t, err, bot.ErrorBadRequest)
	assert.Contains(t, err.Error(), "message to delete not found")
	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: alice.ID, MessageID: msg.ID, Text: "ghost"})
	require.ErrorIs(t, err, bot.ErrorBadRequest)
	_, err = b.PinChatMessage(ctx, &bot.PinChatMessageParams{ChatID: alice.ID, MessageID: 77})
	require.ErrorIs(t, err, bot.ErrorBadRequest)

	msgs := srv.Messages(alice.ID)
	require.Len(t, msgs, 1, "deleted messages stay listed")
	assert.True(t, msgs[0].Deleted)
	assert.False(t, msgs[0].Pinned)
	assert.Len(t, srv.CallsOf("editMessageText"), 4)
}

func TestReplies(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	got := make(chan *models.Message, 1)
	b, _ := startBot(t, srv, func(ctx context.Context, b *bot.Bot, u *models.Update) { got <- u.Message })
	ctx := ctxT(t)
	srv.SendText(alice, "help")
	<-got

	q, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "What is your order number?",
		ReplyParameters: &models.ReplyParameters{MessageID: 1}})
	require.NoError(t, err)
	require.NotNil(t, q.ReplyToMessage)
	assert.Equal(t, "help", q.ReplyToMessage.Text)
	last, _ := srv.LastMessage(alice.ID)
	assert.Equal(t, 1, last.ReplyTo)

	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "x", ReplyParameters: &models.ReplyParameters{MessageID: 50}})
	require.ErrorIs(t, err, bot.ErrorBadRequest)
	assert.Contains(t, err.Error(), "message to be replied not found")
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "x", ReplyParameters: &models.ReplyParameters{MessageID: 50, AllowSendingWithoutReply: true}})
	require.NoError(t, err)

	srv.SendReply(alice, q.ID, "A-123")
	m := <-got
	require.NotNil(t, m.ReplyToMessage)
	assert.Equal(t, q.ID, m.ReplyToMessage.ID)
	assert.Equal(t, "What is your order number?", m.ReplyToMessage.Text)
	assert.True(t, m.ReplyToMessage.From.IsBot)
}

func TestCopyAndForwardUserMessages(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	const operators = int64(-1001111)
	srv.AddChat(operators, "")
	b := newClient(t, srv)
	ctx := ctxT(t)
	srv.SendText(alice, "My printer is on fire")
	srv.SendPhoto(alice, "see")

	id, err := b.CopyMessage(ctx, &bot.CopyMessageParams{ChatID: operators, FromChatID: alice.ID, MessageID: 1,
		ReplyMarkup: inlineKeyboard([]button{cb("Take", "take:alice")})})
	require.NoError(t, err)
	fwd, err := b.ForwardMessage(ctx, &bot.ForwardMessageParams{ChatID: operators, FromChatID: alice.ID, MessageID: 2})
	require.NoError(t, err)
	assert.NotEmpty(t, fwd.Photo)
	require.NotNil(t, fwd.ForwardOrigin)

	msgs := srv.Messages(operators)
	require.Len(t, msgs, 2)
	assert.Equal(t, id.ID, msgs[0].MessageID)
	assert.Equal(t, "My printer is on fire", msgs[0].Text)
	assert.Equal(t, alice.ID, msgs[0].FromChatID)
	assert.Equal(t, 1, msgs[0].FromMessageID)
	assert.True(t, msgs[0].HasButton("Take"))
	assert.Equal(t, "photo", msgs[1].Kind)
	assert.Equal(t, "see", msgs[1].Caption)

	_, err = b.CopyMessage(ctx, &bot.CopyMessageParams{ChatID: operators, FromChatID: alice.ID, MessageID: 99})
	require.ErrorIs(t, err, bot.ErrorBadRequest)
	assert.Contains(t, err.Error(), "message to copy not found")
}

func TestCommandsAndChatActions(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	srv.SendText(alice, "hi")
	b := newClient(t, srv)
	ctx := ctxT(t)

	cmds := []models.BotCommand{{Command: "start", Description: "Start"}, {Command: "ticket", Description: "Open a ticket"}}
	_, err := b.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: cmds})
	require.NoError(t, err)
	_, err = b.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: []models.BotCommand{{Command: "start", Description: "Начать"}}, LanguageCode: "ru"})
	require.NoError(t, err)
	got, err := b.GetMyCommands(ctx, &bot.GetMyCommandsParams{})
	require.NoError(t, err)
	assert.Equal(t, cmds, got)
	assert.Equal(t, []telegramtest.BotCommand{{Command: "start", Description: "Начать"}}, srv.MyCommands("ru"))

	_, err = b.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: []models.BotCommand{{Command: "Start", Description: "x"}}})
	require.ErrorIs(t, err, bot.ErrorBadRequest)
	assert.Contains(t, err.Error(), "BOT_COMMAND_INVALID")

	_, err = b.DeleteMyCommands(ctx, &bot.DeleteMyCommandsParams{})
	require.NoError(t, err)
	got, err = b.GetMyCommands(ctx, &bot.GetMyCommandsParams{})
	require.NoError(t, err)
	assert.Empty(t, got)

	_, err = b.SendChatAction(ctx, &bot.SendChatActionParams{ChatID: alice.ID, Action: models.ChatActionTyping})
	require.NoError(t, err)
	_, err = b.SendChatAction(ctx, &bot.SendChatActionParams{ChatID: alice.ID, Action: "dancing"})
	require.ErrorIs(t, err, bot.ErrorBadRequest)
}

func TestGenericMethods(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	srv.SendText(alice, "hi")
	b := newClient(t, srv)
	ctx := ctxT(t)

	m, err := b.SendLocation(ctx, &bot.SendLocationParams{ChatID: alice.ID, Latitude: 52.5, Longitude: 13.4})
	require.NoError(t, err)
	assert.Equal(t, 2, m.ID)
	last, _ := srv.LastMessage(alice.ID)
	assert.Equal(t, "location", last.Kind)

	ok, err := b.SetChatDescription(ctx, &bot.SetChatDescriptionParams{ChatID: alice.ID, Description: "x"})
	require.NoError(t, err)
	assert.True(t, ok)

	msgs, err := b.SendMediaGroup(ctx, &bot.SendMediaGroupParams{ChatID: alice.ID, Media: []models.InputMedia{
		&models.InputMediaPhoto{Media: "attach://a.jpg", MediaAttachment: strings.NewReader("A"), Caption: "first"},
		&models.InputMediaDocument{Media: "attach://b.txt", MediaAttachment: strings.NewReader("B")},
	}})
	require.NoError(t, err)
	require.Len(t, msgs, 2)
	all := srv.Messages(alice.ID)
	require.Len(t, all, 3)
	assert.True(t, all[1].Photo)
	assert.Equal(t, "first", all[1].Caption)
	assert.Equal(t, []byte("A"), all[1].File.Data)
	assert.Equal(t, []byte("B"), all[2].Document.Data)
	assert.Equal(t, "b.txt", all[2].Document.Name)
}

func TestConcurrentUsers(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	const users, perUser = 8, 5
	handled := make(chan error, users*perUser)
	echo := func(ctx context.Context, b *bot.Bot, u *models.Update) {
		_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: u.Message.Chat.ID, Text: "echo: " + u.Message.Text})
		handled <- err
	}
	b, err := bot.New(srv.Token(), bot.WithServerURL(srv.URL()), bot.WithDefaultHandler(echo), bot.WithWorkers(4))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); b.Start(ctx) }()
	defer func() { cancel(); <-done }()

	var wg sync.WaitGroup
	for i := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := telegramtest.User{ID: int64(2000 + i)}
			for j := range perUser {
				srv.SendText(u, fmt.Sprintf("m%d", j))
			}
			msgs, err := srv.WaitMessages(u.ID, perUser, wait)
			assert.NoError(t, err)
			assert.Len(t, msgs, perUser)
		}()
	}
	wg.Wait()
	for range users * perUser {
		require.NoError(t, <-handled)
	}
	require.NoError(t, srv.WaitUpdatesConsumed(wait))
	assert.Len(t, srv.CallsOf("sendMessage"), users*perUser)
	assert.Empty(t, srv.Refused())
}

func TestPushUpdateRawAndMalformed(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	got := make(chan *models.Update, 4)
	_, log := startBot(t, srv, func(ctx context.Context, b *bot.Bot, u *models.Update) { got <- u })

	id := srv.PushUpdate(map[string]any{"edited_message": map[string]any{
		"message_id": 5, "date": 1, "chat": map[string]any{"id": 7, "type": "private"}, "text": "edited",
	}, "update_id": 12345})
	u := <-got
	assert.Equal(t, id, u.ID, "the server assigns update ids")
	require.NotNil(t, u.EditedMessage)
	assert.Equal(t, "edited", u.EditedMessage.Text)

	// garbage cannot be decoded by the client; it is delivered once and the
	// bot keeps working
	srv.PushUpdateJSON([]byte(`{"message": "not an object"`))
	srv.PushUpdateJSON([]byte(`{"message": 42}`))
	srv.SendText(alice, "still alive?")
	u = <-got
	require.NotNil(t, u.Message)
	assert.Equal(t, "still alive?", u.Message.Text)
	require.NoError(t, srv.WaitUpdatesConsumed(wait))
	assert.NotEmpty(t, log.all(), "the client reported the undecodable responses")

	// chat_member updates are not delivered unless requested
	srv.PushUpdate(map[string]any{"chat_member": map[string]any{}})
	require.NoError(t, srv.WaitUpdatesConsumed(wait))
	srv.SendText(alice, "after")
	u = <-got
	assert.Equal(t, "after", u.Message.Text)
	assert.Empty(t, got)
}

func TestWebhookConflict(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	b := newClient(t, srv)
	ctx := ctxT(t)
	ok, err := b.SetWebhook(ctx, &bot.SetWebhookParams{URL: "https://example.com/hook"})
	require.NoError(t, err)
	assert.True(t, ok)
	info, err := b.GetWebhookInfo(ctx)
	require.NoError(t, err)
	assert.Equal(t, "https://example.com/hook", info.URL)

	resp, err := srv.Client().Post(srv.URL()+"/bot"+srv.Token()+"/getUpdates", "application/json", strings.NewReader(`{}`))
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusConflict, resp.StatusCode)

	_, err = b.DeleteWebhook(ctx, &bot.DeleteWebhookParams{})
	require.NoError(t, err)
	refused := srv.Refused()
	require.Len(t, refused, 1)
	assert.Equal(t, "getUpdates", refused[0].Method)
}

func TestBotRestartResumesFromOffset(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	got := make(chan string, 8)
	handler := func(ctx context.Context, b *bot.Bot, u *models.Update) { got <- u.Message.Text }

	b1, err := bot.New(srv.Token(), bot.WithServerURL(srv.URL()), bot.WithDefaultHandler(handler), bot.WithNotAsyncHandlers())
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); b1.Start(ctx) }()
	srv.SendText(alice, "one")
	assert.Equal(t, "one", <-got)
	require.NoError(t, srv.WaitPolling(wait))
	cancel()
	<-done

	// pushed while no bot runs; a new bot (offset 0) gets only the new one
	srv.SendText(alice, "two")
	startBot(t, srv, handler)
	assert.Equal(t, "two", <-got)
	require.NoError(t, srv.WaitUpdatesConsumed(wait))
	assert.Empty(t, got)
}
