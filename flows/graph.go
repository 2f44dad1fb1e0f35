package flows

import (
	"fmt"
	"io"
	"strings"
)

// WriteMermaid writes the flow as a Mermaid flowchart, with step texts and
// button labels in lang: buttons are labelled edges, final steps rounded
// boxes named after their outcome, and steps of other flows slanted boxes.
func (f *Flow) WriteMermaid(w io.Writer, lang string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "---\ntitle: %s (%s v%d)\n---\nflowchart TD\n", mermaidText(f.Title.In(lang, lang), 60), f.ID, f.Version)
	for _, id := range f.StepIDs {
		s := f.Steps[id]
		label := mermaidText(firstLine(s.Text.In(lang, lang)), 40)
		if s.Final() {
			fmt.Fprintf(&b, "  %s([\"%s<br/><i>%s</i>\"])\n", id, label, s.Outcome)
		} else {
			fmt.Fprintf(&b, "  %s[\"%s\"]\n", id, label)
		}
	}
	external := map[string]bool{}
	node := func(next string) string {
		flowID, stepID, ext := SplitTarget(next)
		if !ext {
			return next
		}
		id := "to_" + flowID + "__" + stepID
		if !external[id] {
			external[id] = true
			fmt.Fprintf(&b, "  %s[/\"→ %s\"/]\n", id, mermaidText(next, 40))
		}
		return id
	}
	for _, id := range f.StepIDs {
		s := f.Steps[id]
		for _, c := range s.Choices {
			fmt.Fprintf(&b, "  %s -->|\"%s\"| %s\n", id, mermaidText(c.Label.In(lang, lang), 28), node(c.Next))
		}
		if a := s.Answer; a != nil {
			for _, e := range answerEdges(a, lang) {
				fmt.Fprintf(&b, "  %s -->|\"%s\"| %s\n", id, mermaidText(e.label, 28), node(e.to))
			}
		}
	}
	fmt.Fprintf(&b, "  style %s stroke-width:3px\n", f.Start)
	_, err := io.WriteString(w, b.String())
	return err
}

type edge struct{ label, to string }

// answerEdges are an answer's buttons (or, for a number, its typed
// answer), labelled in lang.
func answerEdges(a *Answer, lang string) []edge {
	var edges []edge
	if a.Type == AnswerYesNo {
		if t := firstNonEmpty(a.Yes, a.Next); t != "" {
			edges = append(edges, edge{a.YesLabel.In(lang, lang), t})
		}
		if t := firstNonEmpty(a.No, a.Next); t != "" {
			edges = append(edges, edge{a.NoLabel.In(lang, lang), t})
		}
		return edges
	}
	for _, o := range a.Options {
		if t := firstNonEmpty(o.Next, a.Next); t != "" {
			edges = append(edges, edge{o.Label.In(lang, lang), t})
		}
	}
	if len(a.Options) == 0 && a.Next != "" {
		edges = append(edges, edge{string(a.Type), a.Next})
	}
	return edges
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// mermaidText shortens s to max characters and escapes what Mermaid would
// read as syntax inside a quoted label.
func mermaidText(s string, max int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) > max {
		r = append(r[:max-1], '…')
	}
	return strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;").Replace(string(r))
}
