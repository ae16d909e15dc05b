package apiclient

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
)

// Triggers the gateway accepts events for.
const (
	TriggerHTTPRequest     = "http_request"
	TriggerInboundSMS      = "inbound_sms"
	TriggerInboundChatApps = "inbound_chat_apps"
)

// TriggerOptions qualify an event.
type TriggerOptions struct {
	// SubAccountID selects the definitions whose subAccountId is unset or
	// equal to it (http_request; inbound messages carry their own).
	SubAccountID string
	// IdempotencyKey (1-128 of A-Z a-z 0-9 . _ ~ -) is the event's id:
	// sending the same event again, after a timeout say, finds the runs it
	// already started instead of starting more.
	IdempotencyKey string
}

// TriggerResult is what one event did.
type TriggerResult struct {
	// EventID is the idempotency key, or the id the server made.
	EventID string `json:"eventId"`
	// Runs are the runs the event started (or had already started).
	Runs []Run `json:"runs"`
	// Resumed are runs that were waiting for this event (WaitForReply).
	Resumed []Run `json:"resumed,omitempty"`
	// Skipped are definitions whose trigger conditions turned it down.
	Skipped []SkippedDefinition `json:"skipped,omitempty"`
}

// SkippedDefinition is a definition an event did not start, and why.
type SkippedDefinition struct {
	DefinitionID string `json:"definitionId"`
	Version      int    `json:"version"`
	Reason       string `json:"reason"`
}

// Trigger raises an event: POST /triggers/{trigger} with payload (any JSON
// object; nil is {}) as the event's data. It returns once Temporal has
// accepted every run the event starts; an error means some may not have
// started, and sending the event again with the same IdempotencyKey is safe.
func (c *Client) Trigger(ctx context.Context, trigger string, payload json.RawMessage, opts TriggerOptions) (TriggerResult, error) {
	r := request{method: http.MethodPost, path: []string{"triggers", trigger}, body: jsonBody(payload)}
	if opts.SubAccountID != "" {
		r.query = url.Values{"subAccountId": {opts.SubAccountID}}
	}
	if opts.IdempotencyKey != "" {
		r.header = http.Header{"Idempotency-Key": {opts.IdempotencyKey}}
	}
	var out TriggerResult
	_, err := c.do(ctx, r, &out)
	return out, err
}
