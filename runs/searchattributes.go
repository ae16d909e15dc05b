package runs

import (
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
)

// Search attributes every run carries, so support staff can find runs by
// tenant and definition in the Temporal UI, and the API can list them.
var (
	AccountIDKey         = temporal.NewSearchAttributeKeyKeyword("JunctionAccountId")
	SubAccountIDKey      = temporal.NewSearchAttributeKeyKeyword("JunctionSubAccountId")
	DefinitionIDKey      = temporal.NewSearchAttributeKeyKeyword("JunctionDefinitionId")
	DefinitionVersionKey = temporal.NewSearchAttributeKeyInt64("JunctionDefinitionVersion")
	TriggerKey           = temporal.NewSearchAttributeKeyKeyword("JunctionTrigger")
	// AwaitingReplyKey is set while a run waits in a WaitForReply step, to
	// AwaitKey(channel, from), so intake can route the reply to it.
	AwaitingReplyKey = temporal.NewSearchAttributeKeyKeyword("JunctionAwaitingReply")
	// RunStatusKey is RunStatusSuspended while a run is suspended, unset
	// otherwise: with Temporal's own ExecutionStatus, it is the run's
	// status in 8x8's words (Runnable, Suspended, Complete, Terminated).
	RunStatusKey = temporal.NewSearchAttributeKeyKeyword("JunctionRunStatus")
	// AppKey lists the apps (connectors) a run uses, its steps' and its
	// trigger's (definition.Document.UsedApps), from its start: support
	// finds every run that called an app with JunctionApp = 'shopify'.
	AppKey = temporal.NewSearchAttributeKeyKeywordList("JunctionApp")
	// ErrorKindKey is set when a run fails, to the kind of what failed it
	// (ErrorKind: Unauthorized, RateLimited, ExpressionError, ...).
	ErrorKindKey = temporal.NewSearchAttributeKeyKeyword("JunctionErrorKind")
)

// RunStatusSuspended is RunStatusKey's value for a suspended run.
const RunStatusSuspended = "Suspended"

// SearchAttributes lists the attributes above with their types, for
// registration on a namespace.
func SearchAttributes() map[string]enumspb.IndexedValueType {
	return map[string]enumspb.IndexedValueType{
		AccountIDKey.GetName():         enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SubAccountIDKey.GetName():      enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		DefinitionIDKey.GetName():      enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		DefinitionVersionKey.GetName(): enumspb.INDEXED_VALUE_TYPE_INT,
		TriggerKey.GetName():           enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		AwaitingReplyKey.GetName():     enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		RunStatusKey.GetName():         enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		AppKey.GetName():               enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST,
		ErrorKindKey.GetName():         enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	}
}
