package flows

import "strconv"

// Edge is one way from a step to the next: a button, or a typed answer.
type Edge struct {
	From, To string
	// Choice is the index of the button on From, or -1 for a typed answer.
	Choice int
	// Input is, for a typed answer, one text per language that takes this
	// edge ("có" / "yes", a number, an option's first word).
	Input Text
}

// Paths lists every path from the start to a final step that visits no
// step twice, up to limit paths (0: no limit). Tests walk them all.
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
		if s.Final() {
			out = append(out, append([]Edge(nil), path...))
			return
		}
		visited[id] = true
		defer delete(visited, id)
		for _, e := range f.edges(s) {
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

// edges lists the ways on from a step.
func (f *Flow) edges(s *Step) []Edge {
	var out []Edge
	for i, c := range s.Choices {
		out = append(out, Edge{From: s.ID, To: c.Next, Choice: i})
	}
	a := s.Answer
	if a == nil {
		return out
	}
	switch a.Type {
	case AnswerYesNo:
		if t := firstNonEmpty(a.Yes, a.Next); t != "" {
			out = append(out, Edge{From: s.ID, To: t, Choice: -1, Input: Text{"vi": "có", "en": "yes"}})
		}
		if t := firstNonEmpty(a.No, a.Next); t != "" {
			out = append(out, Edge{From: s.ID, To: t, Choice: -1, Input: Text{"vi": "không", "en": "no"}})
		}
	case AnswerNumber:
		n := 1.0
		if a.Min != nil {
			n = *a.Min
		}
		v := strconv.FormatFloat(n, 'f', -1, 64)
		out = append(out, Edge{From: s.ID, To: a.Next, Choice: -1, Input: Text{"vi": v, "en": v}})
	case AnswerOneOf:
		for _, o := range a.Options {
			input := Text{}
			for lang, words := range o.Words {
				if len(words) > 0 {
					input[lang] = words[0]
				}
			}
			out = append(out, Edge{From: s.ID, To: firstNonEmpty(o.Next, a.Next), Choice: -1, Input: input})
		}
	}
	return out
}
