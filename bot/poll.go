package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"
)

// poller receives updates by long polling getUpdates, at least once: the
// offset it sends, which confirms to Telegram every update below it, never
// passes an update that is not handled yet. An update whose handling a
// crash cut short is thus delivered again to the next process, which
// handles it unless the store recorded it as handled (Bot.handle).
//
// go-telegram/bot's own loop confirms each update on its next getUpdates,
// as soon as it is queued in memory, which loses the updates queued or in
// hand at a kill.
//
// Telegram gives no way to fetch new updates without confirming the older
// ones, so while some are in hand each poll returns them again, with any
// new ones behind them: the poller skips those it knows, and polls again
// when one is handled or after busyPoll, spaced by how many it got again
// (repollCost). Only the first pollLimit unconfirmed updates are seen:
// while the oldest in hand holds back that many (one chat's long backlog,
// or a slow update with many handled behind it), newer ones wait until it
// is handled.
type poller struct {
	client  *http.Client
	url     string // <server>/bot<token>/getUpdates
	timeout time.Duration
	allowed []string
	log     *slog.Logger

	mu       sync.Mutex
	inHand   map[int64]bool // given to the workers and not handled yet
	next     int64          // one past the highest update id taken
	progress chan struct{}  // closed and replaced when an update is handled
	advanced chan struct{}  // closed and replaced when the offset moves on
}

// Polling pace.
const (
	// pollLimit is the most updates one getUpdates returns (Telegram's
	// maximum).
	pollLimit = 100
	// busyPoll is how long the poller waits, while updates are in hand and
	// none gets handled, before it looks for new ones.
	busyPoll = 50 * time.Millisecond
	// repollCost spaces the polls made while updates are in hand, by how
	// many updates the last one returned again: each costs Telegram and us
	// a copy, and the waits keep those copies under 1/repollCost a second.
	// The wait is at most maxPollGap.
	repollCost = 500 * time.Microsecond
	maxPollGap = 50 * time.Millisecond
	// maxPollBackoff bounds the wait after a failed getUpdates.
	maxPollBackoff = 5 * time.Second
)

func newPoller(client *http.Client, serverURL, token string, timeout time.Duration, allowed []string, log *slog.Logger) *poller {
	return &poller{client: client, url: serverURL + "/bot" + token + "/getUpdates", timeout: timeout, allowed: allowed, log: log,
		inHand: map[int64]bool{}, progress: make(chan struct{}), advanced: make(chan struct{})}
}

// run polls until ctx ends, giving each new update to take with the
// function to call once it is handled. The updates of the first answer
// are marked retry: every update a previous process took and did not
// confirm is among them (each was among the first pollLimit unconfirmed
// when it was taken, and stays so as older ones are confirmed).
func (p *poller) run(ctx context.Context, take func(upd *models.Update, retry bool, handled func())) {
	var backoff time.Duration
	first := true
	for ctx.Err() == nil {
		offset, busy := p.offset()
		wait := p.timeout
		if busy {
			wait = 0
		}
		started := time.Now()
		batch, err := p.getUpdates(ctx, offset, wait, pollLimit)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			backoff = pollBackoff(backoff, err)
			p.log.Warn("getUpdates failed; polling again shortly", "wait", backoff, "err", err)
			if sleepCtx(ctx, backoff) != nil {
				return
			}
			continue
		}
		backoff = 0
		fresh := p.dispatch(batch, first, take)
		first = false
		if fresh > 0 && len(batch) == pollLimit {
			continue // more may wait behind this batch
		}
		p.awaitProgress(ctx, len(batch) == pollLimit, started.Add(min(time.Duration(len(batch)-fresh)*repollCost, maxPollGap)))
	}
}

// offset is the offset to poll with: the lowest update id in hand, else one
// past the highest taken (0, no offset, before any); busy says whether
// updates are in hand.
func (p *poller) offset() (offset int64, busy bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	offset = p.next
	for id := range p.inHand {
		offset = min(offset, id)
	}
	return offset, len(p.inHand) > 0
}

// dispatch takes the updates of a batch that are new to this process, in
// order, and returns how many. An update that does not decode is skipped
// (and confirmed with the next poll): it would come back forever.
func (p *poller) dispatch(batch []json.RawMessage, retry bool, take func(*models.Update, bool, func())) (fresh int) {
	for _, raw := range batch {
		id := updateID(raw)
		if id <= 0 {
			p.log.Warn("update without an id skipped")
			continue
		}
		if !p.take(id) {
			continue // in hand, or handled already
		}
		upd := &models.Update{}
		if err := json.Unmarshal(raw, upd); err != nil {
			p.log.Warn("malformed update skipped", "update_id", id, "err", err)
			p.handled(id)
			continue
		}
		fresh++
		take(upd, retry, func() { p.handled(id) })
	}
	return fresh
}

// updateID reads the update_id of an update as encoding/json would (0 when
// it has none, or not an integer). Polls made while updates are in hand
// return them again, so this runs far more often than an update is
// decoded: a scan of the object's top level for a plain integer comes
// first, encoding/json after it for anything else.
func updateID(raw json.RawMessage) int64 {
	if id, ok := scanUpdateID(raw); ok {
		return id
	}
	var head struct {
		ID int64 `json:"update_id"`
	}
	if json.Unmarshal(raw, &head) != nil {
		return 0
	}
	return head.ID
}

var updateIDKey = []byte("update_id")

// scanUpdateID finds the last top-level "update_id" member of raw, valid
// JSON, and reads its value; ok is false unless raw is an object whose
// update_id members are written plainly, the last one a plain integer.
func scanUpdateID(raw []byte) (id int64, ok bool) {
	depth, found := 0, -1
	for i := 0; i < len(raw); i++ {
		switch raw[i] {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case '\\':
			return 0, false // an escape outside a string: not what we scan
		case '"':
			start := i + 1
			for i++; i < len(raw) && raw[i] != '"'; i++ {
				if raw[i] == '\\' {
					if depth == 1 {
						return 0, false // an escaped member name could spell update_id
					}
					i++
				}
			}
			if depth == 1 && bytes.EqualFold(raw[start:min(i, len(raw))], updateIDKey) {
				if string(raw[start:i]) != "update_id" {
					return 0, false // encoding/json matches names in any case
				}
				found = i + 1
			}
		}
	}
	if found < 0 || len(raw) == 0 || raw[0] != '{' {
		return 0, false
	}
	rest := bytes.TrimLeft(raw[found:], " \t\r\n")
	if len(rest) == 0 || rest[0] != ':' {
		return 0, false
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	end := bytes.IndexAny(rest, ",} \t\r\n")
	if end < 0 {
		return 0, false
	}
	id, err := strconv.ParseInt(string(rest[:end]), 10, 64)
	return id, err == nil
}

// take marks an update id as in hand, unless this process has taken it
// already.
func (p *poller) take(id int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if id < p.next {
		return false
	}
	p.inHand[id] = true
	p.next = id + 1
	return true
}

// handled releases an update id: the next poll may confirm it.
func (p *poller) handled(id int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.inHand, id)
	close(p.progress)
	p.progress = make(chan struct{})
	for other := range p.inHand {
		if other < id {
			return // the offset stays below other
		}
	}
	close(p.advanced)
	p.advanced = make(chan struct{})
}

// awaitProgress returns at once when no update is in hand (the next poll
// is a long poll). Otherwise it waits, not past notBefore, until an update
// is handled or busyPoll passed; after a full answer (the first pollLimit
// updates from the offset, none new), until the offset moves on: nothing
// newer can be seen before.
func (p *poller) awaitProgress(ctx context.Context, full bool, notBefore time.Time) {
	p.mu.Lock()
	busy, progress := len(p.inHand) > 0, p.progress
	if full {
		progress = p.advanced
	}
	p.mu.Unlock()
	if !busy {
		return
	}
	var timeout <-chan time.Time
	if !full {
		timer := time.NewTimer(busyPoll)
		defer timer.Stop()
		timeout = timer.C
	}
	select {
	case <-progress:
	case <-timeout:
	case <-ctx.Done():
		return
	}
	_ = sleepCtx(ctx, time.Until(notBefore))
}

// confirm tells Telegram, with one short getUpdates, that every update
// below the offset was handled, so that a restart does not receive them
// again. Updates still in hand are not confirmed.
func (p *poller) confirm(ctx context.Context) {
	offset, _ := p.offset()
	if offset == 0 {
		return
	}
	if _, err := p.getUpdates(ctx, offset, 0, 1); err != nil {
		p.log.Debug("handled updates not confirmed before stopping", "err", err)
	}
}

// pollError is an error answer of getUpdates.
type pollError struct {
	Code        int
	Description string
	RetryAfter  time.Duration
}

func (e *pollError) Error() string {
	return fmt.Sprintf("telegram answered %d: %s", e.Code, e.Description)
}

// pollBackoff is the wait after a failed getUpdates: retry_after for a 429,
// else 100 ms doubling up to maxPollBackoff while failures follow each
// other.
func pollBackoff(last time.Duration, err error) time.Duration {
	var answer *pollError
	if errors.As(err, &answer) && answer.RetryAfter > 0 {
		return answer.RetryAfter
	}
	if last <= 0 {
		return 100 * time.Millisecond
	}
	return min(2*last, maxPollBackoff)
}

// getUpdates makes one getUpdates call and returns the updates undecoded.
func (p *poller) getUpdates(ctx context.Context, offset int64, wait time.Duration, limit int) ([]json.RawMessage, error) {
	params := struct {
		Offset         int64    `json:"offset,omitempty"`
		Limit          int      `json:"limit"`
		Timeout        int      `json:"timeout"`
		AllowedUpdates []string `json:"allowed_updates,omitempty"`
	}{Offset: offset, Limit: limit, Timeout: int(wait.Seconds()), AllowedUpdates: p.allowed}
	body, err := json.Marshal(params)
	if err != nil {
		return nil, fmt.Errorf("bot: getUpdates: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("bot: getUpdates: %w", redactURL(err))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("bot: getUpdates: %w", redactURL(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("bot: getUpdates: read the answer: %w", err)
	}
	var answer struct {
		OK          bool              `json:"ok"`
		Result      []json.RawMessage `json:"result"`
		ErrorCode   int               `json:"error_code"`
		Description string            `json:"description"`
		Parameters  struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	if err := json.Unmarshal(data, &answer); err != nil {
		return nil, fmt.Errorf("bot: getUpdates: the answer does not decode (HTTP %d): %w", resp.StatusCode, err)
	}
	if !answer.OK {
		return nil, &pollError{Code: answer.ErrorCode, Description: answer.Description, RetryAfter: time.Duration(answer.Parameters.RetryAfter) * time.Second}
	}
	return answer.Result, nil
}

// redactURL drops the request URL, which holds the bot token, from a
// client error.
func redactURL(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return fmt.Errorf("%s: %w", urlErr.Op, urlErr.Err)
	}
	return err
}
