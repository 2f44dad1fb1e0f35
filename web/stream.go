package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// heartbeat is how often an idle stream sends a comment, so that proxies
// and phones keep the connection.
const heartbeat = 15 * time.Second

// streamBatch is how many messages a stream reads from the store at once.
const streamBatch = 100

// stream sends the resident's messages after the last one the page has
// (the Last-Event-ID header of a reconnecting EventSource, else ?after=)
// as Server-Sent Events, each with its seq as the event id, and then
// each new one as it is written, until the page goes.
func (c *Channel) stream(w http.ResponseWriter, r *http.Request) {
	id, err := c.identify(w, r, false)
	if err != nil {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	after, err := strconv.ParseInt(r.Header.Get("Last-Event-ID"), 10, 64)
	if err != nil {
		after, _ = strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	}
	ctx := r.Context()
	token, err := c.csrfToken(ctx, id)
	if err != nil {
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 1000\n\n")
	flusher.Flush()
	c.follow(ctx, w, flusher, id, after, token)
}

// follow writes the chat's messages after a seq, and waits for more.
func (c *Channel) follow(ctx context.Context, w http.ResponseWriter, flusher http.Flusher, id, after int64, token string) {
	poll, beat := time.NewTicker(c.cfg.Poll), time.NewTicker(heartbeat)
	defer poll.Stop()
	defer beat.Stop()
	texts := c.texts(c.language(ctx, id))
	for {
		woken := c.live.wait(id)
		msgs, err := c.cfg.Store.WebMessages(ctx, id, after, streamBatch)
		if err != nil {
			c.cfg.Logger.Warn("web: stream not read", "err", err)
		}
		for _, m := range msgs {
			orig := m.Seq
			if m.Replaces != 0 {
				orig = m.Replaces
			}
			if err := c.writeEvent(w, messageView{WebMessage: m, Orig: orig, CSRF: token, T: texts}); err != nil {
				return
			}
			after = m.Seq
		}
		flusher.Flush()
		if len(msgs) == streamBatch {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-woken:
		case <-poll.C:
		case <-beat.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
				return
			}
		}
	}
}

// event is one message as the script receives it.
type event struct {
	Seq      int64  `json:"seq"`
	Replaces int64  `json:"replaces,omitempty"`
	HTML     string `json:"html"`
}

// writeEvent writes one message as an event: its seq as the id, the
// message rendered by the page's own template (escaped there) as data.
func (c *Channel) writeEvent(w http.ResponseWriter, v messageView) error {
	var html bytes.Buffer
	if err := c.page.ExecuteTemplate(&html, "msg", v); err != nil {
		return fmt.Errorf("web: render message: %w", err)
	}
	data, err := json.Marshal(event{Seq: v.Seq, Replaces: v.Replaces, HTML: html.String()})
	if err != nil {
		return fmt.Errorf("web: encode message: %w", err)
	}
	_, err = fmt.Fprintf(w, "id: %d\nevent: m\ndata: %s\n\n", v.Seq, data)
	return err
}
