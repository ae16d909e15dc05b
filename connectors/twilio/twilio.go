// Package twilio is the connector for Twilio Programmable Messaging: the
// action send_sms and the webhook trigger incoming_sms. Package twiliotest
// fakes Twilio's API.
//
// Twilio's API, as this connector uses it
// (https://www.twilio.com/docs/messaging/api/message-resource):
//
//   - POST https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Messages.json
//     with a form-encoded body (To, From or MessagingServiceSid, Body,
//     StatusCallback) creates a message and answers 201 with it as JSON;
//   - requests authenticate with HTTP Basic: the Account SID as the user
//     name and the Auth Token as the password;
//   - errors answer {"code": 21211, "message": "...", "more_info": "...",
//     "status": 400}; 429 (code 20429) carries Retry-After;
//   - webhooks post form-encoded parameters and are signed in
//     X-Twilio-Signature (see VerifySignature).
package twilio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/egress"
)

// ID is the connector's id.
const ID = "twilio"

// APIBase is the root of Twilio's REST API.
const APIBase = "https://api.twilio.com"

// New returns version 1.0.0 of the Twilio connector.
func New() *connectors.Static {
	return connectors.New(spec(), sendSMS()).WithWebhooks(incomingSMSWebhook{}).
		WithCheck(check)
}

func spec() connectors.Spec {
	basic := connectors.BasicAuth()
	basic.Description = "The Account SID (AC…) as the user name and the account's Auth Token as the password, " +
		"both from the Twilio Console's Account Info. The Auth Token also verifies incoming_sms webhooks."
	basic.Fields[0].Description = "The Account SID, AC followed by 32 hexadecimal digits."
	basic.Fields[1].Description = "The account's Auth Token."
	return connectors.Spec{
		ID:   ID,
		Name: "Twilio",
		Description: "Twilio Programmable Messaging: send SMS from a Twilio number or Messaging Service, " +
			"and start runs when one of your numbers receives an SMS.",
		Version:  "1.0.0",
		Status:   connectors.StatusStable,
		Auth:     []connectors.AuthSpec{basic},
		Triggers: []connectors.TriggerSpec{incomingSMS()},
		// A phone number's messages are one user's, whichever provider
		// carries them: the channel is "sms", as 8x8's.
		Channels: []connectors.ChannelSpec{{Name: "sms", Description: "SMS to and from the account's Twilio numbers.",
			MessageTypes: []string{"text"}}},
	}
}

// SMSInput is the input of send_sms.
type SMSInput struct {
	To                  string `json:"to" description:"The recipient's phone number in E.164 form, e.g. +14155552671."`
	From                string `json:"from,omitempty" description:"A Twilio phone number (E.164) or alphanumeric sender id to send from; give this or messaging_service_sid."`
	MessagingServiceSid string `json:"messaging_service_sid,omitempty" description:"The Messaging Service (MG…) to send through; give this or from."`
	Body                string `json:"body" description:"The text of the message, at most 1600 characters."`
	StatusCallback      string `json:"status_callback,omitempty" description:"A URL Twilio calls with the message's status as it changes."`
}

// Message is a Twilio message resource: the output of send_sms.
type Message struct {
	Sid                 string  `json:"sid" description:"Twilio's id for the message (SM… or MM…)."`
	AccountSid          string  `json:"account_sid" description:"The account that sent the message."`
	MessagingServiceSid *string `json:"messaging_service_sid" description:"The Messaging Service used, if any."`
	Status              string  `json:"status" description:"queued, accepted, sending, sent, delivered, undelivered, failed, …"`
	To                  string  `json:"to" description:"The recipient's phone number."`
	From                *string `json:"from" description:"The sender; null until Twilio picks one from the Messaging Service."`
	Body                string  `json:"body" description:"The text of the message."`
	NumSegments         string  `json:"num_segments" description:"How many SMS segments the message takes."`
	Direction           string  `json:"direction" description:"outbound-api for messages sent through the API."`
	DateCreated         string  `json:"date_created" description:"When Twilio created the message, in RFC 2822 form."`
	ErrorCode           *int    `json:"error_code" description:"Twilio's error code when the message failed, else null."`
	ErrorMessage        *string `json:"error_message" description:"Twilio's explanation when the message failed, else null."`
}

// Patterns of Twilio's identifiers and of an E.164 number.
var (
	accountSidPattern = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
	serviceSidPattern = regexp.MustCompile(`^MG[0-9a-fA-F]{32}$`)
)

func sendSMS() *connectors.Func[SMSInput, Message] {
	return connectors.NewAction(connectors.ActionSpec{
		ID:   "send_sms",
		Name: "Send SMS",
		Kind: connectors.ActionOther,
		Description: "Sends an SMS through Twilio's Messages API, from a number (from) or a Messaging Service " +
			"(messaging_service_sid). Twilio queues the message and answers at once; status_callback " +
			"reports delivery. Sending twice sends two messages.",
		SampleInput: json.RawMessage(`{"to": "+14155552671", "from": "+15017122661", "body": "Your order #1001 has shipped."}`),
	}, runSendSMS)
}

// apiError is Twilio's error body.
type apiError struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

// errorFrom turns a Twilio refusal into a *connectors.Error whose message
// leads with Twilio's error code ("Twilio error 21211: …").
func errorFrom(resp *http.Response, raw []byte) *connectors.Error {
	e := connectors.FromHTTPResponse(resp, raw)
	if e == nil {
		return nil
	}
	var ae apiError
	if json.Unmarshal(raw, &ae) == nil && ae.Code != 0 && ae.Message != "" {
		e.Message = fmt.Sprintf("Twilio error %d: %s", ae.Code, ae.Message)
	}
	return e
}

// MessagesURL is the Messages resource of an account.
func MessagesURL(accountSid string) string {
	return APIBase + "/2010-04-01/Accounts/" + accountSid + "/Messages.json"
}

func runSendSMS(ctx context.Context, call connectors.Call, in SMSInput) (Message, error) {
	sid := call.Connection.Fields[connectors.FieldUsername]
	if !accountSidPattern.MatchString(sid) {
		return Message{}, connectors.Errorf(connectors.BadRequest, "the connection's user name is not a Twilio Account SID (AC followed by 32 hexadecimal digits)")
	}
	switch {
	case in.From == "" && in.MessagingServiceSid == "":
		return Message{}, connectors.Errorf(connectors.BadRequest, "send_sms needs from or messaging_service_sid")
	case in.From != "" && in.MessagingServiceSid != "":
		return Message{}, connectors.Errorf(connectors.BadRequest, "send_sms takes from or messaging_service_sid, not both")
	case in.MessagingServiceSid != "" && !serviceSidPattern.MatchString(in.MessagingServiceSid):
		return Message{}, connectors.Errorf(connectors.BadRequest, "messaging_service_sid %q is not a Messaging Service SID (MG…)", in.MessagingServiceSid)
	}
	form := url.Values{"To": {in.To}, "Body": {in.Body}}
	if in.From != "" {
		form.Set("From", in.From)
	}
	if in.MessagingServiceSid != "" {
		form.Set("MessagingServiceSid", in.MessagingServiceSid)
	}
	if in.StatusCallback != "" {
		form.Set("StatusCallback", in.StatusCallback)
	}
	var out Message
	_, err := egress.JSON(ctx, call.HTTP, egress.Request{
		Method: http.MethodPost, URL: MessagesURL(sid), Body: []byte(form.Encode()),
		Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
	}, &out)
	switch {
	case errors.Is(err, egress.ErrUnexpectedResponse):
		return Message{}, fmt.Errorf("decoding twilio message: %w", err)
	case err != nil:
		return Message{}, fmt.Errorf("sending twilio sms: %w", connectors.HTTPError(err, errorFrom))
	}
	if out.Sid == "" {
		return Message{}, errors.New("decoding twilio message: the answer has no sid")
	}
	return out, nil
}
