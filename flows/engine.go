package flows

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
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

// Progress is the outcome of one move through a flow: the position to store
// (with compare-and-set) and the step to show.
type Progress struct {
	Position Position
	Flow     *Flow
	Step     *Step
	// Started is true when the move began the flow (Begin or Restart).
	Started bool
	// Invalid is true when a typed answer did not validate; the step is
	// unchanged and its hint should be shown.
	Invalid bool
}

// Begin starts the flow from its first step, forgetting any earlier progress.
func (l *Library) Begin(s Position, flowID string) (Progress, error) {
	f, ok := l.byID[flowID]
	if !ok {
		return Progress{}, fmt.Errorf("%w: %q", ErrUnknownFlow, flowID)
	}
	s.FlowID, s.FlowVersion, s.Step = f.ID, f.Version, f.Start
	s.Answers, s.History, s.Abandoned = nil, nil, false
	return Progress{Position: s, Flow: f, Step: f.Steps[f.Start], Started: true}, nil
}

// Locate returns the session's flow and step. ErrNotInFlow when the session
// is in none; ErrUnknownFlow or ErrStepGone when the flow was removed or
// edited so that the step no longer exists.
func (l *Library) Locate(s Position) (*Flow, *Step, error) {
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
func (l *Library) current(s Position, b Button) (*Flow, *Step, error) {
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
func (l *Library) Choose(ctx context.Context, s Position, b Button) (Progress, error) {
	f, step, err := l.current(s, b)
	if err != nil {
		return Progress{}, err
	}
	if b.Choice >= len(step.Choices) {
		return Progress{}, ErrStale
	}
	return l.move(ctx, s, f, step, choiceEvent(b.Choice), "", "")
}

// Pick follows the answer button b.Choice of the session's current step:
// for yes/no, 0 is yes and 1 is no; for one-of, the option's index. It is
// the same move as typing the answer.
func (l *Library) Pick(ctx context.Context, s Position, b Button) (Progress, error) {
	f, step, err := l.current(s, b)
	if err != nil {
		return Progress{}, err
	}
	a := step.Answer
	switch {
	case a == nil:
		return Progress{}, ErrStale
	case a.Type == AnswerYesNo && b.Choice == 0:
		return l.move(ctx, s, f, step, eventYes, a.SaveAs, "yes")
	case a.Type == AnswerYesNo && b.Choice == 1:
		return l.move(ctx, s, f, step, eventNo, a.SaveAs, "no")
	case a.Type == AnswerOneOf && b.Choice < len(a.Options):
		return l.move(ctx, s, f, step, optionEvent(b.Choice), a.SaveAs, a.Options[b.Choice].Value)
	}
	return Progress{}, ErrStale
}

// Answer reads text typed at the session's current step and moves on: an
// answer the step expects, or the label of one of its buttons. Text that
// is neither gives a Progress with Invalid set and the session unchanged;
// a step that expects no typing (only buttons, or an end) gives ErrStale.
func (l *Library) Answer(ctx context.Context, s Position, text string) (Progress, error) {
	f, step, err := l.Locate(s)
	if err != nil {
		return Progress{}, err
	}
	for i, c := range step.Choices {
		if isLabel(text, c.Label) {
			return l.move(ctx, s, f, step, choiceEvent(i), "", "")
		}
	}
	if step.Answer == nil {
		return Progress{}, ErrStale
	}
	event, value, ok := l.validate(step.Answer, text)
	if !ok {
		return Progress{Position: s, Flow: f, Step: step, Invalid: true}, nil
	}
	return l.move(ctx, s, f, step, event, step.Answer.SaveAs, value)
}

// Expects reports whether the session's current step reads typed text:
// an answer, or buttons whose labels may be typed.
func (l *Library) Expects(s Position) bool {
	_, step, err := l.Locate(s)
	return err == nil && (step.Answer != nil || len(step.Choices) > 0)
}

func (l *Library) move(ctx context.Context, s Position, f *Flow, from *Step, event, saveAs, value string) (Progress, error) {
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
	s.Abandoned = false
	flowID, stepID, external := SplitTarget(to)
	if !external {
		s.History = pushBounded(s.History, from.ID)
		s.Step, s.FlowVersion = to, f.Version
		return Progress{Position: s, Flow: f, Step: f.Steps[to]}, nil
	}
	// Into another flow: Back returns to this step of this flow.
	g, ok := l.byID[flowID]
	if !ok || g.Steps[stepID] == nil {
		return Progress{}, fmt.Errorf("%w: %q (from %s/%s)", ErrUnknownFlow, to, f.ID, from.ID)
	}
	s.History = pushBounded(s.History, f.ID+"/"+from.ID)
	s.FlowID, s.Step, s.FlowVersion = g.ID, stepID, g.Version
	return Progress{Position: s, Flow: g, Step: g.Steps[stepID], Started: true}, nil
}

// Back returns to the step before the current one, also across flows (or
// stays at the start).
func (l *Library) Back(s Position, b Button) (Progress, error) {
	f, _, err := l.current(s, b)
	if err != nil {
		return Progress{}, err
	}
	for len(s.History) > 0 {
		prev := s.History[len(s.History)-1]
		s.History = s.History[: len(s.History)-1 : len(s.History)-1]
		g := f
		flowID, stepID, external := SplitTarget(prev)
		if external {
			if g = l.byID[flowID]; g == nil {
				continue
			}
		}
		if step, ok := g.Steps[stepID]; ok {
			s.FlowID, s.Step, s.FlowVersion, s.Abandoned = g.ID, stepID, g.Version, false
			return Progress{Position: s, Flow: g, Step: step}, nil
		}
	}
	s.Step = f.Start
	return Progress{Position: s, Flow: f, Step: f.Steps[f.Start]}, nil
}

// Restart sends the session to the flow's start through the machine's
// restart event, keeping nothing of the earlier progress.
func (l *Library) Restart(ctx context.Context, s Position, b Button) (Progress, error) {
	f, step, err := l.current(s, b)
	if err != nil {
		return Progress{}, err
	}
	to, err := f.fire(ctx, step.ID, eventRestart)
	if err != nil {
		return Progress{}, err
	}
	s.Step, s.FlowVersion, s.Answers, s.History, s.Abandoned = to, f.Version, nil, nil, false
	return Progress{Position: s, Flow: f, Step: f.Steps[to], Started: true}, nil
}

func pushBounded(history []string, step string) []string {
	out := make([]string, 0, min(len(history)+1, MaxHistory))
	if len(history) >= MaxHistory {
		history = history[len(history)-MaxHistory+1:]
	}
	out = append(out, history...)
	return append(out, step)
}

// validate checks a typed answer and returns the machine event and the
// value to save.
func (l *Library) validate(a *Answer, text string) (event, value string, ok bool) {
	switch a.Type {
	case AnswerYesNo:
		yes, ok := l.words.yesNo(text)
		switch {
		case isLabel(text, a.YesLabel):
			return eventYes, "yes", true
		case isLabel(text, a.NoLabel):
			return eventNo, "no", true
		case !ok:
			return "", "", false
		case yes:
			return eventYes, "yes", true
		}
		return eventNo, "no", true
	case AnswerNumber:
		n, ok := typedNumber(text)
		if !ok || (a.Min != nil && n < *a.Min) || (a.Max != nil && n > *a.Max) {
			return "", "", false
		}
		return eventAnswer, strconv.FormatFloat(n, 'f', -1, 64), true
	case AnswerOneOf:
		if i, ok := l.words.option(text, a.Options); ok {
			return optionEvent(i), a.Options[i].Value, true
		}
	}
	return "", "", false
}

// typedNumber reads the one number in a typed answer ("70", "70 tuổi",
// "1,5"): text with no number, or with two, is not one.
func typedNumber(text string) (float64, bool) {
	var found string
	for _, field := range strings.FieldsFunc(norm.NFKC.String(text), func(r rune) bool { return !unicode.IsDigit(r) && r != ',' && r != '.' }) {
		field = strings.Trim(field, ",.")
		if field == "" {
			continue
		}
		if found != "" {
			return 0, false
		}
		found = field
	}
	n, err := strconv.ParseFloat(strings.ReplaceAll(found, ",", "."), 64)
	return n, err == nil
}
