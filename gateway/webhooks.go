package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/intake"
	"github.com/junction-run/junction/runs"
)

// Third-party webhooks arrive at
//
//	POST /hooks/{accountId}/{connectionId}/{triggerId}
//
// the URL a connection's owner gives the third party (Shopify's webhook
// address, Slack's Request URL, Telegram's setWebhook url, Twilio's "A
// message comes in" URL, WooCommerce's delivery URL). The route takes no
// API key: the delivery's signature, checked with the connection's secret
// field the trigger names (TriggerSpec.SecretField, kept in Vault), is its
// authentication. The connection says which app and version verify and
// parse the delivery; every enabled definition of the account with trigger
// "<app>.<triggerId>" and triggerConnection = connectionId starts one run
// per event, with the workflow id (account, definition, event id), so a
// redelivered event never runs twice.

// webhookResponse is the answer to a delivery whose trigger has no answer
// of its own.
type webhookResponse struct {
	Trigger string          `json:"trigger"`
	Events  []intake.Result `json:"events"`
}

// receiveWebhook is POST /hooks/{accountId}/{connectionId}/{triggerId}.
func (g *Gateway) receiveWebhook(c *gin.Context) error {
	ctx := c.Request.Context()
	accountID, connID, triggerID := c.Param("accountId"), c.Param("connectionId"), c.Param("triggerId")
	body, err := readBody(c)
	if err != nil {
		return err
	}
	conn, err := g.connections.Get(ctx, accountID, connID)
	if err != nil {
		return err
	}
	hook, spec, err := g.connectors.WebhookFor(ctx, accountID, conn.App, conn.AppVersion, triggerID)
	if err != nil {
		return &apiError{Status: http.StatusNotFound, Code: codeNotFound, Message: fmt.Sprintf("%s has no webhook trigger %q.", conn.App, triggerID),
			Fields: []fieldError{{Path: "triggerId", Code: "invalid_value", Message: err.Error()}}}
	}
	var secrets []string
	if spec.Signature != connectors.SignatureNone {
		secret, err := g.secrets.WebhookSecret(ctx, conn.AccountID, conn.ID, spec.SecretField)
		if err != nil {
			return failed("Could not read the connection's webhook secret", err)
		}
		if secret == "" {
			return &apiError{Status: http.StatusUnauthorized, Code: codeUnauthorized,
				Message: fmt.Sprintf("Connection %s has no %s to verify %s deliveries with: set it on the connection.", conn.ID, spec.SecretField, triggerID),
				Fields:  []fieldError{{Path: "fields." + spec.SecretField, Code: "required", Message: "is not set on the connection"}}}
		}
		secrets = []string{secret}
	}
	got, err := hook.Receive(connectors.Delivery{
		Header: c.Request.Header, Body: body, URL: g.publicURL(c.Request), Now: g.now(), Secrets: secrets,
	})
	switch {
	case errors.Is(err, connectors.ErrWebhookSignature):
		return &apiError{Status: http.StatusUnauthorized, Code: codeUnauthorized, Message: "Delivery refused: " + err.Error() + ".",
			Fields: []fieldError{{Path: "header", Code: "invalid_signature", Message: err.Error()}}}
	case err != nil:
		return badRequest("Delivery refused: "+err.Error()+".", fieldError{Path: "body", Code: "invalid_value", Message: err.Error()})
	}

	// Every event of the delivery goes to the definitions listening on
	// this connection's trigger; its data is {"payload": <the event>}, as
	// for http_request bodies that wrap it.
	trigger := conn.App + "." + triggerID
	events := make([]intake.Event, 0, len(got.Events))
	for _, we := range got.Events {
		var payload any
		if err := json.Unmarshal(we.Payload, &payload); err != nil {
			return badRequest(fmt.Sprintf("Delivery refused: event %s is not JSON: %v.", we.ID, err),
				fieldError{Path: "body", Code: "invalid_value", Message: err.Error()})
		}
		ev := intake.Event{AccountID: accountID, Trigger: trigger, Connection: conn.ID,
			ID: runs.EventWorkflowKey(we.ID), Payload: map[string]any{"payload": payload}}
		if r := spec.Reply; r != nil {
			ev.ReplyTo = &runs.ReplyTo{StepType: trigger[:strings.Index(trigger, ".")+1] + r.Action, Connection: conn.ID,
				Inputs: r.ReplyInputs(we.Payload), TextInput: r.TextInput, TypeInputs: r.Types}
		}
		if m := spec.Message; m != nil {
			if read, ok := m.Read(we.Payload); ok {
				setMessage(&ev, read.Channel, read.UserAddress, read.UserTags, read.ConversationValues, read.ConversationTags, read.Text, read.Tags)
			}
		}
		events = append(events, ev)
	}
	resp := webhookResponse{Trigger: trigger, Events: make([]intake.Result, 0, len(events))}
	for _, ev := range events {
		res, err := g.intake.Dispatch(ctx, ev)
		if err != nil {
			// Runs started before stay started: the third party's retry
			// carries the same event ids and starts only what is missing.
			return err
		}
		resp.Events = append(resp.Events, res)
	}
	// A third party that reads the answer (Twilio's TwiML) gets the one the
	// run's Respond step makes, within the time it waits.
	if spec.AnswerWithin > 0 && len(resp.Events) == 1 {
		if first, ok := resp.Events[0].Answering(); ok {
			answer, _, err := g.runs.Response(ctx, first.TemporalWorkflowID, first.RunID, spec.AnswerWithin)
			if err != nil {
				return err
			}
			if answer != nil {
				writeResponse(c, *answer)
				return nil
			}
		}
	}
	if a := got.Answer; a != nil {
		c.Data(a.Status, a.ContentType, a.Body)
		return nil
	}
	c.JSON(http.StatusOK, resp)
	return nil
}

// publicURL is the URL the third party called, as it signs it (Twilio):
// the gateway's base URL, then the path and query exactly as received.
func (g *Gateway) publicURL(r *http.Request) string {
	return g.baseURL(r) + r.URL.RequestURI()
}
