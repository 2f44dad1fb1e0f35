package flows

import "strconv"

// Edge is one way from a step to the next: a button, or a typed answer.
type Edge struct {
	From, To string
	// Choice is the index of the choice button on From, or -1.
	Choice int
	// Pick is the index of the answer button on From (yes 0, no 1, or an
	// option), or -1.
	Pick int
	// Input is, for an answer, one text per language that takes this edge
	// when typed ("có" / "yes", a number, an option's label). A number
	// answer's edge has no button: Choice and Pick are -1.
	Input Text
}

// Tapped reports whether the edge is a button.
func (e Edge) Tapped() bool { return e.Choice >= 0 || e.Pick >= 0 }

// Paths lists every path from the start to a final step, or to a step of
// another flow, that visits no step twice, up to limit paths (0: no
// limit). Tests walk them all.
func (f *Flow) Paths(limit int) [][]Edge {
	var (
		out     [][]Edge
		path    []Edge
		visited = map[string]bool{}
		walk    func(id string)
	)
	walk = func(id string) {
		if limit > 0 && len(out) >= limit {
			return
		}
		s := f.Steps[id]
		if _, _, external := SplitTarget(id); external || s.Final() {
			out = append(out, append([]Edge(nil), path...))
			return
		}
		visited[id] = true
		defer delete(visited, id)
		for _, e := range f.Edges(s) {
			if visited[e.To] {
				continue
			}
			path = append(path, e)
			walk(e.To)
			path = path[:len(path)-1]
		}
	}
	walk(f.Start)
	return out
}

// Edges lists the ways on from a step: its choices, then its answer's
// buttons (or, for a number, the typed answer).
func (f *Flow) Edges(s *Step) []Edge {
	var out []Edge
	for i, c := range s.Choices {
		out = append(out, Edge{From: s.ID, To: c.Next, Choice: i, Pick: -1, Input: c.Label})
	}
	a := s.Answer
	if a == nil {
		return out
	}
	switch a.Type {
	case AnswerYesNo:
		if t := firstNonEmpty(a.Yes, a.Next); t != "" {
			out = append(out, Edge{From: s.ID, To: t, Choice: -1, Pick: 0, Input: Text{"vi": "có", "en": "yes"}})
		}
		if t := firstNonEmpty(a.No, a.Next); t != "" {
			out = append(out, Edge{From: s.ID, To: t, Choice: -1, Pick: 1, Input: Text{"vi": "không", "en": "no"}})
		}
	case AnswerNumber:
		n := 1.0
		if a.Min != nil {
			n = *a.Min
		}
		v := strconv.FormatFloat(n, 'f', -1, 64)
		out = append(out, Edge{From: s.ID, To: a.Next, Choice: -1, Pick: -1, Input: Text{"vi": v, "en": v}})
	case AnswerOneOf:
		for i, o := range a.Options {
			out = append(out, Edge{From: s.ID, To: firstNonEmpty(o.Next, a.Next), Choice: -1, Pick: i, Input: o.Label})
		}
	}
	return out
}
