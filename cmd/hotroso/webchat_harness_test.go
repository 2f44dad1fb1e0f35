package main

import (
	"bufio"
	"bytes"
	"html"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// webChatApp starts the program with the web chat on, an organizer and a
// volunteer group, and returns it with the chat's base URL.
func webChatApp(t *testing.T, backend string) (*app, string) {
	t.Helper()
	a := startApp(t, backend, map[string]string{"ORGANIZER_IDS": "900", "VOLUNTEER_CHAT_ID": "-100123456", "WEB_CHAT": "on"})
	return a, webChatBase(t, a)
}

// webChatURL finds the web chat's base URL in the program's banner.
var webChatURL = regexp.MustCompile(`web chat at (http://[0-9.]+:[0-9]+)/chat`)

// webResident is a browser on the web chat, without JavaScript: it posts
// the page's forms and reads the page it is sent back to.
type webResident struct {
	t      *testing.T
	base   string
	client *http.Client
	page   string
}

func newWebResident(t *testing.T, base string) *webResident {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &webResident{t: t, base: base, client: &http.Client{Jar: jar, Timeout: wait}}
}

// open loads the page.
func (w *webResident) open() string {
	w.t.Helper()
	resp, err := w.client.Get(w.base + "/chat")
	require.NoError(w.t, err)
	w.page = readBody(w.t, resp)
	require.Equal(w.t, http.StatusOK, resp.StatusCode, w.page)
	return w.page
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

var (
	csrfField  = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	buttonForm = regexp.MustCompile(`name="msg" value="(\d+)"><input type="hidden" name="data" value="([^"]*)"><input type="hidden" name="label" value="([^"]*)">`)
	msgText    = regexp.MustCompile(`(?s)<div class="msg (desk|resident|notice)" id="m(\d+)"[^>]*>.*?(?:<p>(.*?)</p>)?\s*(?:<div class="buttons">|</div>)`)
)

func (w *webResident) csrf() string {
	m := csrfField.FindStringSubmatch(w.page)
	require.NotNil(w.t, m, "a CSRF token on the page")
	return m[1]
}

// press posts the form of the last button with that label.
func (w *webResident) press(label string) {
	w.t.Helper()
	var found []string
	for _, m := range buttonForm.FindAllStringSubmatch(w.page, -1) {
		if html.UnescapeString(m[3]) == label {
			found = m
		}
	}
	require.NotNil(w.t, found, "a button %q on the page; messages:\n%s", label, strings.Join(w.texts(), "\n"))
	w.post("/chat/press", url.Values{"csrf": {w.csrf()}, "msg": {found[1]}, "data": {html.UnescapeString(found[2])}, "label": {label}})
}

// say posts typed text.
func (w *webResident) say(text string) {
	w.t.Helper()
	w.post("/chat/say", url.Values{"csrf": {w.csrf()}, "text": {text}})
}

func (w *webResident) post(path string, form url.Values) {
	w.t.Helper()
	resp, err := w.client.PostForm(w.base+path, form)
	require.NoError(w.t, err)
	w.page = readBody(w.t, resp)
	require.Equal(w.t, http.StatusOK, resp.StatusCode, "after the redirect, the page: %s", w.page)
}

// upload posts a file as the photo, and returns the status and page.
func (w *webResident) upload(name string, data []byte, caption string) (int, string) {
	w.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	require.NoError(w.t, mw.WriteField("csrf", w.csrf()))
	require.NoError(w.t, mw.WriteField("text", caption))
	part, err := mw.CreateFormFile("photo", name)
	require.NoError(w.t, err)
	_, err = part.Write(data)
	require.NoError(w.t, err)
	require.NoError(w.t, mw.Close())
	resp, err := w.client.Post(w.base+"/chat/say", mw.FormDataContentType(), &body)
	require.NoError(w.t, err)
	page := readBody(w.t, resp)
	if resp.StatusCode == http.StatusOK {
		w.page = page
	}
	return resp.StatusCode, page
}

// texts are the texts of the page's messages, unescaped.
func (w *webResident) texts() []string {
	var out []string
	for _, m := range msgText.FindAllStringSubmatch(w.page, -1) {
		out = append(out, html.UnescapeString(m[3]))
	}
	return out
}

// last is the text of the page's last message.
func (w *webResident) last() string {
	texts := w.texts()
	require.NotEmpty(w.t, texts)
	return texts[len(texts)-1]
}

// shows reports whether a message on the page contains s.
func (w *webResident) shows(s string) bool {
	for _, text := range w.texts() {
		if strings.Contains(text, s) {
			return true
		}
	}
	return false
}

// waitFor reloads the page until a message contains s (the page without
// JavaScript shows new replies on a reload).
func (w *webResident) waitFor(s string) {
	w.t.Helper()
	pollUntil(w.t, wait, "the page shows "+strconv.Quote(s), func() bool {
		w.open()
		return w.shows(s)
	})
}

// lastSeq is the seq of the page's last message.
func (w *webResident) lastSeq() int64 {
	ms := msgText.FindAllStringSubmatch(w.page, -1)
	require.NotEmpty(w.t, ms)
	n, _ := strconv.ParseInt(ms[len(ms)-1][2], 10, 64)
	return n
}

// sseEvent is one event of the live stream.
type sseEvent struct {
	ID   string
	Data string
}

// eventStream is the page's live stream, read as EventSource reads it.
type eventStream struct {
	resp   *http.Response
	events chan sseEvent
}

// stream opens the live stream, resuming after lastID like a
// reconnecting EventSource.
func (w *webResident) stream(lastID string) *eventStream {
	w.t.Helper()
	req, err := http.NewRequest(http.MethodGet, w.base+"/chat/events", nil)
	require.NoError(w.t, err)
	req.Header.Set("Last-Event-ID", lastID)
	client := &http.Client{Jar: w.client.Jar} // no timeout: the stream stays open
	resp, err := client.Do(req)
	require.NoError(w.t, err)
	require.Equal(w.t, "text/event-stream", resp.Header.Get("Content-Type"))
	s := &eventStream{resp: resp, events: make(chan sseEvent, 100)}
	go func() {
		defer close(s.events)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<16), 1<<22)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.Data != "" {
					s.events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				ev.ID = line[4:]
			case strings.HasPrefix(line, "data: "):
				ev.Data += line[6:]
			}
		}
	}()
	w.t.Cleanup(func() { resp.Body.Close() })
	return s
}

// next waits for the stream's next event.
func (s *eventStream) next(t *testing.T) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-s.events:
		require.True(t, ok, "the stream ended")
		return ev
	case <-time.After(wait):
		t.Fatal("no event on the stream")
	}
	return sseEvent{}
}

// until reads events until one's data contains s, and returns it.
func (s *eventStream) until(t *testing.T, text string) sseEvent {
	t.Helper()
	for {
		if ev := s.next(t); strings.Contains(html.UnescapeString(ev.Data), text) {
			return ev
		}
	}
}

// cut drops the connection, as a phone losing its network does.
func (s *eventStream) cut() { s.resp.Body.Close() }

// testPNG is a real PNG image.
func testPNG(t *testing.T, size int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	for i := range size {
		img.Set(i, i, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}
