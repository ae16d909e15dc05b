package activities

import (
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"
)

// prefixed puts context in front of an error's message without hiding what
// Temporal acts on. The server reads only the top-level failure: an error
// wrapped with fmt.Errorf becomes a retryable failure of type wrapError,
// whatever *temporal.ApplicationError it wraps, so a non-retryable error
// (a deleted connection, a missing secret) would be retried and its
// NextRetryDelay lost. An application error is therefore rebuilt with the
// prefix and the same type, retryability and delay; any other error is
// wrapped as usual, and stays retryable.
func prefixed(prefix string, err error) error {
	if err == nil {
		return nil
	}
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		return fmt.Errorf("%s: %w", prefix, err)
	}
	return temporal.NewApplicationErrorWithOptions(prefix+": "+appErr.Message(), appErr.Type(), temporal.ApplicationErrorOptions{
		NonRetryable:   appErr.NonRetryable(),
		NextRetryDelay: appErr.NextRetryDelay(),
		Category:       appErr.Category(),
		Cause:          errors.Unwrap(appErr),
	})
}
