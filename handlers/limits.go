package handlers

import (
	"context"
	"math"
	"strconv"
	"time"

	"github.com/hotroso/hotroso/domain"
)

// ResidentLimits bound what one resident can make the desk do, so that one
// resident's flood reaches neither the volunteers nor the other residents.
// Volunteers and organizers are not limited. Each limit is a rate with a
// burst of the same size, kept in the store's shared Limiter (so it holds
// across instances) under a key that names the resident only by a salted
// hash. A zero field means no limit.
type ResidentLimits struct {
	// MessagesPerMinute and MessagesPerDay bound a resident's messages to
	// the desk: what they type or send (text, photos, voice notes, files,
	// stickers) and their presses of "send this photo", which copies a
	// photo to a volunteer. Commands and every other button (the menu, the
	// steps of a flow) are not counted: a resident tapping through a flow
	// never meets the limit. A message over the limit is not relayed, not
	// added to a question and not answered; the resident is told so once a
	// minute at most.
	MessagesPerMinute int
	MessagesPerDay    int
	// AsksPerHour bounds the questions a resident opens (by /ask or its
	// button) in an hour, so that asking and withdrawing over and over
	// cannot fill the volunteer group with cards. A question kept open is
	// never limited.
	AsksPerHour int
}

// limitNoticeEvery is how often at most a resident is told that their
// messages are over the limit.
const limitNoticeEvery = time.Minute

// overMessageLimit counts a resident's message to the desk. When it is
// over the resident's rate, it says so (and the message must go no
// further), with a kind word unless one was given in the last minute.
// Volunteers and organizers are not counted. When the store cannot count,
// the message goes through.
func (d *base) overMessageLimit(ctx context.Context, r *request) (Response, bool) {
	lim := d.cfg.Limits
	if r.user.CanVolunteer() || (lim.MessagesPerMinute <= 0 && lim.MessagesPerDay <= 0) {
		return Response{}, false
	}
	key, err := d.limitKey(ctx, "msg", r.UserID)
	if err != nil {
		d.log.Warn("message limit not checked", "err", err)
		return Response{}, false
	}
	for _, rate := range []struct {
		suffix string
		n      int
		per    time.Duration
	}{{":m", lim.MessagesPerMinute, time.Minute}, {":d", lim.MessagesPerDay, 24 * time.Hour}} {
		if rate.n <= 0 {
			continue
		}
		wait, err := d.store.Reserve(ctx, key+rate.suffix, float64(rate.n)/rate.per.Seconds(), rate.n, d.now())
		if err != nil {
			d.log.Warn("message limit not checked", "err", err)
			return Response{}, false
		}
		if wait > 0 {
			return d.limitNotice(ctx, r, key, wait, rate.per == time.Minute), true
		}
	}
	return Response{}, false
}

// limitNotice tells a resident over their message rate that their last
// messages were not passed on, once in limitNoticeEvery (or in wait, the
// time until the next message may go, when that is longer).
func (d *base) limitNotice(ctx context.Context, r *request, key string, wait time.Duration, perMinute bool) Response {
	every := max(wait, limitNoticeEvery)
	if w, err := d.store.Reserve(ctx, key+":notice", 1/every.Seconds(), 1, d.now()); err != nil || w > 0 {
		return Response{}
	}
	d.log.Info("a resident is over the message limit", "per_minute", perMinute) // once a notice, not once a message
	if perMinute {
		return d.reply(r, d.t(r, "limit.messages", "n", strconv.Itoa(d.cfg.Limits.MessagesPerMinute)), nil)
	}
	day := d.cfg.Limits.MessagesPerDay
	every = 24 * time.Hour / time.Duration(day)
	return d.reply(r, d.t(r, "limit.messages_day", "n", strconv.Itoa(day), "min", strconv.Itoa(minutesUp(every))), nil)
}

// overAskLimit counts a question the resident is about to open. Over the
// limit, it tells them when they can ask again, and that a question kept
// open needs no asking again. Volunteers and organizers are not counted.
func (d *base) overAskLimit(ctx context.Context, r *request, s domain.Session) (Response, bool) {
	n := d.cfg.Limits.AsksPerHour
	if n <= 0 || r.user.CanVolunteer() {
		return Response{}, false
	}
	key, err := d.limitKey(ctx, "ask", r.UserID)
	if err != nil {
		d.log.Warn("ask limit not checked", "err", err)
		return Response{}, false
	}
	now := d.now()
	wait, err := d.store.Reserve(ctx, key, float64(n)/time.Hour.Seconds(), n, now)
	if err != nil {
		d.log.Warn("ask limit not checked", "err", err)
		return Response{}, false
	}
	if wait <= 0 {
		return Response{}, false
	}
	d.log.Info("resident over the ask limit")
	at := now.Add(wait).In(d.location()).Format("15:04")
	return d.reply(r, d.t(r, "limit.asks", "n", strconv.Itoa(n), "min", strconv.Itoa(minutesUp(wait)), "time", at), d.menuButtons(r, s)), true
}

// groupHintEvery is how often at most a group is asked to talk privately.
const groupHintEvery = time.Minute

// groupHintDue reports whether a group (not the volunteer group) may be
// asked again to talk to the bot privately: once in groupHintEvery. When
// the store cannot count, it may.
func (d *base) groupHintDue(ctx context.Context, chatID int64) bool {
	wait, err := d.store.Reserve(ctx, "group:hint:"+strconv.FormatInt(chatID, 10), 1/groupHintEvery.Seconds(), 1, d.now())
	if err != nil {
		d.log.Warn("group hint not counted", "err", err)
		return true
	}
	return wait <= 0
}

// limitKey is the Limiter key of one of a user's limits: the user appears
// only as an HMAC of their id with the store's secret salt, so the keys
// say nothing of who is limited.
func (d *base) limitKey(ctx context.Context, kind string, userID int64) (string, error) {
	hash, err := d.saltedHash(ctx, "limit:"+strconv.FormatInt(userID, 10))
	if err != nil {
		return "", err
	}
	return "resident:" + kind + ":" + hash, nil
}

// minutesUp is d in whole minutes, rounded up, at least 1.
func minutesUp(d time.Duration) int {
	return max(int(math.Ceil(d.Minutes())), 1)
}
