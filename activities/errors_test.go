package activities

import (
	"errors"
	"testing"
	"time"

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
