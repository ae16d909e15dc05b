package eightbyeight

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/junction-run/junction/connectors"
)

// ID is the connector's id, as in step types: eightbyeight.send_sms.
const ID = "eightbyeight"

// PropertyRegion is the connection property that picks 8x8's regional
// hosts (see the table at DefaultSMSBaseURL).
const PropertyRegion = "region"

// Regions and their SMS and Chat Apps hosts.
var regions = map[string][2]string{
	"asia-pacific":  {DefaultSMSBaseURL, DefaultChatAppsBaseURL},
	"north-america": {"https://sms.us.8x8.com", "https://chatapps.us.8x8.com"},
	"europe":        {"https://sms.8x8.uk", "https://chatapps.8x8.uk"},
	"indonesia":     {"https://sms.8x8.id", "https://chatapps.8x8.id"},
}

const defaultRegion = "asia-pacific"

// New returns version 1.0.0 of the 8x8 Messaging connector: the actions
// send_sms and send_chat_apps_message over this package's Client, and the
// webhook triggers inbound_sms and inbound_chat_apps. The built-in SMS and
// ChatAppsMessage steps and the 8x8-compatible trigger routes
// (/triggers/inbound_sms, /triggers/inbound_chat_apps) are separate and
// unchanged; this connector is what a definition uses as
// eightbyeight.send_sms with a connection of its own.
func New() *connectors.Static {
	bearer := connectors.BearerAuth()
	bearer.Description = "An API key from the 8x8 Connect portal (API keys), sent as Authorization: Bearer; one key serves both the SMS and the Chat Apps API."
	bearer.Fields[0].Description = "The 8x8 API key."
	bearer.Fields = append(bearer.Fields, connectors.WebhookSecretField("A secret of your choosing that 8x8's inbound "+
		"webhooks present to Junction's /hooks URL as the Basic auth password or a Bearer token; required for the inbound triggers."))
	return connectors.New(connectors.Spec{
		ID:   ID,
		Name: "8x8 Messaging",
		Description: "8x8 CPaaS messaging: send SMS and Chat Apps messages (WhatsApp, Viber, LINE, RCS, ...) from an 8x8 " +
			"subaccount, and start runs when a subaccount receives one.",
		Version: "1.0.0",
		Status:  connectors.StatusStable,
		Auth:    []connectors.AuthSpec{bearer},
		Properties: []connectors.Field{{
			Name: PropertyRegion, Type: connectors.FieldString, Default: defaultRegion,
			Enum:        []string{"asia-pacific", "north-america", "europe", "indonesia"},
			Description: "The 8x8 region the account is provisioned in, which picks the API hosts (asia-pacific: sms.8x8.com and chatapps.8x8.com).",
		}},
		Triggers: []connectors.TriggerSpec{inboundSMSTrigger(), inboundChatAppsTrigger()},
		Channels: []connectors.ChannelSpec{
			{Name: "sms", Description: "SMS to and from the subaccount's numbers.", MessageTypes: []string{"text"}},
			{Name: "whatsapp", Description: "WhatsApp through Chat Apps.", MessageTypes: []string{"text", "image", "file", "choice"}},
			{Name: "viber", Description: "Viber through Chat Apps.", MessageTypes: []string{"text", "image", "file", "choice"}},
			{Name: "line", Description: "LINE through Chat Apps.", MessageTypes: []string{"text", "image", "file"}},
			{Name: "rcs", Description: "RCS through Chat Apps.", MessageTypes: []string{"text", "image", "file", "choice"}},
		},
	}, sendSMSAction(), sendChatAppsAction()).WithWebhooks(inboundWebhook(inboundSMSTrigger()), inboundWebhook(inboundChatAppsTrigger()))
}

// SendSMSInput is the input of send_sms: 8x8's Send SMS body, with its
// field names, and the subaccount to send from.
type SendSMSInput struct {
	SubAccountID    string `json:"subAccountId" description:"The SMS-enabled 8x8 subaccount to send from."`
	Destination     string `json:"destination" description:"The recipient's number, international format (+6512345678), or national format with country."`
	Text            string `json:"text" description:"The message body."`
	Source          string `json:"source,omitempty" description:"Sender id or virtual number, at most 16 characters."`
	ClientMessageID string `json:"clientMessageId,omitempty" description:"Your own reference for the message."`
	Encoding        string `json:"encoding,omitempty" enum:"AUTO,GSM7,UCS2" description:"AUTO (the default) picks GSM7 when every character allows, else UCS2."`
	Country         string `json:"country,omitempty" description:"The destination's ISO 3166-1 alpha-2 code, for national-format numbers."`
	Scheduled       string `json:"scheduled,omitempty" description:"ISO 8601 time, up to 7 days ahead, at which to send."`
	Expiry          string `json:"expiry,omitempty" description:"ISO 8601 time after which 8x8 discards the message unsent."`
	DLRCallbackURL  string `json:"dlrCallbackUrl,omitempty" description:"A URL that receives this message's delivery receipts."`
}

// SendChatAppsInput is the input of send_chat_apps_message: 8x8's Chat
// Apps Send message body and the subaccount to send from.
type SendChatAppsInput struct {
	SubAccountID    string         `json:"subAccountId" description:"The Chat Apps subaccount to send from."`
	User            map[string]any `json:"user" description:"The recipient, e.g. {\"msisdn\": \"+6512345678\"} or {\"channelUserId\": \"...\"}."`
	Type            string         `json:"type" description:"The content type: text, image, audio, video, file, location, interactive, template, carousel or richCard."`
	Content         map[string]any `json:"content" description:"The message for its type, e.g. {\"text\": \"Hello\"}."`
	ClientMessageID string         `json:"clientMessageId,omitempty" description:"Your own reference for the message, at most 50 characters."`
}

// MessageResult is 8x8's answer to a send: the output of both actions, the
// same fields the built-in SMS and ChatAppsMessage steps give.
type MessageResult struct {
	UMID            string `json:"umid" description:"8x8's unique id for the message."`
	Status          string `json:"status" description:"The message's state: QUEUED or REJECTED for SMS, queued or failed for Chat Apps; a rejected message is still a successful call."`
	Description     string `json:"description,omitempty" description:"What the status means, in 8x8's words."`
	Destination     string `json:"destination,omitempty" description:"The number 8x8 sends to."`
	Encoding        string `json:"encoding,omitempty" description:"The SMS encoding 8x8 chose; empty for Chat Apps."`
	ClientMessageID string `json:"clientMessageId,omitempty" description:"Your reference, echoed."`
	RequestID       string `json:"requestId" description:"The id of the HTTP request, for 8x8 support."`
}

func sendSMSAction() *connectors.Func[SendSMSInput, MessageResult] {
	return connectors.NewAction(connectors.ActionSpec{
		ID:   "send_sms",
		Name: "Send SMS",
		Kind: connectors.ActionOther,
		Description: "Sends one SMS through 8x8's SMS API (POST /api/v1/subaccounts/{subAccountId}/messages). " +
			"8x8 has no idempotency key: a retry after a lost answer may send the message twice.",
		SampleInput: json.RawMessage(`{"subAccountId": "Acme_SMS", "destination": "+6512345678", "text": "Your order #1001 has shipped.", "source": "Acme"}`),
	}, func(ctx context.Context, call connectors.Call, in SendSMSInput) (MessageResult, error) {
		c, err := ClientFor(call)
		if err != nil {
			return MessageResult{}, err
		}
		res, err := c.SendSMS(ctx, in.SubAccountID, SMSMessage{
			Destination: in.Destination, Text: in.Text, Source: in.Source, ClientMessageID: in.ClientMessageID,
			Encoding: in.Encoding, Country: in.Country, Scheduled: in.Scheduled, Expiry: in.Expiry, DLRCallbackURL: in.DLRCallbackURL,
		})
		return resultOf(res), connectorError(err)
	})
}

func sendChatAppsAction() *connectors.Func[SendChatAppsInput, MessageResult] {
	return connectors.NewAction(connectors.ActionSpec{
		ID:   "send_chat_apps_message",
		Name: "Send Chat Apps message",
		Kind: connectors.ActionOther,
		Description: "Sends one message through 8x8's Chat Apps API (POST /api/v1/subaccounts/{subAccountId}/messages on the Chat Apps host), " +
			"on the channels the subaccount has. A retry after a lost answer may send the message twice.",
		SampleInput: json.RawMessage(`{"subAccountId": "Acme_ChatApps", "user": {"msisdn": "+6512345678"}, "type": "text", "content": {"text": "Your order #1001 has shipped."}}`),
	}, func(ctx context.Context, call connectors.Call, in SendChatAppsInput) (MessageResult, error) {
		c, err := ClientFor(call)
		if err != nil {
			return MessageResult{}, err
		}
		res, err := c.SendChatAppsMessage(ctx, in.SubAccountID, ChatAppsMessage{
			User: in.User, Type: in.Type, Content: in.Content, ClientMessageID: in.ClientMessageID,
		})
		return resultOf(res), connectorError(err)
	})
}

// ClientFor is the client of a connector call: the connection's region
// picks the hosts, and call.HTTP (the connection's credentials over
// egress) authenticates. The built-in SMS and ChatAppsMessage steps that
// name a connection send through it too.
func ClientFor(call connectors.Call) (*Client, error) {
	region := call.Connection.Properties[PropertyRegion]
	if region == "" {
		region = defaultRegion
	}
	hosts, ok := regions[region]
	if !ok {
		return nil, connectors.Errorf(connectors.BadRequest, "the connection's region %q is not one of asia-pacific, north-america, europe or indonesia", region)
	}
	cfg := Config{SMSBaseURL: hosts[0], ChatAppsBaseURL: hosts[1], HTTPClient: call.HTTP, AuthenticatedTransport: true}
	if call.Connection.Secrets != nil {
		// Only to scrub answers that echo it; the transport sends it.
		if key, ok := call.Connection.Secrets.Secret(connectors.FieldToken); ok {
			cfg.APIKey = Secret(key)
		}
	}
	return NewClient(cfg), nil
}

func resultOf(r SendResult) MessageResult {
	return MessageResult{UMID: r.UMID, Status: r.Status, Description: r.Description, Destination: r.Destination,
		Encoding: r.Encoding, ClientMessageID: r.ClientMessageID, RequestID: r.RequestID}
}

// connectorError turns the client's errors into what package activities
// maps to retry behaviour: 8x8's answers by status (with Retry-After and
// 8x8's code and message), refusals before sending as BadRequest. Network
// failures and unexpected 2xx bodies stay plain errors, retried as
// Unavailable.
func connectorError(err error) error {
	if err == nil {
		return nil
	}
	var ae *APIError
	switch {
	case errors.As(err, &ae):
		msg := ae.Message
		if ae.Code != 0 {
			msg = fmt.Sprintf("8x8 error %d: %s", ae.Code, ae.Message)
		}
		if ae.ErrorID != "" {
			msg += " (errorId " + ae.ErrorID + ")"
		}
		return &connectors.Error{Kind: connectors.StatusKind(ae.StatusCode), StatusCode: ae.StatusCode, Message: msg, RetryAfter: ae.RetryAfter}
	case errors.Is(err, ErrInvalidRequest), errors.Is(err, ErrNotConfigured):
		return connectors.Errorf(connectors.BadRequest, "%v", err)
	}
	return err
}
