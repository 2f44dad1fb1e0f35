package flows

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/hotroso/hotroso/storage"
)

// MaxHistory bounds how many steps back a resident can go.
const MaxHistory = 20

// Errors of the engine.
var (
	// ErrUnknownFlow means the flow id is not in the library.
	ErrUnknownFlow = errors.New("flows: no such flow")
	// ErrStale means a button belongs to a step the session has left.
	ErrStale = errors.New("flows: button from an earlier step")
	// ErrStepGone means the session's step no longer exists in its flow
	// (the flow was edited): the resident is sent back to the start.
	ErrStepGone = errors.New("flows: the session's step is gone from the flow")
	// ErrNotInFlow means the session is not in a flow.
	ErrNotInFlow = errors.New("flows: not in a flow")
)

// Progress is the outcome of one move through a flow: the session to store
// (with compare-and-set) and the step to show.
type Progress struct {
	Session storage.Session
	Flow    *Flow
	Step    *Step
	// Started is true when the move began the flow (Begin or Restart).
	Started bool
	// Invalid is true when a typed answer did not validate; the step is
	// unchanged and its hint should be shown.
	Invalid bool
}

// Begin starts the flow from its first step, forgetting any earlier progress.
func (l *Library) Begin(s storage.Session, flowID string) (Progress, error) {
	f, ok := l.byID[flowID]
	if !ok {
		return Progress{}, fmt.Errorf("%w: %q", ErrUnknownFlow, flowID)
	}
	s.FlowID, s.FlowVersion, s.Step = f.ID, f.Version, f.Start
	s.Answers, s.History, s.Abandoned = nil, nil, false
	return Progress{Session: s, Flow: f, Step: f.Steps[f.Start], Started: true}, nil
}

// Locate returns the session's flow and step. ErrNotInFlow when the session
// is in none; ErrUnknownFlow or ErrStepGone when the flow was removed or
// edited so that the step no longer exists.
func (l *Library) Locate(s storage.Session) (*Flow, *Step, error) {
	if !s.InFlow() {
		return nil, nil, ErrNotInFlow
	}
	f, ok := l.byID[s.FlowID]
	if !ok {
		return nil, nil, fmt.Errorf("%w: %q", ErrUnknownFlow, s.FlowID)
	}
	step, ok := f.Steps[s.Step]
	if !ok {
		return f, nil, fmt.Errorf("%w: %s/%s", ErrStepGone, s.FlowID, s.Step)
	}
	return f, step, nil
}

// current checks that button b was pressed on the session's current step.
func (l *Library) current(s storage.Session, b Button) (*Flow, *Step, error) {
	f, step, err := l.Locate(s)
	if err != nil {
		return f, step, err
	}
	if b.Flow != s.FlowID || b.Step != s.Step {
		return f, step, ErrStale
	}
	return f, step, nil
}

// Choose follows choice b.Choice of the session's current step.
func (l *Library) Choose(ctx context.Context, s storage.Session, b Button) (Progress, error) {
	f, step, err := l.current(s, b)
	if err != nil {
		return Progress{}, err
	}
	if b.Choice >= len(step.Choices) {
		return Progress{}, ErrStale
	}
	return l.move(ctx, s, f, step, choiceEvent(b.Choice), "", "")
}

// Answer validates text typed at the session's current step and moves on.
// A step without an answer gives ErrStale; an invalid answer gives a
// Progress with Invalid set and the session unchanged.
func (l *Library) Answer(ctx context.Context, s storage.Session, text string) (Progress, error) {
	f, step, err := l.Locate(s)
	if err != nil {
		return Progress{}, err
	}
	if step.Answer == nil {
		return Progress{}, ErrStale
	}
	event, value, ok := step.Answer.validate(text)
	if !ok {
		return Progress{Session: s, Flow: f, Step: step, Invalid: true}, nil
	}
	return l.move(ctx, s, f, step, event, step.Answer.SaveAs, value)
}

func (l *Library) move(ctx context.Context, s storage.Session, f *Flow, from *Step, event, saveAs, value string) (Progress, error) {
	to, err := f.fire(ctx, from.ID, event)
	if err != nil {
		return Progress{}, err
	}
	if saveAs != "" {
		answers := make(map[string]string, len(s.Answers)+1)
		maps.Copy(answers, s.Answers)
		answers[saveAs] = value
		s.Answers = answers
	}
	s.History = pushBounded(s.History, from.ID)
	s.Step, s.FlowVersion, s.Abandoned = to, f.Version, false
	return Progress{Session: s, Flow: f, Step: f.Steps[to]}, nil
}

// Back returns to the step before the current one (or stays at the start).
func (l *Library) Back(s storage.Session, b Button) (Progress, error) {
	f, _, err := l.current(s, b)
	if err != nil {
		return Progress{}, err
	}
	for len(s.History) > 0 {
		prev := s.History[len(s.History)-1]
		s.History = s.History[: len(s.History)-1 : len(s.History)-1]
		if _, ok := f.Steps[prev]; ok {
			s.Step, s.Abandoned = prev, false
			return Progress{Session: s, Flow: f, Step: f.Steps[prev]}, nil
		}
	}
	s.Step = f.Start
	return Progress{Session: s, Flow: f, Step: f.Steps[f.Start]}, nil
}

// Restart sends the session to the flow's start through the machine's
// restart event, keeping nothing of the earlier progress.
func (l *Library) Restart(ctx context.Context, s storage.Session, b Button) (Progress, error) {
	f, step, err := l.current(s, b)
	if err != nil {
		return Progress{}, err
	}
	to, err := f.fire(ctx, step.ID, eventRestart)
	if err != nil {
		return Progress{}, err
	}
	s.Step, s.FlowVersion, s.Answers, s.History, s.Abandoned = to, f.Version, nil, nil, false
	return Progress{Session: s, Flow: f, Step: f.Steps[to], Started: true}, nil
}

func pushBounded(history []string, step string) []string {
	out := make([]string, 0, min(len(history)+1, MaxHistory))
	if len(history) >= MaxHistory {
		history = history[len(history)-MaxHistory+1:]
	}
	out = append(out, history...)
	return append(out, step)
}

// Words a resident may type for yes and no, in any language the bot speaks.
var (
	yesWords = []string{"có", "co", "vâng", "vang", "dạ", "da", "ừ", "rồi", "roi", "đúng", "dung", "được", "duoc", "yes", "y", "yeah", "ok", "sure"}
	noWords  = []string{"không", "khong", "ko", "k", "chưa", "chua", "không có", "no", "n", "nope", "not yet"}
)

// validate checks a typed answer and returns the machine event and the
// value to save.
func (a *Answer) validate(text string) (event, value string, ok bool) {
	norm := strings.ToLower(strings.Trim(strings.TrimSpace(text), ".!?,;"))
	switch a.Type {
	case AnswerYesNo:
		switch {
		case matchesAny(norm, noWords): // "không" before "có": "không có" means no
			return eventNo, "no", true
		case matchesAny(norm, yesWords):
			return eventYes, "yes", true
		}
	case AnswerNumber:
		n, err := strconv.ParseFloat(strings.ReplaceAll(norm, ",", "."), 64)
		if err != nil || (a.Min != nil && n < *a.Min) || (a.Max != nil && n > *a.Max) {
			return "", "", false
		}
		return eventAnswer, strconv.FormatFloat(n, 'f', -1, 64), true
	case AnswerOneOf:
		for i, o := range a.Options {
			if norm == strings.ToLower(o.Value) {
				return optionEvent(i), o.Value, true
			}
			for _, words := range o.Words {
				if matchesAny(norm, words) {
					return optionEvent(i), o.Value, true
				}
			}
		}
	}
	return "", "", false
}

// politeEndings may follow an answer word: "có ạ", "không nhé", "yes please".
var politeEndings = []string{"ạ", "à", "nhé", "nha", "rồi", "roi", "luôn", "please", "thanks"}

// matchesAny reports whether text is one of words, alone or followed by
// polite endings only ("có ạ" is yes; "có lẽ", "maybe", matches nothing).
func matchesAny(text string, words []string) bool {
	for _, w := range words {
		w = strings.ToLower(w)
		if text == w {
			return true
		}
		rest, ok := strings.CutPrefix(text, w+" ")
		if !ok {
			continue
		}
		polite := true
		for _, word := range strings.Fields(rest) {
			polite = polite && slices.Contains(politeEndings, word)
		}
		if polite {
			return true
		}
	}
	return false
}
