package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/store"
	"github.com/junction-run/junction/workflows"
)

// IdempotencyKeyHeader lets a caller make redelivery safe: the same key for
// the same account and definition never starts a second run.
const IdempotencyKeyHeader = "Idempotency-Key"

var eventIDPattern = regexp.MustCompile(`^[A-Za-z0-9._~\-]{1,128}$`)

// startedRun is one run a trigger started (or found already started).
type startedRun struct {
	DefinitionID       string `json:"definitionId"`
	Version            int    `json:"version"`
	WorkflowID         string `json:"workflowId"`
	TemporalWorkflowID string `json:"temporalWorkflowId"`
	RunID              string `json:"runId"`
}

// triggerResponse is Junction's body for a raised event; 8x8 documents no
// body, so clients written for 8x8 simply ignore it.
type triggerResponse struct {
	EventID string       `json:"eventId"`
	Runs    []startedRun `json:"runs"`
}

// triggerHTTPRequest raises an http_request event: one run per enabled
// definition of the account with that trigger (and a matching subaccount).
// It answers 200 only once Temporal has accepted every start.
func (g *Gateway) triggerHTTPRequest(c *gin.Context) {
	accountID := c.Param("accountId")
	subAccountID := c.Query("subAccountId")
	eventID, ok := g.eventID(c)
	if !ok {
		return
	}
	body, ok := g.readBody(c)
	if !ok {
		return
	}
	payload, ok := g.jsonObject(c, body)
	if !ok {
		return
	}

	ctx := c.Request.Context()
	defs, err := g.store.EnabledDefinitions(ctx, accountID, definition.TriggerHTTPRequest, subAccountID)
	if err != nil {
		g.failInternal(c, http.StatusServiceUnavailable, "Could not look up definitions for this trigger", err)
		return
	}
	triggeredAt := g.now().UTC()
	resp := triggerResponse{EventID: eventID, Runs: make([]startedRun, 0, len(defs))}
	for _, d := range defs {
		run, err := g.startRun(c, d, definition.TriggerHTTPRequest, eventID, subAccountID, triggeredAt, payload)
		if err != nil {
			// Runs started before this one stay started: with an
			// Idempotency-Key the caller's retry finds them and starts only
			// what is missing.
			g.failInternal(c, http.StatusServiceUnavailable,
				fmt.Sprintf("Could not start a run of definition %s", d.ID), err)
			return
		}
		resp.Runs = append(resp.Runs, run)
	}
	c.JSON(http.StatusOK, resp)
}

func (g *Gateway) startRun(c *gin.Context, d store.Definition, trigger, eventID, subAccountID string,
	triggeredAt time.Time, payload map[string]any) (startedRun, error) {
	doc, err := fromRecord(d)
	if err != nil {
		return startedRun{}, fmt.Errorf("decoding stored definition %s v%d: %w", d.ID, d.Version, err)
	}
	in := workflows.RunInput{
		AccountID:    d.AccountID,
		SubAccountID: subAccountID,
		DefinitionID: d.ID,
		Version:      d.Version,
		Name:         doc.Definition.Name,
		Trigger:      trigger,
		EventID:      eventID,
		TriggeredAt:  triggeredAt,
		Steps:        doc.Definition.Steps,
		Payload:      payload,
	}
	attrs := []temporal.SearchAttributeUpdate{
		workflows.AccountIDKey.ValueSet(d.AccountID),
		workflows.DefinitionIDKey.ValueSet(d.ID),
		workflows.DefinitionVersionKey.ValueSet(int64(d.Version)),
		workflows.TriggerKey.ValueSet(trigger),
	}
	if subAccountID != "" {
		attrs = append(attrs, workflows.SubAccountIDKey.ValueSet(subAccountID))
	}
	opts := client.StartWorkflowOptions{
		ID:        temporalWorkflowID(d.AccountID, d.ID, eventID),
		TaskQueue: workflows.TaskQueue,
		// The workflow id is the event's identity: a redelivered event finds
		// the run it already started, open or closed, instead of a new one.
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes:    temporal.NewSearchAttributes(attrs...),
		StaticSummary:            fmt.Sprintf("%s (v%d), %s event %s", doc.Definition.Name, d.Version, trigger, eventID),
	}
	run, err := g.temporal.ExecuteWorkflow(c.Request.Context(), opts, workflows.RunDefinitionName, in)
	if err != nil {
		return startedRun{}, err
	}
	return startedRun{
		DefinitionID:       d.ID,
		Version:            d.Version,
		WorkflowID:         eventID,
		TemporalWorkflowID: run.GetID(),
		RunID:              run.GetRunID(),
	}, nil
}

// eventID is the caller's Idempotency-Key or, without one, a fresh
// time-ordered id (so every call is a new event).
func (g *Gateway) eventID(c *gin.Context) (string, bool) {
	if key := c.GetHeader(IdempotencyKeyHeader); key != "" {
		if !eventIDPattern.MatchString(key) {
			g.fail(c, http.StatusBadRequest, codeInvalidParameter, "Invalid Idempotency-Key header.",
				[]fieldError{{Path: "header." + IdempotencyKeyHeader, Message: "must be 1-128 letters, digits, '.', '_', '~' or '-'"}})
			return "", false
		}
		return key, true
	}
	id, err := uuid.NewV7()
	if err != nil {
		g.failInternal(c, http.StatusInternalServerError, "Could not make an event id", err)
		return "", false
	}
	return id.String(), true
}

// jsonObject decodes a trigger body: any JSON object; an empty body is {}.
func (g *Gateway) jsonObject(c *gin.Context, body []byte) (map[string]any, bool) {
	if len(bytes.TrimSpace(body)) == 0 {
		return map[string]any{}, true
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var v any
	if err := dec.Decode(&v); err != nil {
		g.fail(c, http.StatusBadRequest, codeInvalidParameter, "Request body is not valid JSON: "+err.Error(),
			[]fieldError{{Path: "body", Message: err.Error()}})
		return nil, false
	}
	if dec.More() {
		g.fail(c, http.StatusBadRequest, codeInvalidParameter, "Request body holds more than one JSON value.",
			[]fieldError{{Path: "body", Message: "more than one JSON value"}})
		return nil, false
	}
	obj, isObject := v.(map[string]any)
	if !isObject {
		g.fail(c, http.StatusBadRequest, codeInvalidParameter, "Request body must be a JSON object.",
			[]fieldError{{Path: "body", Message: "must be a JSON object"}})
		return nil, false
	}
	return obj, true
}

// temporalWorkflowID reads as tenant / definition / event in the Temporal UI.
func temporalWorkflowID(accountID, definitionID, eventID string) string {
	return accountID + "/" + definitionID + "/" + eventID
}
