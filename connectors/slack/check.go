package slack

import (
	"context"

	"github.com/junction-run/junction/connectors"
)

// check calls auth.test, Slack's method for exactly this: it answers
// {"ok": true, ...} for a live token and invalid_auth or token_revoked
// otherwise.
func check(ctx context.Context, call connectors.Call) error {
	var out struct {
		OK bool `json:"ok"`
	}
	return callMethod(ctx, call.HTTP, "auth.test", []byte(`{}`), &out)
}
