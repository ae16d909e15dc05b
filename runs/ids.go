package runs

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
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

// RunEventID is the event part of a run's workflow id (RunWorkflowID):
// the id 8x8's API names runs by.
func RunEventID(workflowID string) string {
	return workflowID[strings.LastIndex(workflowID, "/")+1:]
}

// eventIDPattern is what an event id may be made of as it is: what fits in
// a workflow id and reads well in the UI.
var eventIDPattern = regexp.MustCompile(`^[A-Za-z0-9._~\-]{1,128}$`)

// ValidEventID reports whether id can be an event id as it is (a caller's
// Idempotency-Key, an 8x8 umid): 1-128 letters, digits, '.', '_', '~' or
// '-'. EventIDRule says so in words, for error messages.
func ValidEventID(id string) bool { return eventIDPattern.MatchString(id) }

// EventIDRule is ValidEventID in words.
const EventIDRule = "must be 1-128 letters, digits, '.', '_', '~' or '-'"

// EventWorkflowKey makes a third party's event or item id fit in a
// workflow id: kept when it is made of safe characters, otherwise replaced
// by its hash (the same every time the id comes back).
func EventWorkflowKey(id string) string {
	if ValidEventID(id) {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return "h-" + hex.EncodeToString(sum[:16])
}

// RefresherWorkflowID is the id of a connection's OAuth2 refresher. One id
// per connection is what makes Temporal serialize its refreshes.
func RefresherWorkflowID(accountID, connectionID string) string {
	return "oauth2-refresh/" + accountID + "/" + connectionID
}

// PollScheduleID names the Temporal Schedule that polls a definition's
// polling trigger.
func PollScheduleID(accountID, definitionID string) string {
	return "poll/" + accountID + "/" + definitionID
}
