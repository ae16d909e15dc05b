package runs

import (
	"encoding/json"
	"time"
)

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
// user's and conversation's when it has them.
type StateRead struct {
	AccountID      string `json:"accountId"`
	UserKey        string `json:"userKey,omitempty"`
	ConversationID string `json:"conversationId,omitempty"`
}

// StateWrite is a SetState step: its values as written in the definition
// (templates), and what they may read besides the state.
type StateWrite struct {
	StepID    string `json:"stepId"`
	AccountID string `json:"accountId"`
	Scope     string `json:"scope"`
	UserKey   string `json:"userKey,omitempty"`
	// ConversationID is the run's conversation, for scope conversation.
	ConversationID string         `json:"conversationId,omitempty"`
	Values         map[string]any `json:"values"`
	// ExpiresIn is a duration (definition.ParseDuration) or "": the
	// step's, else the definition's for the scope.
	ExpiresIn string `json:"expiresIn,omitempty"`
	// Schema is the JSON schema the definition declares for the scope's
	// values, if any: a write that would break it is not made.
	Schema json.RawMessage `json:"schema,omitempty"`
	// Data, Steps, Item and Index are the run's, for the values' other
	// references.
	Data  map[string]any `json:"data,omitempty"`
	Steps map[string]any `json:"steps,omitempty"`
	Item  any            `json:"item,omitempty"`
	Index int            `json:"index,omitempty"`
	// Now is the workflow's time, so that now() in values is the run's.
	Now time.Time `json:"now"`
}
