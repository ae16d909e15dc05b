// Package activities holds Junction's Temporal activities: the only code that
// talks to the outside world on behalf of a run. Each activity is a method on
// a struct that carries its dependencies, and this package is the one place
// where third-party errors become Temporal retry behaviour.
package activities

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/junction-run/junction/egress"
	"go.temporal.io/sdk/activity"
)

// Activities is registered with the worker; its fields are shared by every
// activity invocation in the process.
type Activities struct {
	// Egress sends every HttpRequest step's call: the process's one client
	// to third parties (its transport, redirect policy and limits).
	Egress *egress.Client
	// MaxResponseBytes caps how much of a response body is read and kept in
	// history (default 1 MiB); a larger body fails the step.
	MaxResponseBytes int64
	// UserAgent is sent when a step sets none.
	UserAgent string
	// Env fills HttpRequest steps' {{env.NAME}} references from the
	// account's variables of the generic http app (HTTPEnvApp) at
	// HTTPEnvVersion (default: the version this build ships); nil fails
	// steps that reference one.
	Env            EnvResolver
	HTTPEnvVersion string
}

// UserAgent is what Junction's calls to third parties say they are, when
// a step sets no User-Agent of its own.
const UserAgent = "Junction/0 (+https://github.com/junction-run/junction)"

// New returns Activities with production defaults over the egress client
// (nil: egress.Default()).
func New(eg *egress.Client) *Activities {
	if eg == nil {
		eg = egress.Default()
	}
	return &Activities{Egress: eg, MaxResponseBytes: 1 << 20, UserAgent: UserAgent}
}

// idempotencyKey is the key an outbound call of this activity carries
// (runs.IdempotencyKeyHeader): derived from the run and the activity's id,
// which Temporal keeps across the activity's retries and, for a local
// activity, across the replay that runs it again after a worker crashed,
// while every step and every loop iteration schedules its own. Hashed, so
// it reveals neither the account nor the definition to the receiver.
// Outside an activity (a direct call in a test) there is no key.
func idempotencyKey(ctx context.Context) string {
	if !activity.IsActivity(ctx) {
		return ""
	}
	info := activity.GetInfo(ctx)
	sum := sha256.Sum256([]byte(info.WorkflowExecution.ID + "\n" + info.WorkflowExecution.RunID + "\n" + info.ActivityID))
	return hex.EncodeToString(sum[:16])
}
