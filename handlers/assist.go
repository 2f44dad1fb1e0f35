package handlers

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"sync"

	"github.com/hotroso/hotroso/domain"
)

// saltCache keeps the store's salt once it has been read.
type saltCache struct {
	mu   sync.Mutex
	salt []byte
}

// residentHash is the resident as the assist log knows them: an HMAC of
// their id with the store's secret salt, so records of one resident can be
// counted together but not traced back without the salt.
func (d *base) residentHash(ctx context.Context, residentID int64) (string, error) {
	return d.saltedHash(ctx, strconv.FormatInt(residentID, 10))
}

// saltedHash is an HMAC of s with the store's secret salt, shortened to
// 12 bytes, in hex.
func (d *base) saltedHash(ctx context.Context, s string) (string, error) {
	salt, err := d.saltBytes(ctx)
	if err != nil {
		return "", err
	}
	mac := hmac.New(sha256.New, salt)
	mac.Write([]byte(s))
	return hex.EncodeToString(mac.Sum(nil)[:12]), nil
}

// saltBytes is the store's secret salt, read once.
func (d *base) saltBytes(ctx context.Context) ([]byte, error) {
	d.salt.mu.Lock()
	defer d.salt.mu.Unlock()
	if d.salt.salt == nil {
		salt, err := d.store.Salt(ctx)
		if err != nil {
			return nil, fmt.Errorf("handlers: load salt: %w", err)
		}
		d.salt.salt = salt
	}
	return d.salt.salt, nil
}

// recordAssist appends an assist record for the resident. The log is the
// desk's report of its work: a failure is logged, and the resident's
// conversation goes on.
func (d *base) recordAssist(ctx context.Context, residentID int64, a domain.Assist) {
	hash, err := d.residentHash(ctx, residentID)
	if ch := domain.ChannelOf(residentID); ch != domain.ChannelTelegram {
		a.Channel = ch // empty stays Telegram, as in the records from before channels
	}
	if err == nil {
		a.Resident = hash
		err = d.store.RecordAssist(ctx, a)
	}
	if err != nil {
		d.log.Error("assist not recorded", "kind", a.Kind, "ticket", a.TicketID, "flow", a.FlowID, "err", err)
	}
}
