package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/intake"
	"github.com/junction-run/junction/runs"
)

// IdempotencyKeyHeader lets a caller make redelivery safe: the same key for
// the same account and definition never starts a second run.
const IdempotencyKeyHeader = "Idempotency-Key"

// event is one inbound trigger event as read from a request: intake's
// Event before the account is known.
type event = intake.Event

// triggerHTTPRequest raises an http_request event: the body's fields are the
// run's data.
func (g *Gateway) triggerHTTPRequest(c *gin.Context) {
	ev, ok := g.readEvent(c, definition.TriggerHTTPRequest)
	if !ok {
		return
	}
	ev.SubAccountID = c.Query("subAccountId")
	g.dispatch(c, ev)
}

// triggerInboundSMS raises an inbound_sms event from 8x8's inbound SMS
// webhook envelope: {namespace, eventType, description, payload{umid,
// subAccountId, source, destination, body, ...}}.
func (g *Gateway) triggerInboundSMS(c *gin.Context) {
	ev, ok := g.readMessagingEvent(c, definition.TriggerInboundSMS)
	if !ok {
		return
	}
	p := ev.Payload["payload"].(map[string]any)
	from := stringField(p, "source")
	ev.Reply = &intake.Reply{Keys: []string{runs.AwaitKey("sms", from)},
		Signal: runs.Reply{EventID: ev.ID, From: from, Channel: "sms", Event: ev.Payload}}
	g.dispatch(c, ev)
}

// triggerInboundChatApps raises an inbound_chat_apps event from 8x8's Chat
// Apps inbound webhook envelope (payload{umid, subAccountId, user{msisdn,
// channelUserId}, recipient{channel}, content, ...}).
func (g *Gateway) triggerInboundChatApps(c *gin.Context) {
	ev, ok := g.readMessagingEvent(c, definition.TriggerInboundChatApps)
	if !ok {
		return
	}
	p := ev.Payload["payload"].(map[string]any)
	user, _ := p["user"].(map[string]any)
	recipient, _ := p["recipient"].(map[string]any)
	channel := strings.ToLower(stringField(recipient, "channel"))
	// A run may wait on either address of the sender, depending on the
	// webhook version its definition was written for.
	var from string
	var keys []string
	for _, addr := range []string{stringField(user, "channelUserId"), stringField(user, "msisdn")} {
		if addr == "" {
			continue
		}
		if from == "" {
			from = addr
		}
		keys = append(keys, runs.AwaitKey(channel, addr))
	}
	ev.Reply = &intake.Reply{Keys: keys, Signal: runs.Reply{EventID: ev.ID, From: from, Channel: channel, Event: ev.Payload}}
	g.dispatch(c, ev)
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
	return event{AccountID: c.Param("accountId"), Trigger: trigger, ID: id, Payload: payload}, true
}

// readMessagingEvent reads an 8x8 webhook envelope. Its payload's umid is
// the event's own id, so a webhook 8x8 redelivers never runs twice.
func (g *Gateway) readMessagingEvent(c *gin.Context, trigger string) (event, bool) {
	ev, ok := g.readEvent(c, trigger)
	if !ok {
		return event{}, false
	}
	p, isObject := ev.Payload["payload"].(map[string]any)
	if !isObject {
		g.fail(c, http.StatusBadRequest, codeInvalidParameter, "payload must be a JSON object (8x8's webhook envelope).",
			[]fieldError{{Path: "payload", Message: "is required and must be an object"}})
		return event{}, false
	}
	if umid := stringField(p, "umid"); umid != "" && c.GetHeader(IdempotencyKeyHeader) == "" {
		if !runs.ValidEventID(umid) {
			g.fail(c, http.StatusBadRequest, codeInvalidParameter, "payload.umid is not a valid message id.",
				[]fieldError{{Path: "payload.umid", Message: runs.EventIDRule}})
			return event{}, false
		}
		ev.ID = umid
	}
	ev.SubAccountID = stringField(p, "subAccountId")
	return ev, true
}

// dispatch hands the event to intake and answers 200 with what it did,
// only once Temporal has accepted every start and signal.
func (g *Gateway) dispatch(c *gin.Context, ev event) {
	res, err := g.intake.Dispatch(c.Request.Context(), ev)
	if err != nil {
		g.failIntake(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

// failIntake answers an intake failure: 503 when the same event may
// succeed when sent again (runs already started stay started, so the
// retry starts only what is missing), 500 otherwise.
func (g *Gateway) failIntake(c *gin.Context, err error) {
	var ie *intake.Error
	if !errors.As(err, &ie) {
		g.failInternal(c, http.StatusInternalServerError, "Could not dispatch the event", err)
		return
	}
	status := http.StatusInternalServerError
	if ie.Retry {
		status = http.StatusServiceUnavailable
	}
	g.failInternal(c, status, ie.What, ie.Err)
}

// eventID is the caller's Idempotency-Key or, without one, a fresh
// time-ordered id (so every call is a new event).
func (g *Gateway) eventID(c *gin.Context) (string, bool) {
	if key := c.GetHeader(IdempotencyKeyHeader); key != "" {
		if !runs.ValidEventID(key) {
			g.fail(c, http.StatusBadRequest, codeInvalidParameter, "Invalid Idempotency-Key header.",
				[]fieldError{{Path: "header." + IdempotencyKeyHeader, Message: runs.EventIDRule}})
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

// startTestRun is 8x8's "test workflow definition": start one run of a
// definition (latest version, or ?version=) with the body as the trigger's
// data, whatever its status and conditions. It answers 201 with a Location
// naming the run.
func (g *Gateway) startTestRun(c *gin.Context) {
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
	if p, isObject := ev.Payload["payload"].(map[string]any); isObject {
		ev.SubAccountID = stringField(p, "subAccountId")
	}
	run, err := g.intake.StartTest(c.Request.Context(), d, ev)
	if err != nil {
		g.failIntake(c, err)
		return
	}
	c.Header("Location", definitionPath(d.AccountID, d.ID)+"/workflows/"+run.WorkflowID)
	c.JSON(http.StatusCreated, run)
}
