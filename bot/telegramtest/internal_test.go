package telegramtest

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseHTML(t *testing.T) {
	t.Parallel()
	ok := map[string]string{
		"plain": "plain",
		"<b>bold</b> <i>it</i> <u>u</u> <s>s</s>": "bold it u s",
		"<B>upper</B>": "upper",
		`<a href="https://x.y/?a=1&amp;b=2">l</a>`:           "l",
		"&lt;tag&gt; &amp; &quot;q&quot; &#65;&#x42;":        `<tag> & "q" AB`,
		"AT&T &unknown; a > b":                               "AT&T &unknown; a > b",
		`<span class="tg-spoiler">s</span>`:                  "s",
		"<tg-spoiler>s</tg-spoiler>":                         "s",
		`<pre><code class="language-go">x := 1</code></pre>`: "x := 1",
		"<blockquote expandable>q</blockquote>":              "q",
		`<tg-emoji emoji-id="1">👍</tg-emoji>`:                "👍",
		"<b>a</>":                                            "a",
	}
	for in, want := range ok {
		got, err := parseHTML(in)
		if assert.NoError(t, err, in) {
			assert.Equal(t, want, got, in)
		}
	}
	bad := map[string]string{
		"a < b":            `Unsupported start tag "" at byte offset 2`,
		"<br>":             `Unsupported start tag "br" at byte offset 0`,
		"<b>open":          `Can't find end tag corresponding to start tag "b"`,
		"<b><i>x</b></i>":  `Unmatched end tag at byte offset 7, expected "</i>", found "</b>"`,
		"x</b>":            "Unexpected end tag at byte offset 1",
		"<span>x</span>":   `Tag "span" must have class "tg-spoiler"`,
		`<a href="x>y</a>`: "Unclosed start tag",
		"<b":               "Unclosed start tag",
		"</b":              "Unclosed end tag",
	}
	for in, want := range bad {
		_, err := parseHTML(in)
		if assert.Error(t, err, in) {
			assert.Contains(t, err.Error(), want, in)
		}
	}
}

func TestParseMarkdownV2(t *testing.T) {
	t.Parallel()
	ok := map[string]string{
		"plain text":                              "plain text",
		"*bold* _it_ __u__ ~s~ ||sp||":            "bold it u s sp",
		`Price: 5\.00 \- 10\% \(approx\)\!`:       `Price: 5.00 - 10% (approx)!`,
		"[link](https://example.com/a_b)":         "link",
		`[esc](https://x.y/\)\\)`:                 "esc",
		"`code with * and _`":                     "code with * and _",
		"```go\nfmt.Println(1.5)\n```":            "fmt.Println(1.5)\n",
		"*bold _nested_ bold*":                    "bold nested bold",
		">quote line\n>second":                    "quote line\nsecond",
		"**>expandable\n>quote||":                 "expandable\nquote",
		"![👍](tg://emoji?id=5368324170671202286)": "👍",
	}
	for in, want := range ok {
		got, err := parseMarkdownV2(in)
		if assert.NoError(t, err, in) {
			assert.Equal(t, want, got, in)
		}
	}
	bad := map[string]string{
		"Hello.":       `Character '.' is reserved`,
		"a-b":          `Character '-' is reserved`,
		"Ticket #1":    `Character '#' is reserved`,
		"(x)":          `Character '(' is reserved`,
		"a | b":        `Character '|' is reserved`,
		"x > y":        `Character '>' is reserved`,
		"wow!":         `Character '!' is reserved`,
		"*open":        "Can't find end of Bold entity at byte offset 0",
		"ok _open":     "Can't find end of Italic entity at byte offset 3",
		"`code":        "Can't find end of Code entity",
		"[t](http://x": "Can't find end of a URL",
	}
	for in, want := range bad {
		_, err := parseMarkdownV2(in)
		if assert.Error(t, err, in) {
			assert.Contains(t, err.Error(), want, in)
		}
	}
}

func TestParseMarkdownLegacy(t *testing.T) {
	t.Parallel()
	got, err := parseMarkdown("*b* _i_ `c` ```pre``` [l](http://x) 1.5 - ok! \\*lit")
	require.NoError(t, err)
	assert.Equal(t, "b i c pre l 1.5 - ok! *lit", got)
	_, err = parseMarkdown("snake_case_name")
	require.NoError(t, err, "underscores pair up")
	_, err = parseMarkdown("a_b")
	assert.ErrorContains(t, err, "Can't find end of the entity starting at byte offset 1")
}

func TestPlainTextParseModes(t *testing.T) {
	t.Parallel()
	_, err := plainText("x", "BBCode")
	require.NotNil(t, err)
	assert.Equal(t, "Bad Request: unsupported parse_mode", err.Description)
	got, err := plainText("<b>x</b>", "html")
	require.Nil(t, err)
	assert.Equal(t, "x", got)
}

func TestCommandEntities(t *testing.T) {
	t.Parallel()
	assert.Equal(t, []apiEntity{{Type: "bot_command", Offset: 0, Length: 6}}, commandEntities("/start"))
	assert.Equal(t, []apiEntity{{Type: "bot_command", Offset: 0, Length: 10}}, commandEntities("/start@bot payload"))
	// offsets are UTF-16 code units: "😀" is two
	assert.Equal(t, []apiEntity{{Type: "bot_command", Offset: 3, Length: 5}}, commandEntities("😀 /help"))
	assert.Nil(t, commandEntities("see https://x.y/path"))
	assert.Nil(t, commandEntities("/ alone"))
	assert.Nil(t, commandEntities("a/b"))
}

func TestKindOf(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "video_note", kindOf("sendVideoNote"))
	assert.Equal(t, "photo", kindOf("sendPhoto"))
	assert.Equal(t, "media_group", kindOf("sendMediaGroup"))
}

func TestTokenBucket(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1000, 0)
	b := newTokenBucket(5)
	b.last = t0
	for i := range 5 {
		assert.True(t, b.take(t0), "burst token %d", i)
	}
	assert.False(t, b.take(t0), "bucket empty")
	assert.False(t, b.take(t0.Add(100*time.Millisecond)), "half a token")
	assert.True(t, b.take(t0.Add(200*time.Millisecond)), "refilled one")
	assert.False(t, b.take(t0.Add(200*time.Millisecond)))
	// refill is capped at the capacity
	later := t0.Add(time.Hour)
	for range 5 {
		assert.True(t, b.take(later))
	}
	assert.False(t, b.take(later))

	slow := newTokenBucket(0.5) // capacity 1, one token per 2 s
	slow.last = t0
	assert.True(t, slow.take(t0))
	assert.False(t, slow.take(t0.Add(1900*time.Millisecond)))
	assert.True(t, slow.take(t0.Add(2*time.Second)))
}

func TestParseMarkup(t *testing.T) {
	t.Parallel()
	mk, err := parseMarkup(`{"inline_keyboard":[[{"text":"a","callback_data":"x"},{"text":"u","url":"https://e.com"}],[{"text":"w","web_app":{"url":"https://e.com"}}]]}`)
	require.Nil(t, err)
	assert.Equal(t, [][]Button{{{Text: "a", Data: "x"}, {Text: "u", URL: "https://e.com"}}, {{Text: "w"}}}, mk.buttons)
	mk, err = parseMarkup(`{"keyboard":[[{"text":"Help"}]],"resize_keyboard":true}`)
	require.Nil(t, err)
	assert.Nil(t, mk.buttons)
	for _, bad := range []string{`[]`, `{}`, `{"inline_keyboard":{}}`, `{"inline_keyboard":[[{"text":""}]]}`, `{"inline_keyboard":[[{"text":"x","url":"ftp://x"}]]}`} {
		_, err := parseMarkup(bad)
		assert.NotNil(t, err, bad)
	}
}

// TestInlineButtonsFollowTheSpec checks the rules of an
// InlineKeyboardButton: exactly one kind of field, each valid.
func TestInlineButtonsFollowTheSpec(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{
		`{"text":"a","callback_data":"x"}`,
		`{"text":"a","callback_data":"` + strings.Repeat("x", 64) + `"}`,
		`{"text":"a","url":"https://e.com","callback_data":null}`,
		`{"text":"a","copy_text":{"text":"` + strings.Repeat("ệ", 256) + `"}}`,
		`{"text":"a","switch_inline_query":""}`,
		`{"text":"a","pay":true,"copy_text":null}`,
	} {
		_, err := parseMarkup(`{"inline_keyboard":[[` + ok + `]]}`)
		assert.Nil(t, err, ok)
	}
	for bad, why := range map[string]string{
		`{"text":"a","callback_data":"x","copy_text":{"text":""}}`:  "not callback_data and copy_text",
		`{"text":"a","callback_data":"x","url":"https://e.com"}`:    "not url and callback_data",
		`{"text":"a","web_app":{"url":"https://e.com"},"pay":true}`: "not web_app and pay",
		`{"text":"a"}`:                         "Text buttons are unallowed",
		`{"text":"a","pay":false}`:             "Text buttons are unallowed",
		`{"text":"a","copy_text":{"text":""}}`: "must be 1-256 characters, not 0",
		`{"text":"a","copy_text":{"text":"` + strings.Repeat("x", 257) + `"}}`: "must be 1-256 characters, not 257",
		`{"text":"a","copy_text":"x"}`:                                         `Field "copy_text" must be of type Object`,
		`{"text":"a","callback_data":""}`:                                      "BUTTON_DATA_INVALID",
		`{"text":"a","callback_data":"` + strings.Repeat("é", 33) + `"}`:       "BUTTON_DATA_INVALID",
		`{"text":"a","callback_data":7}`:                                       `Field "callback_data" must be of type String`,
	} {
		_, err := parseMarkup(`{"inline_keyboard":[[` + bad + `]]}`)
		if assert.NotNil(t, err, bad) {
			assert.Equal(t, 400, err.Code)
			assert.True(t, strings.HasPrefix(err.Description, "Bad Request: "), err.Description)
			assert.Contains(t, err.Description, why, bad)
		}
	}
	rules := inlineButtonSpec()
	assert.Equal(t, []string{"url", "callback_data", "web_app", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
		"switch_inline_query_chosen_chat", "copy_text", "callback_game", "pay"}, rules.Kinds)
	assert.Equal(t, [2]int{1, MaxCallbackDataBytes}, rules.CallbackData)
	assert.Equal(t, [2]int{1, 256}, rules.CopyText)
}

func TestEmbeddedSpec(t *testing.T) {
	t.Parallel()
	m, ok := lookupMethod("SENDMESSAGE")
	require.True(t, ok)
	assert.Equal(t, "sendMessage", m.Name)
	assert.Equal(t, []string{"chat_id", "text"}, m.Required)
	assert.True(t, m.returns("Message"))
	_, ok = lookupMethod("sendTelepathy")
	assert.False(t, ok)
	m, ok = lookupMethod("logout")
	require.True(t, ok)
	assert.Equal(t, "logOut", m.Name)
}
