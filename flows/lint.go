package flows

import (
	"bytes"
	"fmt"
	"image"
	_ "image/jpeg" // register JPEG for image.DecodeConfig
	_ "image/png"  // register PNG for image.DecodeConfig
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits that lint enforces. Telegram's own limits are noted where they apply.
const (
	MaxLabelRunes   = 28       // a button label that fits a phone screen in one line
	MaxTextRunes    = 4096     // Telegram's message limit
	MaxCaptionRunes = 1024     // Telegram's photo caption limit
	MaxIDLen        = 12       // flow ids
	MaxStepIDLen    = 20       // step ids
	MaxPhotoBytes   = 10 << 20 // Telegram: photos up to 10 MB
	MaxPhotoSides   = 10000    // Telegram: width + height at most 10000
	MaxPhotoRatio   = 20       // Telegram: aspect ratio at most 20
	MaxCallbackData = 64       // Telegram: callback_data up to 64 bytes
	MaxChoices      = 10       // buttons a step offers; a phone shows about this many
)

var idPattern = regexp.MustCompile(`^[a-z0-9_]+$`)

// lint checks one parsed flow against the rules in the package doc and
// returns every problem found, each with the file and line.
func lint(f *Flow, langs []string) Problems {
	l := &linter{flow: f, langs: langs}
	l.header()
	for _, id := range f.StepIDs {
		l.step(f.Steps[id])
	}
	l.reachability()
	return l.problems
}

type linter struct {
	flow     *Flow
	langs    []string
	problems Problems
}

func (l *linter) add(line int, format string, args ...any) {
	l.problems = append(l.problems, Problem{File: l.flow.File, Line: line, Message: fmt.Sprintf(format, args...)})
}

func (l *linter) header() {
	f := l.flow
	switch {
	case f.ID == "":
		l.add(1, "id is missing")
	case !idPattern.MatchString(f.ID) || len(f.ID) > MaxIDLen:
		l.add(1, "id %q: use a-z, 0-9 and _ only, at most %d characters", f.ID, MaxIDLen)
	}
	if f.Version <= 0 {
		l.add(1, "version is missing: give a whole number and raise it when steps change")
	}
	l.text(1, "title", f.Title, MaxLabelRunes)
	if f.Reviewed == "" {
		l.add(1, "reviewed is missing: the date (YYYY-MM-DD) the content was last checked against its sources")
	} else if _, err := time.Parse("2006-01-02", f.Reviewed); err != nil {
		l.add(1, "reviewed %q: want a date as YYYY-MM-DD", f.Reviewed)
	}
	if len(f.Sources) == 0 {
		l.add(1, "sources is missing: list where the content comes from")
	}
	if f.Start == "" {
		l.add(1, "start is missing: name the first step")
	} else if _, ok := f.Steps[f.Start]; !ok {
		l.add(1, "start: step %q does not exist", f.Start)
	}
	if len(f.Steps) == 0 {
		l.add(1, "steps is empty")
	}
}

func (l *linter) step(s *Step) {
	where := fmt.Sprintf("step %q", s.ID)
	if !idPattern.MatchString(s.ID) || len(s.ID) > MaxStepIDLen {
		l.add(s.Line, "%s: use a-z, 0-9 and _ only, at most %d characters", where, MaxStepIDLen)
	}
	limit := MaxTextRunes
	if s.Image != "" {
		limit = MaxCaptionRunes
	}
	l.text(s.Line, where+" text", s.Text, limit)
	kinds := 0
	if len(s.Choices) > 0 {
		kinds++
	}
	if s.Answer != nil {
		kinds++
	}
	if s.Outcome != "" {
		kinds++
		if !s.Outcome.Valid() {
			l.add(s.Line, "%s: outcome %q: want done, in_person or gave_up", where, s.Outcome)
		}
	}
	switch {
	case kinds == 0:
		l.add(s.Line, "%s has no way on: give it choices, an answer, or an outcome if the flow ends here", where)
	case kinds > 1:
		l.add(s.Line, "%s: give only one of choices, answer and outcome", where)
	}
	if len(s.Choices) > MaxChoices {
		l.add(s.Line, "%s has %d choices; at most %d fit a phone screen: split the step", where, len(s.Choices), MaxChoices)
	}
	for i, c := range s.Choices {
		label := fmt.Sprintf("%s choice %d label", where, i+1)
		l.text(c.Line, label, c.Label, MaxLabelRunes)
		l.target(c.Line, fmt.Sprintf("%s choice %d", where, i+1), c.Next)
		if n := len(ChoiceData(l.flow.ID, s.ID, i)); n > MaxCallbackData {
			l.add(c.Line, "%s choice %d: button data would be %d bytes, over Telegram's %d: shorten the flow or step id", where, i+1, n, MaxCallbackData)
		}
	}
	if n := len(BackData(l.flow.ID, s.ID)); n > MaxCallbackData {
		l.add(s.Line, "%s: button data would be %d bytes, over Telegram's %d: shorten the flow or step id", where, n, MaxCallbackData)
	}
	if s.Answer != nil {
		l.answer(s, where)
	}
	if s.FollowUp && s.Outcome != OutcomeDone {
		l.add(s.Line, "%s: follow_up marks an end step where the resident submitted or paid: give it outcome done, or drop follow_up", where)
	}
	if s.Final() && s.ID == l.flow.Start {
		l.add(s.Line, "%s is an end step and the flow's start, so it has no ⬅️ Back: start the flow with a step that leads here", where)
	}
	if s.Image != "" {
		l.image(s, where)
	}
}

func (l *linter) answer(s *Step, where string) {
	a := s.Answer
	if a.SaveAs != "" && !idPattern.MatchString(a.SaveAs) {
		l.add(a.Line, "%s answer: save_as %q: use a-z, 0-9 and _ only", where, a.SaveAs)
	}
	l.text(a.Line, where+" answer hint", a.Hint, MaxTextRunes)
	switch a.Type {
	case AnswerYesNo:
		l.yesNo(a, where)
	case AnswerNumber:
		l.number(a, where)
	case AnswerOneOf:
		l.oneOf(a, where)
	default:
		l.add(a.Line, "%s answer: type %q: want yesno, number or oneof", where, a.Type)
	}
	for _, t := range []string{a.Next, a.Yes, a.No} {
		if t != "" {
			l.target(a.Line, where+" answer", t)
		}
	}
	for _, o := range a.Options {
		if o.Next != "" {
			l.target(a.Line, where+" answer option "+o.Value, o.Next)
		}
	}
}

// yesNo: where yes and no lead, and the two buttons.
func (l *linter) yesNo(a *Answer, where string) {
	if (a.Yes == "" || a.No == "") && a.Next == "" {
		l.add(a.Line, "%s answer: a yes/no answer needs next, or both yes and no", where)
	}
	if len(a.YesLabel) == 0 || len(a.NoLabel) == 0 {
		l.add(a.Line, "%s can only be left by typing: give the answer labels (yes: and no:) for its two buttons", where)
		return
	}
	l.text(a.Line, where+" answer yes label", a.YesLabel, MaxLabelRunes)
	l.text(a.Line, where+" answer no label", a.NoLabel, MaxLabelRunes)
}

// number: where it leads, its range, and how to type it.
func (l *linter) number(a *Answer, where string) {
	if a.Next == "" {
		l.add(a.Line, "%s answer: next is missing", where)
	}
	if a.Min != nil && a.Max != nil && *a.Min > *a.Max {
		l.add(a.Line, "%s answer: min is above max", where)
	}
	if len(a.Example) == 0 {
		l.add(a.Line, "%s answer: a number answer is typed; give an example (“Ví dụ: 70”) so the resident knows how", where)
		return
	}
	l.text(a.Line, where+" answer example", a.Example, MaxLabelRunes*2)
}

// oneOf: the options, each with a value, a way on and a button.
func (l *linter) oneOf(a *Answer, where string) {
	if len(a.Options) == 0 {
		l.add(a.Line, "%s answer: a one-of answer needs options", where)
	}
	if len(a.Options) > MaxChoices {
		l.add(a.Line, "%s answer has %d options; at most %d fit a phone screen", where, len(a.Options), MaxChoices)
	}
	for i, o := range a.Options {
		if o.Value == "" {
			l.add(a.Line, "%s answer option %d: value is missing", where, i+1)
		}
		if o.Next == "" && a.Next == "" {
			l.add(a.Line, "%s answer option %d: no next step (give the option or the answer a next)", where, i+1)
		}
		if len(o.Label) == 0 {
			l.add(a.Line, "%s can only be left by typing: give answer option %d a label for its button", where, i+1)
		} else {
			l.text(a.Line, fmt.Sprintf("%s answer option %d label", where, i+1), o.Label, MaxLabelRunes)
		}
	}
}

func (l *linter) target(line int, where, next string) {
	if next == "" {
		l.add(line, "%s: next is missing", where)
		return
	}
	flowID, stepID, external := SplitTarget(next)
	switch {
	case external && (!idPattern.MatchString(flowID) || !idPattern.MatchString(stepID)):
		l.add(line, "%s: %q: a step of another flow is written <flow>/<step>, with a-z, 0-9 and _ only", where, next)
	case external && flowID == l.flow.ID:
		l.add(line, "%s: %q is in this flow: write the step id alone", where, next)
	case !external:
		if _, ok := l.flow.Steps[next]; !ok {
			l.add(line, "%s: leads to step %q, which does not exist", where, next)
		}
	}
}

// text checks that t has a non-empty text in every language, within limit.
func (l *linter) text(line int, where string, t Text, limit int) {
	for _, lang := range l.langs {
		s := strings.TrimSpace(t[lang])
		if s == "" {
			l.add(line, "%s: no text in %q", where, lang)
			continue
		}
		if n := utf8.RuneCountInString(s); n > limit {
			l.add(line, "%s in %q: %d characters, over %d", where, lang, n, limit)
		}
	}
	for lang := range t {
		if !slices.Contains(l.langs, lang) {
			l.add(line, "%s: language %q is not one the bot speaks (%s)", where, lang, strings.Join(l.langs, ", "))
		}
	}
}

func (l *linter) image(s *Step, where string) {
	if s.ImageData == nil {
		return // loadImages reported it
	}
	if len(s.ImageData) > MaxPhotoBytes {
		l.add(s.Line, "%s: image %q is %d bytes, over Telegram's photo limit of 10 MB", where, s.Image, len(s.ImageData))
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(s.ImageData))
	if err != nil || (format != "png" && format != "jpeg") {
		l.add(s.Line, "%s: image %q is not a PNG or JPEG", where, s.Image)
		return
	}
	w, h := cfg.Width, cfg.Height
	if w+h > MaxPhotoSides {
		l.add(s.Line, "%s: image %q is %dx%d; Telegram wants width + height at most %d", where, s.Image, w, h, MaxPhotoSides)
	}
	if w == 0 || h == 0 || w > MaxPhotoRatio*h || h > MaxPhotoRatio*w {
		l.add(s.Line, "%s: image %q is %dx%d; Telegram wants a ratio of at most %d to 1", where, s.Image, w, h, MaxPhotoRatio)
	}
}

// reachability reports steps the start cannot reach, and steps from which no
// final step can be reached (a resident would be trapped in a loop).
func (l *linter) reachability() {
	f := l.flow
	if _, ok := f.Steps[f.Start]; !ok {
		return
	}
	reached := f.reachedFrom(f.Start)
	ends, finals := f.leadingToAnEnd()
	for _, id := range f.StepIDs {
		s := f.Steps[id]
		if !reached[id] {
			l.add(s.Line, "step %q cannot be reached from the start %q", id, f.Start)
		} else if !ends[id] && !s.Final() {
			l.add(s.Line, "step %q never leads to a final step: a resident there could only go round in circles", id)
		}
	}
	if finals == 0 {
		l.add(1, "the flow has no final step (a step with an outcome)")
	}
}

// reachedFrom is the steps of the flow that start leads to, itself
// included.
func (f *Flow) reachedFrom(start string) map[string]bool {
	reached := map[string]bool{start: true}
	queue := []string{start}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		for _, next := range f.Steps[id].targets() {
			if _, ok := f.Steps[next]; ok && !reached[next] {
				reached[next] = true
				queue = append(queue, next)
			}
		}
	}
	return reached
}

// leadingToAnEnd is the steps that lead to a final step, or into another
// flow (a way out), by walking the edges backwards; and how many final
// steps the flow has.
func (f *Flow) leadingToAnEnd() (map[string]bool, int) {
	incoming := map[string][]string{}
	ends := map[string]bool{}
	var queue []string
	finals := 0
	for _, id := range f.StepIDs {
		if f.Steps[id].Final() {
			finals++
			ends[id] = true
			queue = append(queue, id)
		}
		for _, next := range f.Steps[id].targets() {
			incoming[next] = append(incoming[next], id)
			if _, _, external := SplitTarget(next); external && !ends[id] {
				ends[id] = true
				queue = append(queue, id)
			}
		}
	}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		for _, prev := range incoming[id] {
			if !ends[prev] {
				ends[prev] = true
				queue = append(queue, prev)
			}
		}
	}
	return ends, finals
}

// Lint reads and checks every flow file in fsys for the given languages and
// returns all problems, sorted by file and line. It also checks that flow ids
// are unique across files.
func Lint(fsys fs.FS, langs []string) Problems {
	_, problems := parseAll(fsys, langs)
	return problems
}
