package main

import (
	"context"
	"net/http"
	"strings"

	"github.com/hotroso/hotroso/bot"
	"github.com/hotroso/hotroso/handlers"
	"github.com/hotroso/hotroso/web"
)

// openWebChat, with WEB_CHAT=on, makes the web chat and has the bot hand
// it every reply, edit and copy of a web chat; nil otherwise. Call it
// before the desk is made, and attachWebChat after.
func (c *core) openWebChat(b *bot.Bot) (*web.Channel, error) {
	if !c.cfg.WebChat {
		return nil, nil
	}
	chat, err := web.New(web.Config{Store: c.store, Texts: c.texts, Places: c.communes, Logger: c.log, Now: c.now,
		DefaultLanguage: c.cfg.DefaultLanguage, Secure: strings.HasPrefix(c.cfg.PublicURL, "https://")})
	if err != nil {
		return nil, err
	}
	b.Route(chat)
	return chat, nil
}

// attachWebChat gives the web chat the desk and serves it on mux.
func attachWebChat(chat *web.Channel, desk *handlers.Desk, b *bot.Bot, mux *http.ServeMux) {
	if chat == nil {
		return
	}
	chat.Attach(desk, telegram{Messenger: b.Messenger(), bot: b})
	mux.Handle("/chat", chat)
	mux.Handle("/chat/", chat)
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
