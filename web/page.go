package web

import (
	"bytes"
	"context"
	"errors"
	"image"
	_ "image/gif"  // photos residents send are checked by decoding them
	_ "image/jpeg" // (the formats Telegram takes as photos)
	_ "image/png"
	"io"
	"io/fs"
	"net"
	"net/http"
	"strconv"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/handlers"
	"github.com/hotroso/hotroso/storage"
)

// maxShown is how many of the latest messages the page shows.
const maxShown = 200

// pageTexts are the page's own texts (the desk's are in its messages).
var pageTexts = []string{"web.title", "web.heading", "web.placeholder", "web.send", "web.photo", "web.offline", "web.refresh",
	"web.image", "web.file", "web.you", "web.nojs", "web.sending"}

// pageView is what the page template shows.
type pageView struct {
	Lang      string
	T         map[string]string
	Messages  []messageView
	CSRF      string
	Last      int64
	Latest    int64 // the message the page opens at (#latest)
	Status    string
	OtherLang string
	OtherName string
	Known     bool // the browser has a valid identity
}

// messageView is one message as the template shows it.
type messageView struct {
	domain.WebMessage
	Orig int64 // the seq of the message it stands for (itself, or the one it edits)
	CSRF string
	T    map[string]string
}

// showPage shows the resident's conversation, greeting a new one first.
func (c *Channel) showPage(w http.ResponseWriter, r *http.Request) {
	if !c.allowIP(w, r) {
		return
	}
	id, err := c.identify(w, r, true)
	if err == nil {
		err = c.greetOnce(r.Context(), id)
	}
	if err != nil {
		c.cfg.Logger.Warn("web: page not shown", "err", err)
		c.refuse(w, r, post{}, http.StatusServiceUnavailable, c.cfg.DefaultLanguage, "error.busy")
		return
	}
	c.render(w, r, id, http.StatusOK, "")
}

// greetOnce gives a resident whose conversation is empty the greeting
// and the menu, as /start does on Telegram.
func (c *Channel) greetOnce(ctx context.Context, id int64) error {
	unlock := c.locks.lock(id)
	defer unlock()
	msgs, err := c.cfg.Store.WebMessages(ctx, id, 0, 1)
	if err != nil || len(msgs) > 0 {
		return err
	}
	c.deliver(ctx, handlers.Event{ChatID: id, UserID: id, Kind: handlers.EventCommand, Command: "start", Text: "/start"})
	return nil
}

// setCommune opens the page with the commune of the link (a QR poster at
// the cultural house) chosen; an unknown code opens the page as it is.
func (c *Channel) setCommune(w http.ResponseWriter, r *http.Request) {
	if !c.allowIP(w, r) {
		return
	}
	id, err := c.identify(w, r, true)
	if err == nil {
		err = c.greetOnce(r.Context(), id)
	}
	if err != nil {
		c.cfg.Logger.Warn("web: commune link not followed", "err", err)
		c.refuse(w, r, post{}, http.StatusServiceUnavailable, c.cfg.DefaultLanguage, "error.busy")
		return
	}
	if commune, ok := c.cfg.Places.Get(r.PathValue("code")); ok {
		unlock := c.locks.lock(id)
		c.deliver(r.Context(), handlers.Event{ChatID: id, UserID: id, Kind: handlers.EventButton, Data: handlers.CommuneButtonData(commune.Code)})
		unlock()
	}
	http.Redirect(w, r, "/chat#latest", http.StatusSeeOther)
}

// render writes the page: the latest messages, an edit in the place of
// the message it edits, and status (a refusal) above the form.
func (c *Channel) render(w http.ResponseWriter, r *http.Request, id int64, status int, statusText string) {
	ctx := r.Context()
	lang := c.language(ctx, id)
	view := pageView{Lang: lang, T: c.texts(lang), Status: statusText, Known: id != 0}
	for _, other := range c.cfg.Texts.Languages() {
		if other != lang && view.OtherLang == "" {
			view.OtherLang, view.OtherName = other, c.cfg.Texts.T(other, "lang.name")
		}
	}
	if id != 0 {
		msgs, err := c.cfg.Store.WebMessages(ctx, id, 0, 5*maxShown)
		token, tokenErr := c.csrfToken(ctx, id)
		if err = errors.Join(err, tokenErr); err != nil {
			c.cfg.Logger.Warn("web: conversation not read", "err", err)
			view.Status, status = c.cfg.Texts.T(lang, "error.busy"), http.StatusServiceUnavailable
		}
		view.CSRF = token
		view.Messages, view.Last, view.Latest = c.fold(msgs, token, view.T)
	}
	var page bytes.Buffer
	if err := c.page.ExecuteTemplate(&page, "chat.html", view); err != nil {
		c.cfg.Logger.Error("web: page template", "err", err)
		http.Error(w, "error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(page.Bytes())
}

// fold puts each edit in the place of the message it edits and keeps the
// latest maxShown; last is the highest seq, and latest the Orig of the
// message the page opens at: the one the last edit changed, else where
// the resident reads from (readFrom).
func (c *Channel) fold(msgs []domain.WebMessage, token string, texts map[string]string) (views []messageView, last, latest int64) {
	at := map[int64]int{}
	for _, m := range msgs {
		last, latest = m.Seq, m.Seq
		v := messageView{WebMessage: m, Orig: m.Seq, CSRF: token, T: texts}
		if i, ok := at[m.Replaces]; ok && m.Replaces != 0 {
			v.Orig, latest = m.Replaces, m.Replaces
			views[i] = v
			continue
		}
		at[m.Seq] = len(views)
		views = append(views, v)
	}
	if len(views) > maxShown {
		views = views[len(views)-maxShown:]
	}
	if len(msgs) > 0 && msgs[len(msgs)-1].Replaces == 0 {
		latest = readFrom(views)
	}
	return views, last, latest
}

// readFrom is the Orig of the message a resident reads from: the first
// of what the desk said after their last message (the greeting, for a
// new resident), or their own last message when nothing came after it.
func readFrom(views []messageView) int64 {
	i := len(views) - 1
	for i > 0 && views[i].From != domain.WebFromResident && views[i-1].From != domain.WebFromResident {
		i--
	}
	return views[i].Orig
}

// texts are the page's own texts in lang.
func (c *Channel) texts(lang string) map[string]string {
	out := make(map[string]string, len(pageTexts))
	for _, key := range pageTexts {
		out[key] = c.cfg.Texts.T(lang, key)
	}
	return out
}

// language is the resident's language, or the default one.
func (c *Channel) language(ctx context.Context, id int64) string {
	if id == 0 {
		return c.cfg.DefaultLanguage
	}
	u, err := c.cfg.Store.GetUser(ctx, id)
	if err != nil || !c.cfg.Texts.Has(u.Language) {
		return c.cfg.DefaultLanguage
	}
	return u.Language
}

// refuse answers a request that cannot be served with a kind text: the
// script gets it as plain text, a browser the page with it.
func (c *Channel) refuse(w http.ResponseWriter, r *http.Request, p post, status int, lang, key string) {
	text := c.cfg.Texts.T(lang, key)
	if p.js {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, text)
		return
	}
	c.render(w, r, p.id, status, text)
}

// media serves an image of the resident's own conversation.
func (c *Channel) media(w http.ResponseWriter, r *http.Request) {
	id, err := c.identify(w, r, false)
	if err != nil {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	data, err := c.cfg.Store.WebImage(r.Context(), id, int64(atoi(r.PathValue("seq"))))
	if errors.Is(err, storage.ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", http.DetectContentType(data))
	w.Header().Set("Cache-Control", "private, max-age=86400")
	_, _ = w.Write(data)
}

// allowIP applies the limit per address, answering a refusal itself.
func (c *Channel) allowIP(w http.ResponseWriter, r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if c.allow(r.Context(), "web:ip:"+host, c.cfg.IPRate, c.cfg.IPBurst) {
		return true
	}
	c.refuse(w, r, post{js: r.Header.Get("X-Chat") == "1"}, http.StatusTooManyRequests, c.cfg.DefaultLanguage, "web.slow_down")
	return false
}

// allow takes one from a limit in the store's limiter. When the store
// cannot say, the request goes on: the desk then answers that it is busy.
func (c *Channel) allow(ctx context.Context, key string, rate float64, burst int) bool {
	wait, err := c.cfg.Store.Reserve(ctx, key, rate, burst, c.cfg.Now())
	if err != nil {
		c.cfg.Logger.Warn("web: rate limit unavailable", "err", err)
		return true
	}
	return wait == 0
}

// photoTypes are the images a resident may send, by their content.
var photoTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true}

// readPhoto reads the posted photo, if any, and checks it by its content:
// an image the page can show and Telegram takes, at most MaxUpload
// bytes. refusal is the text key of a refused one.
func readPhoto(r *http.Request) (data []byte, mediaType, refusal string) {
	if r.MultipartForm == nil {
		return nil, "", ""
	}
	f, hdr, err := r.FormFile("photo")
	if errors.Is(err, http.ErrMissingFile) {
		return nil, "", ""
	}
	if err != nil {
		return nil, "", "web.not_image"
	}
	defer f.Close()
	if hdr.Size > MaxUpload {
		return nil, "", "web.too_big"
	}
	data, err = io.ReadAll(io.LimitReader(f, MaxUpload+1))
	switch {
	case err != nil:
		return nil, "", "web.not_image"
	case len(data) > MaxUpload:
		return nil, "", "web.too_big"
	case len(data) == 0:
		return nil, "", ""
	}
	mediaType = http.DetectContentType(data)
	if !photoTypes[mediaType] {
		return nil, "", "web.not_image"
	}
	if _, _, err := image.DecodeConfig(bytes.NewReader(data)); err != nil {
		return nil, "", "web.not_image"
	}
	return data, mediaType, ""
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// staticFiles serves the page's stylesheet and script.
func staticFiles() http.Handler {
	sub, _ := fs.Sub(assets, "assets")
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "chat.html" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}
