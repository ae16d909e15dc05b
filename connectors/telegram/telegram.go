// Package telegram is the Telegram Bot API connector: it sends messages as
// a bot (sendMessage) and starts runs from the bot's webhook updates.
//
// The Bot API's wire format, as this connector relies on it:
//
//   - methods are https://api.telegram.org/bot<token>/<method>: the bot
//     token is part of the URL path, not a header, so the action places it
//     itself and keeps the URL out of every error it returns;
//   - requests here are POSTs with a JSON body; answers are {"ok": true,
//     "result": …} or {"ok": false, "error_code": N, "description": "…"}
//     with HTTP status N, and "parameters" that may hold retry_after
//     (seconds, on 429) or migrate_to_chat_id (a group that became a
//     supergroup);
//   - a webhook set with setWebhook's secret_token carries it in the
//     X-Telegram-Bot-Api-Secret-Token header of every update (see
//     VerifyWebhook); updates have a unique, increasing update_id.
package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/egress"
)

// ID is the connector's id.
const ID = "telegram"

// APIBase is the root of the Bot API; methods are APIBase + "/bot" +
// token + "/" + method.
const APIBase = "https://api.telegram.org"

// ChatID is a chat: its integer id, or @username for a public channel or
// supergroup, as Telegram accepts both.
type ChatID string

// JSONSchema says a chat id is an integer or a string.
func (ChatID) JSONSchema() *connectors.Schema {
	return &connectors.Schema{Type: connectors.Types{connectors.TypeInteger, connectors.TypeString}}
}

// UnmarshalJSON accepts a number or a string.
func (c *ChatID) UnmarshalJSON(b []byte) error {
	var n json.Number
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return err
	}
	switch x := v.(type) {
	case json.Number:
		n = x
		if _, err := strconv.ParseInt(n.String(), 10, 64); err != nil {
			return fmt.Errorf("chat_id %s is not an integer", n)
		}
		*c = ChatID(n.String())
	case string:
		*c = ChatID(x)
	default:
		return errors.New("chat_id is neither an integer nor a string")
	}
	return nil
}

// MarshalJSON writes an integer id as a number and a @username as a
// string.
func (c ChatID) MarshalJSON() ([]byte, error) {
	if _, err := strconv.ParseInt(string(c), 10, 64); err == nil {
		return []byte(c), nil
	}
	return json.Marshal(string(c))
}

// MessageInput is the input of send_message.
type MessageInput struct {
	ChatID           ChatID `json:"chat_id" description:"The chat: its id (an integer, negative for groups and channels), or @username of a public channel or supergroup."`
	Text             string `json:"text" description:"The message, 1 to 4096 characters after entities are parsed."`
	ParseMode        string `json:"parse_mode,omitempty" enum:"MarkdownV2,HTML,Markdown" description:"How to parse entities in text; plain text when not given."`
	ReplyToMessageID int64  `json:"reply_to_message_id,omitempty" description:"The id of the message to reply to, in the same chat."`
}

// User is a Telegram user or bot.
type User struct {
	ID        int64  `json:"id" description:"The user's id."`
	IsBot     bool   `json:"is_bot" description:"Whether the user is a bot."`
	FirstName string `json:"first_name" description:"The user's first name."`
	LastName  string `json:"last_name,omitempty" description:"The user's last name."`
	Username  string `json:"username,omitempty" description:"The user's @username, without the @."`
}

// Chat is the chat a message belongs to.
type Chat struct {
	ID        int64  `json:"id" description:"The chat's id."`
	Type      string `json:"type,omitempty" description:"private, group, supergroup or channel."`
	Title     string `json:"title,omitempty" description:"The title of a group, supergroup or channel."`
	Username  string `json:"username,omitempty" description:"The chat's @username, without the @, when it has one."`
	FirstName string `json:"first_name,omitempty" description:"The other party's first name, in a private chat."`
}

// Message is a Telegram message: the output of send_message.
type Message struct {
	MessageID int64  `json:"message_id" description:"The message's id, unique within its chat."`
	From      *User  `json:"from,omitempty" description:"The sender; absent in channels."`
	Chat      Chat   `json:"chat" description:"The chat the message belongs to."`
	Date      int64  `json:"date" description:"When the message was sent, in Unix seconds."`
	Text      string `json:"text,omitempty" description:"The text, for text messages."`
}

// New returns version 1.0.0 of the Telegram connector.
func New() *connectors.Static {
	return connectors.New(connectors.Spec{
		ID:   ID,
		Name: "Telegram",
		Description: "Telegram is a messaging app whose bots are driven through the Bot API. Send " +
			"messages as a bot, and start runs from the updates Telegram sends the bot's webhook " +
			"(messages, edits, button presses), verified with the webhook's secret token.",
		Version:  "1.0.0",
		Status:   connectors.StatusStable,
		Auth:     []connectors.AuthSpec{botToken()},
		Triggers: []connectors.TriggerSpec{updateTrigger()},
		// A chat is a conversation; send_message writes text or, with
		// parse_mode, Markdown.
		Channels: []connectors.ChannelSpec{{Name: "telegram", Description: "Messages in Telegram chats with the bot.",
			MessageTypes: []string{"text", "markdown"}}},
	}, sendMessage()).WithWebhooks(updateWebhook()).
		WithCheck(check)
}

// botToken declares the bot token as the bearer kind's secret token
// field: the credential store keeps it like any token, but Telegram reads
// it from the URL path, which the action builds from
// call.Connection.Secrets.
func botToken() connectors.AuthSpec {
	a := connectors.BearerAuth()
	a.Description = "The bot's token, from @BotFather (123456789:AA…). Telegram reads it from the " +
		"request path (https://api.telegram.org/bot<token>/…), where the connector puts it; it never " +
		"appears in errors or histories."
	a.Fields[0].Description = "The bot token @BotFather gave, such as 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw."
	a.Fields = append(a.Fields, connectors.WebhookSecretField("The secret_token given to setWebhook, for the update "+
		"trigger: Telegram sends it back in X-Telegram-Bot-Api-Secret-Token (1-256 of A-Z, a-z, 0-9, _ and -)."))
	return a
}

func sendMessage() *connectors.Func[MessageInput, Message] {
	return connectors.NewAction(connectors.ActionSpec{
		ID:   "send_message",
		Name: "Send message",
		Kind: connectors.ActionCreate,
		Description: "Sends a text message to a chat with sendMessage. The bot must be able to write " +
			"there: a user must have started it, a group or channel must have it as a member. " +
			"Sending it twice sends twice.",
		SampleInput: json.RawMessage(`{"chat_id": 123456789, "text": "Your order *#1001* is ready to ship", "parse_mode": "MarkdownV2"}`),
	}, runSendMessage)
}

// tokenPattern is the shape of a bot token: the bot's id, a colon and a
// URL-safe secret. Anything else would change the request's path.
var tokenPattern = regexp.MustCompile(`^[0-9]{1,20}:[A-Za-z0-9_-]{1,200}$`)

func runSendMessage(ctx context.Context, call connectors.Call, in MessageInput) (Message, error) {
	var out Message
	if err := callMethod(ctx, call, "sendMessage", in, &out); err != nil {
		return Message{}, fmt.Errorf("sending telegram message: %w", err)
	}
	return out, nil
}

// callMethod POSTs params as JSON to a Bot API method and decodes the
// answer's result into out. The token is part of the URL, which egress
// never quotes; its errors, and the third party's messages, are scrubbed
// of the token too, in every encoding.
func callMethod(ctx context.Context, call connectors.Call, method string, params, out any) error {
	token, err := tokenOf(call.Connection)
	if err != nil {
		return err
	}
	scrub := egress.NewScrubber(token)
	var a struct {
		OK     bool            `json:"ok"`
		Result json.RawMessage `json:"result"`
	}
	resp, err := egress.JSON(ctx, call.HTTP, egress.Request{
		Method: http.MethodPost, URL: APIBase + "/bot" + token + "/" + method, JSON: params, Secrets: []string{token},
	}, &a)
	switch {
	case errors.Is(err, egress.ErrUnexpectedResponse):
		return notBotAPI(resp.StatusCode)
	case err != nil:
		err = connectors.HTTPError(err, FromResponse)
		var e *connectors.Error
		if errors.As(err, &e) {
			e.Message = scrub.Replace(e.Message)
			return e
		}
		return scrub.Error(fmt.Errorf("calling %s: %w", method, err))
	case !a.OK || len(a.Result) == 0:
		return notBotAPI(resp.StatusCode)
	}
	if err := json.Unmarshal(a.Result, out); err != nil {
		return scrub.Error(fmt.Errorf("decoding the answer to %s: %w", method, err))
	}
	return nil
}

func notBotAPI(status int) *connectors.Error {
	return &connectors.Error{Kind: connectors.Unavailable, StatusCode: status, Message: "the answer is not a Bot API answer"}
}

func tokenOf(c connectors.Connection) (string, error) {
	var token string
	if c.Secrets != nil {
		token, _ = c.Secrets.Secret(connectors.FieldToken)
	}
	switch {
	case token == "":
		return "", connectors.Errorf(connectors.Unauthorized, "the connection has no bot token")
	case !tokenPattern.MatchString(token):
		return "", connectors.Errorf(connectors.Unauthorized, "the connection's bot token is not shaped like a Telegram bot token (<bot id>:<secret>)")
	}
	return token, nil
}

// answer is a Bot API refusal.
type answer struct {
	OK          *bool  `json:"ok"`
	ErrorCode   int    `json:"error_code"`
	Description string `json:"description"`
	Parameters  struct {
		RetryAfter      int   `json:"retry_after"`
		MigrateToChatID int64 `json:"migrate_to_chat_id"`
	} `json:"parameters"`
}

// FromResponse classifies a Bot API answer: nil below 400, otherwise what
// connectors.FromHTTPResponse makes of the status and the description,
// with these refinements: a 400 whose description says something was not
// found ("Bad Request: chat not found") is NotFound; the RetryAfter of a
// 429 comes from parameters.retry_after when there is no Retry-After
// header; and a group's migration to a supergroup names the new chat id.
func FromResponse(resp *http.Response, body []byte) *connectors.Error {
	e := connectors.FromHTTPResponse(resp, body)
	if e == nil {
		return nil
	}
	var a answer
	if json.Unmarshal(body, &a) != nil || a.OK == nil {
		return e
	}
	if a.Description != "" {
		e.Message = a.Description
	}
	if a.Parameters.MigrateToChatID != 0 {
		e.Message += fmt.Sprintf(" (the group is now the supergroup %d)", a.Parameters.MigrateToChatID)
	}
	if e.StatusCode == http.StatusBadRequest && strings.Contains(strings.ToLower(a.Description), "not found") {
		e.Kind = connectors.NotFound
	}
	if e.RetryAfter == 0 && a.Parameters.RetryAfter > 0 {
		e.RetryAfter = time.Duration(a.Parameters.RetryAfter) * time.Second
	}
	if len(e.Message) > 512 {
		cut := 512
		for cut > 0 && e.Message[cut]&0xC0 == 0x80 {
			cut--
		}
		e.Message = e.Message[:cut] + "…"
	}
	return e
}
