package runs

import (
	"encoding/json"

	"github.com/junction-run/junction/definition"
)

// PollInput is a poll schedule's argument: the definition version to start
// runs of, with everything a run needs, so a poll never reads a database.
// Publishing a new version updates the schedule's argument; the cursor is
// not in it, so it survives.
type PollInput struct {
	AccountID    string `json:"accountId"`
	SubAccountID string `json:"subAccountId,omitempty"`
	DefinitionID string `json:"definitionId"`
	Version      int    `json:"version"`
	Name         string `json:"name"`
	// Trigger is the definition's trigger, "<app>.<trigger>".
	Trigger string `json:"trigger"`
	// Connector, TriggerID and ConnectorVersion say which code polls;
	// ConnectionID whose account it polls.
	Connector        string `json:"connector"`
	TriggerID        string `json:"triggerId"`
	ConnectorVersion string `json:"connectorVersion,omitempty"`
	ConnectionID     string `json:"connection"`
	// StartFromNow (the definition's "pollFrom": "now") makes the first
	// poll of a cursor a baseline: it pages through what the app already
	// lists and starts nothing, so only items that appear later run.
	StartFromNow bool              `json:"startFromNow,omitempty"`
	Conditions   []string          `json:"conditions,omitempty"`
	Steps        []definition.Step `json:"steps"`
	// Apps and LocalHTTPSteps go to every run as RunInput's do from a
	// webhook: the connector versions the definition pins, and how its
	// short HttpRequest steps run.
	Apps           map[string]string `json:"apps,omitempty"`
	LocalHTTPSteps bool              `json:"localHttpSteps,omitempty"`
}

// PollState is what a poll returns, and so what the next poll of the
// schedule reads back (workflow.GetLastCompletionResult): the cursor and a
// bounded window of the ids of recent items. A failed poll returns nothing,
// and the next one starts again from the last good state.
type PollState struct {
	// Trigger and Connection say what the cursor belongs to: a definition
	// moved to another connection or trigger starts over.
	Trigger    string `json:"trigger"`
	Connection string `json:"connection"`
	Cursor     string `json:"cursor"`
	// Baseline: the cursor is still catching up with the items the app
	// listed before the definition polled (PollInput.StartFromNow); they
	// are recorded, never run. It ends with the first poll that reaches
	// the app's last page.
	Baseline bool `json:"baseline,omitempty"`
	// Recent holds the ids of the latest items handled, oldest first, at
	// most a bounded window: an API whose cursor is not unique returns
	// items again, and those are dropped without a start.
	Recent []string `json:"recent,omitempty"`
	// What this poll did, for people reading the Temporal UI.
	Polled     int `json:"polled"`
	Started    int `json:"started"`
	Duplicates int `json:"duplicates"`
	Skipped    int `json:"skipped"`
	// Baselined counts the items a baseline recorded without a run.
	Baselined int `json:"baselined,omitempty"`
}

// PollCall is the input of every polling trigger activity (PollActivity).
// Like a step's ConnectorCall it names the connection; the credentials are
// resolved inside the activity and never enter the history.
type PollCall struct {
	AccountID    string `json:"accountId"`
	Connector    string `json:"connector"`
	Trigger      string `json:"trigger"`
	Version      string `json:"version,omitempty"` // "" is the latest stable
	ConnectionID string `json:"connection"`
	// Cursor is where the poll starts; "" for the first poll.
	Cursor string `json:"cursor,omitempty"`
}

// PolledItem is one new item: its unique id and the payload a run gets.
type PolledItem struct {
	ID      string          `json:"id"`
	Payload json.RawMessage `json:"payload"`
}

// PollOutput is what one poll activity found.
type PollOutput struct {
	Items []PolledItem `json:"items"`
	// Cursor is where the next poll starts.
	Cursor string `json:"cursor"`
	// More says items remain after Cursor already: the batch was cut to
	// fit, or the connector stopped at its page bound.
	More bool `json:"more,omitempty"`
}
