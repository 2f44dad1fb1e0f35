package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
)

// webKeysCmd returns the web chat's cookie keys, making or rotating the
// current one first when it is missing or too old.
//
// KEYS[1] -> p:webkeys
// ARGV[1] -> the candidate key's bytes
// ARGV[2] -> now, unix ms
// ARGV[3] -> rotate when the current key was made at or before this, unix ms
//
// Returns {cur, cur_at, prev or false, prev_at or false}.
var webKeysCmd = goredis.NewScript(`
local cur = redis.call("HGET", KEYS[1], "cur")
local at = tonumber(redis.call("HGET", KEYS[1], "cur_at") or "0")
if not cur then
	redis.call("HSET", KEYS[1], "cur", ARGV[1], "cur_at", ARGV[2])
elseif at <= tonumber(ARGV[3]) then
	redis.call("HSET", KEYS[1], "prev", cur, "prev_at", at, "cur", ARGV[1], "cur_at", ARGV[2])
end
return redis.call("HMGET", KEYS[1], "cur", "cur_at", "prev", "prev_at")
`)

// WebKeys returns the cookie keys, the current first (webKeysCmd).
func (s *Store) WebKeys(ctx context.Context, candidate []byte, now time.Time, rotateEvery time.Duration) ([]domain.WebKey, error) {
	const op = "web keys"
	res, err := webKeysCmd.Run(ctx, s.client, []string{s.keys.webKeys()},
		candidate, now.UnixMilli(), now.Add(-rotateEvery).UnixMilli()).Slice()
	if err != nil {
		return nil, wrapErr(op, err)
	}
	var keys []domain.WebKey
	for i := 0; i+1 < len(res); i += 2 {
		secret, ok := res[i].(string)
		if !ok {
			continue
		}
		ms, err := strconv.ParseInt(fmt.Sprint(res[i+1]), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("redis: %s: key time %v: %w", op, res[i+1], err)
		}
		keys = append(keys, domain.WebKey{Secret: []byte(secret), CreatedAt: time.UnixMilli(ms).UTC()})
	}
	return keys, nil
}

// appendWebCmd appends a message to a web chat's log.
//
// KEYS[1] -> p:{w<chat>}:seq
// KEYS[2] -> p:{w<chat>}:log
// KEYS[3] -> p:{w<chat>}:img
// ARGV[1] -> the message's JSON (without its seq)
// ARGV[2] -> the image's bytes, "" for none
//
// Returns the message's seq.
var appendWebCmd = goredis.NewScript(`
local seq = redis.call("INCR", KEYS[1])
redis.call("HSET", KEYS[2], seq, ARGV[1])
if ARGV[2] ~= "" then
	redis.call("HSET", KEYS[3], seq, ARGV[2])
end
return seq
`)

// AppendWebMessage adds m to the chat's log (appendWebCmd).
func (s *Store) AppendWebMessage(ctx context.Context, chatID int64, m domain.WebMessage, image []byte) (domain.WebMessage, error) {
	op := fmt.Sprintf("append web message to %d", chatID)
	data, err := json.Marshal(m)
	if err != nil {
		return m, fmt.Errorf("redis: %s: %w", op, err)
	}
	seq, err := appendWebCmd.Run(ctx, s.client,
		[]string{s.keys.webChat(chatID, "seq"), s.keys.webChat(chatID, "log"), s.keys.webChat(chatID, "img")},
		data, image).Int64()
	if err != nil {
		return m, wrapErr(op, err)
	}
	m.Seq = seq
	return m, nil
}

// webMessagesCmd reads a web chat's messages after a seq.
//
// KEYS[1] -> p:{w<chat>}:seq
// KEYS[2] -> p:{w<chat>}:log
// KEYS[3] -> p:{w<chat>}:base
// ARGV[1] -> after
// ARGV[2] -> limit
//
// Returns {seq, JSON, seq, JSON, ...} of the stored messages among
// from .. min(last, from+limit-1), in order, where from is one past after
// and past the last erased seq (base): the seqs above base are all stored.
var webMessagesCmd = goredis.NewScript(`
local last = tonumber(redis.call("GET", KEYS[1]) or "0")
local from = math.max(tonumber(ARGV[1]), tonumber(redis.call("GET", KEYS[3]) or "0")) + 1
local to = math.min(last, from + tonumber(ARGV[2]) - 1)
local out = {}
for seq = from, to do
	local m = redis.call("HGET", KEYS[2], seq)
	if m then
		out[#out + 1] = seq
		out[#out + 1] = m
	end
end
return out
`)

// WebMessages returns the chat's messages after a seq (webMessagesCmd).
func (s *Store) WebMessages(ctx context.Context, chatID int64, after int64, limit int) ([]domain.WebMessage, error) {
	op := fmt.Sprintf("web messages of %d", chatID)
	res, err := webMessagesCmd.Run(ctx, s.client, []string{s.keys.webChat(chatID, "seq"), s.keys.webChat(chatID, "log"), s.keys.webChat(chatID, "base")},
		max(after, 0), max(limit, 0)).Slice()
	if err != nil {
		return nil, wrapErr(op, err)
	}
	out := make([]domain.WebMessage, 0, len(res)/2)
	for i := 0; i+1 < len(res); i += 2 {
		var m domain.WebMessage
		if err := json.Unmarshal([]byte(fmt.Sprint(res[i+1])), &m); err != nil {
			return nil, fmt.Errorf("redis: %s: decode: %w", op, err)
		}
		m.Seq, _ = res[i].(int64)
		out = append(out, m)
	}
	return out, nil
}

// WebImage returns the image of a web chat's message: one HGET.
func (s *Store) WebImage(ctx context.Context, chatID int64, seq int64) ([]byte, error) {
	op := fmt.Sprintf("web image %d of %d", seq, chatID)
	data, err := s.client.HGet(ctx, s.keys.webChat(chatID, "img"), strconv.FormatInt(seq, 10)).Bytes()
	if errors.Is(err, goredis.Nil) {
		return nil, fmt.Errorf("redis: %s: %w", op, storage.ErrNotFound)
	}
	if err != nil {
		return nil, wrapErr(op, err)
	}
	return data, nil
}

// eraseWebCmd deletes a web chat's log and images, and records the last
// seq they held as the chat's base.
//
// KEYS[1] -> p:{w<chat>}:seq
// KEYS[2] -> p:{w<chat>}:log
// KEYS[3] -> p:{w<chat>}:img
// KEYS[4] -> p:{w<chat>}:base
//
// Returns how many of the two keys existed.
var eraseWebCmd = goredis.NewScript(`
local n = redis.call("DEL", KEYS[2], KEYS[3])
if n > 0 then
	redis.call("SET", KEYS[4], redis.call("GET", KEYS[1]) or "0")
end
return n
`)

// eraseWebChatOf deletes a web resident's log and images (eraseWebCmd) and
// reports whether there were any.
func (s *Store) eraseWebChatOf(ctx context.Context, chatID int64) (bool, error) {
	n, err := eraseWebCmd.Run(ctx, s.client, []string{s.keys.webChat(chatID, "seq"), s.keys.webChat(chatID, "log"),
		s.keys.webChat(chatID, "img"), s.keys.webChat(chatID, "base")}).Int64()
	if err != nil {
		return false, err
	}
	return n > 0, nil
}
