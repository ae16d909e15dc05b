package manage

import (
	"encoding/json"
	"testing"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/definition"
)

// An app's step defaults fill what a step leaves unset, and nothing it
// sets; an expiration without attempts stays the step's budget.
func TestApplyStepDefaults(t *testing.T) {
	d := &connectors.StepDefaults{Timeout: "20s", Retry: &connectors.RetryDefaults{
		InitialInterval: "2s", BackoffCoefficient: 3, MaximumInterval: "30s", MaximumAttempts: 4}}
	tests := []struct {
		name string
		step definition.Step
		d    *connectors.StepDefaults
		want string
	}{
		{"none set", definition.Step{}, d,
			`{"retry":{"initialInterval":"2s","backoffCoefficient":3,"maximumInterval":"30s","maximumAttempts":4},"timeout":"20s"}`},
		{"the step's own win", definition.Step{Timeout: "5s", Retry: &definition.RetryPolicy{MaximumAttempts: 1, InitialInterval: "1s"}}, d,
			`{"retry":{"initialInterval":"1s","backoffCoefficient":3,"maximumInterval":"30s","maximumAttempts":1},"timeout":"5s"}`},
		{"an expiration is the budget", definition.Step{Retry: &definition.RetryPolicy{Expiration: "1h"}}, d,
			`{"retry":{"initialInterval":"2s","backoffCoefficient":3,"maximumInterval":"30s","expiration":"1h"},"timeout":"20s"}`},
		{"no defaults", definition.Step{}, nil, `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := tt.step
			applyStepDefaults(&st, tt.d)
			got, _ := json.Marshal(struct {
				Retry   *definition.RetryPolicy `json:"retry,omitempty"`
				Timeout string                  `json:"timeout,omitempty"`
			}{st.Retry, st.Timeout})
			if string(got) != tt.want {
				t.Errorf("got %s\nwant %s", got, tt.want)
			}
		})
	}
}
