package connectors

import (
	"context"
	"errors"
)

// Checker is implemented by connectors that can tell whether a
// connection's credentials work, for POST .../connections/{id}/test. Check
// makes one cheap authenticated call through call.HTTP (its Input is
// empty) and returns nil when the third party accepted it, or an error in
// the third party's words (an *Error from its answer) when not. It runs
// inside an activity, like an action.
type Checker interface {
	Check(ctx context.Context, call Call) error
}

// ErrNoCheck is what Check returns for a connector version that has none.
var ErrNoCheck = errors.New("this app has no connection check")

var _ Checker = (*Static)(nil)

// WithCheck gives the connector a check (see Checker) and returns it.
func (s *Static) WithCheck(check func(ctx context.Context, call Call) error) *Static {
	s.check = check
	return s
}

// Check runs the check set by WithCheck, or returns ErrNoCheck.
func (s *Static) Check(ctx context.Context, call Call) error {
	if s.check == nil {
		return ErrNoCheck
	}
	return s.check(ctx, call)
}
