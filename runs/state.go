package runs

import "time"

// States that outlive runs (issue 15): the account's and the user's. A run
// reads them once, when its definition refers to state (ReadStateActivity),
// and a SetState step writes one (WriteStateActivity), evaluating its
// values in the activity against the state as it is at the write, so that
// concurrent runs lose no update.
const (
	ReadStateActivity  = "state.read"
	WriteStateActivity = "state.write"
)

// StateRead asks for the states a run may read: the account's, and its
// user's when it has one.
type StateRead struct {
	AccountID string `json:"accountId"`
	UserKey   string `json:"userKey,omitempty"`
}

// StateWrite is a SetState step: its values as written in the definition
// (templates), and what they may read besides the state.
type StateWrite struct {
	StepID    string         `json:"stepId"`
	AccountID string         `json:"accountId"`
	Scope     string         `json:"scope"`
	UserKey   string         `json:"userKey,omitempty"`
	Values    map[string]any `json:"values"`
	// ExpiresIn is a duration (definition.ParseDuration) or "".
	ExpiresIn string `json:"expiresIn,omitempty"`
	// Data, Steps, Item and Index are the run's, for the values' other
	// references.
	Data  map[string]any `json:"data,omitempty"`
	Steps map[string]any `json:"steps,omitempty"`
	Item  any            `json:"item,omitempty"`
	Index int            `json:"index,omitempty"`
	// Now is the workflow's time, so that now() in values is the run's.
	Now time.Time `json:"now"`
}
