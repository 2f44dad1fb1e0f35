package bot

import (
	"context"
	"errors"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// commandsRetry paces the background registration of the command menu:
// the first retry after first, each next one after twice as long, at most
// longest, and no more than attempts tries of a menu in all (about half an
// hour). A 429 waits its retry_after instead.
var commandsRetry = struct {
	first, longest time.Duration
	attempts       int
}{first: 500 * time.Millisecond, longest: 5 * time.Minute, attempts: 15}

// commandMenu is the command list of one language ("" for users of any
// other).
type commandMenu struct {
	lang     string
	commands []models.BotCommand
}

// RegisterCommands registers the command menu in the background, so that
// the bot serves at once: descriptions maps a language code to command name
// -> description, and the default language's list is also registered
// without a language, for users of any other. The menu is a convenience:
// a failure is a warning, retried with backoff (a 429 after its
// retry_after) until ctx ends or the tries run out, and not retried at all
// when Telegram refuses it for good (a 4xx such as 404 from a Bot API
// server without setMyCommands). done, when not nil, is called at the end
// with how many of the lists were registered.
func (b *Bot) RegisterCommands(ctx context.Context, names []string, descriptions map[string]map[string]string, defaultLang string, done func(registered int)) {
	menus := make([]commandMenu, 0, len(descriptions)+1)
	add := func(lang string, texts map[string]string) {
		cmds := make([]models.BotCommand, 0, len(names))
		for _, name := range names {
			cmds = append(cmds, models.BotCommand{Command: name, Description: texts[name]})
		}
		menus = append(menus, commandMenu{lang: lang, commands: cmds})
	}
	for lang, texts := range descriptions {
		add(lang, texts)
	}
	add("", descriptions[defaultLang])
	go func() {
		n := b.registerMenus(ctx, menus, sleepCtx)
		if done != nil {
			done(n)
		}
	}()
}

// registerMenus sets each menu, retrying the failed ones, and returns how
// many were set.
func (b *Bot) registerMenus(ctx context.Context, menus []commandMenu, sleep func(context.Context, time.Duration) error) int {
	set := 0
	backoff := commandsRetry.first
	for attempt := 1; len(menus) > 0 && attempt <= commandsRetry.attempts; attempt++ {
		var wait time.Duration
		for len(menus) > 0 {
			m := menus[0]
			_, err := b.api.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: m.commands, LanguageCode: m.lang})
			retry, after := retryCommands(err)
			if ctx.Err() != nil {
				return set
			}
			if retry {
				// The next lists would meet the same: all wait.
				b.log.Warn("command menu not registered yet; will retry", "language", m.lang, "attempt", attempt, "err", err)
				wait = after
				break
			}
			if err == nil {
				set++
			} else {
				b.log.Warn("command menu refused; not asked again", "language", m.lang, "err", err)
			}
			menus = menus[1:]
		}
		if len(menus) == 0 || attempt == commandsRetry.attempts {
			break
		}
		if err := sleep(ctx, max(wait, backoff)); err != nil {
			return set
		}
		backoff = min(2*backoff, commandsRetry.longest)
	}
	if len(menus) > 0 && ctx.Err() == nil {
		b.log.Warn("command menu given up after retries", "lists_left", len(menus))
	}
	return set
}

// retryCommands says whether a failed setMyCommands is worth another try,
// and how long Telegram asked to wait first: yes after a 429, a 5xx or a
// network error; no after any other answer of Telegram's (400, 401, 403,
// 404: asking again gets the same).
func retryCommands(err error) (retry bool, after time.Duration) {
	var tooMany *tgbot.TooManyRequestsError
	switch {
	case err == nil:
		return false, 0
	case errors.As(err, &tooMany):
		return true, time.Duration(max(tooMany.RetryAfter, 1)) * time.Second
	case errors.Is(err, tgbot.ErrorBadRequest), errors.Is(err, tgbot.ErrorUnauthorized), errors.Is(err, tgbot.ErrorForbidden),
		errors.Is(err, tgbot.ErrorNotFound), errors.Is(err, tgbot.ErrorConflict):
		return false, 0
	}
	return true, 0
}
