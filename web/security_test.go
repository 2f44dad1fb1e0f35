package web

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/handlers"
)

func TestIdentityCookieIsSignedHttpOnlyAndLax(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		c := newTestChat(t, backend, nil)
		b := c.browser(t)
		resp := b.get("/chat")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		cookies := resp.Cookies()
		require.Len(t, cookies, 1)
		ck := cookies[0]
		assert.True(t, ck.HttpOnly)
		assert.Equal(t, http.SameSiteLaxMode, ck.SameSite)
		assert.Equal(t, "/chat", ck.Path)
		assert.Contains(t, b.page, "Xin chào bác", "a new resident is greeted")
		idText, mac, ok := strings.Cut(ck.Value, ".")
		require.True(t, ok)
		assert.NotEmpty(t, mac)
		assert.Empty(t, b.get("/chat").Header.Values("Set-Cookie"), "a valid cookie is not replaced")

		// A forged id (another resident's, without their key) is a stranger.
		last := "7"
		if strings.HasSuffix(idText, last) {
			last = "8" // a forged id differs from the real one
		}
		forged := &http.Cookie{Name: cookieName, Value: idText[:len(idText)-1] + last + "." + mac}
		other := c.browser(t)
		u, _ := url.Parse(c.srv.URL + "/chat")
		other.client.Jar.SetCookies(u, []*http.Cookie{forged})
		resp = other.post("/chat/say", url.Values{"csrf": {b.csrf()}, "text": {"xin chào"}})
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, "a post with a forged cookie is refused")
		assert.Contains(t, other.page, "Trang đã cũ")
		resp = other.get("/chat")
		newID := resp.Cookies()[0].Value
		assert.NotEqual(t, ck.Value, newID, "the forger gets an id of their own")
	})
}

func TestCookieKeysRotateWithoutLoggingAnyoneOut(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		var mu sync.Mutex
		now := time.Date(2026, 3, 9, 8, 0, 0, 0, time.UTC)
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
		c := newTestChat(t, backend, func(cfg *Config) { cfg.Now, cfg.KeyRotation = clock, 24*time.Hour })
		b := c.browser(t)
		first := b.get("/chat").Cookies()[0]
		b.post("/chat/say", url.Values{"csrf": {b.csrf()}, "text": {"câu hỏi của tôi"}})
		require.Contains(t, b.page, "câu hỏi của tôi")

		advance(25 * time.Hour) // the key rotates
		resp := b.get("/chat")
		assert.Contains(t, b.page, "câu hỏi của tôi", "the same conversation under the new key")
		require.Len(t, resp.Cookies(), 1, "the cookie is signed again by the new key")
		renewed := resp.Cookies()[0]
		firstID, _, _ := strings.Cut(first.Value, ".")
		renewedID, _, _ := strings.Cut(renewed.Value, ".")
		assert.Equal(t, firstID, renewedID)
		assert.NotEqual(t, first.Value, renewed.Value)
		keys, err := c.store.WebKeys(context.Background(), []byte("unused"), clock(), 24*time.Hour)
		require.NoError(t, err)
		assert.Len(t, keys, 2, "the previous key is still accepted")
	})
}

func TestEveryPostNeedsTheResidentsCSRFToken(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		c := newTestChat(t, backend, nil)
		b, other := c.browser(t), c.browser(t)
		b.get("/chat")
		other.get("/chat")
		before := b.page
		for _, path := range []string{"/chat/say", "/chat/press", "/chat/lang"} {
			for _, token := range []string{"", other.csrf(), "x"} {
				resp := b.post(path, url.Values{"csrf": {token}, "text": {"xin chào"}, "data": {"m"}, "lang": {"en"}})
				assert.Equal(t, http.StatusForbidden, resp.StatusCode, "%s with token %q", path, token)
				assert.Contains(t, b.page, "Trang đã cũ")
			}
		}
		b.get("/chat")
		assert.Equal(t, strings.Count(before, `class="msg `), strings.Count(b.page, `class="msg `), "nothing was handled")
		resp := b.post("/chat/say", url.Values{"csrf": {b.csrf()}, "text": {"xin chào"}}, "X-Chat", "1")
		assert.Equal(t, http.StatusNoContent, resp.StatusCode, "the resident's own token passes")
	})
}

// hostile is what an attacker types into every field.
const hostile = `<script>alert(1)</script>"'><img src=x onerror=alert(2)>`

func TestEveryInputIsEscaped(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		c := newTestChat(t, backend, nil)
		b := c.browser(t)
		b.get("/chat/c/" + url.PathEscape(hostile))
		token := b.csrf()
		b.post("/chat/say", url.Values{"csrf": {token}, "text": {hostile}})
		b.post("/chat/press", url.Values{"csrf": {token}, "data": {hostile}, "label": {hostile}, "msg": {hostile}})
		b.post("/chat/lang", url.Values{"csrf": {token}, "lang": {hostile}})
		b.upload(hostile+".png", pngOf(t, 4))
		req, _ := http.NewRequest(http.MethodGet, c.srv.URL+"/chat/events?after="+url.QueryEscape(hostile), nil)
		req.Header.Set("Last-Event-ID", hostile)
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		resp, err := b.client.Do(req.WithContext(ctx))
		require.NoError(t, err)
		stream := readUntilDone(resp)
		page := b.get("/chat")
		require.Equal(t, http.StatusOK, page.StatusCode)
		for what, text := range map[string]string{"page": b.page, "stream": stream} {
			assert.NotContains(t, text, "<script>alert", what)
			assert.NotContains(t, text, "<img src=x", what)
			assert.NotContains(t, text, `"'>`, what)
		}
		assert.Contains(t, b.page, "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&#39;&gt;", "what the resident typed, shown as text")
	})
}

// readUntilDone reads a stream until its request's context ends.
func readUntilDone(resp *http.Response) string {
	defer resp.Body.Close()
	var b bytes.Buffer
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		b.WriteString(sc.Text() + "\n")
	}
	return b.String()
}

func TestTheContentSecurityPolicyAllowsNoInlineCode(t *testing.T) {
	c := newTestChat(t, "embedded", nil)
	b := c.browser(t)
	resp := b.get("/chat")
	csp := resp.Header.Get("Content-Security-Policy")
	assert.Contains(t, csp, "default-src 'none'")
	assert.Contains(t, csp, "script-src 'self'")
	assert.Contains(t, csp, "style-src 'self'")
	assert.NotContains(t, csp, "unsafe-inline")
	assert.NotContains(t, csp, "unsafe-eval")
	assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
	assert.NotRegexp(t, `<script>|<script [^>]*>[^<]`, b.page, "no inline script")
	assert.NotRegexp(t, `<style|style=`, b.page, "no inline style")
	assert.NotRegexp(t, `\son[a-z]+=`, b.page, "no inline handlers")
	assert.NotRegexp(t, `(src|href)="(https?:)?//`, b.page, "nothing from another origin")
}

func TestRateLimitsPerAddressAndPerResidentAnswerKindly(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		c := newTestChat(t, backend, func(cfg *Config) { cfg.IPRate, cfg.IPBurst = 0.001, 4 })
		b := c.browser(t)
		for range 4 {
			assert.Equal(t, http.StatusOK, b.get("/chat").StatusCode)
		}
		assert.Equal(t, http.StatusTooManyRequests, b.get("/chat").StatusCode, "the address's fifth request in a burst")
		assert.Contains(t, b.page, "Bác bấm nhanh quá ạ")

		r := newTestChat(t, backend, func(cfg *Config) { cfg.ResidentRate, cfg.ResidentBurst = 0.001, 2 })
		res := r.browser(t)
		res.get("/chat")
		token := res.csrf()
		for range 2 {
			resp := res.post("/chat/say", url.Values{"csrf": {token}, "text": {"xin chào"}}, "X-Chat", "1")
			assert.Equal(t, http.StatusNoContent, resp.StatusCode)
		}
		resp := res.post("/chat/say", url.Values{"csrf": {token}, "text": {"xin chào"}}, "X-Chat", "1")
		assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "the resident's third post in a burst")
		assert.Equal(t, "Bác bấm nhanh quá ạ. Bác chờ một lát rồi thử lại nhé.", res.page, "a kind word for the script to show")
		other := r.browser(t)
		other.get("/chat")
		resp = other.post("/chat/say", url.Values{"csrf": {other.csrf()}, "text": {"xin chào"}}, "X-Chat", "1")
		assert.Equal(t, http.StatusNoContent, resp.StatusCode, "another resident is not held back")
	})
}

func TestUploadsAreImagesByContentUpTo10MB(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		c := newTestChat(t, backend, nil)
		b := c.browser(t)
		b.get("/chat")
		shot := pngOf(t, 32)
		resp := b.upload("anh-man-hinh.txt", shot)
		assert.Equal(t, http.StatusOK, resp.StatusCode, "a PNG named .txt is a photo")
		assert.Regexp(t, `<img src="/chat/media/\d+"`, b.page)
		m := regexp.MustCompile(`<img src="(/chat/media/\d+)"`).FindAllStringSubmatch(b.page, -1)
		img := b.get(m[len(m)-1][1])
		assert.Equal(t, "image/png", img.Header.Get("Content-Type"))
		assert.Equal(t, string(shot), b.page, "the page serves the bytes sent")
		b.get("/chat")

		for name, data := range map[string][]byte{
			"text named .png":     []byte("đây không phải là ảnh, chỉ là chữ"),
			"html named .png":     []byte("<html><script>alert(1)</script></html>"),
			"a PNG header alone":  append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 64)...),
			"an SVG (script-ful)": []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`),
		} {
			resp := b.upload("anh.png", data)
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode, name)
			assert.Contains(t, b.page, "Cháu chỉ nhận được ảnh", name)
		}
		big := append(bytes.Clone(shot), bytes.Repeat([]byte{0}, MaxUpload)...)
		resp = b.upload("anh.png", big)
		assert.Contains(t, []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge}, resp.StatusCode, "over 10 MB")
		assert.Contains(t, b.page, "Ảnh lớn quá")
		assert.Empty(t, c.tg.sent, "nothing reached the volunteers")
	})
}

func TestTheStreamResumesAfterTheLastEventItHad(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		c := newTestChat(t, backend, nil)
		b := c.browser(t)
		b.get("/chat")
		id := residentID(t, b)
		msgs, err := c.store.WebMessages(context.Background(), id, 0, 100)
		require.NoError(t, err)
		last := msgs[len(msgs)-1].Seq
		for _, text := range []string{"một", "hai", "ba"} {
			_, err := c.Send(context.Background(), handlers.Reply{ChatID: id, Text: text})
			require.NoError(t, err)
		}
		for _, resume := range []struct{ header, query string }{{header: itoa(last + 1)}, {query: itoa(last + 1)}} {
			req, _ := http.NewRequest(http.MethodGet, c.srv.URL+"/chat/events?after="+resume.query, nil)
			if resume.header != "" {
				req.Header.Set("Last-Event-ID", resume.header)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			resp, err := b.client.Do(req.WithContext(ctx))
			require.NoError(t, err)
			stream := readUntilDone(resp)
			cancel()
			ids := regexp.MustCompile(`(?m)^id: (\d+)$`).FindAllStringSubmatch(stream, -1)
			require.Len(t, ids, 2, "after %d: the two after it, once each", last+1)
			assert.Equal(t, itoa(last+2), ids[0][1])
			assert.Equal(t, itoa(last+3), ids[1][1])
			assert.NotContains(t, stream, "một")
		}
		resp, err := http.Get(c.srv.URL + "/chat/events")
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, "no stream without the cookie")
	})
}

func TestThePageAndItsAssetsWeighAtMost60KBGzipped(t *testing.T) {
	c := newTestChat(t, "embedded", nil)
	b := c.browser(t)
	b.get("/chat")
	b.post("/chat/press", url.Values{"csrf": {b.csrf()}, "data": {handlers.LanguageButtonData("vi")}, "label": {"Tiếng Việt"}})
	page := b.page
	require.Equal(t, http.StatusOK, b.get("/chat/static/chat.css").StatusCode)
	cssText := b.page
	require.Equal(t, http.StatusOK, b.get("/chat/static/chat.js").StatusCode)
	jsText := b.page
	total := gzipSize(t, page) + gzipSize(t, cssText) + gzipSize(t, jsText)
	t.Logf("page %d B, css %d B, js %d B; gzipped together %d B", len(page), len(cssText), len(jsText), total)
	assert.LessOrEqual(t, total, 60*1024)
	assert.Equal(t, http.StatusNotFound, b.get("/chat/static/chat.html").StatusCode, "the template is not served")
}

func TestWebIDsAreTheWebChannels(t *testing.T) {
	c := newTestChat(t, "embedded", nil)
	id, err := domain.NewWebID()
	require.NoError(t, err)
	assert.True(t, c.Owns(id))
	for _, telegram := range []int64{41, 500, -100123456, domain.TelegramIDLimit - 1} {
		assert.False(t, c.Owns(telegram))
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// residentID is the web id in a browser's cookie.
func residentID(t *testing.T, b *browser) int64 {
	t.Helper()
	u, _ := url.Parse(b.base + "/chat")
	for _, ck := range b.client.Jar.Cookies(u) {
		if ck.Name == cookieName {
			idText, _, _ := strings.Cut(ck.Value, ".")
			id, err := strconv.ParseInt(idText, 10, 64)
			require.NoError(t, err)
			return id
		}
	}
	t.Fatal("no identity cookie")
	return 0
}
