package gateway

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/intake"
	"github.com/junction-run/junction/runs"
)

// IdempotencyKeyHeader lets a caller make redelivery safe: the same key for
// the same account and definition never starts a second run.
const IdempotencyKeyHeader = "Idempotency-Key"

// triggerHTTPRequest raises an http_request event: the body's fields are the
// run's data.
func (g *Gateway) triggerHTTPRequest(c *gin.Context) error {
	ev, err := readEvent(c, definition.TriggerHTTPRequest)
	if err != nil {
		return err
	}
	ev.SubAccountID = c.Query("subAccountId")
	return g.dispatch(c, ev)
}

// triggerInboundSMS raises an inbound_sms event from 8x8's inbound SMS
// webhook envelope: {namespace, eventType, description, payload{umid,
// subAccountId, source, destination, body, ...}}.
func (g *Gateway) triggerInboundSMS(c *gin.Context) error {
	ev, err := readMessagingEvent(c, definition.TriggerInboundSMS)
	if err != nil {
		return err
	}
	p := ev.Payload["payload"].(map[string]any)
	from := stringField(p, "source")
	ev.Reply = &intake.Reply{Keys: []string{runs.AwaitKey("sms", from)},
		Signal: runs.Reply{EventID: ev.ID, From: from, Channel: "sms", Event: ev.Payload}}
	return g.dispatch(c, ev)
}

// triggerInboundChatApps raises an inbound_chat_apps event from 8x8's Chat
// Apps inbound webhook envelope (payload{umid, subAccountId, user{msisdn,
// channelUserId}, recipient{channel}, content, ...}).
func (g *Gateway) triggerInboundChatApps(c *gin.Context) error {
	ev, err := readMessagingEvent(c, definition.TriggerInboundChatApps)
	if err != nil {
		return err
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
	return g.dispatch(c, ev)
}

// readEvent reads a trigger body (any JSON object) and the event id: intake's
// Event for the path's account.
func readEvent(c *gin.Context, trigger string) (intake.Event, error) {
	id, err := eventID(c)
	if err != nil {
		return intake.Event{}, err
	}
	body, err := readBody(c)
	if err != nil {
		return intake.Event{}, err
	}
	payload, err := jsonObject(body)
	if err != nil {
		return intake.Event{}, err
	}
	return intake.Event{AccountID: c.Param("accountId"), Trigger: trigger, ID: id, Payload: payload}, nil
}

// readMessagingEvent reads an 8x8 webhook envelope. Its payload's umid is
// the event's own id, so a webhook 8x8 redelivers never runs twice.
func readMessagingEvent(c *gin.Context, trigger string) (intake.Event, error) {
	ev, err := readEvent(c, trigger)
	if err != nil {
		return intake.Event{}, err
	}
	p, isObject := ev.Payload["payload"].(map[string]any)
	if !isObject {
		return intake.Event{}, badRequest("payload must be a JSON object (8x8's webhook envelope).",
			fieldError{Path: "payload", Message: "is required and must be an object"})
	}
	if umid := stringField(p, "umid"); umid != "" && c.GetHeader(IdempotencyKeyHeader) == "" {
		if !runs.ValidEventID(umid) {
			return intake.Event{}, badRequest("payload.umid is not a valid message id.",
				fieldError{Path: "payload.umid", Message: runs.EventIDRule})
		}
		ev.ID = umid
	}
	ev.SubAccountID = stringField(p, "subAccountId")
	return ev, nil
}

// dispatch hands the event to intake and answers 200 with what it did,
// only once Temporal has accepted every start and signal.
func (g *Gateway) dispatch(c *gin.Context, ev intake.Event) error {
	res, err := g.intake.Dispatch(c.Request.Context(), ev)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, res)
	return nil
}

func stringField(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// startTestRun is 8x8's "test workflow definition": start one run of a
// definition (latest version, or ?version=) with the body as the trigger's
// data, whatever its status and conditions. It answers 201 with a Location
// naming the run.
func (g *Gateway) startTestRun(c *gin.Context) error {
	id, err := definitionID(c)
	if err != nil {
		return err
	}
	version, err := versionParam(c)
	if err != nil {
		return err
	}
	d, err := g.definitions.Get(c.Request.Context(), c.Param("accountId"), id, version)
	if err != nil {
		return err
	}
	ev, err := readEvent(c, d.Trigger)
	if err != nil {
		return err
	}
	if p, isObject := ev.Payload["payload"].(map[string]any); isObject {
		ev.SubAccountID = stringField(p, "subAccountId")
	}
	run, err := g.intake.StartTest(c.Request.Context(), d, ev)
	if err != nil {
		return err
	}
	c.Header("Location", definitionPath(d.AccountID, d.ID)+"/workflows/"+run.WorkflowID)
	c.JSON(http.StatusCreated, run)
	return nil
}
