package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/hotroso/hotroso/broadcast"
	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/handlers"
)

// Deliverer returns the bot as the broadcast runner's Deliverer: each
// delivery copies the organizer's message to the recipient, with buttons
// (the way to stop announcements), in one attempt, and says what its
// error means (deliveryError).
func (b *Bot) Deliverer(buttons [][]handlers.Button) broadcast.Deliverer {
	return deliverer{api: b.api, markup: keyboard(buttons)}
}

type deliverer struct {
	api    *tgbot.Bot
	markup models.ReplyMarkup
}

func (d deliverer) Deliver(ctx context.Context, to int64, bc domain.Broadcast) error {
	_, err := d.api.CopyMessage(ctx, &tgbot.CopyMessageParams{ChatID: to, FromChatID: bc.SourceChatID, MessageID: bc.SourceMessageID, ReplyMarkup: d.markup})
	if err == nil {
		return nil
	}
	return deliveryError(err)
}

// deliveryError says what a failed Bot API call of a broadcast delivery
// means, in the broadcast runner's terms:
//   - 429: *broadcast.RetryAfter.
//   - 403 (blocked, deactivated, kicked): broadcast.ErrBlocked.
//   - 400 about the recipient (chat not found, user not found, ...):
//     broadcast.ErrRecipient.
//   - 5xx: broadcast.ErrMessengerFailed.
//   - no answer from the Bot API (a network error, a timeout, a body that
//     is not its JSON, as a proxy's error page), or 401/404 (this
//     instance's token or API URL is refused): broadcast.ErrUnreachable.
//
// Any other answer (another 400, such as the message to copy being gone)
// is wrapped as it is.
func deliveryError(err error) error {
	var tooMany *tgbot.TooManyRequestsError
	var migrate *tgbot.MigrateError
	switch {
	case errors.As(err, &tooMany):
		return &broadcast.RetryAfter{Wait: time.Duration(max(tooMany.RetryAfter, 1)) * time.Second}
	case errors.Is(err, tgbot.ErrorForbidden):
		return fmt.Errorf("%w: %v", broadcast.ErrBlocked, err)
	case errors.Is(err, tgbot.ErrorBadRequest) && aboutRecipient(err):
		return fmt.Errorf("%w: %v", broadcast.ErrRecipient, err)
	case isServerError(err):
		return fmt.Errorf("%w: %v", broadcast.ErrMessengerFailed, err)
	case errors.Is(err, tgbot.ErrorUnauthorized) || errors.Is(err, tgbot.ErrorNotFound):
		return fmt.Errorf("%w: the Bot API refuses this instance: %v", broadcast.ErrUnreachable, err)
	case errors.Is(err, tgbot.ErrorBadRequest) || errors.Is(err, tgbot.ErrorConflict) || errors.As(err, &migrate) || isAPIAnswer(err):
		return fmt.Errorf("bot: deliver broadcast: %w", err)
	}
	return fmt.Errorf("%w: %v", broadcast.ErrUnreachable, err)
}

// recipientTrouble are the parts of a 400's description that say the
// recipient cannot receive the message, lower-case.
var recipientTrouble = []string{
	"chat not found", "user not found", "peer_id_invalid", "user_is_blocked", "user is deactivated",
	"bot was blocked", "bot was kicked", "bot is not a member", "bot can't initiate conversation",
	"have no rights to send", "not enough rights to send", "chat_write_forbidden", "chat_restricted",
}

// aboutRecipient reports whether a 400 is about the recipient.
func aboutRecipient(err error) bool {
	text := strings.ToLower(err.Error())
	for _, part := range recipientTrouble {
		if strings.Contains(text, part) {
			return true
		}
	}
	return false
}

// isAPIAnswer reports an error go-telegram/bot makes of an answer from the
// Bot API with an error code it has no sentinel for.
func isAPIAnswer(err error) bool {
	return strings.Contains(err.Error(), "error response from telegram for method ")
}
