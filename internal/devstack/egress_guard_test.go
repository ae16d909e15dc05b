package devstack_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/junction-run/junction/internal/devstack"
	"github.com/junction-run/junction/runs"
)

// TestEgressGuardRefusesLoopback runs a worker as `junction worker` runs
// by default (--egress-allow none): an HttpRequest step to a server on
// loopback fails at once as DestinationRefused, without a retry, the server
// never sees a request, and the error names the address class, not the
// URL's path or query.
func TestEgressGuardRefusesLoopback(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	s := startTestStack(t, devstack.Config{EgressAllow: "none"})
	createDefinition(t, s, "acme", []byte(`{"trigger":"http_request","status":"enabled","definition":{"name":"Internal call","steps":[
	  {"id":"call","stepType":"HttpRequest","inputs":{"method":"GET","url":"`+srv.URL+`/admin/secret-path?token=t0k"}}]}}`))
	res := trigger(t, s, "acme", `{}`, nil)

	// A retried refusal would keep the run going for the step's ~9 minutes
	// of backoff: the minute here is the check that it is not retried.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := s.Client.GetWorkflow(ctx, res.Runs[0].TemporalWorkflowID, "").Get(ctx, nil)
	var app *temporal.ApplicationError
	for e := err; e != nil; e = errors.Unwrap(e) {
		if errors.As(e, &app) && app.Type() == runs.ErrTypeDestinationRefused {
			break
		}
	}
	if app == nil || app.Type() != runs.ErrTypeDestinationRefused {
		t.Fatalf("the run ended with %v, want a DestinationRefused failure", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "loopback") || strings.Contains(msg, "secret-path") || strings.Contains(msg, "t0k") {
		t.Errorf("the failure reads %q: it must name the class and never the path or query", msg)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the loopback server saw %d requests", n)
	}
}
