package domain

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
)

// Channel is the messenger a user or a chat belongs to. Ids in the store
// carry their channel: the channel is read from the id itself, so no two
// channels' ids can ever name one user.
type Channel string

// Channels.
const (
	ChannelTelegram Channel = "telegram"
	ChannelWeb      Channel = "web"
)

// Telegram's user and chat ids fit in 53 bits (the Bot API guarantees at
// most 52 significant bits, so that they survive a double), positive for
// users, negative for groups. Web ids live far above them: webIDBase
// (2^60) plus 59 random bits, a range Telegram can never hand out.
const (
	webIDBase = int64(1) << 60
	webIDBits = 59
	// TelegramIDLimit bounds the magnitude of every Telegram id.
	TelegramIDLimit = int64(1) << 53
)

// ChannelOf is the channel of a user or chat id: web for the ids NewWebID
// makes, Telegram for every other.
func ChannelOf(id int64) Channel {
	if IsWebID(id) {
		return ChannelWeb
	}
	return ChannelTelegram
}

// IsWebID reports whether id is a web resident's id.
func IsWebID(id int64) bool {
	return id >= webIDBase && id < webIDBase+(int64(1)<<webIDBits)
}

// WebID is the web id with the given number (its low 59 bits).
func WebID(n uint64) int64 {
	return webIDBase + int64(n&(uint64(1)<<webIDBits-1))
}

// NewWebID makes a fresh, random web resident id: 59 random bits, so
// that one cannot be guessed from another.
func NewWebID() (int64, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 0, fmt.Errorf("domain: new web id: %w", err)
	}
	return WebID(binary.BigEndian.Uint64(b[:])), nil
}

// AssistChannel is the channel an assist record counts for: empty (the
// records from before channels were kept) is Telegram.
func (a Assist) AssistChannel() Channel {
	if a.Channel == "" {
		return ChannelTelegram
	}
	return a.Channel
}
