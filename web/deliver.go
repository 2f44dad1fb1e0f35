package web

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	"github.com/hotroso/hotroso/broadcast"
	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/handlers"
)

// Deliverer returns the web chat as the broadcast runner's Deliverer for
// web residents: each announcement goes into the resident's log with the
// given buttons (the way to stop announcements), so a live page shows it
// at once and a closed one at the next visit. A photo announcement's
// picture is fetched from Telegram once and kept for the next recipients.
func (c *Channel) Deliverer(buttons [][]handlers.Button) broadcast.Deliverer {
	return &deliverer{c: c, buttons: webButtons(buttons)}
}

type deliverer struct {
	c       *Channel
	buttons [][]domain.WebButton

	mu     sync.Mutex
	fileID string // the photo last fetched, and its bytes
	image  []byte
}

// Deliver writes one announcement into a web resident's log. A photo that
// Telegram does not give is ErrUnreachable, a log that cannot be written
// ErrMessengerFailed: this instance's trouble, so the recipient is given
// back for another to send.
func (d *deliverer) Deliver(ctx context.Context, to int64, b domain.Broadcast) error {
	if !d.c.Owns(to) {
		return fmt.Errorf("%w: %d is not a web chat", broadcast.ErrRecipient, to)
	}
	m := domain.WebMessage{From: domain.WebFromDesk, Text: b.Text, Buttons: d.buttons, At: d.c.cfg.Now()}
	if m.Text == "" {
		m.Text = b.Preview // a broadcast made before the whole text was kept
	}
	image, err := d.picture(ctx, b.FileID)
	if err != nil {
		return fmt.Errorf("%w: broadcast %d photo: %v", broadcast.ErrUnreachable, b.ID, err)
	}
	if len(image) > 0 {
		m.ImageType = http.DetectContentType(image)
	}
	if _, err := d.c.append(ctx, to, m, image); err != nil {
		return fmt.Errorf("%w: broadcast %d: %v", broadcast.ErrMessengerFailed, b.ID, err)
	}
	return nil
}

// picture is the bytes of a Telegram file, fetched once per broadcast.
func (d *deliverer) picture(ctx context.Context, fileID string) ([]byte, error) {
	if fileID == "" {
		return nil, nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.fileID == fileID {
		return d.image, nil
	}
	if d.c.tg == nil {
		return nil, fmt.Errorf("web: no Telegram channel to fetch %q from", fileID)
	}
	data, err := d.c.tg.Download(ctx, fileID)
	if err != nil {
		return nil, err
	}
	d.fileID, d.image = fileID, data
	return data, nil
}
