package flows

// Position is where one chat stands in a guided flow: the flow and the
// version it was entered at, the step, the steps before it (for Back,
// newest last; a step of another flow is written <flow>/<step>), and the
// answers given. The zero Position is in no flow. The engine's moves take
// a Position and give the next one; the caller stores it.
type Position struct {
	FlowID      string            `json:"flow,omitempty"`
	FlowVersion int               `json:"flow_version,omitempty"`
	Step        string            `json:"step,omitempty"`
	Answers     map[string]string `json:"answers,omitempty"`
	History     []string          `json:"history,omitempty"`
	// Abandoned is set once the position was reported abandoned (idle too
	// long); any move clears it.
	Abandoned bool `json:"abandoned,omitempty"`
}

// InFlow reports whether the position is somewhere inside a flow.
func (p Position) InFlow() bool { return p.FlowID != "" && p.Step != "" }
