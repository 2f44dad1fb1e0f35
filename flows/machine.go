package flows

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/looplab/fsm"
)

// Events of a flow's state machine, besides one per choice ("c0", "c1"...).
const (
	eventRestart = "restart" // from any step to the start
	eventAnswer  = "answer"  // a valid free-text answer, to Answer.Next
	eventYes     = "yes"     // a yes/no answer of yes, to Answer.Yes
	eventNo      = "no"      // a yes/no answer of no, to Answer.No
)

func choiceEvent(index int) string { return "c" + strconv.Itoa(index) }
func optionEvent(index int) string { return "o" + strconv.Itoa(index) }

// machinePool hands out looplab/fsm machines of one flow. A machine holds the
// current state, so each goroutine takes its own, sets the stored step, fires
// one event and gives it back: the session in the store is the state, the
// machine only knows the transitions.
type machinePool struct {
	pool sync.Pool
}

func newMachinePool(f *Flow) (*machinePool, error) {
	events := flowEvents(f)
	p := &machinePool{}
	p.pool.New = func() any { return fsm.NewFSM(f.Start, events, nil) }
	// Build one now, so a broken flow fails at load and not mid-chat.
	m, ok := p.pool.Get().(*fsm.FSM)
	if !ok || m.Current() != f.Start {
		return nil, errors.New("cannot build the state machine")
	}
	p.pool.Put(m)
	return p, nil
}

// flowEvents lists every transition of the flow.
func flowEvents(f *Flow) []fsm.EventDesc {
	var events []fsm.EventDesc
	for _, id := range f.StepIDs {
		s := f.Steps[id]
		for i, c := range s.Choices {
			events = append(events, fsm.EventDesc{Name: choiceEvent(i), Src: []string{id}, Dst: c.Next})
		}
		if a := s.Answer; a != nil {
			if a.Next != "" {
				events = append(events, fsm.EventDesc{Name: eventAnswer, Src: []string{id}, Dst: a.Next})
			}
			for event, dst := range map[string]string{eventYes: firstNonEmpty(a.Yes, a.Next), eventNo: firstNonEmpty(a.No, a.Next)} {
				if a.Type == AnswerYesNo && dst != "" {
					events = append(events, fsm.EventDesc{Name: event, Src: []string{id}, Dst: dst})
				}
			}
			for i, o := range a.Options {
				if dst := firstNonEmpty(o.Next, a.Next); dst != "" {
					events = append(events, fsm.EventDesc{Name: optionEvent(i), Src: []string{id}, Dst: dst})
				}
			}
		}
	}
	events = append(events, fsm.EventDesc{Name: eventRestart, Src: f.StepIDs, Dst: f.Start})
	return events
}

// fire runs event from step on the flow's machine and returns the new step.
// A transition to the same step is allowed (a "try again" choice).
func (f *Flow) fire(ctx context.Context, from, event string) (string, error) {
	m, ok := f.machines.pool.Get().(*fsm.FSM)
	if !ok {
		return "", errors.New("flows: machine pool returned no machine")
	}
	defer f.machines.pool.Put(m)
	m.SetState(from)
	err := m.Event(ctx, event)
	var same fsm.NoTransitionError
	if err != nil && !errors.As(err, &same) {
		return "", fmt.Errorf("flows: %s: event %q from step %q: %w", f.ID, event, from, err)
	}
	return m.Current(), nil
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
