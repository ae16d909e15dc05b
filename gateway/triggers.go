package gateway

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/intake"
	"github.com/junction-run/junction/manage"
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
	wait, err := responseWait(c)
	if err != nil {
		return err
	}
	if wait == 0 {
		return g.dispatch(c, ev)
	}
	res, err := g.intake.Dispatch(c.Request.Context(), ev)
	if err != nil {
		return err
	}
	g.linkRuns(&res)
	return g.answerWithResponse(c, res, wait)
}

// responseWait reads how long a trigger's caller waits for a run's answer:
// ?wait= (a duration: "10s", "PT10S") or Prefer: wait=10 (RFC 7240,
// seconds); 0 when it asks for none.
func responseWait(c *gin.Context) (time.Duration, error) {
	text, fromQuery := c.GetQuery("wait")
	if !fromQuery {
		for _, pref := range strings.Split(c.GetHeader("Prefer"), ",") {
			name, value, _ := strings.Cut(strings.TrimSpace(pref), "=")
			if strings.EqualFold(strings.TrimSpace(name), "wait") {
				text = strings.TrimSpace(value) + "s"
			}
		}
	}
	if text == "" {
		return 0, nil
	}
	wait, err := definition.ParseDuration(text)
	if err != nil || wait < 0 || wait > manage.MaxResponseWait {
		path, what := "wait", "?wait= must be a duration from 0s to "+manage.MaxResponseWait.String()+" (\"10s\")."
		if !fromQuery {
			path, what = "Prefer", "Prefer: wait= must be a number of seconds from 0 to 60."
		}
		return 0, badRequest(what, fieldError{Path: path, Code: "invalid_value", Message: "must be from 0 to 60 seconds"})
	}
	return wait, nil
}

// answerWithResponse answers a trigger whose caller waits: with the answer
// of the Respond step of the first run that has one, when it comes within
// wait; with the trigger's usual answer (200) when that run ends without
// answering, or when no run started has a Respond step; with it as 202
// when the run is still going.
func (g *Gateway) answerWithResponse(c *gin.Context, res intake.Result, wait time.Duration) error {
	first, ok := res.Answering()
	if !ok {
		// No run started has a Respond step: nothing to wait for.
		c.JSON(http.StatusOK, res)
		return nil
	}
	answer, ended, err := g.runs.Response(c.Request.Context(), first.TemporalWorkflowID, first.RunID, wait)
	switch {
	case err != nil:
		return err
	case answer != nil:
		writeResponse(c, *answer)
	case ended:
		c.JSON(http.StatusOK, res)
	default:
		c.Header("Location", "/api/v1/accounts/"+c.Param("accountId")+"/definitions/"+first.DefinitionID+"/workflows/"+first.WorkflowID)
		c.JSON(http.StatusAccepted, res)
	}
	return nil
}

// writeResponse sends a Respond step's answer: its headers, and its body
// as it is when it is a string (text/plain unless a header says
// otherwise), else as JSON.
func writeResponse(c *gin.Context, r runs.Response) {
	for k, v := range r.Headers {
		c.Header(k, v)
	}
	var body []byte
	contentType := "application/json; charset=utf-8"
	switch b := r.Body.(type) {
	case nil:
		c.Status(r.Status)
		return
	case string:
		body, contentType = []byte(b), "text/plain; charset=utf-8"
	default:
		// The body came through JSON already (the run's result): it
		// encodes.
		body, _ = json.Marshal(b)
	}
	if set := c.Writer.Header().Get("Content-Type"); set != "" {
		contentType = set
	}
	c.Data(r.Status, contentType, body)
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
	// The conversation is the sender's on SMS (8x8's tags: msisdn and
	// channel); a WaitForReply on sms and the sender is resumed by it.
	setMessage(&ev, "sms", from, map[string]string{"msisdn": from}, []string{from, "sms"},
		map[string]string{"msisdn": from, "channel": "sms"}, stringField(p, "body"), map[string]string{"umid": stringField(p, "umid")})
	// A Reply step answers by SMS, from the number written to, through the
	// same subaccount.
	ev.ReplyTo = &runs.ReplyTo{StepType: definition.StepSMS, TextInput: "text", Inputs: map[string]any{
		"destination": from, "source": stringField(p, "destination"), "subAccountId": stringField(p, "subAccountId")}}
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
	if from != "" && channel != "" {
		content, _ := p["content"].(map[string]any)
		tags := map[string]string{}
		for name, field := range map[string]string{"msisdn": "msisdn", "channelUserId": "channelUserId"} {
			if v := stringField(user, field); v != "" {
				tags[name] = v
			}
		}
		setMessage(&ev, channel, from, tags, []string{from, channel}, map[string]string{"msisdn": from, "channel": channel},
			stringField(content, "text"), map[string]string{"umid": stringField(p, "umid")})
	}
	// A run may wait on either address of the sender.
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
	g.linkRuns(&res)
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
	run.HistoryURL = g.historyURL(run.TemporalWorkflowID, run.RunID)
	c.JSON(http.StatusCreated, run)
	return nil
}

// setMessage makes an event a message of a channel: from the user at
// address (whose tags are userTags), in the conversation whose address is
// made of conversationValues, saying text. It goes through its
// conversation, and resumes a run waiting for a reply from the sender on
// the channel.
func setMessage(ev *intake.Event, channel, address string, userTags map[string]string, conversationValues []string,
	conversationTags map[string]string, text string, tags map[string]string) {
	for name, v := range tags {
		if v == "" {
			delete(tags, name)
		}
	}
	key := runs.AwaitKey(channel, address)
	ev.Message = &runs.Message{Channel: strings.ToLower(channel), UserKey: key, UserTags: userTags,
		ConversationKey: runs.ConversationKey(conversationValues...), ConversationTags: conversationTags,
		Type: runs.MessageText, Payload: map[string]any{"text": text}, Tags: tags}
	ev.Reply = &intake.Reply{Keys: []string{key},
		Signal: runs.Reply{EventID: ev.ID, From: address, Channel: strings.ToLower(channel), Event: ev.Payload}}
}
