package connectors

import (
	"time"
)

// StepDefaults are what an app says its action's steps get when a
// definition's step sets no retry policy or timeout of its own: a
// definition saved with such a step has them written into the step
// (package manage), field by field, so the saved version shows the policy
// its runs use and an app's later version does not change it. Durations
// are Go durations ("2s", "5m").
type StepDefaults struct {
	// Timeout bounds one attempt of the step.
	Timeout string `json:"timeout,omitempty"`
	// Retry is the step's retry policy, each field a default of its own.
	Retry *RetryDefaults `json:"retry,omitempty"`
}

// RetryDefaults is a retry policy's defaults, the fields of a definition
// step's retry (definition.RetryPolicy) that an app may set.
type RetryDefaults struct {
	InitialInterval    string  `json:"initialInterval,omitempty"`
	BackoffCoefficient float64 `json:"backoffCoefficient,omitempty"`
	MaximumInterval    string  `json:"maximumInterval,omitempty"`
	MaximumAttempts    int     `json:"maximumAttempts,omitempty"`
}

func (d *StepDefaults) validate(v *problems, at string) {
	if d == nil {
		return
	}
	positive := func(name, s string) {
		if s == "" {
			return
		}
		if t, err := time.ParseDuration(s); err != nil || t <= 0 {
			v.add(at+"."+name, "%q is not a positive Go duration such as 30s", s)
		}
	}
	positive("timeout", d.Timeout)
	if r := d.Retry; r != nil {
		positive("retry.initialInterval", r.InitialInterval)
		positive("retry.maximumInterval", r.MaximumInterval)
		if r.BackoffCoefficient != 0 && r.BackoffCoefficient < 1 {
			v.add(at+".retry.backoffCoefficient", "%v is less than 1", r.BackoffCoefficient)
		}
		if r.MaximumAttempts < 0 {
			v.add(at+".retry.maximumAttempts", "%d is negative", r.MaximumAttempts)
		}
	}
}
