package twilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/junction-run/junction/connectors"
)

// SignatureScheme is how Twilio signs webhooks: see VerifySignature.
const SignatureScheme = "twilio_signature"

// SignatureHeader carries a webhook's signature.
const SignatureHeader = "X-Twilio-Signature"

// IncomingSMS is the payload of incoming_sms: the form parameters Twilio
// posts when one of the account's numbers receives a message
// (https://www.twilio.com/docs/messaging/guides/webhook-request), each the
// form's first value for that name. Twilio adds parameters over time, so
// the payload schema accepts other string parameters too.
type IncomingSMS struct {
	MessageSid          string `json:"MessageSid" description:"Twilio's id for the message (SM… or MM…); the same on every retry."`
	SmsSid              string `json:"SmsSid,omitempty" description:"The same as MessageSid, kept for older integrations."`
	SmsMessageSid       string `json:"SmsMessageSid,omitempty" description:"The same as MessageSid, kept for older integrations."`
	AccountSid          string `json:"AccountSid" description:"The account that owns the receiving number."`
	MessagingServiceSid string `json:"MessagingServiceSid,omitempty" description:"The Messaging Service the receiving number belongs to, if any."`
	From                string `json:"From" description:"The sender's phone number, E.164."`
	To                  string `json:"To" description:"The receiving Twilio number, E.164."`
	Body                string `json:"Body" description:"The text of the message."`
	NumMedia            string `json:"NumMedia,omitempty" description:"How many media items are attached (MediaUrl0, MediaUrl1, …)."`
	NumSegments         string `json:"NumSegments,omitempty" description:"How many SMS segments the message took."`
	SmsStatus           string `json:"SmsStatus,omitempty" description:"received for an incoming message."`
	APIVersion          string `json:"ApiVersion,omitempty" description:"The API version, 2010-04-01."`
	FromCity            string `json:"FromCity,omitempty" description:"The sender's city, when Twilio knows it."`
	FromState           string `json:"FromState,omitempty" description:"The sender's state or province, when Twilio knows it."`
	FromZip             string `json:"FromZip,omitempty" description:"The sender's postal code, when Twilio knows it."`
	FromCountry         string `json:"FromCountry,omitempty" description:"The sender's country, when Twilio knows it."`
	ToCity              string `json:"ToCity,omitempty" description:"The receiving number's city."`
	ToState             string `json:"ToState,omitempty" description:"The receiving number's state or province."`
	ToZip               string `json:"ToZip,omitempty" description:"The receiving number's postal code."`
	ToCountry           string `json:"ToCountry,omitempty" description:"The receiving number's country."`
}

func incomingSMSSchema() *connectors.Schema {
	s := connectors.MustSchemaFor[IncomingSMS]()
	s.AdditionalProperties = &connectors.Schema{Type: connectors.Types{connectors.TypeString}}
	return s
}

func incomingSMS() connectors.TriggerSpec {
	return connectors.TriggerSpec{
		ID:   "incoming_sms",
		Name: "Incoming SMS",
		Kind: connectors.TriggerWebhook,
		Description: "Twilio posts to the webhook when one of your numbers receives an SMS (set it as the number's " +
			"or Messaging Service's \"A message comes in\" URL, HTTP POST). Deliveries are signed in " +
			"X-Twilio-Signature with the account's Auth Token; a parameter that is not UTF-8 is refused with 400. " +
			"A Respond step of the run within 10 s answers the message (its body as TwiML: <Response><Message>…</Message></Response>); otherwise the answer is empty TwiML.",
		Payload: incomingSMSSchema(),
		// Twilio waits 15 s for the TwiML that answers the message.
		AnswerWithin: 10 * time.Second,
		// A reply is an SMS back to the sender, from the number it wrote to.
		Reply: &connectors.ReplySpec{Action: "send_sms", TextInput: "body", Inputs: map[string][]string{
			"to": {"/From"}, "from": {"/To"}}},
		Message: &connectors.MessageSpec{Channel: "sms",
			UserTags: []connectors.TagSpec{{Name: "phone", Pointers: []string{"/From"}}},
			ConversationTags: []connectors.TagSpec{{Name: "userPhone", Pointers: []string{"/From"}},
				{Name: "activePhone", Pointers: []string{"/To"}}},
			Text:        []string{"/Body"},
			MessageTags: []connectors.TagSpec{{Name: "sid", Pointers: []string{"/MessageSid"}}}},
		SamplePayload: json.RawMessage(`{
			"MessageSid": "SM1f0e8ae6ade43cb3c0ce4525424e404f",
			"SmsSid": "SM1f0e8ae6ade43cb3c0ce4525424e404f",
			"SmsMessageSid": "SM1f0e8ae6ade43cb3c0ce4525424e404f",
			"AccountSid": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			"From": "+14155552671",
			"To": "+15017122661",
			"Body": "Where is my order?",
			"NumMedia": "0",
			"NumSegments": "1",
			"SmsStatus": "received",
			"ApiVersion": "2010-04-01",
			"FromCountry": "US",
			"ToCountry": "US"
		}`),
		IDPointer: "/MessageSid",
		Signature: SignatureScheme,
		// Twilio signs with the Auth Token, the connection's password.
		SecretField: connectors.FieldPassword,
	}
}

// EmptyTwiML is the answer to an incoming SMS webhook that replies nothing:
// Twilio wants TwiML (text/xml), and logs an error (12200 or 12300) for an
// empty or JSON body.
const EmptyTwiML = `<?xml version="1.0" encoding="UTF-8"?><Response/>`

// incomingSMSWebhook is incoming_sms's code. Twilio posts a form, signed
// together with the URL it was told to call (Delivery.URL); the payload is
// the form as a JSON object (see Payload), identified by MessageSid, and
// the answer is EmptyTwiML.
type incomingSMSWebhook struct{}

var _ connectors.Webhook = incomingSMSWebhook{}

func (incomingSMSWebhook) Trigger() string { return "incoming_sms" }

func (incomingSMSWebhook) Receive(d connectors.Delivery) (connectors.Received, error) {
	form, err := url.ParseQuery(string(d.Body))
	if err != nil {
		// Unparseable is unsigned as far as anyone can tell: the signature
		// covers the parameters, which cannot be read.
		return connectors.Received{}, connectors.SignatureError(fmt.Errorf("twilio: the body is not a form: %w", err))
	}
	if err := VerifySignature(d.URL, form, d.Header, d.Secrets...); err != nil {
		return connectors.Received{}, connectors.SignatureError(err)
	}
	// JSON holds UTF-8 only: a parameter that is not would reach the run
	// changed (invalid bytes as U+FFFD), and two MessageSids that differ
	// only there would share an event id, the second dropped as a
	// redelivery. Twilio sends UTF-8; anything else is refused.
	for name, values := range form {
		if !utf8.ValidString(name) || slices.ContainsFunc(values, notUTF8) {
			return connectors.Received{}, connectors.PayloadErrorf("incoming_sms: the parameter %q is not valid UTF-8", strings.ToValidUTF8(name, "\uFFFD"))
		}
	}
	payload, err := json.Marshal(Payload(form))
	if err != nil {
		return connectors.Received{}, connectors.PayloadErrorf("incoming_sms: %v", err)
	}
	ev, err := connectors.EventOf(incomingSMS(), d.Header, payload)
	if err != nil {
		return connectors.Received{}, err
	}
	return connectors.Received{
		Events: []connectors.WebhookEvent{ev},
		Answer: &connectors.WebhookAnswer{Status: http.StatusOK, ContentType: "text/xml; charset=utf-8", Body: []byte(EmptyTwiML)},
	}, nil
}

func notUTF8(s string) bool { return !utf8.ValidString(s) }

// Payload is the incoming_sms payload of a webhook's form: each parameter's
// first value, by name.
func Payload(form url.Values) map[string]string {
	out := make(map[string]string, len(form))
	for k, v := range form {
		if len(v) > 0 {
			out[k] = v[0]
		}
	}
	return out
}

// Errors VerifySignature returns. None of them quotes a token or a
// signature.
var (
	// ErrNoToken: no Auth Token was given to verify with.
	ErrNoToken = errors.New("twilio: no auth token to verify the signature with")
	// ErrNoSignature: the request has no X-Twilio-Signature.
	ErrNoSignature = errors.New("twilio: the request has no " + SignatureHeader + " header")
	// ErrBadSignature: the signature matches none of the tokens.
	ErrBadSignature = errors.New("twilio: the " + SignatureHeader + " signature does not match")
)

// Sign returns the X-Twilio-Signature Twilio sends for a POST to fullURL
// with form as its body: base64 of HMAC-SHA1, keyed with the Auth Token, of
// fullURL (exactly as configured in Twilio, query string included)
// followed by every parameter's name and value, sorted by name (a name's
// several values sorted too), with no separators.
func Sign(fullURL string, form url.Values, authToken string) string {
	return base64.StdEncoding.EncodeToString(mac(fullURL, form, authToken))
}

func mac(fullURL string, form url.Values, authToken string) []byte {
	m := hmac.New(sha1.New, []byte(authToken))
	_, _ = m.Write([]byte(fullURL))
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		values := slices.Clone(form[k])
		slices.Sort(values)
		for _, v := range values {
			_, _ = m.Write([]byte(k))
			_, _ = m.Write([]byte(v))
		}
	}
	return m.Sum(nil)
}

// VerifySignature checks a webhook's X-Twilio-Signature against each of
// authTokens (more than one while rotating: the primary and the secondary
// token), in constant time per token. fullURL is the URL Twilio was told to
// call, scheme, host and query string included; as Twilio's own libraries
// do, it is also tried with the default port added or removed, since Twilio
// may sign either spelling. form is the POST body's parameters (not the
// URL's query). It returns nil, ErrNoToken, ErrNoSignature or
// ErrBadSignature.
func VerifySignature(fullURL string, form url.Values, header http.Header, authTokens ...string) error {
	if !connectors.HasSecret(authTokens) {
		return ErrNoToken
	}
	got := strings.TrimSpace(header.Get(SignatureHeader))
	if got == "" {
		return ErrNoSignature
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(got)
	if err != nil || len(sig) != sha1.Size {
		return ErrBadSignature
	}
	ok := false
	for _, u := range urlSpellings(fullURL) {
		// Every spelling is tried too: the time taken does not say which matched.
		if _, matched := connectors.SignedWith(sig, authTokens, func(t string) []byte { return mac(u, form, t) }); matched {
			ok = true
		}
	}
	if !ok {
		return ErrBadSignature
	}
	return nil
}

// urlSpellings returns fullURL and, when it is an http or https URL, the
// same URL with its default port added (when absent) or removed (when
// present).
func urlSpellings(fullURL string) []string {
	u, err := url.Parse(fullURL)
	if err != nil || u.Host == "" {
		return []string{fullURL}
	}
	def := map[string]string{"https": "443", "http": "80"}[strings.ToLower(u.Scheme)]
	if def == "" {
		return []string{fullURL}
	}
	alt := *u
	switch u.Port() {
	case "":
		alt.Host = u.Host + ":" + def
	case def:
		alt.Host = u.Hostname()
		if strings.Contains(alt.Host, ":") {
			alt.Host = "[" + alt.Host + "]"
		}
	default:
		return []string{fullURL}
	}
	return []string{fullURL, alt.String()}
}
