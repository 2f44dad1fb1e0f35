// Package flows loads guided flows from data files, checks them (lint), and
// moves a chat's session through them on state machines built with
// github.com/looplab/fsm, one per flow.
//
// A flow file is YAML (go.yaml.in/yaml/v3, the maintained fork of
// gopkg.in/yaml.v3): it keeps comments, allows multi-line text blocks an
// organizer can edit without escaping, and reports line numbers, which lint
// errors name.
package flows

import (
	"strings"
)

// Outcome is how a flow ended.
type Outcome string

// Outcomes a final step can have.
const (
	OutcomeDone     Outcome = "done"      // the resident did it
	OutcomeInPerson Outcome = "in_person" // needs a visit, e.g. to the commune police
	OutcomeGaveUp   Outcome = "gave_up"   // the resident stopped here
)

// Valid reports whether o is one of the known outcomes.
func (o Outcome) Valid() bool {
	return o == OutcomeDone || o == OutcomeInPerson || o == OutcomeGaveUp
}

// Text is one text in several languages: language code -> text.
type Text map[string]string

// In returns the text in lang, or in fallback when lang is missing.
func (t Text) In(lang, fallback string) string {
	if s := strings.TrimSpace(t[lang]); s != "" {
		return s
	}
	return strings.TrimSpace(t[fallback])
}

// Flow is one guided task, read from one file.
type Flow struct {
	ID       string
	Version  int
	Order    int
	Title    Text
	Reviewed string
	Sources  []string
	Start    string
	// Urgent flows (SOS) offer an urgent hand-over on every step instead of
	// the plain "ask a volunteer".
	Urgent bool
	Steps  map[string]*Step
	// StepIDs lists the steps in file order.
	StepIDs []string
	// File is the file the flow came from, for messages.
	File string

	machines *machinePool
}

// Step is one message of a flow and the ways on from it.
type Step struct {
	ID   string
	Text Text
	// Image is the file name of a PNG or JPEG beside the flow file, sent as a
	// photo with the text as its caption; ImageData holds its bytes.
	Image     string
	ImageData []byte
	// Exactly one of Choices, Answer and Outcome is set.
	Choices []Choice
	Answer  *Answer
	Outcome Outcome
	// FollowUp marks an end step (outcome done) where the resident has
	// submitted a dossier or paid a fee: the desk asks two days later how
	// it turned out.
	FollowUp bool
	Line     int
}

// Final reports whether the flow ends at this step.
func (s *Step) Final() bool { return s.Outcome != "" }

// Choice is a button leading to another step: Next is a step of the same
// flow, or "<flow>/<step>" for a step of another flow.
type Choice struct {
	Label Text
	Next  string
	Line  int
}

// SplitTarget splits a step reference: "<flow>/<step>" names a step of
// another flow (external is true); anything else is a step of the flow
// that refers to it.
func SplitTarget(next string) (flowID, stepID string, external bool) {
	if flowID, stepID, ok := strings.Cut(next, "/"); ok {
		return flowID, stepID, true
	}
	return "", next, false
}

// AnswerType is how a free-text answer is validated.
type AnswerType string

// Answer types.
const (
	AnswerYesNo  AnswerType = "yesno"
	AnswerNumber AnswerType = "number"
	AnswerOneOf  AnswerType = "oneof"
)

// Answer is a question the resident answers by tapping one of its buttons
// or by typing, with its validator.
type Answer struct {
	Type   AnswerType
	SaveAs string
	// Next is where a valid answer leads; for yes/no, Yes and No override it.
	Next    string
	Yes, No string
	// YesLabel and NoLabel are the buttons of a yes/no answer, written for
	// the step ("Lỡ đưa rồi" / "Chưa đưa").
	YesLabel, NoLabel Text
	Min               *float64
	Max               *float64
	// Example shows how to type a number answer ("Ví dụ: 70").
	Example Text
	Options []Option
	Hint    Text
	Line    int
}

// Option is one accepted value of a one-of answer.
type Option struct {
	Value string
	// Label is the option's button.
	Label Text
	// Words are what a resident may type for it, per language, besides the
	// label.
	Words map[string][]string
	Next  string
}

// Buttons lists the answer's buttons, in order: yes and no, or the
// options. A number answer has none: it is typed.
func (a *Answer) Buttons() []Text {
	switch a.Type {
	case AnswerYesNo:
		return []Text{a.YesLabel, a.NoLabel}
	case AnswerOneOf:
		out := make([]Text, len(a.Options))
		for i, o := range a.Options {
			out[i] = o.Label
		}
		return out
	}
	return nil
}

// targets lists every step this step can lead to, in order.
func (s *Step) targets() []string {
	var out []string
	for _, c := range s.Choices {
		out = append(out, c.Next)
	}
	if a := s.Answer; a != nil {
		for _, t := range []string{a.Next, a.Yes, a.No} {
			if t != "" {
				out = append(out, t)
			}
		}
		for _, o := range a.Options {
			if o.Next != "" {
				out = append(out, o.Next)
			}
		}
	}
	return out
}
