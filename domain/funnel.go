package domain

import "time"

// FunnelKind names what happened in a flow.
type FunnelKind string

// Funnel event kinds.
const (
	FlowStarted   FunnelKind = "started"
	StepEntered   FunnelKind = "step"
	FlowFinished  FunnelKind = "finished"
	FlowAbandoned FunnelKind = "abandoned"
)

// FunnelEvent is one anonymous flow event for reports: it carries no user id.
type FunnelEvent struct {
	At          time.Time  `json:"at"`
	Kind        FunnelKind `json:"kind"`
	FlowID      string     `json:"flow"`
	FlowVersion int        `json:"flow_version,omitempty"`
	Step        string     `json:"step,omitempty"`
	Outcome     string     `json:"outcome,omitempty"` // for FlowFinished
}
