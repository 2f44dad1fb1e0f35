package flows

import (
	"fmt"
	"io/fs"
	"sort"
)

// Library is the set of flows the bot offers, ready to run.
type Library struct {
	byID    map[string]*Flow
	ordered []*Flow
	words   *understanding
}

// Load reads, lints and prepares every flow in fsys. Any lint problem stops
// the load: the error lists them all, one per line, as Problems. words are
// what residents may type for yes, no and "not sure" (from the locale
// files).
func Load(fsys fs.FS, langs []string, words Words) (*Library, error) {
	flows, problems := parseAll(fsys, langs)
	if len(problems) > 0 {
		return nil, problems
	}
	lib := &Library{byID: map[string]*Flow{}, words: newUnderstanding(words)}
	for _, f := range flows {
		pool, err := newMachinePool(f)
		if err != nil {
			return nil, fmt.Errorf("flows: %s: %w", f.File, err)
		}
		f.machines = pool
		lib.byID[f.ID] = f
		lib.ordered = append(lib.ordered, f)
	}
	sort.SliceStable(lib.ordered, func(i, j int) bool {
		if lib.ordered[i].Order != lib.ordered[j].Order {
			return lib.ordered[i].Order < lib.ordered[j].Order
		}
		return lib.ordered[i].ID < lib.ordered[j].ID
	})
	return lib, nil
}

// Flows returns the flows in menu order.
func (l *Library) Flows() []*Flow { return l.ordered }

// Flow returns the flow with the id, if there is one.
func (l *Library) Flow(id string) (*Flow, bool) {
	f, ok := l.byID[id]
	return f, ok
}

// parseAll parses and lints every flow file in fsys.
func parseAll(fsys fs.FS, langs []string) ([]*Flow, Problems) {
	names, err := flowFiles(fsys)
	if err != nil {
		return nil, Problems{{File: ".", Message: fmt.Sprintf("cannot list flow files: %v", err)}}
	}
	if len(names) == 0 {
		return nil, Problems{{File: ".", Message: "no flow files (*.yaml) found"}}
	}
	var (
		flows    []*Flow
		problems Problems
		seen     = map[string]string{}
	)
	for _, name := range names {
		f, parseProblems := parseFile(fsys, name)
		problems = append(problems, parseProblems...)
		if f == nil {
			continue
		}
		problems = append(problems, loadImages(fsys, f)...)
		problems = append(problems, lint(f, langs)...)
		if other, dup := seen[f.ID]; dup && f.ID != "" {
			problems = append(problems, Problem{File: name, Line: 1, Message: fmt.Sprintf("id %q is already used by %s", f.ID, other)})
		}
		seen[f.ID] = name
		flows = append(flows, f)
	}
	problems = append(problems, lintAcross(flows, langs)...)
	sort.SliceStable(problems, func(i, j int) bool {
		if problems[i].File != problems[j].File {
			return problems[i].File < problems[j].File
		}
		return problems[i].Line < problems[j].Line
	})
	return flows, problems
}
