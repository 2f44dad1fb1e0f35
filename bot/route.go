package bot

import (
	"context"
	"fmt"
	"io"
	"net/http"

	tgbot "github.com/go-telegram/bot"
)

// Route makes the bot hand every reply, edit and copy that concerns a chat
// of another channel to it: a volunteer's reply to a web resident, a web
// resident's photo copied to a volunteer. Call it before Run.
func (b *Bot) Route(other Elsewhere) { b.sender.elsewhere = other }

// maxDownload bounds a file the bot downloads from Telegram (the Bot API
// serves at most 20 MB).
const maxDownload = 20 << 20

// Download fetches a file Telegram holds (a volunteer's photo) by its
// file id: getFile, then the file's download link.
func (b *Bot) Download(ctx context.Context, fileID string) ([]byte, error) {
	f, err := b.api.GetFile(ctx, &tgbot.GetFileParams{FileID: fileID})
	if err != nil {
		return nil, fmt.Errorf("bot: get file: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.api.FileDownloadLink(f), nil)
	if err != nil {
		return nil, fmt.Errorf("bot: download file: %w", err)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("bot: download file: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("bot: download file: %s", resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxDownload+1))
	if err != nil {
		return nil, fmt.Errorf("bot: download file: %w", err)
	}
	if len(data) > maxDownload {
		return nil, fmt.Errorf("bot: download file: over %d bytes", maxDownload)
	}
	return data, nil
}
