package slack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/junction-run/junction/connectors"
)

// SignatureScheme is how Slack signs Events API requests: version v0 of
// its signing secret scheme (see VerifyRequest).
const SignatureScheme = "slack_v0"

// The headers Slack signs requests with.
const (
	HeaderSignature = "X-Slack-Signature"
	HeaderTimestamp = "X-Slack-Request-Timestamp"
)

// MaxAge is how old a request's timestamp may be, either way, before
// VerifyRequest refuses it as a possible replay: five minutes, as Slack
// recommends.
const MaxAge = 5 * time.Minute

// AckDeadline is how long Slack waits for the request URL to answer an
// event before it counts the delivery as failed and retries it: a receiver
// answers 200 first and starts the run afterwards.
const AckDeadline = 3 * time.Second

// The reasons VerifyRequest refuses a request.
var (
	// ErrMissingSignature: X-Slack-Signature or X-Slack-Request-Timestamp
	// is absent or malformed, or no secret was given.
	ErrMissingSignature = errors.New("slack: missing or malformed request signature")
	// ErrStaleTimestamp: the timestamp is further than MaxAge from now.
	ErrStaleTimestamp = errors.New("slack: request timestamp is too old or too far ahead")
	// ErrBadSignature: no secret yields the signature.
	ErrBadSignature = errors.New("slack: request signature does not match")
)

// VerifyRequest checks that a request comes from Slack: its
// X-Slack-Signature must be "v0=" and the hex HMAC-SHA256, keyed with one
// of the app's signing secrets, of "v0:" + X-Slack-Request-Timestamp + ":"
// + body, and the timestamp (Unix seconds) within MaxAge of now. Several
// secrets may be given, so a secret can be rotated without refusing
// deliveries signed with the old one. body is the raw request body, before
// any parsing. Comparisons take constant time. It returns nil, or one of
// ErrMissingSignature, ErrStaleTimestamp and ErrBadSignature.
func VerifyRequest(header http.Header, body []byte, now time.Time, secrets ...string) error {
	sig := header.Get(HeaderSignature)
	tsRaw := header.Get(HeaderTimestamp)
	hexSig, ok := strings.CutPrefix(sig, "v0=")
	if !ok || tsRaw == "" {
		return ErrMissingSignature
	}
	ts, err := strconv.ParseInt(tsRaw, 10, 64)
	if err != nil {
		return ErrMissingSignature
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil || len(got) != sha256.Size {
		return ErrBadSignature
	}
	age := now.Sub(time.Unix(ts, 0))
	if age > MaxAge || age < -MaxAge {
		return ErrStaleTimestamp
	}
	switch configured, matched := connectors.SignedWith(got, secrets, func(s string) []byte { return mac(body, s, tsRaw) }); {
	case !configured:
		return ErrMissingSignature
	case !matched:
		return ErrBadSignature
	}
	return nil
}

func mac(body []byte, secret, ts string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("v0:" + ts + ":"))
	m.Write(body)
	return m.Sum(nil)
}

// Sign returns the X-Slack-Signature Slack sends with body at ts, for
// tests and fakes: "v0=" and the hex HMAC-SHA256.
func Sign(body []byte, secret string, ts time.Time) string {
	return "v0=" + hex.EncodeToString(mac(body, secret, strconv.FormatInt(ts.Unix(), 10)))
}

// SignedHeader returns the two headers Slack signs a request with.
func SignedHeader(body []byte, secret string, ts time.Time) http.Header {
	h := http.Header{}
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, Sign(body, secret, ts))
	return h
}

// URLVerificationChallenge recognises the url_verification handshake
// Slack sends when a request URL is set: {"type": "url_verification",
// "challenge": "…", "token": "…"}. The endpoint verifies the request like
// any other, then answers 200 with the challenge (as text/plain, or as
// {"challenge": "…"}) and starts no run. ok is false for every other body.
func URLVerificationChallenge(body []byte) (challenge string, ok bool) {
	var v struct {
		Type      string `json:"type"`
		Challenge string `json:"challenge"`
	}
	if json.Unmarshal(body, &v) != nil || v.Type != "url_verification" || v.Challenge == "" {
		return "", false
	}
	return v.Challenge, true
}

// Authorization is one installation an event is visible to.
type Authorization struct {
	EnterpriseID        string `json:"enterprise_id,omitempty" description:"The Enterprise Grid organization, when there is one."`
	TeamID              string `json:"team_id" description:"The workspace."`
	UserID              string `json:"user_id" description:"The user the installation acts as (the bot user for bot tokens)."`
	IsBot               bool   `json:"is_bot" description:"Whether the installation is a bot's."`
	IsEnterpriseInstall bool   `json:"is_enterprise_install,omitempty" description:"Whether the app is installed org-wide."`
}

// Event is the inner event. Slack documents a shape per type; the fields
// common to most are listed, and the rest are kept as they come.
type Event struct {
	Type        string          `json:"type" description:"The event type: message, app_mention, reaction_added, member_joined_channel, …"`
	Subtype     string          `json:"subtype,omitempty" description:"The message subtype (bot_message, message_changed, …) when there is one."`
	User        string          `json:"user,omitempty" description:"The user who caused the event."`
	BotID       string          `json:"bot_id,omitempty" description:"The bot that posted the message, for a bot's messages."`
	AppID       string          `json:"app_id,omitempty" description:"The app that posted the message, for an app's messages."`
	Text        string          `json:"text,omitempty" description:"The message text, for message events."`
	TS          string          `json:"ts,omitempty" description:"The message's timestamp, its id within the channel."`
	ThreadTS    string          `json:"thread_ts,omitempty" description:"The thread's parent ts, for replies."`
	Channel     string          `json:"channel,omitempty" description:"The channel the event happened in."`
	ChannelType string          `json:"channel_type,omitempty" description:"channel, group, im or mpim."`
	EventTS     string          `json:"event_ts" description:"When the event happened, as a Slack timestamp."`
	Item        json.RawMessage `json:"item,omitempty" description:"What a reaction or pin event is about."`
	Reaction    string          `json:"reaction,omitempty" description:"The emoji name, for reaction events."`
}

// EventCallback is the payload of the event trigger: the Events API's
// event_callback envelope.
type EventCallback struct {
	Token          string          `json:"token" description:"The deprecated verification token; requests are verified with the signing secret instead."`
	TeamID         string          `json:"team_id" description:"The workspace the event happened in."`
	EnterpriseID   string          `json:"enterprise_id,omitempty" description:"The Enterprise Grid organization, when there is one."`
	APIAppID       string          `json:"api_app_id" description:"The app the event is for."`
	Event          Event           `json:"event" description:"The event itself."`
	Type           string          `json:"type" enum:"event_callback" description:"Always event_callback for events."`
	EventID        string          `json:"event_id" description:"Slack's id for the event, the same on every retry of its delivery."`
	EventTime      int64           `json:"event_time" description:"When the event happened, in Unix seconds."`
	EventContext   string          `json:"event_context,omitempty" description:"An opaque identifier of the event's context, for apps.event.authorizations.list."`
	Authorizations []Authorization `json:"authorizations,omitempty" description:"An installation the event is visible to."`
	IsExtShared    bool            `json:"is_ext_shared_channel,omitempty" description:"Whether the channel is shared with another organization."`
}

func eventTrigger() connectors.TriggerSpec {
	return connectors.TriggerSpec{
		ID:   "event",
		Name: "Event",
		Kind: connectors.TriggerWebhook,
		Description: "Slack's Events API calls the webhook for each event the app subscribes to " +
			"(Event Subscriptions in the app's settings). Requests are verified with the signing " +
			"secret (v0, timestamps older than five minutes refused); the url_verification " +
			"handshake is answered with its challenge and starts no run. Slack wants an answer " +
			"within 3 seconds and retries otherwise, so the delivery is acknowledged once the " +
			"run has started (or, with a Respond step, with its answer within 2.5 s) and retries are deduplicated on event_id. " +
			"A message the app posted itself (its app_id is the event's api_app_id: a Reply step's answer, say) is " +
			"acknowledged and starts nothing, so a definition that answers every message never answers its own.",
		AnswerWithin: 2500 * time.Millisecond,
		// A reply goes to the message's channel, in its thread (or starts
		// one under the message).
		Reply: &connectors.ReplySpec{Action: "post_message", TextInput: "text", Inputs: map[string][]string{
			"channel": {"/event/channel"}, "thread_ts": {"/event/thread_ts", "/event/ts"}},
			Types: map[string]map[string]any{"markdown": {}}},
		// A message's conversation is its thread: a message outside one
		// starts the thread the reply opens under it.
		Message: &connectors.MessageSpec{Channel: "slack",
			UserTags: []connectors.TagSpec{{Name: "id", Pointers: []string{"/event/user"}}},
			ConversationTags: []connectors.TagSpec{{Name: "channel", Pointers: []string{"/event/channel"}},
				{Name: "thread", Pointers: []string{"/event/thread_ts", "/event/ts"}}},
			Text:        []string{"/event/text"},
			MessageTags: []connectors.TagSpec{{Name: "ts", Pointers: []string{"/event/ts"}}}},
		Payload: connectors.OpenObjects(connectors.MustSchemaFor[EventCallback]()),
		SamplePayload: json.RawMessage(`{
			"token": "XXYYZZ",
			"team_id": "T123ABC456",
			"api_app_id": "A123ABC456",
			"event": {"type": "message", "channel": "C123ABC456", "channel_type": "channel",
			          "user": "U123ABC456", "text": "Is order #1001 packed?",
			          "ts": "1355517523.000005", "event_ts": "1355517523.000005"},
			"type": "event_callback",
			"event_id": "Ev123ABC456",
			"event_time": 1355517523,
			"authorizations": [{"team_id": "T123ABC456", "user_id": "U222222222", "is_bot": true}]
		}`),
		IDPointer:   "/event_id",
		Signature:   SignatureScheme,
		SecretField: connectors.FieldWebhookSecret,
	}
}

// OwnMessage recognises an event about a message the app posted itself:
// Slack sends the app its own messages too (with the app's app_id), and a
// definition that answers every message would answer them forever.
func OwnMessage(body []byte) bool {
	var v struct {
		APIAppID string `json:"api_app_id"`
		Event    struct {
			AppID string `json:"app_id"`
		} `json:"event"`
	}
	return json.Unmarshal(body, &v) == nil && v.APIAppID != "" && v.Event.AppID == v.APIAppID
}

// HeaderRetryNum is set on Slack's retries of a delivery (1, 2, 3); the
// retry carries the same event_id, which deduplicates it.
const HeaderRetryNum = "X-Slack-Retry-Num"

// eventWebhook is the event trigger's code: VerifyRequest, the
// url_verification handshake answered with its challenge (as text/plain,
// which Slack accepts), and one event per event_callback, identified by
// event_id.
func eventWebhook() *connectors.JSONWebhook {
	return &connectors.JSONWebhook{
		Spec:   eventTrigger(),
		Verify: func(d connectors.Delivery) error { return VerifyRequest(d.Header, d.Body, d.Now, d.Secrets...) },
		Handshake: func(d connectors.Delivery) (*connectors.WebhookAnswer, bool) {
			if challenge, ok := URLVerificationChallenge(d.Body); ok {
				return &connectors.WebhookAnswer{Status: http.StatusOK, ContentType: "text/plain; charset=utf-8", Body: []byte(challenge)}, true
			}
			if OwnMessage(d.Body) {
				return &connectors.WebhookAnswer{Status: http.StatusOK, ContentType: "application/json",
					Body: []byte(`{"trigger":"slack.event","events":[],"ignored":"a message the app posted itself"}`)}, true
			}
			return nil, false
		},
	}
}
