package workflows

import (
	"fmt"
	"maps"
	"strings"

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
	typ := strings.ToLower(stringOf(inputs["type"]))
	if typ == "" {
		typ = runs.MessageText
	}
	text, err := replyText(step, typ, inputs)
	if err != nil {
		return nil, inputs, err
	}
	call := maps.Clone(to.Inputs)
	if call == nil {
		call = map[string]any{}
	}
	native, ok := to.TypeInputs[typ]
	if ok {
		maps.Copy(call, native)
	} else {
		typ = runs.MessageText
	}
	call[to.TextInput] = text
	if to.StepType == definition.StepSMS {
		req := runs.SMSRequest{StepID: step.ID, AccountID: r.in.AccountID, ConnectionID: to.Connection,
			SubAccountID: stringOf(call["subAccountId"]), Destination: stringOf(call["destination"]),
			Source: stringOf(call["source"]), Text: text}
		var out runs.MessageResult
		result, err := r.callActivity(ctx, step, messagingDefaults, runs.SendSMSActivity, req, &out)
		if err == nil {
			err = r.logReply(ctx, step, typ, text)
		}
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
	if err == nil {
		err = r.logReply(ctx, step, typ, text)
	}
	return result, inputs, err
}

// replyText is what a Reply step sends as text: its text, and, for the
// types a channel cannot send natively, the rest written out (an image's
// or a file's url, a choice's options numbered). Markdown is sent as
// written.
func replyText(step definition.Step, typ string, inputs map[string]any) (string, error) {
	text := stringOf(inputs["text"])
	invalid := func(format string, args ...any) error {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("step %s: ", step.ID)+fmt.Sprintf(format, args...), runs.ErrTypeInvalidStep, nil)
	}
	switch typ {
	case runs.MessageText, runs.MessageMarkdown:
		return text, nil
	case runs.MessageImage, runs.MessageFile:
		url := stringOf(inputs["url"])
		if url == "" {
			return "", invalid("a reply of type %s needs its url", typ)
		}
		return strings.TrimSpace(text + "\n" + url), nil
	case runs.MessageChoice:
		choices, _ := inputs["choices"].([]any)
		if len(choices) == 0 {
			return "", invalid("a reply of type choice needs its choices")
		}
		var b strings.Builder
		b.WriteString(text)
		for i, c := range choices {
			fmt.Fprintf(&b, "\n%d. %s", i+1, stringOf(c))
		}
		return strings.TrimSpace(b.String()), nil
	}
	return "", invalid("type %q is not one of %v", typ, definition.ReplyTypes)
}

// logReply adds what a Reply step sent to the run's conversation's log. A
// failure to log fails the step: the message went out, but the log would
// lie about the conversation.
func (r *run) logReply(ctx workflow.Context, step definition.Step, typ, text string) error {
	// The run's input is the version: runs started before conversations
	// existed have no ConversationID, so their replays schedule nothing
	// here. (A workflow.GetVersion would cost every run a search
	// attribute upsert, TemporalChangeVersion, for no more safety.)
	if r.in.ConversationID == "" {
		return nil
	}
	r.repliesSent++
	info := workflow.GetInfo(ctx)
	msg := runs.OutgoingMessage{AccountID: r.in.AccountID, ConversationID: r.in.ConversationID, Type: typ,
		Payload:      map[string]any{"text": text},
		SourceID:     fmt.Sprintf("%s/%s/%d", info.WorkflowExecution.RunID, step.ID, r.repliesSent),
		DefinitionID: r.in.DefinitionID, Version: r.in.Version, WorkflowID: info.WorkflowExecution.ID, RunID: info.WorkflowExecution.RunID}
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: stateActivityOptions.StartToCloseTimeout, RetryPolicy: stateActivityOptions.RetryPolicy,
	})
	if err := workflow.ExecuteLocalActivity(lctx, runs.RecordOutgoingActivity, msg).Get(ctx, nil); err != nil {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("step %s: logging the reply", step.ID), runs.ErrTypeStepFailed, err)
	}
	return nil
}
