package workflows

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/runs"
)

// execute runs one step's own work and returns its result and the inputs it
// rendered (for the step log). Routing is the caller's.
func (r *run) execute(ctx workflow.Context, step definition.Step, sc *scope, logID string) (result, inputs any, err error) {
	switch step.StepType {
	case definition.StepHTTPRequest:
		return r.httpRequest(ctx, step, sc)
	case definition.StepSMS:
		return r.sendSMS(ctx, step, sc)
	case definition.StepChatAppsMessage:
		return r.sendChatApps(ctx, step, sc)
	case definition.StepWait:
		return r.wait(ctx, step, sc, logID)
	case definition.StepWaitForReply:
		return r.waitForReply(ctx, step, sc, logID)
	case definition.StepBranch:
		return map[string]any{}, nil, nil // routing is selectNextStep's
	case definition.StepIf:
		return r.ifBlock(ctx, step, sc)
	case definition.StepForEach:
		return r.forEach(ctx, step, sc)
	case definition.StepParallel:
		return r.parallel(ctx, step, sc)
	case definition.StepSetVariables:
		return r.setVariables(ctx, step, sc)
	case definition.StepWebhook:
		return r.webhook(ctx, step, sc)
	case definition.StepRespond:
		return r.respond(ctx, step, sc)
	case definition.StepSetState:
		return r.setState(ctx, step, sc)
	case definition.StepReply:
		return r.reply(ctx, step, sc)
	}
	if definition.IsConnectorAction(step.StepType) {
		return r.connectorAction(ctx, step, sc)
	}
	return nil, nil, temporal.NewNonRetryableApplicationError(
		fmt.Sprintf("step %s: step type %q is not supported yet", step.ID, step.StepType), runs.ErrTypeNotSupported, nil)
}

// renderInputs evaluates the step's inputs; the result is always a map.
func (r *run) renderInputs(ctx workflow.Context, step definition.Step, sc *scope) (map[string]any, error) {
	rendered, err := definition.Render(step.Inputs, r.env(sc, nil))
	if err != nil {
		return nil, expressionError(step.ID, "inputs", err)
	}
	inputs, _ := rendered.(map[string]any)
	if inputs == nil {
		inputs = map[string]any{}
	}
	return inputs, checkRendered(ctx, step, inputs)
}

// versionRenderedBounds guards the check of rendered inputs against their
// bounds (definition.CheckRendered). Its marker is recorded only when a
// rendered value is out of bounds, the one case where the check changes
// what a run does; a run that met such a value before the check existed
// has no marker, and replays going on as it went.
const versionRenderedBounds = "rendered-input-bounds"

// checkRendered fails the step, not retried, when an expression rendered
// one of its bounded inputs (ForEach's parallelism, HttpRequest's
// timeoutSeconds, Wait's duration) past the bound a literal is held to at
// save.
func checkRendered(ctx workflow.Context, step definition.Step, inputs map[string]any) error {
	err := definition.CheckRendered(step.StepType, inputs, "inputs")
	if err == nil || workflow.GetVersion(ctx, versionRenderedBounds, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return nil
	}
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf("step %s: %v", step.ID, err), runs.ErrTypeInvalidStep, nil)
}

// callActivity runs a third-party call with the step's options and turns
// its result into the maps expressions read.
func (r *run) callActivity(ctx workflow.Context, step definition.Step, defaults activityDefaults, name string, in, out any) (any, error) {
	return r.call(ctx, step, defaults, false, name, in, out)
}

// call is callActivity, as a local activity when local is set: it runs in
// the worker that holds the workflow task, with the same timeout and retry
// policy, and its result is recorded as a marker when the task completes.
// A worker that dies mid-call runs it again from the last completed task,
// the same at-least-once call a regular activity makes.
func (r *run) call(ctx workflow.Context, step definition.Step, defaults activityDefaults, local bool, name string, in, out any) (any, error) {
	opts, err := activityOptions(step, defaults)
	opts.Summary = stepSummary(ctx, step)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("step %s: %v", step.ID, err), runs.ErrTypeInvalidStep, nil)
	}
	var future workflow.Future
	if local {
		future = workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
			StartToCloseTimeout:    opts.StartToCloseTimeout,
			ScheduleToCloseTimeout: opts.ScheduleToCloseTimeout,
			RetryPolicy:            opts.RetryPolicy,
			Summary:                opts.Summary,
		}), name, in)
	} else {
		future = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), name, in)
	}
	if err := future.Get(ctx, out); err != nil {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("step %s failed", step.ID), runs.ErrTypeStepFailed, err)
	}
	return toGeneric(out)
}

func (r *run) httpRequest(ctx workflow.Context, step definition.Step, sc *scope) (any, any, error) {
	inputs, env, err := r.renderCallInputs(ctx, step, sc)
	if err != nil {
		return nil, nil, err
	}
	req := runs.HTTPRequest{
		StepID:     step.ID,
		AccountID:  r.in.AccountID,
		Env:        env,
		Method:     stringOf(inputs["method"]),
		URL:        stringOf(inputs["url"]),
		Headers:    stringMap(inputs["headers"]),
		Parameters: stringMap(inputs["parameters"]),
		Body:       inputs["body"],
	}
	if t, ok := inputs["timeoutSeconds"].(float64); ok && t > 0 {
		req.TimeoutSeconds = int(t)
	}
	if h, ok := inputs["idempotencyHeader"].(string); ok {
		req.IdempotencyHeader = &h
	}
	timeout := 5 * time.Second
	if req.TimeoutSeconds > 0 {
		timeout = time.Duration(req.TimeoutSeconds) * time.Second
	}
	defaults := httpDefaults
	// The activity enforces the step's own timeout; this one only catches
	// a worker that died mid-call.
	defaults.startToClose = timeout + 10*time.Second
	var resp runs.HTTPResponse
	local := r.in.LocalHTTPSteps && timeout <= runs.LocalHTTPMaxTimeout
	result, err := r.call(ctx, step, defaults, local, runs.HTTPRequestActivity, req, &resp)
	return result, inputs, err
}

func (r *run) sendSMS(ctx workflow.Context, step definition.Step, sc *scope) (any, any, error) {
	inputs, err := r.renderInputs(ctx, step, sc)
	if err != nil {
		return nil, nil, err
	}
	req := runs.SMSRequest{
		StepID:          step.ID,
		AccountID:       r.in.AccountID,
		ConnectionID:    step.Connection,
		SubAccountID:    stringOf(inputs["subAccountId"]),
		Destination:     stringOf(inputs["destination"]),
		Text:            stringOf(inputs["text"]),
		Country:         stringOf(inputs["country"]),
		Source:          stringOf(inputs["source"]),
		ClientMessageID: stringOf(inputs["clientMessageId"]),
		Encoding:        stringOf(inputs["encoding"]),
		Scheduled:       stringOf(inputs["scheduled"]),
		Expiry:          stringOf(inputs["expiry"]),
		DLRCallbackURL:  stringOf(inputs["dlrCallbackUrl"]),
	}
	var out runs.MessageResult
	result, err := r.callActivity(ctx, step, messagingDefaults, runs.SendSMSActivity, req, &out)
	return result, inputs, err
}

func (r *run) sendChatApps(ctx workflow.Context, step definition.Step, sc *scope) (any, any, error) {
	inputs, err := r.renderInputs(ctx, step, sc)
	if err != nil {
		return nil, nil, err
	}
	user, _ := inputs["user"].(map[string]any)
	content, _ := inputs["content"].(map[string]any)
	req := runs.ChatAppsRequest{
		StepID:          step.ID,
		AccountID:       r.in.AccountID,
		ConnectionID:    step.Connection,
		SubAccountID:    stringOf(inputs["subAccountId"]),
		User:            user,
		Type:            stringOf(inputs["type"]),
		Content:         content,
		ClientMessageID: stringOf(inputs["clientMessageId"]),
	}
	var out runs.MessageResult
	result, err := r.callActivity(ctx, step, messagingDefaults, runs.SendChatAppsMessageActivity, req, &out)
	return result, inputs, err
}

// wait sleeps on a durable timer: a worker restart, or a week, changes
// nothing.
func (r *run) wait(ctx workflow.Context, step definition.Step, sc *scope, logID string) (any, any, error) {
	inputs, err := r.renderInputs(ctx, step, sc)
	if err != nil {
		return nil, nil, err
	}
	d, err := waitDuration(inputs)
	if err != nil {
		return nil, inputs, temporal.NewNonRetryableApplicationError(fmt.Sprintf("step %s: %v", step.ID, err), runs.ErrTypeInvalidStep, nil)
	}
	r.setStatus(logID, runs.StepSleeping)
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("Step **%s** waits %s, until %s.", step.ID, d, r.now().Add(d).Format(time.RFC3339)))
	if err := workflow.Sleep(ctx, d); err != nil {
		return nil, inputs, err
	}
	return map[string]any{"waited": d.String()}, inputs, nil
}

// waitForReply parks the run until the awaited user writes on the awaited
// channel, or the timeout passes (then reply is null). The run advertises
// what it waits for in a search attribute, which is how the gateway finds it
// when the reply arrives.
func (r *run) waitForReply(ctx workflow.Context, step definition.Step, sc *scope, logID string) (any, any, error) {
	inputs, err := r.renderInputs(ctx, step, sc)
	if err != nil {
		return nil, nil, err
	}
	from, channel := stringOf(inputs["from"]), strings.ToLower(stringOf(inputs["channel"]))
	timeout := 24 * time.Hour
	if t := stringOf(inputs["timeout"]); t != "" {
		if timeout, err = definition.ParseDuration(t); err != nil {
			return nil, inputs, temporal.NewNonRetryableApplicationError(fmt.Sprintf("step %s: timeout: %v", step.ID, err), runs.ErrTypeInvalidStep, nil)
		}
	}
	key := runs.AwaitKey(channel, from)
	// The run records the reply it waits for in the metadata store before
	// it says it waits, so that a reply sent the instant it does finds it
	// (the search attribute below is eventually visible only). Runs that
	// started waiting before the registry existed replay without it.
	registry := workflow.GetVersion(ctx, versionAwaitRegistry, workflow.DefaultVersion, 1) >= 1
	execution := workflow.GetInfo(ctx).WorkflowExecution
	await := runs.Await{AccountID: r.in.AccountID, Key: key, WorkflowID: execution.ID, RunID: execution.RunID,
		DefinitionID: r.in.DefinitionID, Version: r.in.Version}
	awaitOptions := awaitActivityOptions
	awaitOptions.Summary = "Reply awaited by step " + step.ID
	if registry {
		if err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, awaitOptions), runs.RegisterAwaitActivity, await).Get(ctx, nil); err != nil {
			return nil, inputs, temporal.NewNonRetryableApplicationError(fmt.Sprintf("step %s: registering the reply it waits for", step.ID), runs.ErrTypeStepFailed, err)
		}
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, runs.AwaitingReplyKey.ValueSet(key)); err != nil {
		return nil, inputs, err
	}
	r.setStatus(logID, runs.StepWaitingForEvent)
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("Step **%s** waits for a reply from %s on %s, until %s.",
		step.ID, from, channel, r.now().Add(timeout).Format(time.RFC3339)))

	var reply *runs.Reply
	timer := workflow.NewTimer(ctx, timeout)
	for reply == nil {
		var got runs.Reply
		timedOut := false
		workflow.NewSelector(ctx).
			AddReceive(r.replies, func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, &got) }).
			AddFuture(timer, func(workflow.Future) { timedOut = true }).
			Select(ctx)
		if timedOut {
			break
		}
		// A reply from someone else (never sent by the gateway, but a
		// signal can come from anywhere) is not the one awaited, and a
		// redelivered message is not a second reply.
		if runs.AwaitKey(got.Channel, got.From) == key && r.firstSeen(got.EventID) {
			reply = &got
		}
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, runs.AwaitingReplyKey.ValueUnset()); err != nil {
		return nil, inputs, err
	}
	if registry {
		// A release that fails leaves a row whose signal finds the run no
		// longer waiting: intake skips it; the step goes on regardless.
		if err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, awaitOptions), runs.ReleaseAwaitActivity, await).Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Warn("Could not release the reply the step waited for", "step", step.ID, "error", err)
		}
	}
	if reply == nil {
		return map[string]any{"reply": nil}, inputs, nil
	}
	event, err := toGeneric(reply.Event)
	if err != nil {
		return nil, inputs, err
	}
	return map[string]any{"reply": event}, inputs, nil
}

// connectorAction runs a connector's action as the activity named like the
// step type ("http.call"). The input names the connection; its credentials
// are resolved inside the activity.
func (r *run) connectorAction(ctx workflow.Context, step definition.Step, sc *scope) (any, any, error) {
	inputs, env, err := r.renderCallInputs(ctx, step, sc)
	if err != nil {
		return nil, nil, err
	}
	connector, action, _ := definition.ConnectorAction(step.StepType)
	call := runs.ConnectorCall{
		StepID: step.ID, AccountID: r.in.AccountID, DefinitionID: r.in.DefinitionID, Connector: connector, Action: action,
		Version: r.in.Apps[connector], ConnectionID: step.Connection, Input: inputs, Env: env,
	}
	var out any
	result, err := r.callActivity(ctx, step, connectorDefaults, step.StepType, call, &out)
	return result, inputs, err
}

// ifBlock runs every block in do, in order, when the condition holds; the
// step's own nextStepId follows either way.
func (r *run) ifBlock(ctx workflow.Context, step definition.Step, sc *scope) (any, any, error) {
	inputs, err := r.renderInputs(ctx, step, sc)
	if err != nil {
		return nil, nil, err
	}
	holds := definition.Truthy(inputs["condition"])
	if holds {
		for _, block := range step.Do {
			if len(block) == 0 {
				continue
			}
			if _, err := r.chain(ctx, block[0].ID, sc); err != nil {
				return nil, inputs, err
			}
		}
	}
	return map[string]any{"condition": holds}, inputs, nil
}

// forEach runs its body once per item, at most parallelism at a time; each
// iteration sees item and index and its own step results.
func (r *run) forEach(ctx workflow.Context, step definition.Step, sc *scope) (any, any, error) {
	loop := r.resumedLoop(step, sc)
	if loop == nil {
		inputs, err := r.renderInputs(ctx, step, sc)
		if err != nil {
			return nil, nil, err
		}
		items, ok := inputs["items"].([]any)
		if !ok && inputs["items"] != nil {
			return nil, inputs, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("step %s: items is %T, not an array", step.ID, inputs["items"]), runs.ErrTypeInvalidStep, nil)
		}
		loop = &runs.LoopState{StepID: step.ID, Inputs: inputs, Items: items, Parallelism: 1, Results: make([]any, len(items))}
		if p, ok := inputs["parallelism"].(float64); ok && p >= 1 {
			loop.Parallelism = int(p)
		}
	}
	inputs, items, parallelism, results := loop.Inputs, loop.Items, loop.Parallelism, loop.Results
	if len(step.Do) == 0 || len(step.Do[0]) == 0 {
		return map[string]any{"results": []any{}, "count": 0}, inputs, nil
	}
	body := step.Do[0][0].ID
	errs := make([]error, len(items))
	running := 0
	done := workflow.NewChannel(ctx)
	for i := loop.Next; i < len(items); i++ {
		if i > loop.Next && r.topLevel(step, sc) && workflow.GetInfo(ctx).GetContinueAsNewSuggested() && !slices.ContainsFunc(errs[:i], isError) &&
			workflow.GetVersion(ctx, versionLoopContinueAsNew, workflow.DefaultVersion, 1) != workflow.DefaultVersion {
			// Between iterations, as between top-level steps: the run's
			// history must not outgrow Temporal's limits in a long loop.
			for ; running > 0; running-- {
				done.Receive(ctx, nil)
			}
			if !slices.ContainsFunc(errs[:i], isError) {
				if n := jsonSize(results); n > maxStepResultBytes {
					// The loop's result would fail at its end anyway; it
					// must not fail the next run's start first.
					return nil, inputs, temporal.NewNonRetryableApplicationError(fmt.Sprintf(
						"step %s: the results of its first %d items are %d bytes, over the %d a run keeps of one step",
						step.ID, i, n, maxStepResultBytes), runs.ErrTypeStateTooLarge, nil)
				}
				loop.Next = i
				return nil, inputs, r.continueAsNew(ctx, loop)
			}
		}
		if running == parallelism {
			done.Receive(ctx, nil)
			running--
		}
		running++
		iter := &scope{steps: copyMap(sc.steps), item: items[i], index: i}
		workflow.Go(workflow.WithValue(ctx, loopIndexKey{}, loopIndex{step: step.ID, index: i}), func(gctx workflow.Context) {
			results[i], errs[i] = r.chain(gctx, body, iter)
			done.Send(gctx, true)
		})
	}
	for ; running > 0; running-- {
		done.Receive(ctx, nil)
	}
	for i, err := range errs {
		if err != nil {
			return nil, inputs, fmt.Errorf("item %d: %w", i, err)
		}
	}
	return map[string]any{"results": results, "count": len(items)}, inputs, nil
}

// parallel runs every branch at once and joins: the step completes when all
// have, and fails if any failed.
func (r *run) parallel(ctx workflow.Context, step definition.Step, sc *scope) (any, any, error) {
	results := make([]any, len(step.Do))
	errs := make([]error, len(step.Do))
	wg := workflow.NewWaitGroup(ctx)
	for i, block := range step.Do {
		if len(block) == 0 {
			continue
		}
		branch := &scope{steps: sc.steps, item: sc.item, index: sc.index}
		wg.Add(1)
		workflow.Go(ctx, func(gctx workflow.Context) {
			defer wg.Done()
			results[i], errs[i] = r.chain(gctx, block[0].ID, branch)
		})
	}
	wg.Wait(ctx)
	for i, err := range errs {
		if err != nil {
			return nil, nil, fmt.Errorf("branch %d: %w", i, err)
		}
	}
	return map[string]any{"branches": results}, nil, nil
}

// setVariables saves each rendered input into the context data.
func (r *run) setVariables(ctx workflow.Context, step definition.Step, sc *scope) (any, any, error) {
	inputs, err := r.renderInputs(ctx, step, sc)
	if err != nil {
		return nil, nil, err
	}
	for _, k := range sortedKeys(inputs) {
		r.data[k] = inputs[k]
	}
	return inputs, inputs, nil
}

func waitDuration(inputs map[string]any) (time.Duration, error) {
	switch d := inputs["duration"].(type) {
	case string:
		return definition.ParseDuration(d)
	case float64:
		return time.Duration(d * float64(24*time.Hour)), nil // a bare number is days, as in 8x8
	}
	if m, ok := inputs["minutes"].(float64); ok {
		return time.Duration(m * float64(time.Minute)), nil
	}
	return 0, fmt.Errorf("duration is missing")
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func stringOf(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case float64:
		if t == float64(int64(t)) {
			return fmt.Sprintf("%d", int64(t))
		}
		return fmt.Sprint(t)
	default:
		return fmt.Sprint(t)
	}
}

func stringMap(v any) map[string]string {
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, val := range m {
		if val == nil {
			continue
		}
		if s, ok := val.(string); ok {
			out[k] = s
			continue
		}
		b, _ := json.Marshal(val)
		out[k] = string(b)
	}
	return out
}

// respond makes the answer a waiting caller of the run's trigger gets
// (RespondUpdate). The first Respond step answers; a later one is logged
// with its result but sends nothing, as an HTTP request has one answer.
func (r *run) respond(ctx workflow.Context, step definition.Step, sc *scope) (any, any, error) {
	inputs, err := r.renderInputs(ctx, step, sc)
	if err != nil {
		return nil, nil, err
	}
	res := runs.Response{Status: 200, Headers: stringMap(inputs["headers"]), Body: inputs["body"]}
	if s, ok := inputs["status"].(float64); ok {
		res.Status = int(s)
	}
	if res.Status < 100 || res.Status > 599 {
		return nil, inputs, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("step %s: status %d is not an HTTP status", step.ID, res.Status), runs.ErrTypeInvalidStep, nil)
	}
	answered := r.response == nil
	if answered {
		r.response = &res
	}
	result, err := toGeneric(res)
	if m, ok := result.(map[string]any); ok {
		m["answered"] = answered
	}
	return result, inputs, err
}

// versionAwaitRegistry guards the reply registry around WaitForReply: its
// two local activities are commands runs in flight did not record.
const versionAwaitRegistry = "await-registry"

// awaitActivityOptions are the registry's: a write to the metadata store,
// retried for a few minutes before the step fails.
var awaitActivityOptions = workflow.LocalActivityOptions{
	StartToCloseTimeout:    10 * time.Second,
	ScheduleToCloseTimeout: 5 * time.Minute,
	RetryPolicy:            &temporal.RetryPolicy{MaximumInterval: 30 * time.Second},
}
