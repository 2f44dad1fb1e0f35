package main

import (
	"context"
	"net/http"
	"strings"

	"github.com/hotroso/hotroso/bot"
	"github.com/hotroso/hotroso/broadcast"
	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/handlers"
	"github.com/hotroso/hotroso/metrics"
	"github.com/hotroso/hotroso/web"
)

// openWebChat, with WEB_CHAT=on, makes the web chat and has the bot hand
// it every reply, edit and copy of a web chat; nil otherwise. Call it
// before the desk is made, and attachWebChat after.
func (c *core) openWebChat(b *bot.Bot, m *metrics.Metrics) (*web.Channel, error) {
	if !c.cfg.WebChat {
		return nil, nil
	}
	chat, err := web.New(web.Config{Store: c.store, Texts: c.texts, Places: c.communes, Logger: c.log, Now: c.now,
		DefaultLanguage: c.cfg.DefaultLanguage, Secure: strings.HasPrefix(c.cfg.PublicURL, "https://"), Metrics: m})
	if err != nil {
		return nil, err
	}
	b.Route(chat)
	return chat, nil
}

// attachWebChat gives the web chat the desk and the bot. Call it before
// the jobs start, so that broadcasts reach web residents.
func attachWebChat(chat *web.Channel, desk *handlers.Desk, b *bot.Bot) {
	if chat != nil {
		chat.Attach(desk, telegram{Messenger: b.Messenger(), bot: b})
	}
}

// serveWebChat serves the web chat on mux.
func serveWebChat(chat *web.Channel, mux *http.ServeMux) {
	if chat != nil {
		mux.Handle("/chat", chat)
		mux.Handle("/chat/", chat)
	}
}

// deliverer is the broadcast runner's Deliverer: announcements to web
// residents go into their page's log through the web chat, the others to
// Telegram.
func deliverer(b *bot.Bot, chat *web.Channel, buttons [][]handlers.Button) broadcast.Deliverer {
	if chat == nil {
		return b.Deliverer(buttons)
	}
	return byChannel{telegram: b.Deliverer(buttons), web: chat.Deliverer(buttons), owns: chat.Owns}
}

// byChannel hands each recipient to the deliverer of their channel.
type byChannel struct {
	telegram, web broadcast.Deliverer
	owns          func(chatID int64) bool
}

func (d byChannel) Deliver(ctx context.Context, to int64, b domain.Broadcast) error {
	if d.owns(to) {
		return d.web.Deliver(ctx, to, b)
	}
	return d.telegram.Deliver(ctx, to, b)
}

// telegram is the bot as the web chat reaches it: its messenger, and its
// file downloads.
type telegram struct {
	handlers.Messenger
	bot *bot.Bot
}

func (t telegram) Download(ctx context.Context, fileID string) ([]byte, error) {
	return t.bot.Download(ctx, fileID)
}
