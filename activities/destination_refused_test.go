package activities

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/junction-run/junction/egress"
	"github.com/junction-run/junction/runs"
)

// A worker whose egress guard refuses loopback (production's default)
// fails an HttpRequest step to it for good, as DestinationRefused, and
// sends nothing.
func TestHTTPRequestDestinationRefused(t *testing.T) {
	var seen atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { seen.Add(1) }))
	defer srv.Close()

	acts := New(egress.NewClient(egress.Options{}))
	_, err := runHTTPRequest(t, acts, runs.HTTPRequest{Method: "GET", URL: srv.URL + "/orders?token=secret"})
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != runs.ErrTypeDestinationRefused || !appErr.NonRetryable() {
		t.Fatalf("err = %v, want a non-retryable %s", err, runs.ErrTypeDestinationRefused)
	}
	if msg := err.Error(); !strings.Contains(msg, "loopback") || strings.Contains(msg, "token=secret") || strings.Contains(msg, "/orders") {
		t.Errorf("the message must name the class and the host only: %s", msg)
	}
	if n := seen.Load(); n != 0 {
		t.Errorf("the server saw %d requests", n)
	}
}

// A connector's own call that the guard refused (returned as it is, or
// wrapped) fails for good too.
func TestMapConnectorErrorDestinationRefused(t *testing.T) {
	refused := &egress.RefusedError{Class: egress.ClassLinkLocal, Host: "metadata.test"}
	for _, err := range []error{refused, fmt.Errorf("shopify: %w", refused)} {
		var appErr *temporal.ApplicationError
		if got := mapConnectorError("step s1: "+err.Error(), err); !errors.As(got, &appErr) ||
			appErr.Type() != runs.ErrTypeDestinationRefused || !appErr.NonRetryable() {
			t.Errorf("mapConnectorError(%v) = %v", err, got)
		}
	}
}
