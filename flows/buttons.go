package flows

import (
	"strconv"
	"strings"
)

// ButtonKind is what a flow button asks for.
type ButtonKind byte

// Flow button kinds, each with its one-letter prefix in the callback data.
const (
	ButtonStart    ButtonKind = 'f' // f:<flow>: start (or offer to resume) a flow
	ButtonChoice   ButtonKind = 'c' // c:<flow>:<step>:<index>: a choice on a step
	ButtonBack     ButtonKind = 'b' // b:<flow>:<step>: one step back
	ButtonRestart  ButtonKind = 'r' // r:<flow>:<step>: start the flow again
	ButtonContinue ButtonKind = 'k' // k:<flow>: continue where the resident left off
	ButtonAsk      ButtonKind = 'a' // a:<flow>:<step>: ask a volunteer about this step
	ButtonUrgent   ButtonKind = 'u' // u:<flow>:<step>: ask a volunteer urgently (urgent flows)
	ButtonAnswer   ButtonKind = 'v' // v:<flow>:<step>:<index>: an answer's button (yes, no, an option)
)

// Button is the decoded callback data of a flow button. The data is a
// request, never a permission: the engine re-checks it against the session.
type Button struct {
	Kind   ButtonKind
	Flow   string
	Step   string
	Choice int
}

// parts is how many ':'-separated parts the kind's data has; 0 for an
// unknown kind.
func (k ButtonKind) parts() int {
	switch k {
	case ButtonStart, ButtonContinue:
		return 2
	case ButtonBack, ButtonRestart, ButtonAsk, ButtonUrgent:
		return 3
	case ButtonChoice, ButtonAnswer:
		return 4
	}
	return 0
}

// StartData is the callback data of a menu button that starts a flow.
func StartData(flowID string) string { return "f:" + flowID }

// ContinueData is the callback data of "continue where you left off".
func ContinueData(flowID string) string { return "k:" + flowID }

// ChoiceData is the callback data of choice index on a step.
func ChoiceData(flowID, stepID string, index int) string {
	return "c:" + flowID + ":" + stepID + ":" + strconv.Itoa(index)
}

// AnswerData is the callback data of answer button index on a step: for
// yes/no, 0 is yes and 1 is no; for one-of, the option's index.
func AnswerData(flowID, stepID string, index int) string {
	return "v:" + flowID + ":" + stepID + ":" + strconv.Itoa(index)
}

// UrgentData is the callback data of the urgent hand-over on a step of an
// urgent flow.
func UrgentData(flowID, stepID string) string { return "u:" + flowID + ":" + stepID }

// BackData is the callback data of the back button on a step.
func BackData(flowID, stepID string) string { return "b:" + flowID + ":" + stepID }

// RestartData is the callback data of the start-again button on a step.
func RestartData(flowID, stepID string) string { return "r:" + flowID + ":" + stepID }

// AskData is the callback data of the ask-a-volunteer button on a step.
func AskData(flowID, stepID string) string { return "a:" + flowID + ":" + stepID }

// ParseButton decodes flow button data. ok is false for data that is not a
// well-formed flow button (it may belong to another part of the bot, or be
// forged).
func ParseButton(data string) (b Button, ok bool) {
	parts := strings.Split(data, ":")
	if len(parts[0]) != 1 {
		return Button{}, false
	}
	b.Kind = ButtonKind(parts[0][0])
	if want := b.Kind.parts(); want == 0 || len(parts) != want {
		return Button{}, false
	}
	b.Flow = parts[1]
	if !idPattern.MatchString(b.Flow) {
		return Button{}, false
	}
	if len(parts) >= 3 {
		b.Step = parts[2]
		if !idPattern.MatchString(b.Step) {
			return Button{}, false
		}
	}
	if b.Kind == ButtonChoice || b.Kind == ButtonAnswer {
		n, err := strconv.Atoi(parts[3])
		if err != nil || n < 0 || n > 99 {
			return Button{}, false
		}
		b.Choice = n
	}
	return b, true
}

// Data is the callback data of the button: what ParseButton reads back.
func (b Button) Data() string {
	switch b.Kind.parts() {
	case 2:
		return string(b.Kind) + ":" + b.Flow
	case 3:
		return string(b.Kind) + ":" + b.Flow + ":" + b.Step
	case 4:
		return string(b.Kind) + ":" + b.Flow + ":" + b.Step + ":" + strconv.Itoa(b.Choice)
	}
	return ""
}

// ButtonKinds lists every kind of flow button.
var ButtonKinds = []ButtonKind{ButtonStart, ButtonChoice, ButtonBack, ButtonRestart, ButtonContinue, ButtonAsk, ButtonUrgent, ButtonAnswer}
