package runs

import (
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/junction-run/junction/definition"
)

// A run of an event starts the same way whoever starts it: intake through
// the client, or the poll workflow as its child. Both read these two
// functions, so the id, the duplicate rule, the search attributes and the
// memo cannot drift apart.

// StartOptions are the options a run of an event starts with through the
// client. summary says in the Temporal UI what started it (RunSummary).
func StartOptions(in RunInput, summary string) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:        RunWorkflowID(in.AccountID, in.DefinitionID, in.EventID),
		TaskQueue: TaskQueue,
		// The workflow id is the event's identity: a redelivered event finds
		// the run it already started, open or closed, instead of a new one.
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes:    runSearchAttributes(in),
		Memo:                     runMemo(in),
		StaticSummary:            summary,
	}
}

// ChildStartOptions are StartOptions for a run the poll workflow starts as
// its child. A child cannot use an existing run (Temporal has no conflict
// policy for children): a second start of the same id is refused instead,
// which the poll counts as a duplicate. Children are abandoned: a run
// outlives the poll that started it.
func ChildStartOptions(in RunInput, summary string) workflow.ChildWorkflowOptions {
	return workflow.ChildWorkflowOptions{
		WorkflowID:            RunWorkflowID(in.AccountID, in.DefinitionID, in.EventID),
		TaskQueue:             TaskQueue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		TypedSearchAttributes: runSearchAttributes(in),
		Memo:                  runMemo(in),
		StaticSummary:         summary,
	}
}

// RunSummary is a run's summary in the Temporal UI: the definition, its
// version, and the trigger's event or item that started it.
func RunSummary(in RunInput, what, id string) string {
	return fmt.Sprintf("%s (v%d), %s %s %s", in.Name, in.Version, in.Trigger, what, id)
}

func runSearchAttributes(in RunInput) temporal.SearchAttributes {
	attrs := []temporal.SearchAttributeUpdate{
		AccountIDKey.ValueSet(in.AccountID),
		DefinitionIDKey.ValueSet(in.DefinitionID),
		DefinitionVersionKey.ValueSet(int64(in.Version)),
		TriggerKey.ValueSet(in.Trigger),
	}
	if in.SubAccountID != "" {
		attrs = append(attrs, SubAccountIDKey.ValueSet(in.SubAccountID))
	}
	if apps := RunApps(in); len(apps) > 0 {
		attrs = append(attrs, AppKey.ValueSet(apps))
	}
	return temporal.NewSearchAttributes(attrs...)
}

// RunApps are the apps a run uses (AppKey): its connector steps', nested
// ones included, and its app trigger's.
func RunApps(in RunInput) []string {
	doc := definition.Document{Trigger: in.Trigger, Definition: definition.Workflow{Steps: in.Steps}}
	return doc.UsedApps()
}

// runMemo rides along in visibility, so run lists show the same
// triggeredAt as the run's own data.
func runMemo(in RunInput) map[string]any {
	return map[string]any{MemoTriggeredAt: in.TriggeredAt.UTC().Format(time.RFC3339Nano)}
}
