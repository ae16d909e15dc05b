package declarative

import (
	"fmt"
	"strconv"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/definition"
)

// Defaults are what every action of the app gets unless it says
// otherwise.
type Defaults struct {
	// Timeout bounds one attempt of a step of an action (a Go duration);
	// the engine's (2m) when not given.
	Timeout string `json:"timeout,omitempty" description:"One attempt's timeout, a Go duration (30s)."`
	// Retry is the steps' retry policy, field by field; the engine's when
	// not given.
	Retry *connectors.RetryDefaults `json:"retry,omitempty" description:"The steps' retry policy: initialInterval, backoffCoefficient, maximumInterval, maximumAttempts."`
	// Response holds the statuses every action's response has unless its
	// own says otherwise.
	Response *Statuses `json:"response,omitempty" description:"Status defaults of every action's response."`
}

// Statuses are a response's status lists (see Response).
type Statuses struct {
	Success  []string `json:"success,omitempty" description:"Statuses that are a success; 2xx when not given."`
	NotFound []int    `json:"notFound,omitempty" description:"Statuses that mean not found, besides 404 and 410."`
	Retry    []int    `json:"retry,omitempty" description:"Statuses worth sending again, besides 408, 429 and 5xx."`
}

// check reports problems of the app's defaults.
func (d *Defaults) check(v *validator) {
	if d == nil {
		return
	}
	checkStepDefaults(v, "defaults", &connectors.StepDefaults{Timeout: d.Timeout, Retry: d.Retry})
	if r := d.Response; r != nil {
		checkStatuses(v, "defaults.response", r.Success, r.NotFound, r.Retry)
	}
}

// checkStepDefaults checks a timeout and retry policy at path at.
func checkStepDefaults(v *validator, at string, d *connectors.StepDefaults) {
	if d == nil {
		return
	}
	duration := func(path, s string) {
		if s == "" {
			return
		}
		if t, err := time.ParseDuration(s); err != nil || t <= 0 {
			v.add(path, definition.CodeInvalidValue, fmt.Sprintf("%q is not a positive Go duration such as 30s", s))
		}
	}
	duration(at+".timeout", d.Timeout)
	if r := d.Retry; r != nil {
		duration(at+".retry.initialInterval", r.InitialInterval)
		duration(at+".retry.maximumInterval", r.MaximumInterval)
		if r.BackoffCoefficient != 0 && r.BackoffCoefficient < 1 {
			v.add(at+".retry.backoffCoefficient", definition.CodeInvalidValue, fmt.Sprintf("%v is less than 1", r.BackoffCoefficient))
		}
		if r.MaximumAttempts < 0 {
			v.add(at+".retry.maximumAttempts", definition.CodeInvalidValue, strconv.Itoa(r.MaximumAttempts)+" is negative")
		}
	}
}

// stepDefaults is an action's: its own timeout and retry fields over the
// app's, field by field; nil when neither says anything.
func stepDefaults(app *Defaults, own *connectors.StepDefaults) *connectors.StepDefaults {
	out := &connectors.StepDefaults{}
	var retry connectors.RetryDefaults
	for _, d := range []*connectors.StepDefaults{appStep(app), own} {
		if d == nil {
			continue
		}
		if d.Timeout != "" {
			out.Timeout = d.Timeout
		}
		if r := d.Retry; r != nil {
			if r.InitialInterval != "" {
				retry.InitialInterval = r.InitialInterval
			}
			if r.BackoffCoefficient != 0 {
				retry.BackoffCoefficient = r.BackoffCoefficient
			}
			if r.MaximumInterval != "" {
				retry.MaximumInterval = r.MaximumInterval
			}
			if r.MaximumAttempts != 0 {
				retry.MaximumAttempts = r.MaximumAttempts
			}
		}
	}
	if retry != (connectors.RetryDefaults{}) {
		out.Retry = &retry
	}
	if *out == (connectors.StepDefaults{}) {
		return nil
	}
	return out
}

func appStep(d *Defaults) *connectors.StepDefaults {
	if d == nil {
		return nil
	}
	return &connectors.StepDefaults{Timeout: d.Timeout, Retry: d.Retry}
}
