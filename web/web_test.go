package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/flows"
	"github.com/hotroso/hotroso/handlers"
	"github.com/hotroso/hotroso/locales"
	"github.com/hotroso/hotroso/storage"
	"github.com/hotroso/hotroso/storage/embedded"
	"github.com/hotroso/hotroso/storage/redis"
)

// backends are the stores every test here runs on.
var backends = []string{"embedded", "redis"}

func forEachBackend(t *testing.T, test func(t *testing.T, backend string)) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) { test(t, backend) })
	}
}

func openStore(t *testing.T, backend string) storage.Store {
	t.Helper()
	var (
		s   storage.Store
		err error
	)
	if backend == "redis" {
		s, err = redis.Open(context.Background(), "redis://"+miniredis.RunT(t).Addr())
	} else {
		s, err = embedded.Open(filepath.Join(t.TempDir(), "db"))
	}
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// telegramStub is the Telegram side: it records what reaches it.
type telegramStub struct {
	mu   sync.Mutex
	sent []handlers.Reply
}

func (s *telegramStub) Send(_ context.Context, r handlers.Reply) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, r)
	return len(s.sent), nil
}
func (s *telegramStub) Edit(context.Context, int64, int, string, [][]handlers.Button) error {
	return nil
}
func (s *telegramStub) Copy(context.Context, int64, int64, int, string) error { return nil }
func (s *telegramStub) BotUsername() string                                   { return "hotroso_test_bot" }
func (s *telegramStub) Download(context.Context, string) ([]byte, error)      { return nil, io.EOF }

// testChat is the web chat in front of the real desk, on a store.
type testChat struct {
	*Channel
	srv   *httptest.Server
	store storage.Store
	tg    *telegramStub
}

func newTestChat(t *testing.T, backend string, tweak func(*Config)) *testChat {
	t.Helper()
	texts, err := locales.Load()
	require.NoError(t, err)
	lib, err := flows.Load(flows.Embedded(), texts.Languages(), flows.WordsFrom(texts))
	require.NoError(t, err)
	store := openStore(t, backend)
	cfg := Config{Store: store, Texts: texts}
	if tweak != nil {
		tweak(&cfg)
	}
	ch, err := New(cfg)
	require.NoError(t, err)
	tg := &telegramStub{}
	desk := handlers.New(handlers.Config{Store: store, Messenger: ch, Texts: texts, Flows: lib, ClaimTimeout: time.Minute,
		MaxOpenClaims: 3, EscalateAfter: time.Hour, InviteTTL: time.Hour, BroadcastRate: 25})
	ch.Attach(desk, tg)
	srv := httptest.NewServer(ch)
	t.Cleanup(srv.Close)
	return &testChat{Channel: ch, srv: srv, store: store, tg: tg}
}

// browser is a client with cookies and the last page it was shown.
type browser struct {
	t      *testing.T
	base   string
	client *http.Client
	page   string
}

func (c *testChat) browser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &browser{t: t, base: c.srv.URL, client: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

func (b *browser) get(path string) *http.Response {
	b.t.Helper()
	resp, err := b.client.Get(b.base + path)
	require.NoError(b.t, err)
	b.page = body(b.t, resp)
	return resp
}

func (b *browser) post(path string, form url.Values, headers ...string) *http.Response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	require.NoError(b.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := b.client.Do(req)
	require.NoError(b.t, err)
	b.page = body(b.t, resp)
	return resp
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(data)
}

var csrfOf = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) csrf() string {
	b.t.Helper()
	m := csrfOf.FindStringSubmatch(b.page)
	require.NotNil(b.t, m, "a CSRF token on the page")
	return m[1]
}

// upload posts a photo with the page's token.
func (b *browser) upload(name string, data []byte) *http.Response {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	require.NoError(b.t, mw.WriteField("csrf", b.csrf()))
	part, err := mw.CreateFormFile("photo", name)
	require.NoError(b.t, err)
	_, _ = part.Write(data)
	require.NoError(b.t, mw.Close())
	resp, err := b.client.Post(b.base+"/chat/say", mw.FormDataContentType(), &buf)
	require.NoError(b.t, err)
	b.page = body(b.t, resp)
	return resp
}

func pngOf(t *testing.T, size int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	img.Set(0, 0, color.RGBA{G: 255, A: 255})
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

func gzipSize(t *testing.T, data string) int {
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	require.NoError(t, err)
	_, _ = zw.Write([]byte(data))
	require.NoError(t, zw.Close())
	return b.Len()
}
