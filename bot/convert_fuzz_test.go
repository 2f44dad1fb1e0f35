package bot

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"

	"github.com/go-telegram/bot/models"

	"github.com/hotroso/hotroso/handlers"
)

// fuzzBotUsername is the bot's username in FuzzToEvent.
const fuzzBotUsername = "hotroso_bot"

// convertSeeds are realistic updates, as Telegram sends them, and a few
// odd ones Telegram never sends but a broken proxy or a forged webhook could.
var convertSeeds = []string{
	// A text message in a private chat.
	`{"update_id":1,"message":{"message_id":10,"from":{"id":42,"is_bot":false,"first_name":"Lan","language_code":"vi"},"chat":{"id":42,"type":"private","first_name":"Lan"},"date":1735689600,"text":"chào bạn"}}`,
	// A command with the bot's username and arguments.
	`{"update_id":2,"message":{"message_id":11,"from":{"id":42,"is_bot":false,"first_name":"Lan"},"chat":{"id":42,"type":"private"},"date":1735689600,"text":"/START@Hotroso_Bot v_abc123","entities":[{"type":"bot_command","offset":0,"length":18}]}}`,
	// A command addressed to another bot in a group.
	`{"update_id":3,"message":{"message_id":12,"from":{"id":42,"is_bot":false,"first_name":"Lan"},"chat":{"id":-1001234567890,"type":"supergroup","title":"Xã"},"date":1735689600,"text":"/start@other_bot","entities":[{"type":"bot_command","offset":0,"length":16}]}}`,
	// A command followed by a new line instead of a space.
	`{"update_id":4,"message":{"message_id":13,"from":{"id":42,"is_bot":false,"first_name":"Lan"},"chat":{"id":42,"type":"private"},"date":1735689600,"text":"/ask\ntôi quên mật khẩu VNeID"}}`,
	// Only a slash and the bot's name.
	`{"update_id":5,"message":{"message_id":14,"from":{"id":42,"is_bot":false,"first_name":"Lan"},"chat":{"id":42,"type":"private"},"date":1735689600,"text":"/@hotroso_bot"}}`,
	// A callback query on an accessible message.
	`{"update_id":6,"callback_query":{"id":"4242","from":{"id":42,"is_bot":false,"first_name":"Lan","language_code":"en"},"message":{"message_id":20,"from":{"id":7,"is_bot":true,"first_name":"Bot"},"chat":{"id":42,"type":"private"},"date":1735689600,"text":"Menu"},"chat_instance":"-77","data":"f:vneid"}}`,
	// A callback query without a message (an inline-mode button).
	`{"update_id":7,"callback_query":{"id":"4243","from":{"id":42,"is_bot":false,"first_name":"Lan"},"inline_message_id":"AAA","chat_instance":"-77","data":"m"}}`,
	// A callback query on an inaccessible (too old) message: date 0.
	`{"update_id":8,"callback_query":{"id":"4244","from":{"id":42,"is_bot":false,"first_name":"Lan"},"message":{"chat":{"id":42,"type":"private"},"message_id":3,"date":0},"chat_instance":"-77","data":"c:vneid:welcome:0"}}`,
	// A callback query in a group.
	`{"update_id":9,"callback_query":{"id":"4245","from":{"id":43,"is_bot":false,"first_name":"Minh"},"message":{"message_id":30,"chat":{"id":-1009,"type":"supergroup","title":"TNV"},"date":1735689600,"text":"Ticket"},"chat_instance":"-78","data":"tc:17"}}`,
	// A callback query with a null message and no sender.
	`{"update_id":10,"callback_query":{"id":"4246","message":null,"data":"zzz"}}`,
	// A photo with a caption.
	`{"update_id":11,"message":{"message_id":15,"from":{"id":42,"is_bot":false,"first_name":"Lan"},"chat":{"id":42,"type":"private"},"date":1735689600,"photo":[{"file_id":"small","file_unique_id":"s","width":90,"height":67},{"file_id":"big","file_unique_id":"b","width":1280,"height":960}],"caption":"giấy tờ"}}`,
	// A voice note.
	`{"update_id":12,"message":{"message_id":16,"from":{"id":42,"is_bot":false,"first_name":"Lan"},"chat":{"id":42,"type":"private"},"date":1735689600,"voice":{"file_id":"v1","file_unique_id":"v","duration":3}}}`,
	// A sticker.
	`{"update_id":13,"message":{"message_id":17,"from":{"id":42,"is_bot":false,"first_name":"Lan"},"chat":{"id":42,"type":"private"},"date":1735689600,"sticker":{"file_id":"st","file_unique_id":"st","type":"regular","width":512,"height":512,"is_animated":false,"is_video":false,"emoji":"👍"}}}`,
	// A document with a caption.
	`{"update_id":14,"message":{"message_id":18,"from":{"id":42,"is_bot":false,"first_name":"Lan"},"chat":{"id":42,"type":"private"},"date":1735689600,"document":{"file_id":"d1","file_unique_id":"d","file_name":"don.pdf","mime_type":"application/pdf"},"caption":"đơn"}}`,
	// A group message.
	`{"update_id":15,"message":{"message_id":19,"from":{"id":42,"is_bot":false,"first_name":"Lan"},"chat":{"id":-100777,"type":"group","title":"Tổ dân phố"},"date":1735689600,"text":"chào cả nhà"}}`,
	// Service messages and a message without a sender (a channel's).
	`{"update_id":16,"message":{"message_id":20,"from":{"id":42,"is_bot":false,"first_name":"Lan"},"chat":{"id":-100777,"type":"group","title":"Tổ"},"date":1735689600,"new_chat_members":[{"id":7,"is_bot":true,"first_name":"Bot"}]}}`,
	`{"update_id":17,"message":{"message_id":21,"sender_chat":{"id":-100888,"type":"channel"},"chat":{"id":-100777,"type":"supergroup"},"date":1735689600,"text":"tin kênh"}}`,
	// A message from a bot.
	`{"update_id":18,"message":{"message_id":22,"from":{"id":1087968824,"is_bot":true,"first_name":"Group","username":"GroupAnonymousBot"},"chat":{"id":-100777,"type":"supergroup"},"date":1735689600,"text":"/start"}}`,
	// The user blocked the bot.
	`{"update_id":19,"my_chat_member":{"chat":{"id":42,"type":"private","first_name":"Lan"},"from":{"id":42,"is_bot":false,"first_name":"Lan"},"date":1735689600,"old_chat_member":{"status":"member","user":{"id":7,"is_bot":true,"first_name":"Bot"}},"new_chat_member":{"status":"kicked","user":{"id":7,"is_bot":true,"first_name":"Bot"},"until_date":0}}}`,
	// An edited message and a channel post: not handled.
	`{"update_id":20,"edited_message":{"message_id":10,"from":{"id":42,"is_bot":false,"first_name":"Lan"},"chat":{"id":42,"type":"private"},"date":1735689600,"edit_date":1735689700,"text":"chào bạn!"}}`,
	`{"update_id":21,"channel_post":{"message_id":5,"sender_chat":{"id":-100888,"type":"channel","title":"Kênh"},"chat":{"id":-100888,"type":"channel","title":"Kênh"},"date":1735689600,"text":"thông báo"}}`,
	// A location: media of another kind.
	`{"update_id":22,"message":{"message_id":23,"from":{"id":42,"is_bot":false,"first_name":"Lan"},"chat":{"id":42,"type":"private"},"date":1735689600,"location":{"latitude":21.0,"longitude":105.8}}}`,
	// Missing ids.
	`{"update_id":23,"message":{"message_id":24,"from":{"is_bot":false,"first_name":"?"},"chat":{"type":"private"},"date":1735689600,"text":"hi"}}`,
	// Nothing at all.
	`{}`,
}

func FuzzToEvent(f *testing.F) {
	for _, seed := range convertSeeds {
		if !json.Valid([]byte(seed)) {
			f.Fatalf("seed is not valid JSON: %s", seed)
		}
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var upd models.Update
		if err := json.Unmarshal(data, &upd); err != nil {
			t.Skip()
		}
		key := chatKey(&upd)
		ev, ok := toEvent(&upd, fuzzBotUsername)
		if !ok {
			return
		}
		checkEvent(t, &upd, key, ev)
	})
}

// checkEvent asserts what the desk relies on in every event it gets.
func checkEvent(t *testing.T, upd *models.Update, key int64, ev handlers.Event) {
	t.Helper()
	if ev.UpdateID != upd.ID {
		t.Fatalf("update id %d, want %d", ev.UpdateID, upd.ID)
	}
	if ev.ChatID == 0 || ev.UserID == 0 {
		t.Fatalf("event without a chat or a user: %+v", ev)
	}
	if key != ev.ChatID {
		t.Fatalf("chatKey %d orders the update, but the event is for chat %d", key, ev.ChatID)
	}
	switch ev.Kind {
	case handlers.EventCommand:
		switch {
		case ev.Command == "":
			t.Fatalf("command event without a command: %+v", ev)
		case strings.ToLower(ev.Command) != ev.Command:
			t.Fatalf("command %q is not lowercase", ev.Command)
		case strings.Contains(ev.Command, "@"):
			t.Fatalf("command %q still names a bot", ev.Command)
		case strings.IndexFunc(ev.Command, unicode.IsSpace) >= 0:
			t.Fatalf("command %q holds white space: the arguments were not split off", ev.Command)
		case ev.Args != strings.TrimSpace(ev.Args):
			t.Fatalf("arguments %q are not trimmed", ev.Args)
		case upd.Message == nil || !strings.HasPrefix(upd.Message.Text, "/"):
			t.Fatalf("command event from an update that is no slash command: %+v", ev)
		}
	case handlers.EventText:
		if ev.Text == "" || upd.Message == nil || ev.Text != upd.Message.Text {
			t.Fatalf("text event %+v does not carry the message's text", ev)
		}
		if ev.Command != "" || ev.Data != "" || ev.Media != "" {
			t.Fatalf("text event with command, data or media: %+v", ev)
		}
	case handlers.EventButton:
		cq := upd.CallbackQuery
		if cq == nil || upd.Message != nil {
			t.Fatalf("button event from an update that is no callback query: %+v", ev)
		}
		if ev.Data != cq.Data || ev.UserID != cq.From.ID {
			t.Fatalf("button event %+v does not carry the query's data and sender", ev)
		}
	case handlers.EventMedia:
		if ev.Media == "" {
			t.Fatalf("media event without a media kind: %+v", ev)
		}
		if upd.Message == nil {
			t.Fatalf("media event from an update without a message: %+v", ev)
		}
		if (ev.Media == handlers.MediaPhoto || ev.Media == handlers.MediaVoice || ev.Media == handlers.MediaDocument) && ev.FileID == "" && hasFileID(upd.Message) {
			t.Fatalf("media event lost the file id: %+v", ev)
		}
	default:
		t.Fatalf("event of unknown kind %d: %+v", ev.Kind, ev)
	}
	if m := upd.Message; m != nil {
		if m.From == nil || m.From.IsBot {
			t.Fatalf("event from a message without a human sender: %+v", ev)
		}
		if ev.Group != (m.Chat.Type != models.ChatTypePrivate) {
			t.Fatalf("group %v for a chat of type %q", ev.Group, m.Chat.Type)
		}
	}
}

func hasFileID(m *models.Message) bool {
	switch {
	case len(m.Photo) > 0:
		return m.Photo[len(m.Photo)-1].FileID != ""
	case m.Voice != nil:
		return m.Voice.FileID != ""
	case m.Document != nil:
		return m.Document.FileID != ""
	}
	return false
}
