package runs

import (
	"errors"

	"go.temporal.io/sdk/temporal"
)

// Kinds ErrorKind gives to failures that are no application error.
const (
	// ErrKindCanceled marks a run or an activity that was canceled.
	ErrKindCanceled = "Canceled"
	// ErrKindPanic marks an activity or workflow code that panicked.
	ErrKindPanic = "Panic"
	// ErrKindUnknown marks a failure of no kind Junction knows.
	ErrKindUnknown = "Unknown"
)

// ErrorKind is the kind of what failed a run (ErrorKindKey), "" for nil:
// the type of the innermost application error, which is the cause support
// staff look for (the connector's Unauthorized under the interpreter's
// StepFailed); ErrTypeTimeout for an activity that timed out; ErrKindCanceled,
// ErrKindPanic; ErrKindUnknown when none of these is in the chain.
func ErrorKind(err error) string {
	if err == nil {
		return ""
	}
	kind := ErrKindUnknown
	for e := err; e != nil; e = errors.Unwrap(e) {
		switch v := e.(type) {
		case *temporal.ApplicationError:
			if v.Type() != "" {
				kind = v.Type()
			}
		case *temporal.TimeoutError:
			kind = ErrTypeTimeout
		case *temporal.CanceledError:
			kind = ErrKindCanceled
		case *temporal.PanicError:
			kind = ErrKindPanic
		}
	}
	return kind
}
