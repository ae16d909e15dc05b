package workflows

import (
	"fmt"
	"maps"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/runs"
)

// reply answers the message that started the run through the step its
// trigger names (RunInput.ReplyTo): its inputs address the conversation,
// the step's text goes in its TextInput. The call is made as it is, never
// rendered again, so a text that holds "{{" is sent as written.
func (r *run) reply(ctx workflow.Context, step definition.Step, sc *scope) (any, any, error) {
	inputs, err := r.renderInputs(ctx, step, sc)
	if err != nil {
		return nil, nil, err
	}
	to := r.in.ReplyTo
	if to == nil {
		return nil, inputs, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("step %s: the run was not started by a message, so there is nothing to reply to", step.ID), runs.ErrTypeInvalidStep, nil)
	}
	text := stringOf(inputs["text"])
	call := maps.Clone(to.Inputs)
	if call == nil {
		call = map[string]any{}
	}
	call[to.TextInput] = text
	if to.StepType == definition.StepSMS {
		req := runs.SMSRequest{StepID: step.ID, AccountID: r.in.AccountID, ConnectionID: to.Connection,
			SubAccountID: stringOf(call["subAccountId"]), Destination: stringOf(call["destination"]),
			Source: stringOf(call["source"]), Text: text}
		var out runs.MessageResult
		result, err := r.callActivity(ctx, step, messagingDefaults, runs.SendSMSActivity, req, &out)
		return result, inputs, err
	}
	connector, action, ok := definition.ConnectorAction(to.StepType)
	if !ok {
		return nil, inputs, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("step %s: the trigger replies through %q, which Junction cannot send", step.ID, to.StepType), runs.ErrTypeNotSupported, nil)
	}
	req := runs.ConnectorCall{StepID: step.ID, AccountID: r.in.AccountID, Connector: connector, Action: action,
		Version: r.in.Apps[connector], ConnectionID: to.Connection, Input: call}
	var out any
	result, err := r.callActivity(ctx, step, connectorDefaults, to.StepType, req, &out)
	return result, inputs, err
}
