package activities

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/httpconn"
	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/egress"
	"github.com/junction-run/junction/outbound"
	"github.com/junction-run/junction/runs"
)

// webhookStep is a Webhook step's inputs, read.
type webhookStep struct {
	template outbound.Template
	auth     webhookAuth
	schedule outbound.Schedule
	timeout  time.Duration
}

// readWebhookStep reads a Webhook step's rendered inputs (Validate checked
// their literal values; what expressions made is checked here).
func readWebhookStep(in map[string]any) (webhookStep, error) {
	var st webhookStep
	st.template = outbound.Template{Method: stringOf(in["method"]), URL: stringOf(in["url"]), Format: stringOf(in["format"]), Body: in["body"]}
	if h, ok := in["headers"].(map[string]any); ok {
		st.template.Headers = make(map[string]string, len(h))
		for k, v := range h {
			st.template.Headers[k] = stringOf(v)
		}
	}
	if a, ok := in["auth"].(map[string]any); ok {
		st.auth = webhookAuth{kind: strings.ToLower(stringOf(a["type"])), username: stringOf(a["username"]),
			password: stringOf(a["password"]), token: stringOf(a["token"]), connection: stringOf(a["connection"])}
	}
	if st.auth.kind == "" {
		st.auth.kind = "none"
	}
	switch st.auth.kind {
	case "none", "basic", "bearer", "connection":
	default:
		return st, fmt.Errorf("auth.type %q: must be none, basic, bearer or connection", st.auth.kind)
	}
	if r, ok := in["retry"].(map[string]any); ok {
		list, _ := r["schedule"].([]any)
		st.schedule = outbound.Schedule{}
		for i, v := range list {
			d, err := definition.ParseDuration(stringOf(v))
			if err != nil {
				return st, fmt.Errorf("retry.schedule[%d]: %w", i, err)
			}
			st.schedule = append(st.schedule, d)
		}
		if err := st.schedule.Validate(); err != nil {
			return st, fmt.Errorf("retry.schedule: %w", err)
		}
	}
	if st.schedule == nil {
		st.schedule = outbound.EddyDeskSchedule()
	}
	if t, ok := in["timeoutSeconds"].(float64); ok && t > 0 {
		st.timeout = time.Duration(t * float64(time.Second))
	}
	return st, nil
}

func stringOf(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	}
	return fmt.Sprint(v)
}

// SendWebhook sends a Webhook step's request once per activity attempt,
// with EddyDesk's semantics: a 2xx or 3xx completes the step with the
// answer; 410 fails it for good; 429, 502, 503 and 504 wait for
// Retry-After; anything else, and no answer, tries again on the step's
// schedule (EddyDesk's by default), through NextRetryDelay, until it is
// spent.
func (o *Outbound) SendWebhook(ctx context.Context, call runs.WebhookCall) (runs.WebhookResult, error) {
	attempt := 1
	if activity.IsActivity(ctx) {
		attempt = int(activity.GetInfo(ctx).Attempt)
	}
	inputs := call.Inputs
	var env connectors.EnvVars
	if len(call.Env) > 0 {
		spec := connectors.Spec{ID: HTTPEnvApp, Version: cmp.Or(o.HTTPEnvVersion, httpconn.Connector().Spec().Version)}
		vars, err := resolveEnv(ctx, o.Env, call.AccountID, spec, call.Env)
		if err != nil {
			return runs.WebhookResult{}, prefixed("step "+call.StepID, err)
		}
		out, err := applyEnv(map[string]any(inputs), call.Env, vars, spec)
		if err != nil {
			return runs.WebhookResult{}, prefixed("step "+call.StepID, err)
		}
		inputs, _ = out.(map[string]any)
		env = vars
	}
	st, err := readWebhookStep(inputs)
	if err != nil {
		return runs.WebhookResult{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("step %s: %v", call.StepID, err), runs.ErrTypeBadRequest, nil)
	}
	envScope := newSecretScope(connectors.Connection{}, env)
	// The run rendered the tags already: the template only encodes.
	body, contentType, err := outbound.EncodeBody(cmp.Or(st.template.Format, outbound.FormatJSON), st.template.Body)
	if err != nil {
		return runs.WebhookResult{}, temporal.NewNonRetryableApplicationError(
			envScope.clean(fmt.Sprintf("step %s: body: %v", call.StepID, err)), runs.ErrTypeBadRequest, nil)
	}
	req := outbound.Rendered{Method: strings.ToUpper(cmp.Or(st.template.Method, http.MethodPost)), URL: st.template.URL, Header: http.Header{}}
	for k, v := range st.template.Headers {
		req.Header.Set(k, v)
	}
	if req.Method != http.MethodGet && st.template.Body != nil {
		req.Body = body
		if req.Header.Get("Content-Type") == "" {
			req.Header.Set("Content-Type", contentType)
		}
	}
	resp, scope, sendErr := o.do(envScope.bind(ctx), call.AccountID, req, st.auth, st.timeout)
	scope.values = append(scope.values, envScope.values...)
	clean := func(s string) string { return envScope.clean(scope.clean(s)) }
	if sendErr != nil {
		return o.webhookRetry(call.StepID, attempt, st.schedule, outbound.Retry, 0, 0, clean(sendErr.Error()))
	}
	outcome := outbound.Classify(resp.StatusCode)
	switch outcome {
	case outbound.Delivered:
		headers, _ := recordedAnswer(resp, scope)
		body := strings.ReplaceAll(strings.ToValidUTF8(string(resp.Body), "\uFFFD"), "\x00", "")
		return runs.WebhookResult{StatusCode: resp.StatusCode, Headers: headers, Body: decodeBody([]byte(clean(body))), Attempts: attempt}, nil
	case outbound.Gone:
		return runs.WebhookResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("step %s: the receiver answered %d Gone", call.StepID, resp.StatusCode), runs.ErrTypeGone, nil)
	}
	retryAfter := egress.ParseRetryAfter(resp.Header.Get("Retry-After"), o.now())
	return o.webhookRetry(call.StepID, attempt, st.schedule, outcome, resp.StatusCode, retryAfter, "")
}

// webhookRetry fails an attempt of a Webhook step: with the schedule's
// next delay, or for good when the schedule is spent.
func (o *Outbound) webhookRetry(stepID string, attempt int, schedule outbound.Schedule, outcome outbound.Outcome, status int, retryAfter time.Duration, why string) (runs.WebhookResult, error) {
	if why == "" {
		why = fmt.Sprintf("answered %d", status)
	}
	delay, more := schedule.Next(attempt, o.random())
	if !more {
		return runs.WebhookResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("step %s: %s; attempt %d was the schedule's last", stepID, why, attempt), runs.ErrTypeRetriesExhausted, nil)
	}
	delay = outbound.Wait(outcome, delay, retryAfter)
	errType := runs.ErrTypeUnavailable
	if status == http.StatusTooManyRequests {
		errType = runs.ErrTypeRateLimited
	}
	return runs.WebhookResult{}, temporal.NewApplicationErrorWithOptions(
		fmt.Sprintf("step %s attempt %d: %s; next attempt in %s", stepID, attempt, why, delay.Round(time.Second)),
		errType, temporal.ApplicationErrorOptions{NextRetryDelay: delay})
}
