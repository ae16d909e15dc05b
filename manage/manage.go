// Package manage holds the services behind Junction's management API, one
// type per thing an account manages: Definitions (the versions of its
// definitions, and the poll schedules that follow them), Runs (its runs,
// read from Temporal's visibility store and from the runs themselves),
// Connections (to apps, their secret fields in Vault) and Environment (the
// variables of an app version, the secret ones in Vault).
// Their methods take a context first and return errors a caller branches
// on (see Error); they know nothing of HTTP, so the gateway binds requests
// to them and turns their errors into answers in one place, and they are
// tested without a server.
//
// One package named for the job, not one per resource: "definitions" and
// "runs" would sit one letter from package definition and on top of package
// runs, and the services share their error vocabulary and the paging
// through Temporal's visibility store.
package manage

import (
	"errors"
	"fmt"

	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/store"
)

// Error is what a service could not do. What says it to whoever asked, in
// words that name no internal detail ("Could not list definitions",
// "Definition 3f… not found."); Err says why, and errors.Is sees through
// it: store.ErrNotFound, store.ErrConflict and store.ErrInvalid mean the
// request cannot succeed as it is, whatever found that out (the store or
// Temporal); ErrInternal means a bug or unreadable data; anything else is a
// dependency (the store, Temporal) that failed, and the same request may
// succeed later.
type Error struct {
	What string
	Err  error
	// Fields, for a request that cannot succeed as it is, name every part
	// of it that is wrong.
	Fields []FieldError
}

// FieldError is one problem of a request, named by its JSON path, as the
// definition language names the problems of a definition.
type FieldError = definition.FieldError

func (e *Error) Error() string { return e.What + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// ErrInternal marks a failure that retrying will not fix: data Junction
// wrote that it cannot read back, say.
var ErrInternal = errors.New("internal error")

// failed says what could not be done because err happened.
func failed(err error, format string, args ...any) error {
	return &Error{What: fmt.Sprintf(format, args...), Err: err}
}

// invalid says what is wrong with a request, by every problem; the first
// names the whole.
func invalid(problems []FieldError) error {
	return &Error{What: problems[0].Path + ": " + problems[0].Message, Err: store.ErrInvalid, Fields: problems}
}

// notFound says that what the request names does not exist.
func notFound(format string, args ...any) error {
	return &Error{What: fmt.Sprintf(format, args...), Err: store.ErrNotFound}
}

// internal says what could not be done because of a bug or bad data.
func internal(err error, format string, args ...any) error {
	return &Error{What: fmt.Sprintf(format, args...), Err: fmt.Errorf("%w: %w", ErrInternal, err)}
}
