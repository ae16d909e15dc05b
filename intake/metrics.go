package intake

import (
	"errors"

	"github.com/junction-run/junction/metrics"
)

// observe counts what became of one event Dispatch handled: acknowledged
// when Temporal accepted everything it caused; rejected when no retry can
// get it through (an Error without Retry: too large, refused by Temporal,
// a definition that cannot be read); unavailable otherwise, a dependency
// that failed, which the caller's retry may get past.
func (i *Intake) observe(err error) {
	var ie *Error
	switch {
	case err == nil:
		i.options.Metrics.IntakeEvent(metrics.IntakeAcknowledged)
	case errors.As(err, &ie) && !ie.Retry:
		i.options.Metrics.IntakeEvent(metrics.IntakeRejected)
	default:
		i.options.Metrics.IntakeEvent(metrics.IntakeUnavailable)
	}
}
