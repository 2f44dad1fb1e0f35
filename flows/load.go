package flows

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed content
var embedded embed.FS

// Embedded returns the flow files shipped inside the binary.
func Embedded() fs.FS {
	sub, err := fs.Sub(embedded, "content")
	if err != nil {
		panic(fmt.Sprintf("flows: embedded content: %v", err)) // cannot happen: the directory is embedded
	}
	return sub
}

// Problem is one thing wrong with a flow file, at a line.
type Problem struct {
	File    string
	Line    int
	Message string
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Message)
}

// Problems is a list of problems; as an error it prints one per line.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

type rawText map[string]string

type rawChoice struct {
	Label rawText `yaml:"label"`
	Next  string  `yaml:"next"`
}

type rawOption struct {
	Value string              `yaml:"value"`
	Label rawText             `yaml:"label"`
	Words map[string][]string `yaml:"words"`
	Next  string              `yaml:"next"`
}

type rawLabels struct {
	Yes rawText `yaml:"yes"`
	No  rawText `yaml:"no"`
}

type rawAnswer struct {
	Type    string      `yaml:"type"`
	SaveAs  string      `yaml:"save_as"`
	Next    string      `yaml:"next"`
	Yes     string      `yaml:"yes"`
	No      string      `yaml:"no"`
	Min     *float64    `yaml:"min"`
	Max     *float64    `yaml:"max"`
	Options []rawOption `yaml:"options"`
	Labels  rawLabels   `yaml:"labels"`
	Example rawText     `yaml:"example"`
	Hint    rawText     `yaml:"hint"`
}

type rawStep struct {
	Text    rawText     `yaml:"text"`
	Image   string      `yaml:"image"`
	Choices []yaml.Node `yaml:"choices"`
	Answer  yaml.Node   `yaml:"answer"`
	Outcome string      `yaml:"outcome"`
	// FollowUp marks an end step meaning the resident submitted or paid.
	FollowUp bool `yaml:"follow_up"`
}

type rawFlow struct {
	ID       string    `yaml:"id"`
	Version  int       `yaml:"version"`
	Order    int       `yaml:"order"`
	Title    rawText   `yaml:"title"`
	Reviewed string    `yaml:"reviewed"`
	Sources  []string  `yaml:"sources"`
	Start    string    `yaml:"start"`
	Urgent   bool      `yaml:"urgent"`
	Steps    yaml.Node `yaml:"steps"`
}

// parseFile reads one flow file. It returns the problems that stop it from
// being read at all; the rest is lint's job.
func parseFile(fsys fs.FS, name string) (*Flow, Problems) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, Problems{{File: name, Message: fmt.Sprintf("cannot read: %v", err)}}
	}
	var raw rawFlow
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&raw); err != nil {
		return nil, Problems{{File: name, Line: yamlErrorLine(err), Message: fmt.Sprintf("not valid YAML for a flow: %v", err)}}
	}
	f := &Flow{
		ID: raw.ID, Version: raw.Version, Order: raw.Order, Title: Text(raw.Title),
		Reviewed: raw.Reviewed, Sources: raw.Sources, Start: raw.Start, Urgent: raw.Urgent,
		Steps: map[string]*Step{}, File: name,
	}
	var problems Problems
	if raw.Steps.Kind != yaml.MappingNode {
		return f, Problems{{File: name, Line: raw.Steps.Line, Message: "steps: want a map of step id to step"}}
	}
	for i := 0; i+1 < len(raw.Steps.Content); i += 2 {
		key, value := raw.Steps.Content[i], raw.Steps.Content[i+1]
		step, err := parseStep(key, value)
		if err != nil {
			problems = append(problems, Problem{File: name, Line: yamlErrorLine(err, value.Line), Message: fmt.Sprintf("step %q: %s", key.Value, stripLine(err))})
			continue
		}
		if _, dup := f.Steps[step.ID]; dup {
			problems = append(problems, Problem{File: name, Line: key.Line, Message: fmt.Sprintf("step %q is defined twice", step.ID)})
			continue
		}
		f.Steps[step.ID] = step
		f.StepIDs = append(f.StepIDs, step.ID)
	}
	return f, problems
}

func parseStep(key, value *yaml.Node) (*Step, error) {
	var raw rawStep
	if err := decodeKnown(value, &raw, "text", "image", "choices", "answer", "outcome", "follow_up"); err != nil {
		return nil, err
	}
	s := &Step{ID: key.Value, Text: Text(raw.Text), Image: raw.Image, Outcome: Outcome(raw.Outcome), FollowUp: raw.FollowUp, Line: key.Line}
	for i := range raw.Choices {
		node := &raw.Choices[i]
		var c rawChoice
		if err := decodeKnown(node, &c, "label", "next"); err != nil {
			return nil, err
		}
		s.Choices = append(s.Choices, Choice{Label: Text(c.Label), Next: c.Next, Line: node.Line})
	}
	if raw.Answer.Kind != 0 {
		var a rawAnswer
		if err := decodeKnown(&raw.Answer, &a, "type", "save_as", "next", "yes", "no", "labels", "min", "max", "example", "options", "hint"); err != nil {
			return nil, err
		}
		answer := &Answer{Type: AnswerType(a.Type), SaveAs: a.SaveAs, Next: a.Next, Yes: a.Yes, No: a.No,
			YesLabel: Text(a.Labels.Yes), NoLabel: Text(a.Labels.No),
			Min: a.Min, Max: a.Max, Example: Text(a.Example), Hint: Text(a.Hint), Line: raw.Answer.Line}
		for _, o := range a.Options {
			answer.Options = append(answer.Options, Option{Value: o.Value, Label: Text(o.Label), Words: o.Words, Next: o.Next})
		}
		s.Answer = answer
	}
	return s, nil
}

// decodeKnown decodes a mapping node, refusing fields other than known (a
// typo in a field name would otherwise be silently ignored). Errors name
// the line in the file.
func decodeKnown(node *yaml.Node, out any, known ...string) error {
	if node.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: want a map of fields (%s)", node.Line, strings.Join(known, ", "))
	}
	for i := 0; i+1 < len(node.Content); i += 2 {
		if k := node.Content[i]; !slices.Contains(known, k.Value) {
			return fmt.Errorf("line %d: unknown field %q (known: %s)", k.Line, k.Value, strings.Join(known, ", "))
		}
	}
	return node.Decode(out)
}

// yamlErrorLine finds the first line number in a yaml error, else fallback.
func yamlErrorLine(err error, fallback ...int) int {
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		var n int
		if _, scanErr := fmt.Sscanf(msg[i:], "line %d", &n); scanErr == nil {
			return n
		}
	}
	if len(fallback) > 0 {
		return fallback[0]
	}
	return 0
}

// stripLine drops a leading "line N: " from an error text: the problem
// carries the line already.
func stripLine(err error) string {
	msg := err.Error()
	if strings.HasPrefix(msg, "line ") {
		if _, rest, ok := strings.Cut(msg, ": "); ok {
			return rest
		}
	}
	return strings.TrimPrefix(msg, "yaml: ")
}

// flowFiles lists the flow files of fsys: *.yaml and *.yml at its top.
func flowFiles(fsys fs.FS) ([]string, error) {
	var names []string
	for _, pattern := range []string{"*.yaml", "*.yml"} {
		found, err := fs.Glob(fsys, pattern)
		if err != nil {
			return nil, err
		}
		names = append(names, found...)
	}
	sort.Strings(names)
	return names, nil
}

// loadImages reads each step's image from beside the flow file.
func loadImages(fsys fs.FS, f *Flow) Problems {
	var problems Problems
	for _, id := range f.StepIDs {
		s := f.Steps[id]
		if s.Image == "" {
			continue
		}
		data, err := fs.ReadFile(fsys, path.Join(path.Dir(f.File), s.Image))
		if err != nil {
			problems = append(problems, Problem{File: f.File, Line: s.Line, Message: fmt.Sprintf("step %q: image %q not found beside the flow file", id, s.Image)})
			continue
		}
		s.ImageData = data
	}
	return problems
}
