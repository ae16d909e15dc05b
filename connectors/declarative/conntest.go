package declarative

import (
	"context"
	"encoding/json"

	"github.com/junction-run/junction/connectors"
)

// ConnectionTest is a request whose success means a connection's
// credentials work: the connection check (connectors.Checker) that POST
// .../connections/{id}/test runs. It is sent as an action's request is,
// with no input, so its templates read connection and env only.
type ConnectionTest struct {
	// Request is the request, e.g. GET /v1/me.
	Request Request `json:"request"`
	// Response may say which statuses are a success (2xx when not given).
	Response *Statuses `json:"response,omitempty"`
}

// testAction is the connection test as an action of its own, so it is
// checked and sent as actions are.
func (t *ConnectionTest) testAction() Action {
	act := Action{ID: "connection_test", Name: "Connection test", Kind: connectors.ActionSearch,
		Description: "Checks the connection's credentials.", Input: json.RawMessage(`{"type": "object", "additionalProperties": false}`),
		SampleInput: json.RawMessage(`{}`), Request: t.Request}
	if t.Response != nil {
		act.Response = Response{Success: t.Response.Success, NotFound: t.Response.NotFound, Retry: t.Response.Retry}
	}
	return act
}

// check runs the test: nil when the third party accepted it.
func (r *runner) check(ctx context.Context, call connectors.Call) error {
	call.Input = nil
	_, err := r.Run(ctx, call)
	return err
}
