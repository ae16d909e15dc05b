package runs_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/runs"
)

func TestErrorKind(t *testing.T) {
	connector := temporal.NewNonRetryableApplicationError("401 from the app", runs.ErrTypeUnauthorized, nil)
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"none", nil, ""},
		{"the innermost application error's type",
			temporal.NewNonRetryableApplicationError("step s failed", runs.ErrTypeStepFailed, fmt.Errorf("item 2: %w", connector)),
			runs.ErrTypeUnauthorized},
		{"an interpreter error of its own", temporal.NewNonRetryableApplicationError("step s: inputs", runs.ErrTypeExpression, nil),
			runs.ErrTypeExpression},
		{"a typeless cause keeps the wrapper's type",
			temporal.NewNonRetryableApplicationError("step s failed", runs.ErrTypeStepFailed, errors.New("plain")), runs.ErrTypeStepFailed},
		{"a timeout", temporal.NewNonRetryableApplicationError("step s failed", runs.ErrTypeStepFailed,
			temporal.NewTimeoutError(0, nil)), runs.ErrTypeTimeout},
		{"canceled", fmt.Errorf("branch 1: %w", temporal.NewCanceledError()), runs.ErrKindCanceled},
		{"of no kind", context.DeadlineExceeded, runs.ErrKindUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := runs.ErrorKind(tc.err); got != tc.want {
				t.Errorf("ErrorKind = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRunApps(t *testing.T) {
	in := runs.RunInput{Trigger: "shopify.orders_create", Steps: []definition.Step{
		{ID: "a", StepType: "slack.post_message"},
		{ID: "b", StepType: definition.StepForEach, Do: [][]definition.Step{{{ID: "c", StepType: "twilio.send_sms"}, {ID: "d", StepType: definition.StepHTTPRequest}}}},
		{ID: "e", StepType: "slack.post_message"},
	}}
	if got, want := runs.RunApps(in), []string{"shopify", "slack", "twilio"}; !slices.Equal(got, want) {
		t.Errorf("RunApps = %v, want %v", got, want)
	}
	if got := runs.RunApps(runs.RunInput{Trigger: definition.TriggerHTTPRequest, Steps: []definition.Step{{ID: "a", StepType: definition.StepHTTPRequest}}}); len(got) != 0 {
		t.Errorf("RunApps of built-in steps = %v, want none", got)
	}
	opts := runs.StartOptions(in, "summary")
	if got, ok := opts.TypedSearchAttributes.GetKeywordList(runs.AppKey); !ok || !slices.Equal(got, []string{"shopify", "slack", "twilio"}) {
		t.Errorf("start options' %s = %v", runs.AppKey.GetName(), got)
	}
}
