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
	// otherwise.
	RunStatusKey = temporal.NewSearchAttributeKeyKeyword("JunctionRunStatus")
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
	}
}
