package bot

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
	"github.com/hotroso/hotroso/broadcast"
	"github.com/hotroso/hotroso/domain"
)

// deliveryTo builds the broadcast deliverer on a client of serverURL with
// token.
func deliveryTo(t *testing.T, serverURL, token string) deliverer {
	t.Helper()
	api, err := tgbot.New(token, tgbot.WithServerURL(serverURL), tgbot.WithSkipGetMe(), tgbot.WithHTTPClient(5*time.Second, httpClient(5*time.Second, 2)))
	require.NoError(t, err)
	return deliverer{api: api, markup: keyboard(nil)}
}

// The deliverer says what each failure means: only an answer about the
// recipient is the recipient's; no answer, or a 5xx, is the instance's.
func TestDeliveryErrorsSayWhoseTroubleItIs(t *testing.T) {
	api := telegramtest.New(t, telegramtest.WithToken(testToken))
	api.AddChat(900, telegramtest.ChatPrivate)
	api.AddChat(21, telegramtest.ChatPrivate)
	api.AddChat(23, telegramtest.ChatPrivate)
	api.BlockedBy(21)
	d := deliveryTo(t, api.URL(), testToken)
	ctx := context.Background()
	source, err := d.api.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: 900, Text: "Thông báo"})
	require.NoError(t, err)
	bc := domain.Broadcast{SourceChatID: 900, SourceMessageID: source.ID}

	proxyPage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("<html><body><h1>502 Bad Gateway</h1></body></html>"))
	}))
	t.Cleanup(proxyPage.Close)
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close() // nothing listens there now: connection refused

	for _, c := range []struct {
		name  string
		d     deliverer
		to    int64
		bc    domain.Broadcast
		fault *telegramtest.Fault
		want  error // nil: none of the sentinels
		ok    bool
	}{
		{name: "delivered", d: d, to: 23, bc: bc, ok: true},
		{name: "blocked: 403", d: d, to: 21, bc: bc, want: broadcast.ErrBlocked},
		{name: "chat not found: 400", d: d, to: 22, bc: bc, want: broadcast.ErrRecipient},
		{name: "500", d: d, to: 23, bc: bc, fault: &telegramtest.Fault{Status: 500}, want: broadcast.ErrMessengerFailed},
		{name: "502 from the Bot API", d: d, to: 23, bc: bc, fault: &telegramtest.Fault{Status: 502}, want: broadcast.ErrMessengerFailed},
		{name: "connection dropped", d: d, to: 23, bc: bc, fault: &telegramtest.Fault{Disconnect: true}, want: broadcast.ErrUnreachable},
		{name: "a proxy's error page", d: deliveryTo(t, proxyPage.URL, testToken), to: 23, bc: bc, want: broadcast.ErrUnreachable},
		{name: "connection refused", d: deliveryTo(t, gone.URL, testToken), to: 23, bc: bc, want: broadcast.ErrUnreachable},
		{name: "token refused", d: deliveryTo(t, api.URL(), "987654321:AAAnotherTokenThatTheServerRefuses_x"), to: 23, bc: bc, want: broadcast.ErrUnreachable},
		{name: "the message to copy is gone: 400", d: d, to: 23, bc: domain.Broadcast{SourceChatID: 900, SourceMessageID: 99999}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.fault != nil {
				api.FailNext("copyMessage", 1, *c.fault)
			}
			err := c.d.Deliver(ctx, c.to, c.bc)
			if c.ok {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, sentinel := range []error{broadcast.ErrBlocked, broadcast.ErrRecipient, broadcast.ErrMessengerFailed, broadcast.ErrUnreachable} {
				assert.Equal(t, sentinel == c.want, errors.Is(err, sentinel), "%v is %v: %v", err, sentinel, sentinel == c.want)
			}
			assert.NotContains(t, err.Error(), testToken, "no token in the error")
		})
	}

	api.FailNext("copyMessage", 1, telegramtest.Fault{Status: 429, RetryAfter: 2})
	var retry *broadcast.RetryAfter
	require.ErrorAs(t, d.Deliver(ctx, 23, bc), &retry)
	assert.Equal(t, 2*time.Second, retry.Wait)
}
