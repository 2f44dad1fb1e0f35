package telegramtest

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/require"
)

// The reference implementations below are the straightforward
// encoding/json versions the fast paths replaced; the tests check that
// both agree.

// referenceParseMarkup is parseMarkup by way of encoding/json maps.
func referenceParseMarkup(raw string) (markup, *apiError) {
	if strings.TrimSpace(raw) == "" {
		return markup{}, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &obj); err != nil || obj == nil {
		return markup{}, badRequest("can't parse reply keyboard markup JSON object")
	}
	kb, ok := obj["inline_keyboard"]
	if !ok {
		for _, k := range []string{"keyboard", "remove_keyboard", "force_reply"} {
			if _, ok := obj[k]; ok {
				return markup{}, nil
			}
		}
		return markup{}, badRequest("can't parse reply keyboard markup JSON object")
	}
	var rows [][]map[string]json.RawMessage
	if err := json.Unmarshal(kb, &rows); err != nil {
		return markup{}, badRequest("field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array of Arrays")
	}
	out := markup{buttons: make([][]Button, 0, len(rows))}
	total := 0
	for _, row := range rows {
		btnRow := make([]Button, 0, len(row))
		for _, b := range row {
			total++
			btn, err := referenceInlineButton(b)
			if err != nil {
				return markup{}, err
			}
			btnRow = append(btnRow, btn)
		}
		out.buttons = append(out.buttons, btnRow)
	}
	if total > maxInlineButtons {
		return markup{}, badRequest("reply markup is too long")
	}
	// canonical form: decode to generic values and re-encode (sorted keys)
	var generic any
	_ = json.Unmarshal([]byte(raw), &generic)
	canon, _ := json.Marshal(map[string]any{"inline_keyboard": generic.(map[string]any)["inline_keyboard"]})
	out.inline = canon
	return out, nil
}

func referenceInlineButton(b map[string]json.RawMessage) (Button, *apiError) {
	var btn Button
	if raw, ok := b["text"]; ok {
		_ = json.Unmarshal(raw, &btn.Text)
	}
	if strings.TrimSpace(btn.Text) == "" {
		return btn, badRequest("can't parse inline keyboard button: Text must be non-empty")
	}
	rules := inlineButtonSpec()
	var used []string
	for _, k := range rules.Kinds {
		raw, ok := b[k]
		if ok && !bytes.Equal(raw, []byte("null")) && (k != "pay" || string(raw) == "true") {
			used = append(used, k)
		}
	}
	if err := oneKind(rules, used); err != nil {
		return btn, err
	}
	raw := b[used[0]]
	var str string
	isString := json.Unmarshal(raw, &str) == nil && raw[0] == '"'
	switch used[0] {
	case "callback_data":
		if !isString {
			return btn, wrongButtonField("callback_data", "String")
		}
		if len(str) < rules.CallbackData[0] || len(str) > rules.CallbackData[1] {
			return btn, badRequest("BUTTON_DATA_INVALID")
		}
		btn.Data = str
	case "url":
		if !isString {
			return btn, wrongButtonField("url", "String")
		}
		if !validButtonURL(str) {
			return btn, badRequest("BUTTON_URL_INVALID")
		}
		btn.URL = str
	case "copy_text":
		var ct map[string]json.RawMessage
		if raw[0] != '{' || json.Unmarshal(raw, &ct) != nil {
			return btn, wrongButtonField("copy_text", "Object")
		}
		text, ok := ct["text"]
		if !ok || text[0] != '"' || json.Unmarshal(text, &str) != nil {
			return btn, wrongButtonField("copy_text.text", "String")
		}
		return btn, copyTextLength(rules, str)
	}
	return btn, nil
}

var markupSeeds = []string{
	``, ` `, `null`, `[]`, `"x"`, `{}`, `{"keyboard":[[{"text":"Help"}]],"resize_keyboard":true}`,
	`{"remove_keyboard":null}`, `{"force_reply":true}`, `{"inline_keyboard":null}`, `{"inline_keyboard":{}}`,
	`{"inline_keyboard":[null,[]]}`, `{"inline_keyboard":[[null]]}`, `{"inline_keyboard":[[1]]}`, `{"inline_keyboard":[{}]}`,
	`{"inline_keyboard":[[{"text":"a","callback_data":"x"}]]}`,
	`{"inline_keyboard":[[{"text":"a","callback_data":"x","copy_text":{"text":""}},{"text":"u","url":"https://e.com"}],[{"text":"w","web_app":{"url":"https://e.com"}}]]}`,
	`{"inline_keyboard":[[{"text":"a","callback_data":"x"},{"text":"u","url":"https://e.com"}],[{"text":"w","web_app":{"url":"https://e.com"}}]]}`,
	` {"inline_keyboard" : [ [ {"callback_data":"x" , "text":"a"} ] ] , "inline_keyboard":[[{"text":"b","url":"tg://x"}]]} `,
	`{"inline_keyboard":[[{"Text":"a","callback_data":"x"}]]}`,
	`{"inline_keyboard":[[{"text":"a","text":"","callback_data":"x"}]]}`,
	`{"inline_keyboard":[[{"text":"a","callback_data":"` + strings.Repeat("x", 65) + `"}]]}`,
	`{"inline_keyboard":[[{"text":"a","callback_data":"` + strings.Repeat("é", 32) + `"}]]}`,
	`{"inline_keyboard":[[{"text":"a","callback_data":"\u00e9\ud83d\ude00\ud800 \u2028<&>\"\\\/\b\f\n\r\t\u0001"}]]}`,
	"{\"inline_keyboard\":[[{\"text\":\"a\xff\xfe\",\"callback_data\":\"x\u2029\"}]]}",
	`{"inline_keyboard":[[{"text":"a","url":"http://localhost/x"}],[{"text":"b","url":"https://127.0.0.1"}]]}`,
	`{"inline_keyboard":[[{"text":"a","pay":true}],[{"text":"b","pay":false}]]}`,
	`{"inline_keyboard":[[{"text":"a","copy_text":{"TEXT":"c"}}]]}`,
	`{"inline_keyboard":[[{"text":"a","copy_text":"c"}]]}`,
	`{"inline_keyboard":[[{"text":"a","copy_text":{"text":"c"}}],[{"text":"b","copy_text":{"text":"` + strings.Repeat("ệ", 256) + `"}}]]}`,
	`{"inline_keyboard":[[{"text":"a","copy_text":{"text":"` + strings.Repeat("ệ", 257) + `"}}]]}`,
	`{"inline_keyboard":[[{"text":"a","copy_text":{"text":5}}]]}`,
	`{"inline_keyboard":[[{"text":"a","callback_data":""}]]}`,
	`{"inline_keyboard":[[{"text":"a","callback_data":"x","url":"https://e.com"}]]}`,
	`{"inline_keyboard":[[{"text":"a","callback_data":"x","copy_text":{"text":"c"},"pay":true}]]}`,
	`{"inline_keyboard":[[{"text":"a","callback_data":"x","url":null,"pay":false,"copy_text":null}]]}`,
	`{"inline_keyboard":[[{"text":"a","url":5}]]}`,
	`{"inline_keyboard":[[{"text":"a","callback_game":{},"n":[1,1.0,-0,1e2,1E-7,123456789012345,1234567890123456789,1e400,-1e-400,0.1]}]]}`,
	`{"inline_keyboard":[[{"text":"a","switch_inline_query":"","x":{"b":1,"a":[true,false,null],"a":{}}}]]}`,
	`{"inline_keyboard":[[{"text":"a","callback_data":5}]]}`,
	`{"inline_keyboard":[[{"text":" ","callback_data":"x"}]]}`,
	`{"inline_keyboard":[[{"text":"a","callback_data":"x"}]],}`,
	`{"inline_keyboard":[[{"text":"a","callback_data":"x"}]]}x`,
	`{"inline_keyboard":[[{"text":"a","callback_data":"\x"}]]}`,
	`{"inline_keyboard":[[{"text":"a","callback_data":"\u12"}]]}`,
	`{"inline_keyboard":[[{"text":"a","callback_data":"x` + "\x01" + `"}]]}`,
	`{"inline_keyboard":[[{"text":"a","callback_data":01}]]}`,
	`{"inline_keyboard":[[{"text":"a","callback_data":"x"}` + strings.Repeat(`,{"text":"b","url":"https://e.com"}`, 100) + `]]}`,
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	`{"inline_keyboard":[[{"text":"a","callback_data":"x","d":` + strings.Repeat("[", 9996) + strings.Repeat("]", 9996) + `}]]}`,
	`{"inline_keyboard":[[{"text":"a","callback_data":"x","d":` + strings.Repeat("[", 9997) + strings.Repeat("]", 9997) + `}]]}`,
}

func FuzzParseMarkup(f *testing.F) {
	for _, s := range markupSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		want, wantErr := referenceParseMarkup(raw)
		got, gotErr := parseMarkup(raw)
		require.Equal(t, wantErr, gotErr)
		require.Equal(t, want.buttons, got.buttons)
		require.Equal(t, string(want.inline), string(got.inline))
	})
}

func FuzzParseJSON(f *testing.F) {
	for _, s := range markupSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := parseJSON(data)
		require.Equal(t, json.Valid(data), err == nil, "parseJSON error: %v", err)
		if err != nil {
			return
		}
		require.Equal(t, string(bytes.TrimSpace(data)), string(v.raw))
		var generic any
		_ = json.Unmarshal(data, &generic)
		require.Equal(t, string(mustJSON(generic)), string(v.appendCanonical(nil)))
	})
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "<a href=\"x\">&amp;</a>", "\\\b\f\n\r\t\x00\x1f\x7f", "é\u2028\u2029😀", "\xff\xc3(\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		require.Equal(t, string(mustJSON(s)), string(appendJSONString(nil, s)))
	})
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	no, yes := false, true
	full := apiMessage{
		MessageID: 7, From: &apiUser{ID: 1, IsBot: true, FirstName: "Bot <&>", Username: "b", LanguageCode: "vi",
			CanJoinGroups: true, CanReadAllGroupMessages: true, SupportsInlineQueries: true},
		Chat: apiChat{ID: -100, Type: "supergroup", Title: "T\u2028", FirstName: "F", Username: "u"},
		Date: 1700000000, EditDate: 1700000001,
		ForwardOrigin:  mustJSON(map[string]any{"type": "user", "date": 1}),
		ReplyToMessage: &apiMessage{MessageID: 6, Chat: apiChat{ID: 5, Type: "private"}, Text: "hi"},
		Text:           "/start x", Entities: []apiEntity{{Type: "bot_command", Offset: 0, Length: 6}, {Type: "bold", Offset: 7, Length: 1}},
		Caption:  "cap\xff",
		Photo:    []apiPhotoSize{{FileID: "p", FileUniqueID: "up", Width: 1, Height: 2, FileSize: 3}, {FileID: "q", FileUniqueID: "uq"}},
		Document: &apiFile{FileID: "d", FileUniqueID: "ud", FileName: "a.pdf", MimeType: "m", FileSize: 1, Duration: 2, Width: 3, Height: 4},
		Voice:    &apiFile{FileID: "v"}, Audio: &apiFile{FileID: "a"}, Video: &apiFile{FileID: "vi"}, Animation: &apiFile{FileID: "an"},
		VideoNote:   &apiFile{FileID: "vn"},
		Sticker:     &apiFile{FileID: "s", Type: "regular", Emoji: "👍", IsAnimated: &no, IsVideo: &yes},
		ReplyMarkup: json.RawMessage(`{"inline_keyboard":[[{"callback_data":"x","text":"a"}]]}`),
	}
	for _, m := range []apiMessage{{}, {Chat: apiChat{ID: 1, Type: "private"}, Entities: []apiEntity{}, Photo: []apiPhotoSize{}}, full} {
		require.Equal(t, string(mustJSON(m)), string(m.appendJSON(nil)))
	}
	q := apiCallbackQuery{ID: "1", From: apiUser{ID: 2, FirstName: "A"}, ChatInstance: "3"}
	require.Equal(t, string(mustJSON(q)), string(q.appendJSON(nil)))
	q.Message, q.Data = mustJSON(full), "d&"
	require.Equal(t, string(mustJSON(q)), string(q.appendJSON(nil)))
}

// writerForm is a body as mime/multipart.Writer (and so go-telegram/bot)
// writes it, and its boundary.
func writerForm(t testing.TB, escapedName bool) ([]byte, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	require.NoError(t, w.WriteField("chat_id", "42"))
	require.NoError(t, w.WriteField("text", "line\r\nnext --"+w.Boundary()+"x \"q\" é"))
	require.NoError(t, w.WriteField("text", "second value is ignored"))
	require.NoError(t, w.WriteField("", "no name"))
	fw, err := w.CreateFormFile("photo", "dir/photo.jpg")
	require.NoError(t, err)
	_, err = fw.Write([]byte("\xff\xd8\xff\xe0 jpeg"))
	require.NoError(t, err)
	_, err = w.CreateFormFile("doc", "")
	require.NoError(t, err)
	if escapedName {
		require.NoError(t, w.WriteField(`we"ird\name`, "escaped"))
	}
	require.NoError(t, w.Close())
	return buf.Bytes(), w.Boundary()
}

func TestSplitFormDataReadsWriterOutput(t *testing.T) {
	body, boundary := writerForm(t, false)
	parts, ok := splitFormData(body, boundary)
	require.True(t, ok)
	params := map[string]string{}
	files := applyFormParts(parts, params)
	require.Equal(t, map[string]string{"chat_id": "42", "doc": "", "text": "line\r\nnext --" + boundary + "x \"q\" é"}, params)
	require.Equal(t, map[string]File{"photo": {Name: "photo.jpg", Data: []byte("\xff\xd8\xff\xe0 jpeg")}}, files)

	_, ok = splitFormData(writerForm(t, true))
	require.False(t, ok, "escaped names are left to mime/multipart")
}

func FuzzSplitFormData(f *testing.F) {
	for _, escaped := range []bool{false, true} {
		body, boundary := writerForm(f, escaped)
		f.Add(body, boundary)
	}
	f.Add([]byte("--b--"), "b")
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n--b\r\n--b--\r\n"), "b")
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--b  \r\n--b--\r\n"), "b")
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"a\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nx=41\r\n--b--"), "b")
	f.Add([]byte("preamble\r\n--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--b--\r\n"), "b")
	f.Add([]byte("--b\nContent-Disposition: form-data; name=\"a\"\n\nx\n--b--\n"), "b")
	f.Fuzz(func(t *testing.T, body []byte, boundary string) {
		parts, ok := splitFormData(body, boundary)
		if !ok {
			return
		}
		got := map[string]string{"query": "q"}
		gotFiles := applyFormParts(parts, got)
		want := map[string]string{"query": "q"}
		wantFiles, err := decodeMultipart(body, boundary, want)
		require.NoError(t, err)
		require.Equal(t, want, got)
		require.Equal(t, wantFiles, gotFiles)
	})
}

// BenchmarkParseMarkup compares parseMarkup with the encoding/json
// reference on a keyboard as go-telegram/bot sends it.
func BenchmarkParseMarkup(b *testing.B) {
	var rows [][]models.InlineKeyboardButton
	for i := range 4 {
		rows = append(rows, []models.InlineKeyboardButton{
			{Text: "Bước tiếp theo " + strconv.Itoa(i), CallbackData: "f:step:" + strconv.Itoa(i)},
			{Text: "Quay lại", CallbackData: "b:" + strconv.Itoa(i)},
		})
	}
	raw := string(mustJSON(models.InlineKeyboardMarkup{InlineKeyboard: rows}))
	for name, parse := range map[string]func(string) (markup, *apiError){"fast": parseMarkup, "reference": referenceParseMarkup} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := parse(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// referenceWriteJSON is how answers were written with encoding/json.
func referenceWriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func TestWriteAnswersMatchEncodingJSON(t *testing.T) {
	check := func(write, reference func(http.ResponseWriter)) {
		t.Helper()
		got, want := httptest.NewRecorder(), httptest.NewRecorder()
		write(got)
		reference(want)
		require.Equal(t, want.Code, got.Code)
		require.Equal(t, want.Header(), got.Header())
		require.Equal(t, want.Body.String(), got.Body.String())
	}
	msg := apiMessage{MessageID: 3, From: &apiUser{ID: 1, IsBot: true, FirstName: "B"}, Chat: apiChat{ID: 2, Type: "private", FirstName: "A"},
		Date: 5, Text: "<b>&</b>", ReplyMarkup: json.RawMessage(`{"inline_keyboard":[[{"callback_data":"x","text":"a"}]]}`)}
	for _, result := range []any{msg, true, false, []apiMessage{msg, msg}, map[string]int{"message_id": 4}, json.RawMessage(`[{"command":"a","description":"b"}]`), 1, "https://t.me/+x"} {
		check(func(w http.ResponseWriter) { writeResult(w, result) },
			func(w http.ResponseWriter) {
				referenceWriteJSON(w, http.StatusOK, map[string]any{"ok": true, "result": result})
			})
	}
	for _, e := range []*apiError{badRequest("message is too long <&>"), {Code: http.StatusTooManyRequests, Description: "Too Many Requests: retry after 3", RetryAfter: 3}} {
		check(func(w http.ResponseWriter) { writeAPIError(w, e) },
			func(w http.ResponseWriter) {
				body := map[string]any{"ok": false, "error_code": e.Code, "description": e.Description}
				if e.RetryAfter > 0 {
					body["parameters"] = map[string]any{"retry_after": e.RetryAfter}
				}
				referenceWriteJSON(w, e.Code, body)
			})
	}
}

func TestMarkupMemo(t *testing.T) {
	s := NewServer()
	defer s.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range maxCachedMarkups + 10 {
		raw := `{"inline_keyboard":[[{"text":"a","callback_data":"` + strconv.Itoa(i) + `"}]]}`
		got, err := s.markupLocked(raw)
		require.Nil(t, err)
		want, _ := parseMarkup(raw)
		require.Equal(t, want, got)
		again, _ := s.markupLocked(raw)
		require.Equal(t, got, again)
		require.LessOrEqual(t, len(s.markups), maxCachedMarkups)
	}
	_, err := s.markupLocked(`{"inline_keyboard":[[{"text":"a"}]]}`)
	require.NotNil(t, err)
	_, err = s.markupLocked(`{"inline_keyboard":[[{"text":"a"}]]}`)
	require.NotNil(t, err, "refusals are not memoized as successes")
}
