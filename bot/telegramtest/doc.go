// Package telegramtest is a fake Telegram Bot API for end-to-end tests.
//
// A Server is an httptest server speaking the HTTP API that
// github.com/go-telegram/bot (and any other client) calls:
// <url>/bot<token>/<method> with JSON, urlencoded or multipart bodies, and
// <url>/file/bot<token>/<file_path> for downloads. Point a bot at it with
// bot.WithServerURL(srv.URL()) and the token srv.Token().
//
// The test acts as users (SendText, SendPhoto, PressButton, ...), which
// enqueues updates the bot receives by long polling getUpdates. Every call
// the bot makes is recorded (Calls, CallsOf, Refused) and the messages it
// sends are kept per chat with edits applied (Messages, LastMessage).
//
// Waiting never sleeps: WaitMessages, WaitCalls, WaitFor,
// WaitUpdatesConsumed and WaitCallbackAnswer block on a broadcast channel
// that is replaced on every recorded change, with the timeout only as an
// upper bound.
//
// The fake refuses what Telegram refuses, with Telegram's error codes and
// descriptions: unknown methods (404), missing required fields (per the
// embedded method list of the Bot API specification), text over 4096 or
// captions over 1024 characters, empty text, markup that fails to parse in
// the given parse_mode, inline buttons that do not use exactly one kind of
// field (url, callback_data, copy_text, ...: read from the specification),
// callback_data over 64 bytes, a copy_text outside 1–256 characters,
// answering a callback query twice, editing or deleting messages
// that do not exist, edits that change nothing, and sends to chats nobody
// opened. Faults can be injected (FailNext, BlockedBy, WithRateLimit,
// WithChatLimits: Telegram's per-chat limits of private chats and groups).
//
// A typical test:
//
//	srv := telegramtest.New(t)
//	b, _ := bot.New(srv.Token(), bot.WithServerURL(srv.URL()), bot.WithDefaultHandler(handler))
//	ctx, cancel := context.WithCancel(context.Background())
//	t.Cleanup(cancel)
//	go b.Start(ctx)
//
//	alice := telegramtest.User{ID: 42, FirstName: "Alice"}
//	srv.SendText(alice, "/start")
//	msgs, err := srv.WaitMessages(alice.ID, 1, 5*time.Second)
//
// Register the bot's cancel with t.Cleanup after calling New, so that it
// runs first (cleanups run last-in first-out); Close releases pending long
// polls in any case.
//
// A call is recorded (and waiters are woken) just before its answer is
// written, so Calls and Messages already include a call when the client
// sees the answer. The flip side: a test that stops the bot right after a
// Wait* returned may cancel a request whose answer is still in flight, and
// the bot then sees context.Canceled. Wait for the handler itself when its
// outcome matters.
package telegramtest
