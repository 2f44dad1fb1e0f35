package flows

import (
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

// fuzzLangs are the languages the bot speaks.
var fuzzLangs = []string{"vi", "en"}

// brokenVariants are small ways an organizer could break a flow file while
// editing it.
var brokenVariants = []func(string) string{
	func(s string) string { return s[:len(s)/2] },                                      // saved half-way
	func(s string) string { return strings.Replace(s, "start:", "strat:", 1) },         // a typo in a field
	func(s string) string { return strings.Replace(s, "next: ", "next: nowhere", 1) },  // a dangling target
	func(s string) string { return strings.Replace(s, "outcome: ", "outcome: x", -1) }, // no valid final step
	func(s string) string { return strings.Replace(s, "  ", "\t", 3) },                 // tabs
	func(s string) string { return strings.Replace(s, "vi:", "fr:", 1) },               // a language the bot does not speak
	func(s string) string { return strings.Replace(s, "steps:", "steps: []\nx:", 1) },  // steps is a list
	func(s string) string { return strings.Replace(s, "choices:", "answer:", 1) },      // choices where an answer belongs
	func(s string) string { return s + "\n" + s },                                      // pasted twice
	func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") },               // Windows line ends
}

// handmadeFlows are small flows with the shapes the shipped ones use, and a
// few that stress the graph.
var handmadeFlows = []string{
	// Every answer type.
	`id: demo
version: 1
title: {vi: "Thử", en: "Demo"}
reviewed: 2026-11-26
sources: ["test"]
start: a
steps:
  a:
    text: {vi: "A", en: "A"}
    choices:
      - {label: {vi: "B", en: "B"}, next: b}
      - {label: {vi: "A lại", en: "A again"}, next: a}
  b:
    text: {vi: "B", en: "B"}
    answer: {type: yesno, yes: c, no: a, hint: {vi: "Có/không", en: "Yes/no"}}
  c:
    text: {vi: "C", en: "C"}
    answer: {type: number, min: 1, max: 100, next: d, save_as: age}
  d:
    text: {vi: "D", en: "D"}
    answer:
      type: oneof
      options:
        - {value: x, words: {vi: ["x"], en: ["x"]}, next: e}
        - {value: y, words: {vi: ["y"], en: ["y"]}, next: f}
  e: {text: {vi: "E", en: "E"}, outcome: done}
  f: {text: {vi: "F", en: "F"}, outcome: in_person}
`,
	// A diamond lattice: many paths from the start to the end.
	`id: lattice
version: 1
title: {vi: "Lưới", en: "Lattice"}
reviewed: 2026-11-26
sources: ["test"]
start: s0
steps:
  s0: {text: {vi: "0", en: "0"}, choices: [{label: {vi: "a", en: "a"}, next: s1}, {label: {vi: "b", en: "b"}, next: s1}, {label: {vi: "c", en: "c"}, next: s0}]}
  s1: {text: {vi: "1", en: "1"}, choices: [{label: {vi: "a", en: "a"}, next: s2}, {label: {vi: "b", en: "b"}, next: s2}, {label: {vi: "c", en: "c"}, next: s0}]}
  s2: {text: {vi: "2", en: "2"}, choices: [{label: {vi: "a", en: "a"}, next: s3}, {label: {vi: "b", en: "b"}, next: s3}, {label: {vi: "c", en: "c"}, next: s1}]}
  s3: {text: {vi: "3", en: "3"}, choices: [{label: {vi: "a", en: "a"}, next: s4}, {label: {vi: "b", en: "b"}, next: s4}]}
  s4: {text: {vi: "4", en: "4"}, choices: [{label: {vi: "a", en: "a"}, next: s5}, {label: {vi: "b", en: "b"}, next: s5}]}
  s5: {text: {vi: "5", en: "5"}, choices: [{label: {vi: "a", en: "a"}, next: s6}, {label: {vi: "b", en: "b"}, next: s6}]}
  s6: {text: {vi: "6", en: "6"}, choices: [{label: {vi: "a", en: "a"}, next: end}, {label: {vi: "b", en: "b"}, next: end}]}
  end: {text: {vi: "hết", en: "end"}, outcome: gave_up}
`,
	// Anchors and aliases, and a start that is itself final.
	`id: alias
version: 2
title: &t {vi: "Bí danh", en: "Alias"}
reviewed: 2026-11-26
sources: ["test"]
start: only
steps:
  only: {text: *t, outcome: done}
`,
	// Not a flow at all.
	"- a\n- b\n",
	"id: [1, 2]\n",
	"steps: {a: 1}\n",
	"&a [*a]",
	"",
	"\x00\xff\xfe",
}

func FuzzLoad(f *testing.F) {
	shipped := Embedded()
	names, err := fs.Glob(shipped, "*.yaml")
	if err != nil || len(names) == 0 {
		f.Fatalf("no shipped flows: %v", err)
	}
	for _, name := range names {
		data, err := fs.ReadFile(shipped, name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		// The shipped files are big (15-30 KB) and slow to mutate: only the
		// variants that do not grow them.
		for _, broken := range brokenVariants[:len(brokenVariants)-2] {
			f.Add([]byte(broken(string(data))))
		}
	}
	for _, s := range handmadeFlows {
		f.Add([]byte(s))
		for _, broken := range brokenVariants {
			f.Add([]byte(broken(s)))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{"f.yaml": {Data: data}}
		problems := Lint(fsys, fuzzLangs)
		for _, p := range problems {
			if p.File == "" || p.Message == "" {
				t.Fatalf("problem without a file or a message: %+v", p)
			}
		}
		lib, err := Load(fsys, fuzzLangs, Words{Yes: []string{"có", "yes"}, No: []string{"không", "no"}})
		if err != nil {
			var ps Problems
			if len(problems) == 0 {
				t.Fatalf("lint found nothing wrong, but the flow does not load: %v", err)
			}
			if !errors.As(err, &ps) || len(ps) != len(problems) {
				t.Fatalf("load and lint disagree: load %v, lint %v", err, problems)
			}
			return
		}
		if len(problems) > 0 {
			t.Fatalf("the flow loads despite lint problems: %v", problems)
		}
		if len(lib.Flows()) != 1 {
			t.Fatalf("one file gave %d flows", len(lib.Flows()))
		}
		fl := lib.Flows()[0]
		if got, ok := lib.Flow(fl.ID); !ok || got != fl {
			t.Fatalf("flow %q cannot be found by its id", fl.ID)
		}
		checkLoadedFlow(t, fl)
	})
}

// checkLoadedFlow asserts what the engine relies on in a flow that loaded.
func checkLoadedFlow(t *testing.T, fl *Flow) {
	t.Helper()
	if _, ok := fl.Steps[fl.Start]; !ok {
		t.Fatalf("start %q does not exist", fl.Start)
	}
	if len(fl.StepIDs) != len(fl.Steps) {
		t.Fatalf("%d step ids for %d steps", len(fl.StepIDs), len(fl.Steps))
	}
	finals := 0
	for _, id := range fl.StepIDs {
		s, ok := fl.Steps[id]
		if !ok || s.ID != id {
			t.Fatalf("step %q is listed but not stored under its id", id)
		}
		if s.Final() {
			finals++
		}
		for _, next := range s.targets() {
			if _, ok := fl.Steps[next]; !ok {
				t.Fatalf("step %q leads to step %q, which does not exist", id, next)
			}
		}
		for _, e := range fl.Edges(s) {
			if _, ok := fl.Steps[e.To]; !ok {
				t.Fatalf("step %q has an edge to step %q, which does not exist", id, e.To)
			}
		}
		for i := range s.Choices {
			b, ok := ParseButton(ChoiceData(fl.ID, id, i))
			if !ok || b.Kind != ButtonChoice || b.Flow != fl.ID || b.Step != id || b.Choice != i {
				t.Fatalf("step %q choice %d: its button data %q does not parse back (%+v, %v)", id, i, ChoiceData(fl.ID, id, i), b, ok)
			}
		}
		if b, ok := ParseButton(BackData(fl.ID, id)); !ok || b.Step != id {
			t.Fatalf("step %q: its back button does not parse back", id)
		}
	}
	if finals == 0 {
		t.Fatalf("a flow without a final step loaded")
	}
	paths := fl.Paths(50)
	if len(paths) == 0 || len(paths) > 50 {
		t.Fatalf("%d paths from the start to a final step (want 1 to 50)", len(paths))
	}
	for i, path := range paths {
		at := fl.Start
		for j, e := range path {
			if e.From != at {
				t.Fatalf("path %d edge %d leaves %q, but the path is at %q", i, j, e.From, at)
			}
			if _, ok := fl.Steps[e.To]; !ok {
				t.Fatalf("path %d edge %d leads to step %q, which does not exist", i, j, e.To)
			}
			at = e.To
		}
		if !fl.Steps[at].Final() {
			t.Fatalf("path %d ends at step %q, which is not final", i, at)
		}
	}
	for _, lang := range fuzzLangs {
		if err := fl.WriteMermaid(io.Discard, lang); err != nil {
			t.Fatalf("mermaid: %v", err)
		}
	}
}
