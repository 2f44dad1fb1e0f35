package redis

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
)

// Session hash fields.
const (
	fieldVersion = "v"
	fieldData    = "d"
)

// GetSession returns the chat's session, or an error wrapping
// storage.ErrNotFound.
func (s *Store) GetSession(ctx context.Context, chatID int64) (domain.Session, error) {
	op := fmt.Sprintf("get session %d", chatID)
	data, err := s.client.HGet(ctx, s.keys.session(chatID), fieldData).Bytes()
	if err != nil {
		return domain.Session{}, wrapErr(op, err)
	}
	var sess domain.Session
	if err := json.Unmarshal(data, &sess); err != nil {
		return domain.Session{}, fmt.Errorf("redis: %s: decode: %w", op, err)
	}
	return sess, nil
}

// sessionBatch is how many sessions GetSessions reads in one pipeline.
const sessionBatch = 1000

// GetSessions returns the stored sessions of the chats, in the order given,
// skipping chats that have none. It reads them in pipelines of sessionBatch
// (on a cluster, go-redis splits each by node).
func (s *Store) GetSessions(ctx context.Context, chatIDs []int64) ([]domain.Session, error) {
	op := fmt.Sprintf("get %d sessions", len(chatIDs))
	var out []domain.Session
	for batch := range slices.Chunk(chatIDs, sessionBatch) {
		got, err := loadRecords[domain.Session](ctx, s, op, "session", batch, s.keys.session)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

// SaveSession stores in if the stored version equals in.Version (0: none
// stored), stamping UpdatedAt with the store's clock and incrementing
// Version, and returns what it stored. On a version mismatch it stores
// nothing and returns an error wrapping storage.ErrConflict. The check, the
// write and the idle index update are one script.
func (s *Store) SaveSession(ctx context.Context, in domain.Session) (domain.Session, error) {
	op := fmt.Sprintf("save session %d", in.ChatID)
	out := in
	out.Version = in.Version + 1
	out.UpdatedAt = s.now()
	data, err := json.Marshal(out)
	if err != nil {
		return domain.Session{}, fmt.Errorf("redis: %s: encode: %w", op, err)
	}
	idleScore := ""
	if idle(out) {
		idleScore = strconv.FormatInt(out.UpdatedAt.UnixMilli(), 10)
	}
	keys := []string{s.keys.session(in.ChatID), s.keys.idleFor(in.ChatID)}
	saved, err := saveSessionCmd.Run(ctx, s.client, keys,
		strconv.FormatInt(in.Version, 10),
		strconv.FormatInt(out.Version, 10),
		data,
		idleScore,
		strconv.FormatInt(in.ChatID, 10),
	).Int()
	if err != nil {
		return domain.Session{}, wrapErr(op, err)
	}
	if saved != 1 {
		return domain.Session{}, fmt.Errorf("redis: %s: %w: stored version is not %d", op, storage.ErrConflict, in.Version)
	}
	return out, nil
}

// DeleteSession removes the chat's session; a missing one is not an error.
func (s *Store) DeleteSession(ctx context.Context, chatID int64) error {
	_, err := s.client.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		// Both keys carry the shard's hash tag: one slot, so MULTI is fine.
		p.Del(ctx, s.keys.session(chatID))
		p.ZRem(ctx, s.keys.idleFor(chatID), strconv.FormatInt(chatID, 10))
		return nil
	})
	if err != nil {
		return wrapErr(fmt.Sprintf("delete session %d", chatID), err)
	}
	return nil
}

// IdleSessions returns up to limit sessions in a flow, not abandoned, and
// last updated before the given time, oldest first.
//
// It reads the oldest limit entries of every shard's idle index, merges them,
// and loads the oldest limit sessions. The index is by millisecond and a
// session may change between the two steps, so the loaded sessions are
// checked again; that can make the answer shorter than limit when sessions
// move at that very moment, never wrong.
func (s *Store) IdleSessions(ctx context.Context, before time.Time, limit int) ([]domain.Session, error) {
	const op = "idle sessions"
	if limit <= 0 {
		return nil, nil
	}
	candidates, err := s.idleCandidates(ctx, before, limit)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	if len(candidates) == 0 {
		return nil, nil
	}

	pipe := s.client.Pipeline()
	cmds := make([]*goredis.StringCmd, len(candidates))
	for i, c := range candidates {
		cmds[i] = pipe.HGet(ctx, s.keys.session(c.chatID), fieldData)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, goredis.Nil) {
		return nil, wrapErr(op, err)
	}

	out := make([]domain.Session, 0, len(candidates))
	for i, cmd := range cmds {
		data, err := cmd.Bytes()
		if errors.Is(err, goredis.Nil) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, wrapErr(op, err)
		}
		var sess domain.Session
		if err := json.Unmarshal(data, &sess); err != nil {
			return nil, fmt.Errorf("redis: %s: decode session %d: %w", op, candidates[i].chatID, err)
		}
		if idle(sess) && sess.UpdatedAt.Before(before) {
			out = append(out, sess)
		}
	}
	slices.SortStableFunc(out, func(a, b domain.Session) int {
		return a.UpdatedAt.Compare(b.UpdatedAt)
	})
	return out, nil
}

type idleCandidate struct {
	chatID int64
	score  float64
}

// idleCandidates returns the oldest limit entries, across all shards, of the
// idle index with a score up to before's millisecond.
func (s *Store) idleCandidates(ctx context.Context, before time.Time, limit int) ([]idleCandidate, error) {
	by := &goredis.ZRangeBy{
		Min:   "-inf",
		Max:   strconv.FormatInt(before.UnixMilli(), 10), // inclusive: the exact check is on UpdatedAt
		Count: int64(limit),
	}
	pipe := s.client.Pipeline()
	cmds := make([]*goredis.ZSliceCmd, sessionShards)
	for n := range sessionShards {
		cmds[n] = pipe.ZRangeByScoreWithScores(ctx, s.keys.idle(n), by)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, err
	}
	var all []idleCandidate
	for _, cmd := range cmds {
		for _, z := range cmd.Val() {
			member, _ := z.Member.(string)
			id, err := strconv.ParseInt(member, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("idle index member %q: %w", member, err)
			}
			all = append(all, idleCandidate{chatID: id, score: z.Score})
		}
	}
	slices.SortFunc(all, func(a, b idleCandidate) int {
		return cmp.Or(cmp.Compare(a.score, b.score), cmp.Compare(a.chatID, b.chatID))
	})
	return all[:min(len(all), limit)], nil
}

// idle reports whether a session belongs in the idle index.
func idle(s domain.Session) bool {
	return s.InFlow() && !s.Abandoned
}

// ChatState reads the user and the chat's session in one pipeline (on a
// cluster, go-redis sends it to the nodes concerned at once).
func (s *Store) ChatState(ctx context.Context, userID, chatID int64) (storage.ChatState, error) {
	op := fmt.Sprintf("get user %d and session %d", userID, chatID)
	var (
		user    *goredis.MapStringStringCmd
		session *goredis.StringCmd
	)
	_, err := s.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		user = p.HGetAll(ctx, s.keys.user(userID))
		session = p.HGet(ctx, s.keys.session(chatID), fieldData)
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) {
		return storage.ChatState{}, wrapErr(op, err)
	}
	var out storage.ChatState
	if fields := user.Val(); len(fields) > 0 {
		if out.User, err = decodeUser(fields); err != nil {
			return storage.ChatState{}, fmt.Errorf("redis: %s: decode user: %w", op, err)
		}
		out.HasUser = true
	}
	if data, err := session.Bytes(); err == nil {
		if err := json.Unmarshal(data, &out.Session); err != nil {
			return storage.ChatState{}, fmt.Errorf("redis: %s: decode session: %w", op, err)
		}
		out.HasSession = true
	}
	return out, nil
}
