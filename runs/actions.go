package runs

import (
	"strconv"

	"github.com/junction-run/junction/definition"
)

// A run of one action (POST /actions/{app}.{action}) is a run of a
// definition that exists only in the run's input: one connector step. It
// starts through intake like every other run, with the same start options,
// retries and secret handling; these declarations say what makes it one.

// ActionTrigger is the trigger of an action's run (its TriggerKey search
// attribute): no definition subscribes to it, the API starts it.
const ActionTrigger = "action"

// ActionStepID is the id of an action run's one step, in its step log.
const ActionStepID = "action"

// actionDefinitionPrefix starts the definition id of action runs. Stored
// definitions have UUIDs, so the two never meet.
const actionDefinitionPrefix = "action:"

// ActionDefinitionID is the definition id the runs of an action carry,
// "action:shopify.update_order": their workflow id is
// RunWorkflowID(account, ActionDefinitionID(stepType), eventID), so a
// repeated event id finds the run of the same action, and the Temporal UI
// lists an action's runs by JunctionDefinitionId.
func ActionDefinitionID(stepType string) string { return actionDefinitionPrefix + stepType }

// ActionPayload is the data an action's run starts with: the caller's
// inputs under data.inputs, as they were sent.
func ActionPayload(inputs map[string]any) map[string]any {
	if inputs == nil {
		inputs = map[string]any{}
	}
	return map[string]any{"inputs": inputs}
}

// ActionStep is the one step of an action's run. Its inputs are not the
// caller's values but one expression per top-level key that reads the value
// back from data.inputs (ActionPayload): an expression that is a single
// {{ }} yields its value with its own type, and a value read from data is
// never evaluated again. So a caller's text that holds "{{" or
// "{{env.API_KEY}}" (a chat message passed through, say) reaches the
// connector as text, and is never run as an expression nor filled with an
// environment variable.
func ActionStep(stepType, connection string, inputs map[string]any, retry *definition.RetryPolicy, timeout string) definition.Step {
	refs := make(map[string]any, len(inputs))
	for k := range inputs {
		// strconv.Quote writes a string literal the expression language
		// reads back as k, whatever k holds (quotes, "}}", newlines).
		refs[k] = "{{ data.inputs[" + strconv.Quote(k) + "] }}"
	}
	return definition.Step{ID: ActionStepID, StepType: stepType, Connection: connection, Inputs: refs, Retry: retry, Timeout: timeout}
}
