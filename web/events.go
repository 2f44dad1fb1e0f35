package web

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/handlers"
	"github.com/hotroso/hotroso/privacy"
	"github.com/hotroso/hotroso/storage"
)

// maxText bounds what a resident types, in characters, as on Telegram.
const maxText = 4096

// post is a checked post of a resident: who, from where, with the form
// read.
type post struct {
	id int64
	js bool // posted by the script: answer with a status, not a page
}

// begin checks a post: the identity cookie, the CSRF token, the rate
// limits. It answers a refused post itself and reports false.
func (c *Channel) begin(w http.ResponseWriter, r *http.Request) (post, bool) {
	p := post{js: r.Header.Get("X-Chat") == "1"}
	if !c.allowIP(w, r) {
		return p, false
	}
	id, err := c.identify(w, r, false)
	if err != nil {
		c.refuse(w, r, p, http.StatusForbidden, c.cfg.DefaultLanguage, "web.expired")
		return p, false
	}
	p.id = id
	if !c.csrfOK(r.Context(), id, r.FormValue("csrf")) {
		c.refuse(w, r, p, http.StatusForbidden, c.language(r.Context(), id), "web.expired")
		return p, false
	}
	if !c.allow(r.Context(), "web:resident:"+sign([]byte("limit"), "r", id), c.cfg.ResidentRate, c.cfg.ResidentBurst) {
		c.refuse(w, r, p, http.StatusTooManyRequests, c.language(r.Context(), id), "web.slow_down")
		return p, false
	}
	return p, true
}

// done ends a post that was handled: the script gets 204, a plain form a
// redirect to the page (post, redirect, get).
func (c *Channel) done(w http.ResponseWriter, r *http.Request, p post) {
	if p.js {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, "/chat#latest", http.StatusSeeOther)
}

// press is a tapped button: the data of a button the desk sent, and its
// label, shown as what the resident chose.
func (c *Channel) press(w http.ResponseWriter, r *http.Request) {
	p, ok := c.begin(w, r)
	if !ok {
		return
	}
	data := r.FormValue("data")
	if data == "" || len(data) > 64 {
		c.refuse(w, r, p, http.StatusBadRequest, c.language(r.Context(), p.id), "web.expired")
		return
	}
	label := clip(r.FormValue("label"), 64)
	ev := handlers.Event{ChatID: p.id, UserID: p.id, Kind: handlers.EventButton, Data: data, MessageID: atoi(r.FormValue("msg"))}
	if c.handle(w, r, p, ev, domain.WebMessage{Text: label}, nil) {
		c.done(w, r, p)
	}
}

// say is typed text or a command, or a photo with an optional caption.
func (c *Channel) say(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxUpload+1<<20)
	if err := r.ParseMultipartForm(1 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		c.refuse(w, r, post{js: r.Header.Get("X-Chat") == "1"}, http.StatusRequestEntityTooLarge, c.cfg.DefaultLanguage, "web.too_big")
		return
	}
	p, ok := c.begin(w, r)
	if !ok {
		return
	}
	text := clip(strings.TrimSpace(r.FormValue("text")), maxText)
	image, mediaType, refusal := readPhoto(r)
	if refusal != "" {
		c.refuse(w, r, p, http.StatusBadRequest, c.language(r.Context(), p.id), refusal)
		return
	}
	ev := handlers.Event{ChatID: p.id, UserID: p.id, Kind: handlers.EventText, Text: text}
	switch {
	case image != nil:
		ev.Kind, ev.Media = handlers.EventMedia, handlers.MediaPhoto
	case text == "":
		c.done(w, r, p)
		return
	case strings.HasPrefix(text, "/") && len(text) > 1:
		name, args, _ := strings.Cut(text[1:], " ")
		ev.Kind, ev.Command, ev.Args = handlers.EventCommand, strings.ToLower(name), strings.TrimSpace(args)
	}
	if c.handle(w, r, p, ev, domain.WebMessage{Text: text, ImageType: mediaType}, image) {
		c.done(w, r, p)
	}
}

// switchLanguage asks the desk to speak another language.
func (c *Channel) switchLanguage(w http.ResponseWriter, r *http.Request) {
	p, ok := c.begin(w, r)
	if !ok {
		return
	}
	lang := r.FormValue("lang")
	if !c.cfg.Texts.Has(lang) {
		c.refuse(w, r, p, http.StatusBadRequest, c.language(r.Context(), p.id), "web.expired")
		return
	}
	ev := handlers.Event{ChatID: p.id, UserID: p.id, Kind: handlers.EventButton, Data: handlers.LanguageButtonData(lang)}
	if c.handle(w, r, p, ev, domain.WebMessage{Text: c.cfg.Texts.T(lang, "lang.name")}, nil) {
		c.done(w, r, p)
	}
}

// handle records what the resident did in their log (masked, as the desk
// masks), hands the event to the desk and delivers its answer. It
// answers a failure itself and reports false.
func (c *Channel) handle(w http.ResponseWriter, r *http.Request, p post, ev handlers.Event, mine domain.WebMessage, image []byte) bool {
	unlock := c.locks.lock(p.id)
	defer unlock()
	ctx := r.Context()
	mine.From, mine.At = domain.WebFromResident, c.cfg.Now()
	mine.Text, _ = privacy.Mask(mine.Text)
	if mine.Text != "" || image != nil {
		seq, err := c.append(ctx, p.id, mine, image)
		if err != nil {
			c.cfg.Logger.Warn("web: message not recorded", "err", err)
			c.refuse(w, r, p, http.StatusServiceUnavailable, c.language(ctx, p.id), "error.busy")
			return false
		}
		if ev.Kind != handlers.EventButton {
			ev.MessageID = seq
		}
	}
	c.deliver(ctx, ev)
	return true
}

// deliver hands an event to the desk and sends its answer, as bot/ does:
// an error becomes a kind message, a notice shows in the conversation,
// replies to other chats go through Telegram (a relay that fails waits in
// the outbox), and what IfFails says is told.
func (c *Channel) deliver(ctx context.Context, ev handlers.Event) {
	ev.UpdateID = c.update.Add(1)
	start := time.Now()
	defer func() { c.cfg.Metrics.UpdateOn("web", eventKind(ev), "handled", time.Since(start)) }()
	resp, err := handlers.HandleKindly(ctx, c.desk, ev)
	if err != nil && !errors.Is(err, storage.ErrUnavailable) {
		c.cfg.Logger.Error("web: handler failed", "kind", ev.Kind, "err", err)
	}
	if resp.Notice != "" {
		c.note(ctx, ev.ChatID, resp.Notice)
	}
	for _, reply := range resp.Replies {
		if reply.ChatID == 0 {
			reply.ChatID = ev.ChatID
		}
		c.sendReply(ctx, ev.ChatID, reply)
	}
}

// sendReply sends one of the desk's replies to an event of chatID.
func (c *Channel) sendReply(ctx context.Context, chatID int64, reply handlers.Reply) {
	var err error
	if c.Owns(reply.ChatID) {
		_, err = c.Send(ctx, reply)
	} else {
		_, err = c.tg.Send(ctx, reply)
	}
	if err == nil {
		return
	}
	c.cfg.Logger.Warn("web: reply not sent", "err", err)
	if reply.Retry {
		c.queueRelay(ctx, reply)
	}
	if reply.IfFails != "" {
		c.note(ctx, chatID, reply.IfFails)
	}
}

// queueRelay puts a relay that failed into the outbox, which the Telegram
// channel drains.
func (c *Channel) queueRelay(ctx context.Context, reply handlers.Reply) {
	if _, err := c.cfg.Store.QueueOutgoing(ctx, reply.Queued(c.cfg.Now())); err != nil {
		c.cfg.Logger.Error("web: relay lost: not sent and not queued", "err", err)
	}
}

// note shows a short notice in the conversation (Telegram shows it on
// the pressed button).
func (c *Channel) note(ctx context.Context, chatID int64, text string) {
	if _, err := c.append(ctx, chatID, domain.WebMessage{From: webFromNotice, Text: text, At: c.cfg.Now()}, nil); err != nil {
		c.cfg.Logger.Warn("web: notice not shown", "err", err)
	}
}

// webFromNotice marks a notice in the log.
const webFromNotice = "notice"

// clip cuts s to at most n characters.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// eventKind names an event for metrics, as bot/ names Telegram's updates.
func eventKind(ev handlers.Event) string {
	switch ev.Kind {
	case handlers.EventButton:
		return "button"
	case handlers.EventText, handlers.EventCommand, handlers.EventMedia:
		return "message"
	}
	return "other"
}
