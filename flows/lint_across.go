package flows

import (
	"fmt"
	"strings"
)

// lintAcross checks what one flow file cannot check alone: that a step of
// another flow that a step leads to exists and speaks every language, and
// that text sending the resident to another section comes with a button
// into it.
func lintAcross(flows []*Flow, langs []string) Problems {
	byID := map[string]*Flow{}
	for _, f := range flows {
		byID[f.ID] = f
	}
	var problems Problems
	for _, f := range flows {
		for _, id := range f.StepIDs {
			s := f.Steps[id]
			for _, t := range s.lines() {
				if p, ok := crossTarget(byID, langs, t.next); !ok {
					problems = append(problems, Problem{File: f.File, Line: t.line, Message: fmt.Sprintf("step %q: %s", id, p)})
				}
			}
			for _, other := range sectionsNamed(flows, f, s, langs) {
				if !s.leadsInto(other.ID) {
					problems = append(problems, Problem{File: f.File, Line: s.Line, Message: fmt.Sprintf(
						"step %q names the section %q but has no button into it: add a choice with next: %s/%s", id, other.Title.In(langs[0], langs[0]), other.ID, other.Start)})
				}
			}
		}
	}
	return problems
}

// crossTarget checks a "<flow>/<step>" target; ok for a target in the same
// flow (the flow's own lint checks those).
func crossTarget(byID map[string]*Flow, langs []string, next string) (problem string, ok bool) {
	flowID, stepID, external := SplitTarget(next)
	if !external {
		return "", true
	}
	g, found := byID[flowID]
	if !found {
		return fmt.Sprintf("leads to %q, but there is no flow %q", next, flowID), false
	}
	step, found := g.Steps[stepID]
	if !found {
		return fmt.Sprintf("leads to %q, but flow %q has no step %q", next, flowID, stepID), false
	}
	var missing []string
	for _, lang := range langs {
		if strings.TrimSpace(step.Text[lang]) == "" {
			missing = append(missing, lang)
		}
	}
	if len(missing) > 0 {
		return fmt.Sprintf("leads to %q, which has no text in %s", next, strings.Join(missing, ", ")), false
	}
	return "", true
}

// targetLine is a step's target with the line that names it.
type targetLine struct {
	next string
	line int
}

// lines lists the step's targets with their lines.
func (s *Step) lines() []targetLine {
	var out []targetLine
	for _, c := range s.Choices {
		out = append(out, targetLine{c.Next, c.Line})
	}
	if a := s.Answer; a != nil {
		for _, t := range s.targets()[len(s.Choices):] {
			out = append(out, targetLine{t, a.Line})
		}
	}
	return out
}

// leadsInto reports whether one of the step's buttons leads into the flow.
func (s *Step) leadsInto(flowID string) bool {
	for _, t := range s.targets() {
		if id, _, external := SplitTarget(t); external && id == flowID {
			return true
		}
	}
	return false
}

// sectionWords announce a reference to a section of the bot: "mục An
// toàn…", "phần Thanh toán…", "the “Paying online” section".
var sectionWords = map[string][]string{"vi": {"muc", "phan"}, "en": {"section"}}

// sectionsNamed lists the other flows whose title the step's text names as
// a section: the first two words of the title right after a section word
// (Vietnamese), or right before or after it (English).
func sectionsNamed(flows []*Flow, self *Flow, s *Step, langs []string) []*Flow {
	var out []*Flow
	for _, other := range flows {
		if other == self {
			continue
		}
		for _, lang := range langs {
			if namesSection(s.Text[lang], other.Title[lang], sectionWords[lang], lang == "en") {
				out = append(out, other)
				break
			}
		}
	}
	return out
}

// titleKeyWords is how many words of a title make a reference to it.
const titleKeyWords = 2

func namesSection(text, title string, words []string, before bool) bool {
	key := foldedWords(title)
	if len(key) > titleKeyWords {
		key = key[:titleKeyWords]
	}
	if len(key) == 0 || len(words) == 0 {
		return false
	}
	t := foldedWords(text)
	at := func(i int) bool {
		if i < 0 || i+len(key) > len(t) {
			return false
		}
		for j, k := range key {
			if t[i+j] != k {
				return false
			}
		}
		return true
	}
	for i, w := range t {
		for _, sw := range words {
			if w != sw {
				continue
			}
			if at(i+1) || (before && (at(i-len(key)) || at(i-len(key)-1))) {
				return true
			}
		}
	}
	return false
}

// foldedWords is text as words without diacritics.
func foldedWords(text string) []string {
	toks := tokens(text)
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.folded
	}
	return out
}
