package activities

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/junction-run/junction/egress"
	"github.com/junction-run/junction/runs"
	"go.temporal.io/sdk/temporal"
)

// TestPrefixedKeepsWhatTheServerReads converts errors the way the worker
// does before it reports them: the top-level failure is what the server's
// retry policy reads.
func TestPrefixedKeepsWhatTheServerReads(t *testing.T) {
	fc := temporal.GetDefaultFailureConverter()
	tests := []struct {
		name          string
		err           error
		wantType      string
		wantNonRetry  bool
		wantNextDelay time.Duration
	}{
		{"non-retryable", temporal.NewNonRetryableApplicationError("connection c1 not found", runs.ErrTypeNotFound, nil), runs.ErrTypeNotFound, true, 0},
		{"retry later", temporal.NewApplicationErrorWithOptions("rate limited", "RateLimited",
			temporal.ApplicationErrorOptions{NextRetryDelay: 7 * time.Second}), "RateLimited", false, 7 * time.Second},
		{"plain error", errors.New("connection refused"), "wrapError", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fc.ErrorToFailure(prefixed("step s1", tt.err))
			info := f.GetApplicationFailureInfo()
			if info == nil {
				t.Fatalf("failure %v has no application info", f)
			}
			want := tt.err.Error()
			if appErr, ok := errors.AsType[*temporal.ApplicationError](tt.err); ok {
				want = appErr.Message()
			}
			if f.GetMessage() != "step s1: "+want {
				t.Errorf("message %q", f.GetMessage())
			}
			if info.GetType() != tt.wantType {
				t.Errorf("type %q, want %q", info.GetType(), tt.wantType)
			}
			if info.GetNonRetryable() != tt.wantNonRetry {
				t.Errorf("non-retryable %v, want %v", info.GetNonRetryable(), tt.wantNonRetry)
			}
			if got := info.GetNextRetryDelay().AsDuration(); got != tt.wantNextDelay {
				t.Errorf("next retry delay %v, want %v", got, tt.wantNextDelay)
			}
		})
	}
}

// Failures a connector passes on from egress as they are: what can never
// succeed is not retried, what may is, each with the type that says why.
func TestMapConnectorErrorOfEgressFailures(t *testing.T) {
	tests := []struct {
		err       error
		wantType  string
		wantRetry bool
	}{
		{fmt.Errorf("shopify: %w", &egress.TooLargeError{Method: "GET", URL: "https://x.test", Limit: 10}), runs.ErrTypeResponseTooLarge, false},
		{fmt.Errorf("slack: %w: the 200 answer is not the JSON expected", egress.ErrUnexpectedResponse), runs.ErrTypeUnexpectedResponse, false},
		{fmt.Errorf("%w: stopped after 5", egress.ErrTooManyRedirects), runs.ErrTypeBadRequest, false},
		{fmt.Errorf("%w: no complete answer within 30s", egress.ErrTimeout), runs.ErrTypeTimeout, true},
		{fmt.Errorf("%w: connection reset", egress.ErrNetwork), runs.ErrTypeUnavailable, true},
	}
	for _, tt := range tests {
		var appErr *temporal.ApplicationError
		if got := mapConnectorError("step s1: "+tt.err.Error(), tt.err); !errors.As(got, &appErr) ||
			appErr.Type() != tt.wantType || appErr.NonRetryable() == tt.wantRetry {
			t.Errorf("mapConnectorError(%v) = %v, want %s (retryable %v)", tt.err, got, tt.wantType, tt.wantRetry)
		}
	}
}
