package domain

import (
	"slices"
	"time"
)

// UndoWindow is how long a volunteer may withdraw an in-person record they
// logged (/log's "Undo").
const UndoWindow = 10 * time.Minute

// maxRecentLogs is how many of a volunteer's latest in-person records
// their session remembers, for a note or an undo.
const maxRecentLogs = 5

// IsTopic reports whether topic is one of Topics.
func IsTopic(topic string) bool { return slices.Contains(Topics, topic) }

// LogDraft is a volunteer's /log in progress, and the in-person records
// they logged last: the desk's state between their taps.
type LogDraft struct {
	// Topic and Commune are chosen so far (empty: not yet).
	Topic   string `json:"topic,omitempty"`
	Commune string `json:"commune,omitempty"`
	// Recent are the volunteer's latest records, oldest first: only these
	// may be noted or undone, and each only by them.
	Recent []LoggedAssist `json:"recent,omitempty"`
}

// LoggedAssist is one in-person record a volunteer logged: its id and when.
type LoggedAssist struct {
	ID string    `json:"id"`
	At time.Time `json:"at"`
}

// Logged remembers a record the volunteer just logged, forgetting the
// oldest beyond a few, and clears the draft.
func (d *LogDraft) Logged(id string, at time.Time) {
	d.Topic, d.Commune = "", ""
	d.Recent = append(d.Recent, LoggedAssist{ID: id, At: at})
	if len(d.Recent) > maxRecentLogs {
		d.Recent = slices.Clone(d.Recent[len(d.Recent)-maxRecentLogs:])
	}
}

// Find returns the volunteer's record with the id, if it is among their
// recent ones.
func (d LogDraft) Find(id string) (LoggedAssist, bool) {
	for _, l := range d.Recent {
		if l.ID == id {
			return l, true
		}
	}
	return LoggedAssist{}, false
}

// Forget drops the record with the id (it was undone).
func (d *LogDraft) Forget(id string) {
	d.Recent = slices.DeleteFunc(d.Recent, func(l LoggedAssist) bool { return l.ID == id })
}

// CanUndo reports whether a record logged at was made within UndoWindow of
// now.
func (l LoggedAssist) CanUndo(now time.Time) bool {
	return !now.Before(l.At) && now.Sub(l.At) <= UndoWindow
}
