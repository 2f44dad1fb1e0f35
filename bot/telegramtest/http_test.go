package telegramtest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
)

// apiResp is the Bot API response envelope.
type apiResp struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

type rawUpdate struct {
	UpdateID int64 `json:"update_id"`
	Message  *struct {
		MessageID int    `json:"message_id"`
		Text      string `json:"text"`
	} `json:"message"`
}

func post(t *testing.T, srv *telegramtest.Server, method, contentType string, body io.Reader) apiResp {
	t.Helper()
	resp, err := srv.Client().Post(srv.URL()+"/bot"+srv.Token()+"/"+method, contentType, body)
	require.NoError(t, err)
	defer resp.Body.Close()
	var r apiResp
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&r))
	if !r.OK {
		assert.Equal(t, r.ErrorCode, resp.StatusCode, "HTTP status mirrors error_code")
	}
	return r
}

func postJSON(t *testing.T, srv *telegramtest.Server, method string, params any) apiResp {
	t.Helper()
	b, err := json.Marshal(params)
	require.NoError(t, err)
	return post(t, srv, method, "application/json", bytes.NewReader(b))
}

func getUpdates(t *testing.T, srv *telegramtest.Server, params map[string]any) []rawUpdate {
	t.Helper()
	r := postJSON(t, srv, "getUpdates", params)
	require.True(t, r.OK, r.Description)
	var ups []rawUpdate
	require.NoError(t, json.Unmarshal(r.Result, &ups))
	return ups
}

func ids(ups []rawUpdate) []int64 {
	out := []int64{}
	for _, u := range ups {
		out = append(out, u.UpdateID)
	}
	return out
}

func TestGetUpdatesOffsetSemantics(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	for _, txt := range []string{"a", "b", "c", "d"} {
		srv.SendText(alice, txt)
	}
	assert.Equal(t, []int64{1, 2, 3, 4}, ids(getUpdates(t, srv, map[string]any{})))
	assert.Equal(t, []int64{1, 2}, ids(getUpdates(t, srv, map[string]any{"limit": 2})), "unconfirmed updates are returned again")
	assert.Equal(t, 4, srv.PendingUpdates())

	ups := getUpdates(t, srv, map[string]any{"offset": 3})
	assert.Equal(t, []int64{3, 4}, ids(ups))
	assert.Equal(t, "c", ups[0].Message.Text)
	assert.Equal(t, 2, srv.PendingUpdates(), "offset 3 confirmed 1 and 2")

	assert.Equal(t, []int64{4}, ids(getUpdates(t, srv, map[string]any{"offset": -1})), "negative offset keeps the last ones")
	assert.Equal(t, 1, srv.PendingUpdates())
	assert.Empty(t, getUpdates(t, srv, map[string]any{"offset": 5}))
	require.NoError(t, srv.WaitUpdatesConsumed(time.Second))

	// ids keep increasing
	assert.Equal(t, int64(5), srv.SendText(alice, "e"))
	assert.Equal(t, []int64{5}, ids(getUpdates(t, srv, map[string]any{"offset": 5, "limit": 0})))

	r := postJSON(t, srv, "getUpdates", map[string]any{"offset": "abc"})
	assert.False(t, r.OK)
	assert.Equal(t, 400, r.ErrorCode)
}

func TestLongPollWakesOnUpdate(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	type result struct {
		ups []rawUpdate
		err error
	}
	got := make(chan result, 1)
	go func() {
		var r result
		resp, err := srv.Client().Post(srv.URL()+"/bot"+srv.Token()+"/getUpdates", "application/json", strings.NewReader(`{"timeout":30}`))
		if err != nil {
			got <- result{err: err}
			return
		}
		defer resp.Body.Close()
		var env apiResp
		if r.err = json.NewDecoder(resp.Body).Decode(&env); r.err == nil {
			r.err = json.Unmarshal(env.Result, &r.ups)
		}
		got <- r
	}()
	require.NoError(t, srv.WaitPolling(wait))
	srv.SendText(alice, "wake up")
	select {
	case r := <-got:
		require.NoError(t, r.err)
		require.Len(t, r.ups, 1)
		assert.Equal(t, "wake up", r.ups[0].Message.Text)
	case <-time.After(wait):
		t.Fatal("long poll not woken by the update")
	}
}

func TestLongPollTimesOutEmpty(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	start := time.Now()
	ups := getUpdates(t, srv, map[string]any{"timeout": 1})
	assert.Empty(t, ups)
	assert.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond)
}

func TestCloseReleasesLongPoll(t *testing.T) {
	t.Parallel()
	srv := telegramtest.NewServer()
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := srv.Client().Post(srv.URL()+"/bot"+srv.Token()+"/getUpdates", "application/json", strings.NewReader(`{"timeout":3600}`))
		if err == nil {
			_ = resp.Body.Close()
		}
	}()
	require.NoError(t, srv.WaitPolling(wait))
	srv.Close()
	select {
	case <-done:
	case <-time.After(wait):
		t.Fatal("Close did not release the long poll")
	}
}

func TestAllowedUpdatesFilter(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	srv.SendText(alice, "text")
	_, err := srv.PressButton(alice, "nothing")
	require.Error(t, err)
	srv.PressData(alice, 1, "data")
	ups := getUpdates(t, srv, map[string]any{"allowed_updates": []string{"callback_query"}})
	assert.Equal(t, []int64{2}, ids(ups), "message update dropped")
	// the setting sticks for later calls
	srv.SendText(alice, "again")
	assert.Equal(t, []int64{2}, ids(getUpdates(t, srv, map[string]any{})))
}

func TestRequestEncodings(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	srv.SendText(alice, "hi")
	markup := `{"inline_keyboard":[[{"text":"OK","callback_data":"ok"}]]}`

	// JSON body, reply_markup as an object
	r := post(t, srv, "sendMessage", "application/json", strings.NewReader(`{"chat_id":1001,"text":"json","reply_markup":`+markup+`,"disable_notification":true}`))
	require.True(t, r.OK, r.Description)
	// urlencoded body, reply_markup as JSON text
	form := url.Values{"chat_id": {"1001"}, "text": {"form"}, "reply_markup": {markup}}
	r = post(t, srv, "sendMessage", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	require.True(t, r.OK, r.Description)
	// query string only (GET-style)
	resp, err := srv.Client().Get(srv.URL() + "/bot" + srv.Token() + "/sendMessage?chat_id=1001&text=query")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	// multipart with a file part
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	require.NoError(t, mw.WriteField("chat_id", "1001"))
	fw, err := mw.CreateFormFile("document", "notes.txt")
	require.NoError(t, err)
	_, _ = fw.Write([]byte("hello file"))
	require.NoError(t, mw.Close())
	r = post(t, srv, "sendDocument", mw.FormDataContentType(), &buf)
	require.True(t, r.OK, r.Description)

	calls := srv.CallsOf("sendMessage")
	require.Len(t, calls, 3)
	assert.JSONEq(t, markup, calls[0].Params["reply_markup"])
	assert.Equal(t, "true", calls[0].Params["disable_notification"])
	assert.Equal(t, "1001", calls[0].Params["chat_id"])
	assert.JSONEq(t, markup, calls[1].Params["reply_markup"])
	assert.Equal(t, "query", calls[2].Params["text"])
	msgs := srv.Messages(alice.ID)
	require.Len(t, msgs, 4)
	assert.Equal(t, "OK", msgs[0].Buttons[0][0].Text)
	assert.Equal(t, "OK", msgs[1].Buttons[0][0].Text)
	assert.Equal(t, []byte("hello file"), msgs[3].Document.Data)

	r = post(t, srv, "sendMessage", "application/json", strings.NewReader(`{"chat_id":`))
	assert.False(t, r.OK)
	assert.Equal(t, 400, r.ErrorCode)
	r = post(t, srv, "sendMessage", "application/json", strings.NewReader(`{"chat_id":1001,"text":"x","reply_markup":"{oops"}`))
	assert.False(t, r.OK)
	assert.Contains(t, r.Description, "can't parse reply keyboard markup")
}

func TestEditMessageTextNotModifiedAndRemovesKeyboard(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	srv.SendText(alice, "hi")
	kb := `{"inline_keyboard":[[{"text":"A","callback_data":"a"}]]}`
	r := postJSON(t, srv, "sendMessage", map[string]any{"chat_id": alice.ID, "text": "t", "reply_markup": json.RawMessage(kb)})
	require.True(t, r.OK)
	r = postJSON(t, srv, "editMessageText", map[string]any{"chat_id": alice.ID, "message_id": 2, "text": "t", "reply_markup": json.RawMessage(kb)})
	assert.False(t, r.OK)
	assert.Contains(t, r.Description, "message is not modified")
	r = postJSON(t, srv, "editMessageText", map[string]any{"chat_id": alice.ID, "message_id": 2, "text": "t"})
	require.True(t, r.OK, "dropping the keyboard is a modification")
	m, _ := srv.LastMessage(alice.ID)
	assert.Nil(t, m.Buttons)
	assert.Equal(t, 1, m.Edited)
	r = postJSON(t, srv, "editMessageText", map[string]any{"inline_message_id": "abc", "text": "inline"})
	assert.True(t, r.OK)
}

func TestPushUpdateJSONVerbatim(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	id := srv.PushUpdateJSON([]byte(`{"update_id": 999, "message": {"message_id": 1, "date": 1, "chat": {"id": 5, "type": "private"}, "text": "raw"}, "weird_field": [1,2]}`))
	srv.SendText(alice, "normal")
	srv.PushUpdateJSON([]byte(`not json`))

	r := postJSON(t, srv, "getUpdates", map[string]any{})
	var ups []map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(r.Result, &ups))
	require.Len(t, ups, 1, "raw updates are delivered alone")
	assert.Equal(t, "1", string(ups[0]["update_id"]))
	assert.Equal(t, int64(1), id)
	assert.JSONEq(t, "[1,2]", string(ups[0]["weird_field"]))

	assert.Equal(t, []int64{2}, ids(getUpdates(t, srv, map[string]any{})))
	resp, err := srv.Client().Post(srv.URL()+"/bot"+srv.Token()+"/getUpdates", "application/json", strings.NewReader(`{"offset":3}`))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	assert.Equal(t, `{"ok":true,"result":[not json]}`, strings.TrimSpace(string(body)))
	require.NoError(t, srv.WaitUpdatesConsumed(time.Second))
}

func TestWaitForSnapshot(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	srv.SendText(alice, "hi")
	sent := make(chan error, 1)
	go func() {
		var err error
		for _, txt := range []string{"one", "two", "three"} {
			b, _ := json.Marshal(map[string]any{"chat_id": alice.ID, "text": txt})
			resp, e := srv.Client().Post(srv.URL()+"/bot"+srv.Token()+"/sendMessage", "application/json", bytes.NewReader(b))
			if e != nil {
				err = e
				continue
			}
			_ = resp.Body.Close()
		}
		sent <- err
	}()
	defer func() { require.NoError(t, <-sent) }()
	err := srv.WaitFor(wait, func(s *telegramtest.Snapshot) bool {
		last, ok := s.LastMessage(alice.ID)
		return ok && last.Text == "three" && len(s.CallsOf("sendMessage")) == 3
	})
	require.NoError(t, err)
	calls, err := srv.WaitCalls("sendMessage", 3, wait)
	require.NoError(t, err)
	assert.Len(t, calls, 3)
	snap := srv.Snapshot()
	assert.Len(t, snap.Messages(alice.ID), 3)
	assert.Equal(t, 1, snap.PendingUpdates())
	assert.Equal(t, int64(1), snap.PushedUpdates())

	// returned values are copies
	calls[0].Params["text"] = "mutated"
	assert.Equal(t, "one", srv.CallsOf("sendMessage")[0].Params["text"])
}

func TestKnownMethods(t *testing.T) {
	t.Parallel()
	methods := telegramtest.KnownMethods()
	assert.Contains(t, methods, "sendMessage")
	assert.Contains(t, methods, "answerCallbackQuery")
	assert.Greater(t, len(methods), 150)
	assert.True(t, strings.HasPrefix(telegramtest.SpecVersion(), "Bot API"))
}

func TestPushedCallbackQueryIsAnswerable(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	up := srv.PushUpdate(map[string]any{"callback_query": map[string]any{
		"id": "custom-1", "from": map[string]any{"id": 5, "is_bot": false, "first_name": "X"}, "chat_instance": "1", "data": "d",
	}})
	assert.Equal(t, []int64{up}, srv.Unanswered())
	r := postJSON(t, srv, "answerCallbackQuery", map[string]any{"callback_query_id": "custom-1"})
	assert.True(t, r.OK, r.Description)
	r = postJSON(t, srv, "answerCallbackQuery", map[string]any{"callback_query_id": "unknown"})
	assert.False(t, r.OK)
	assert.Equal(t, 400, r.ErrorCode)
	assert.Empty(t, srv.Unanswered())
}

func TestConcurrentPollsDoNotSpin(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t)
	done := make(chan struct{}, 2)
	for range 2 {
		go func() {
			defer func() { done <- struct{}{} }()
			resp, err := srv.Client().Post(srv.URL()+"/bot"+srv.Token()+"/getUpdates", "application/json", strings.NewReader(`{"timeout":30}`))
			if err == nil {
				_ = resp.Body.Close()
			}
		}()
	}
	require.NoError(t, srv.WaitFor(wait, func(s *telegramtest.Snapshot) bool { return s.Polling() == 2 }))
	// both polls are parked; an update releases both (neither confirmed it)
	srv.SendText(alice, "x")
	<-done
	<-done
}
