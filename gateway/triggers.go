package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
)

// IdempotencyKeyHeader lets a caller make redelivery safe: the same key for
// the same account and definition never starts a second run.
const IdempotencyKeyHeader = "Idempotency-Key"

var eventIDPattern = regexp.MustCompile(`^[A-Za-z0-9._~\-]{1,128}$`)

// startedRun is one run an event started, found already started, or
// resumed.
type startedRun struct {
	DefinitionID       string `json:"definitionId"`
	Version            int    `json:"version"`
	WorkflowID         string `json:"workflowId"`
	TemporalWorkflowID string `json:"temporalWorkflowId"`
	RunID              string `json:"runId"`
}

// skippedDefinition is a definition whose trigger conditions turned the
// event down.
type skippedDefinition struct {
	DefinitionID string `json:"definitionId"`
	Version      int    `json:"version"`
	Reason       string `json:"reason"`
}

// triggerResponse is Junction's body for a raised event; 8x8 documents no
// body, so clients written for 8x8 simply ignore it.
type triggerResponse struct {
	EventID string              `json:"eventId"`
	Runs    []startedRun        `json:"runs"`
	Resumed []startedRun        `json:"resumed,omitempty"`
	Skipped []skippedDefinition `json:"skipped,omitempty"`
}

// event is one inbound trigger event, whatever its source.
type event struct {
	trigger      string
	id           string
	subAccountID string
	payload      map[string]any
	// replyKeys are the WaitForReply keys (workflows.AwaitKey) this event
	// answers; empty for events that are never replies.
	replyKeys []string
	reply     runs.Reply
}

// triggerHTTPRequest raises an http_request event: the body's fields are the
// run's data.
func (g *Gateway) triggerHTTPRequest(c *gin.Context) {
	ev, ok := g.readEvent(c, definition.TriggerHTTPRequest)
	if !ok {
		return
	}
	ev.subAccountID = c.Query("subAccountId")
	g.raise(c, ev)
}

// triggerInboundSMS raises an inbound_sms event from 8x8's inbound SMS
// webhook envelope: {namespace, eventType, description, payload{umid,
// subAccountId, source, destination, body, ...}}.
func (g *Gateway) triggerInboundSMS(c *gin.Context) {
	ev, ok := g.readMessagingEvent(c, definition.TriggerInboundSMS)
	if !ok {
		return
	}
	p := ev.payload["payload"].(map[string]any)
	from := stringField(p, "source")
	ev.replyKeys = []string{runs.AwaitKey("sms", from)}
	ev.reply = runs.Reply{EventID: ev.id, From: from, Channel: "sms", Event: ev.payload}
	g.raise(c, ev)
}

// triggerInboundChatApps raises an inbound_chat_apps event from 8x8's Chat
// Apps inbound webhook envelope (payload{umid, subAccountId, user{msisdn,
// channelUserId}, recipient{channel}, content, ...}).
func (g *Gateway) triggerInboundChatApps(c *gin.Context) {
	ev, ok := g.readMessagingEvent(c, definition.TriggerInboundChatApps)
	if !ok {
		return
	}
	p := ev.payload["payload"].(map[string]any)
	user, _ := p["user"].(map[string]any)
	recipient, _ := p["recipient"].(map[string]any)
	channel := strings.ToLower(stringField(recipient, "channel"))
	// A run may wait on either address of the sender, depending on the
	// webhook version its definition was written for.
	var from string
	for _, addr := range []string{stringField(user, "channelUserId"), stringField(user, "msisdn")} {
		if addr == "" {
			continue
		}
		if from == "" {
			from = addr
		}
		ev.replyKeys = append(ev.replyKeys, runs.AwaitKey(channel, addr))
	}
	ev.reply = runs.Reply{EventID: ev.id, From: from, Channel: channel, Event: ev.payload}
	g.raise(c, ev)
}

// readEvent reads a trigger body (any JSON object) and the event id.
func (g *Gateway) readEvent(c *gin.Context, trigger string) (event, bool) {
	id, ok := g.eventID(c)
	if !ok {
		return event{}, false
	}
	body, ok := g.readBody(c)
	if !ok {
		return event{}, false
	}
	payload, ok := g.jsonObject(c, body)
	if !ok {
		return event{}, false
	}
	return event{trigger: trigger, id: id, payload: payload}, true
}

// readMessagingEvent reads an 8x8 webhook envelope. Its payload's umid is
// the event's own id, so a webhook 8x8 redelivers never runs twice.
func (g *Gateway) readMessagingEvent(c *gin.Context, trigger string) (event, bool) {
	ev, ok := g.readEvent(c, trigger)
	if !ok {
		return event{}, false
	}
	p, isObject := ev.payload["payload"].(map[string]any)
	if !isObject {
		g.fail(c, http.StatusBadRequest, codeInvalidParameter, "payload must be a JSON object (8x8's webhook envelope).",
			[]fieldError{{Path: "payload", Message: "is required and must be an object"}})
		return event{}, false
	}
	if umid := stringField(p, "umid"); umid != "" && c.GetHeader(IdempotencyKeyHeader) == "" {
		if !eventIDPattern.MatchString(umid) {
			g.fail(c, http.StatusBadRequest, codeInvalidParameter, "payload.umid is not a valid message id.",
				[]fieldError{{Path: "payload.umid", Message: "must be 1-128 letters, digits, '.', '_', '~' or '-'"}})
			return event{}, false
		}
		ev.id = umid
	}
	ev.subAccountID = stringField(p, "subAccountId")
	return ev, true
}

// raise routes one event to every enabled definition of the account with its
// trigger: a run waiting for this reply is resumed; otherwise a new run
// starts, if the definition's conditions accept the event. It answers 200
// only once Temporal has accepted every start and signal.
func (g *Gateway) raise(c *gin.Context, ev event) {
	ctx := c.Request.Context()
	accountID := c.Param("accountId")
	defs, err := g.store.EnabledDefinitions(ctx, accountID, ev.trigger, ev.subAccountID)
	if err != nil {
		g.failInternal(c, http.StatusServiceUnavailable, "Could not look up definitions for this trigger", err)
		return
	}
	triggeredAt := g.now().UTC()
	resp := triggerResponse{EventID: ev.id, Runs: make([]startedRun, 0, len(defs))}
	waiting, err := g.waitingRuns(ctx, accountID, ev)
	if err != nil {
		g.failInternal(c, http.StatusServiceUnavailable, "Could not look up runs waiting for this reply", err)
		return
	}
	for _, d := range defs {
		if w := waiting[d.ID]; len(w) > 0 {
			resumed, err := g.resume(ctx, d, w, ev)
			if err != nil {
				g.failInternal(c, http.StatusServiceUnavailable,
					fmt.Sprintf("Could not deliver the reply to runs of definition %s", d.ID), err)
				return
			}
			if len(resumed) > 0 {
				resp.Resumed = append(resp.Resumed, resumed...)
				continue
			}
		}
		in, doc, err := runInput(d, ev, triggeredAt)
		if err != nil {
			g.failInternal(c, http.StatusInternalServerError, fmt.Sprintf("Could not read definition %s", d.ID), err)
			return
		}
		if reason := conditionsFail(doc, in, triggeredAt); reason != "" {
			resp.Skipped = append(resp.Skipped, skippedDefinition{DefinitionID: d.ID, Version: d.Version, Reason: reason})
			continue
		}
		run, err := g.startRun(ctx, d, doc, in)
		if err != nil {
			// Runs started before this one stay started: the caller's retry
			// with the same event id finds them and starts only what is
			// missing.
			g.failInternal(c, http.StatusServiceUnavailable, fmt.Sprintf("Could not start a run of definition %s", d.ID), err)
			return
		}
		resp.Runs = append(resp.Runs, run)
	}
	c.JSON(http.StatusOK, resp)
}

// waitingRuns finds, in one visibility query, the open runs of the account
// that wait for this event's sender, by definition id. Events that are never
// replies find none without a query.
func (g *Gateway) waitingRuns(ctx context.Context, accountID string, ev event) (map[string][]runInstance, error) {
	if len(ev.replyKeys) == 0 {
		return nil, nil
	}
	quoted := make([]string, len(ev.replyKeys))
	for i, k := range ev.replyKeys {
		quoted[i] = "'" + strings.ReplaceAll(k, "'", "") + "'"
	}
	query := fmt.Sprintf("%s = '%s' AND %s IN (%s) AND ExecutionStatus = 'Running'",
		runs.AccountIDKey.GetName(), accountID,
		runs.AwaitingReplyKey.GetName(), strings.Join(quoted, ", "))
	execs, err := g.listExecutions(ctx, query, store.Page{Limit: 500})
	if err != nil {
		return nil, err
	}
	byDefinition := map[string][]runInstance{}
	for _, e := range execs {
		inst := g.instanceFromInfo(e)
		byDefinition[inst.DefinitionID] = append(byDefinition[inst.DefinitionID], inst)
	}
	return byDefinition, nil
}

// resume signals a definition's waiting runs (any version) with the reply.
func (g *Gateway) resume(ctx context.Context, d store.Definition, waitingRuns []runInstance, ev event) ([]startedRun, error) {
	var out []startedRun
	for _, inst := range waitingRuns {
		if inst.WorkflowID == ev.id {
			// A redelivery of the message that started this very run is
			// not its reply.
			continue
		}
		if err := g.temporal.SignalWorkflow(ctx, inst.TemporalWorkflowID, inst.RunID, runs.ReplySignal, ev.reply); err != nil {
			return nil, fmt.Errorf("signalling %s: %w", inst.TemporalWorkflowID, err)
		}
		out = append(out, startedRun{DefinitionID: d.ID, Version: inst.Version, WorkflowID: inst.WorkflowID,
			TemporalWorkflowID: inst.TemporalWorkflowID, RunID: inst.RunID})
	}
	return out, nil
}

func runInput(d store.Definition, ev event, triggeredAt time.Time) (runs.RunInput, *definition.Document, error) {
	doc, err := fromRecord(d)
	if err != nil {
		return runs.RunInput{}, nil, fmt.Errorf("decoding stored definition %s v%d: %w", d.ID, d.Version, err)
	}
	return runs.RunInput{
		AccountID:    d.AccountID,
		SubAccountID: ev.subAccountID,
		DefinitionID: d.ID,
		Version:      d.Version,
		Name:         doc.Definition.Name,
		Trigger:      ev.trigger,
		EventID:      ev.id,
		TriggeredAt:  triggeredAt,
		Steps:        doc.Definition.Steps,
		Apps:         doc.Apps,
		Payload:      ev.payload,
	}, doc, nil
}

// conditionsFail evaluates a definition's trigger conditions over the data
// the run would start with; it returns why the event is turned down, or "".
func conditionsFail(doc *definition.Document, in runs.RunInput, now time.Time) string {
	return runs.ConditionsFail(doc.Conditions, in, now)
}

func (g *Gateway) startRun(ctx context.Context, d store.Definition, doc *definition.Document, in runs.RunInput) (startedRun, error) {
	attrs := []temporal.SearchAttributeUpdate{
		runs.AccountIDKey.ValueSet(d.AccountID),
		runs.DefinitionIDKey.ValueSet(d.ID),
		runs.DefinitionVersionKey.ValueSet(int64(d.Version)),
		runs.TriggerKey.ValueSet(in.Trigger),
	}
	if in.SubAccountID != "" {
		attrs = append(attrs, runs.SubAccountIDKey.ValueSet(in.SubAccountID))
	}
	opts := client.StartWorkflowOptions{
		ID:        temporalWorkflowID(d.AccountID, d.ID, in.EventID),
		TaskQueue: runs.TaskQueue,
		// The workflow id is the event's identity: a redelivered event finds
		// the run it already started, open or closed, instead of a new one.
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes:    temporal.NewSearchAttributes(attrs...),
		// The memo rides along in visibility, so run lists show the same
		// triggeredAt as the run's own data.
		Memo:             map[string]any{memoTriggeredAt: in.TriggeredAt.UTC().Format(time.RFC3339Nano)},
		StaticSummary:    fmt.Sprintf("%s (v%d), %s event %s", doc.Definition.Name, d.Version, in.Trigger, in.EventID),
		EnableEagerStart: g.runOptions.EagerStart,
	}
	in.LocalHTTPSteps = !g.runOptions.NoLocalHTTPSteps
	run, err := g.temporal.ExecuteWorkflow(ctx, opts, runs.RunDefinitionWorkflow, in)
	if err != nil {
		return startedRun{}, err
	}
	return startedRun{
		DefinitionID:       d.ID,
		Version:            d.Version,
		WorkflowID:         in.EventID,
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

func stringField(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// memoTriggeredAt is the memo field holding the event's time; polls set it
// too.
const memoTriggeredAt = runs.MemoTriggeredAt

// temporalWorkflowID reads as tenant / definition / event in the Temporal UI.
func temporalWorkflowID(accountID, definitionID, eventID string) string {
	// Polls derive their runs' ids with the same function.
	return runs.RunWorkflowID(accountID, definitionID, eventID)
}

// startTestRun is 8x8's "test workflow definition": start one run of a
// definition (latest version, or ?version=) with the body as the trigger's
// data, whatever its status and conditions. It answers 201 with a Location
// naming the run.
func (g *Gateway) startTestRun(c *gin.Context) {
	ctx := c.Request.Context()
	id, ok := g.definitionID(c)
	if !ok {
		return
	}
	version, ok := g.versionParam(c)
	if !ok {
		return
	}
	d, ok := g.requireDefinition(c, id, version)
	if !ok {
		return
	}
	ev, ok := g.readEvent(c, d.Trigger)
	if !ok {
		return
	}
	if p, isObject := ev.payload["payload"].(map[string]any); isObject {
		ev.subAccountID = stringField(p, "subAccountId")
	}
	in, doc, err := runInput(d, ev, g.now().UTC())
	if err != nil {
		g.failInternal(c, http.StatusInternalServerError, fmt.Sprintf("Could not read definition %s", d.ID), err)
		return
	}
	run, err := g.startRun(ctx, d, doc, in)
	if err != nil {
		g.failInternal(c, http.StatusServiceUnavailable, fmt.Sprintf("Could not start a run of definition %s", d.ID), err)
		return
	}
	c.Header("Location", definitionPath(d.AccountID, d.ID)+"/workflows/"+run.WorkflowID)
	c.JSON(http.StatusCreated, run)
}
