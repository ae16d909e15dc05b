package workflows

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
)

// MemoTriggeredAt is the memo field holding a run's trigger time, so run
// lists show it without reading the run's input.
const MemoTriggeredAt = "triggeredAt"

// RunWorkflowID is the Temporal workflow id of the run an event starts:
// tenant / definition / event, so it reads well in the Temporal UI, and a
// second start for the same event (a redelivered webhook, a re-polled
// item) finds the first one instead of running again.
func RunWorkflowID(accountID, definitionID, eventID string) string {
	return accountID + "/" + definitionID + "/" + eventID
}

var safeEventID = regexp.MustCompile(`^[A-Za-z0-9._~\-]{1,128}$`)

// EventWorkflowKey makes a third party's event or item id fit in a
// workflow id: kept when it is made of safe characters, otherwise replaced
// by its hash (the same every time the id comes back).
func EventWorkflowKey(id string) string {
	if safeEventID.MatchString(id) {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return "h-" + hex.EncodeToString(sum[:16])
}
