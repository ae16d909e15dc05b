// Package slack is the Slack connector: it posts messages with the Web API
// (chat.postMessage) and starts runs from the Events API.
//
// Slack's wire format, as this connector relies on it:
//
//   - Web API methods are POST https://slack.com/api/<method> with a JSON
//     body and Authorization: Bearer <bot token> (xoxb-…);
//   - a method answers HTTP 200 with {"ok": true, …} on success and with
//     {"ok": false, "error": "<code>"} when it refuses the call
//     (channel_not_found, invalid_auth, …), so the status alone says
//     nothing: the connector maps the error code to a connectors.Error kind
//     (see ErrorKind);
//   - rate-limited calls answer HTTP 429 with Retry-After in seconds; Slack's
//     outages answer 5xx;
//   - the Events API POSTs a JSON envelope to the app's request URL, signed
//     with the app's signing secret (version v0, see VerifyRequest); the
//     first request is a url_verification handshake whose challenge the
//     endpoint echoes (see URLVerificationChallenge); Slack expects an
//     answer within 3 seconds and retries otherwise (X-Slack-Retry-Num),
//     so a receiver acknowledges first and starts the run afterwards, and
//     runs are deduplicated on event_id.
package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/egress"
)

// ID is the connector's id.
const ID = "slack"

// APIBase is the root of Slack's Web API.
const APIBase = "https://slack.com/api"

// MessageInput is the input of post_message.
type MessageInput struct {
	Channel string `json:"channel" description:"The channel, private group or IM to post to: an id such as C024BE91L, or a name such as #general. The bot must be a member of private channels."`
	Text    string `json:"text" description:"The message text, in Slack's mrkdwn. With blocks it becomes the fallback shown in notifications."`
	// Blocks are Block Kit blocks, passed through as they are.
	Blocks   []json.RawMessage `json:"blocks,omitempty" description:"Block Kit layout blocks, as Slack documents them; text is then the notification fallback."`
	ThreadTS string            `json:"thread_ts,omitempty" description:"The ts of the parent message, to reply in its thread."`
}

// MessageOutput is the output of post_message.
type MessageOutput struct {
	OK      bool   `json:"ok" description:"Always true: a refusal is an error, not an output."`
	Channel string `json:"channel" description:"The id of the channel the message went to."`
	TS      string `json:"ts" description:"The message's timestamp, its id within the channel: use it as thread_ts to reply."`
}

// New returns version 1.0.0 of the Slack connector.
func New() *connectors.Static {
	return connectors.New(connectors.Spec{
		ID:   ID,
		Name: "Slack",
		Description: "Slack is a messaging platform for teams. Post messages to channels and threads " +
			"as a bot, and start runs from Events API events (messages, mentions, reactions, …), " +
			"verified with the app's signing secret.",
		Version:  "1.0.0",
		Status:   connectors.StatusStable,
		Auth:     []connectors.AuthSpec{bearer()},
		Triggers: []connectors.TriggerSpec{eventTrigger()},
		// A Slack thread is a conversation; post_message writes mrkdwn.
		Channels: []connectors.ChannelSpec{{Name: "slack", Description: "Messages in Slack channels and threads.",
			MessageTypes: []string{"text", "markdown"}}},
	}, postMessage()).WithWebhooks(eventWebhook()).
		WithCheck(check)
}

func bearer() connectors.AuthSpec {
	a := connectors.BearerAuth()
	a.Description = "A bot token (xoxb-…), from the app's OAuth & Permissions page after installing it " +
		"to the workspace. post_message needs the chat:write scope (and chat:write.public to post " +
		"to channels the bot has not joined)."
	a.Fields = append(a.Fields, connectors.WebhookSecretField("The app's Signing Secret (Basic Information → "+
		"App Credentials), for the event trigger: it verifies that requests come from Slack."))
	return a
}

func postMessage() *connectors.Func[MessageInput, MessageOutput] {
	return connectors.NewAction(connectors.ActionSpec{
		ID:   "post_message",
		Name: "Post message",
		Kind: connectors.ActionCreate,
		Description: "Posts a message to a channel, or as a reply in a thread, with chat.postMessage. " +
			"Slack refuses unknown channels (channel_not_found) and channels the bot is not in " +
			"(not_in_channel). Sending it twice posts twice.",
		SampleInput: json.RawMessage(`{"channel": "C024BE91L", "text": "Order #1001 is ready to ship :package:"}`),
	}, runPostMessage)
}

func runPostMessage(ctx context.Context, call connectors.Call, in MessageInput) (MessageOutput, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return MessageOutput{}, fmt.Errorf("encoding slack message: %w", err)
	}
	var out MessageOutput
	if err := callMethod(ctx, call.HTTP, "chat.postMessage", body, &out); err != nil {
		return MessageOutput{}, fmt.Errorf("posting slack message: %w", err)
	}
	return out, nil
}

// callMethod POSTs a JSON body to a Web API method and decodes a
// successful answer into out. Slack answers refusals with 200 and
// {"ok": false}, so every answer goes through FromResponse.
func callMethod(ctx context.Context, client *http.Client, method string, body []byte, out any) error {
	resp, err := egress.JSON(ctx, client, egress.Request{
		Method: http.MethodPost, URL: APIBase + "/" + method, Body: body,
		Header: http.Header{"Content-Type": {"application/json; charset=utf-8"}},
	}, nil)
	if err != nil {
		return connectors.HTTPError(err, FromResponse)
	}
	if e := FromResponse(resp.HTTP(), resp.Body); e != nil {
		return e
	}
	if err := json.Unmarshal(resp.Body, out); err != nil {
		return fmt.Errorf("decoding the answer: %w", err)
	}
	return nil
}

// apiAnswer is the part of every Web API answer that says how it went.
type apiAnswer struct {
	OK               *bool  `json:"ok"`
	Error            string `json:"error"`
	ResponseMetadata struct {
		Messages []string `json:"messages"`
	} `json:"response_metadata"`
}

// FromResponse classifies a Web API answer: nil for {"ok": true}; for
// {"ok": false, "error": code} an Error whose Kind is ErrorKind(code) (or,
// when the HTTP status is itself a failure, the status's kind) and whose
// Message is the code with any response_metadata messages; for other
// failing statuses what connectors.FromHTTPResponse says. RetryAfter comes
// from the Retry-After header.
func FromResponse(resp *http.Response, body []byte) *connectors.Error {
	var a apiAnswer
	decoded := json.Unmarshal(body, &a) == nil && a.OK != nil
	if resp.StatusCode >= 400 {
		e := connectors.FromHTTPResponse(resp, body)
		if decoded && a.Error != "" {
			e.Message = message(a)
		}
		return e
	}
	if !decoded {
		if resp.StatusCode >= 300 {
			return connectors.FromHTTPResponse(resp, body) // nil below 400
		}
		return &connectors.Error{Kind: connectors.Unavailable, StatusCode: resp.StatusCode, Message: "the answer is not a Slack Web API answer"}
	}
	if *a.OK {
		return nil
	}
	code := a.Error
	if code == "" {
		code = "unknown_error"
		a.Error = code
	}
	return &connectors.Error{
		Kind:       ErrorKind(code),
		StatusCode: resp.StatusCode,
		Message:    message(a),
		RetryAfter: connectors.ParseRetryAfter(resp.Header.Get("Retry-After"), resp.Header.Get("Date")),
	}
}

func message(a apiAnswer) string {
	msg := a.Error
	if len(a.ResponseMetadata.Messages) > 0 {
		msg += ": " + strings.Join(a.ResponseMetadata.Messages, "; ")
	}
	if len(msg) > 512 {
		msg = msg[:512] + "…"
	}
	return msg
}

// ErrorKind is the kind of failure a Web API error code means: the codes
// of a bad, expired or under-scoped token are Unauthorized, unknown
// channels, users, threads and messages NotFound, rate limits RateLimited,
// Slack's own failures Unavailable or Timeout, and every other code,
// which the same call would get again, BadRequest.
func ErrorKind(code string) connectors.ErrorKind {
	switch code {
	case "invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive",
		"no_permission", "missing_scope", "not_allowed_token_type", "ekm_access_denied",
		"org_login_required", "team_access_not_granted", "access_denied", "invalid_token":
		return connectors.Unauthorized
	case "channel_not_found", "user_not_found", "thread_not_found", "message_not_found":
		return connectors.NotFound
	case "ratelimited", "rate_limited":
		return connectors.RateLimited
	case "internal_error", "fatal_error", "service_unavailable":
		return connectors.Unavailable
	case "request_timeout":
		return connectors.Timeout
	}
	return connectors.BadRequest
}
