package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/junction-run/junction/credentials"
	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/intake"
	"github.com/junction-run/junction/manage"
	"github.com/junction-run/junction/store"
)

// TestAnswer holds the one mapping from errors to answers: each kind of
// error a handler can return, and that the message of a 5xx never carries
// the cause.
func TestAnswer(t *testing.T) {
	secret := errors.New("dial tcp 10.0.0.7:5432: password authentication failed for user junction")
	for _, tc := range []struct {
		name    string
		err     error
		status  int
		code    int
		message string
		paths   []string
	}{
		{"an API error", badRequest("limit must be an integer from 1 to 500.", fieldError{Path: "limit"}),
			400, 1000, "limit must be an integer from 1 to 500.", []string{"limit"}},
		{"an API error with a cause", &apiError{Status: 500, Code: 2000, Message: "Could not make an event id", Err: secret},
			500, 2000, "Could not make an event id", nil},
		{"a body too large", fmt.Errorf("reading: %w", &http.MaxBytesError{Limit: 1024}),
			413, 1010, "Request body is larger than 1024 bytes.", []string{"body"}},
		{"an invalid definition", &definition.ValidationError{Errors: []definition.FieldError{{Path: "trigger", Code: "required", Message: "is required"}}},
			400, 5001, "trigger: is required", []string{"trigger"}},
		{"a definition without a name", &definition.ValidationError{Errors: []definition.FieldError{{Path: "definition.name", Code: "required", Message: "is required"}}},
			400, 5001, "Workflow name is required.", []string{"definition.name"}},
		{"a definition that is not JSON", fmt.Errorf("%w: unexpected EOF", definition.ErrMalformed),
			400, 1000, "Request body is not valid JSON: malformed JSON: unexpected EOF", []string{"body"}},
		{"intake may succeed again", &intake.Error{What: "Could not start a run of definition d", Retry: true, Err: secret},
			503, 2000, "Could not start a run of definition d; nothing was lost, retry the request.", nil},
		{"intake will not", &intake.Error{What: "Could not read definition d", Err: secret},
			500, 2000, "Could not read definition d; retrying will not help: quote the errorId to the operator.", nil},
		{"an event too large for a run", &intake.Error{What: "The event is too large: the reply is 3000000 bytes encoded, over the 2080768 a run takes", Err: intake.ErrTooLarge},
			413, 1010, "The event is too large: the reply is 3000000 bytes encoded, over the 2080768 a run takes.", []string{"body"}},
		{"an event Temporal refuses", &intake.Error{What: "Temporal refused to start a run of definition d", Err: fmt.Errorf("%w: Blob data size exceeds limit.", intake.ErrRejected)},
			422, 1000, "Temporal refused to start a run of definition d: refused by Temporal as invalid: Blob data size exceeds limit.", []string{"body"}},
		{"not found", &manage.Error{What: "Definition d not found.", Err: store.ErrNotFound},
			404, 1300, "Definition d not found.", nil},
		{"a conflict", &manage.Error{What: "The workflow is Complete; it cannot be suspended.", Err: store.ErrConflict},
			409, 1000, "The workflow is Complete; it cannot be suspended.", nil},
		{"input the store refuses", failed("Could not create the API key", fmt.Errorf("API key name is 300 characters, more than 200: %w", store.ErrInvalid)),
			400, 1000, "Could not create the API key: API key name is 300 characters, more than 200: invalid", nil},
		{"no Vault", failed("Could not store the connection", credentials.ErrNotConfigured),
			503, 2000, "Could not store the connection: secrets need Vault, and this gateway has none configured.", nil},
		{"secrets changing", failed("Could not store the connection's secrets", fmt.Errorf("writing: %w", credentials.ErrConflict)),
			409, 1000, "Could not store the connection's secrets: they changed while this request wrote them; send it again.", []string{"fields"}},
		{"unreadable data", &manage.Error{What: "Could not read the stored definition", Err: fmt.Errorf("%w: %w", manage.ErrInternal, secret)},
			500, 2000, "Could not read the stored definition; retrying will not help: quote the errorId to the operator.", nil},
		{"a dependency", failed("Could not list definitions", secret),
			503, 2000, "Could not list definitions; nothing was lost, retry the request.", nil},
		{"anything else", secret,
			503, 2000, "Could not complete the request; nothing was lost, retry the request.", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := answer(tc.err)
			if status != tc.status || body.Code != tc.code || body.Message != tc.message {
				t.Errorf("answer = %d %d %q, want %d %d %q", status, body.Code, body.Message, tc.status, tc.code, tc.message)
			}
			var paths []string
			for _, f := range body.Errors {
				paths = append(paths, f.Path)
			}
			if strings.Join(paths, ",") != strings.Join(tc.paths, ",") {
				t.Errorf("paths %v, want %v", paths, tc.paths)
			}
			if strings.Contains(body.Message, "password") {
				t.Errorf("the cause reached the client: %q", body.Message)
			}
		})
	}
}
