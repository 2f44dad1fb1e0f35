package handlers

import (
	"strconv"
	"time"
)

// DeskHours are when volunteers staff the desk: from Start to End o'clock
// in Location, across midnight when Start > End; End 24 is midnight. The
// zero value (no Location), and 0-24, are a desk that never closes.
type DeskHours struct {
	Start, End int
	Location   *time.Location
}

// always reports whether the desk never closes.
func (h DeskHours) always() bool {
	return h.Location == nil || h.Start == h.End || (h.Start == 0 && h.End == 24)
}

// Open reports whether t falls in the desk's hours.
func (h DeskHours) Open(t time.Time) bool {
	if h.always() {
		return true
	}
	hour := t.In(h.Location).Hour()
	if h.Start < h.End {
		return hour >= h.Start && hour < h.End
	}
	return hour >= h.Start || hour < h.End
}

// NextOpening is the first time after t when the desk opens: the next
// Start o'clock. A desk that never closes opens at t.
func (h DeskHours) NextOpening(t time.Time) time.Time {
	if h.always() {
		return t
	}
	local := t.In(h.Location)
	open := time.Date(local.Year(), local.Month(), local.Day(), h.Start, 0, 0, 0, h.Location)
	if !open.After(local) {
		open = time.Date(local.Year(), local.Month(), local.Day()+1, h.Start, 0, 0, 0, h.Location)
	}
	return open
}

// OpenedAt is when the stretch of desk hours that holds t began: the last
// Start o'clock at or before t. It is zero for a desk that never closes,
// and meaningless when t is outside the hours.
func (h DeskHours) OpenedAt(t time.Time) time.Time {
	if h.always() {
		return time.Time{}
	}
	local := t.In(h.Location)
	open := time.Date(local.Year(), local.Month(), local.Day(), h.Start, 0, 0, 0, h.Location)
	if open.After(local) {
		open = time.Date(local.Year(), local.Month(), local.Day()-1, h.Start, 0, 0, 0, h.Location)
	}
	return open
}

// SameStretch reports whether a and b both fall in one stretch of desk
// hours (a question asked and taken while the desk was open, without a
// night between).
func (h DeskHours) SameStretch(a, b time.Time) bool {
	return h.Open(a) && h.Open(b) && h.OpenedAt(a).Equal(h.OpenedAt(b))
}

// partOfDay names the part of the day an hour falls in, as the texts
// "desk.opens_*" do.
func partOfDay(hour int) string {
	switch {
	case hour < 11:
		return "morning"
	case hour < 13:
		return "noon"
	case hour < 18:
		return "afternoon"
	}
	return "evening"
}

// whenOpen says, in lang, when the closed desk opens again, as the
// resident would: "sáng mai từ 7 giờ" (tomorrow morning from 7), "sáng nay
// từ 7 giờ" before dawn, "chiều nay từ 13 giờ" for an afternoon desk.
func (d *base) whenOpen(lang string, now time.Time) string {
	hours := d.cfg.DeskHours
	next := hours.NextOpening(now)
	day := "today"
	if hours.Location != nil {
		y, m, dd := now.In(hours.Location).Date()
		ny, nm, nd := next.In(hours.Location).Date()
		if y != ny || m != nm || dd != nd {
			day = "tomorrow"
		}
	}
	return d.texts.T(lang, "desk.opens_"+day+"_"+partOfDay(next.Hour()), "hour", strconv.Itoa(next.Hour()))
}
