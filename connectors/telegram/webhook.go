package telegram

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/junction-run/junction/connectors"
)

// SignatureScheme is how Telegram authenticates webhook deliveries: the
// secret_token given to setWebhook, sent back in
// X-Telegram-Bot-Api-Secret-Token.
const SignatureScheme = "telegram_secret_token"

// HeaderSecretToken carries the webhook's secret token.
const HeaderSecretToken = "X-Telegram-Bot-Api-Secret-Token"

// The reasons VerifyWebhook refuses a delivery.
var (
	// ErrMissingSecretToken: the header is absent or empty, or no secret
	// was given.
	ErrMissingSecretToken = errors.New("telegram: missing webhook secret token")
	// ErrBadSecretToken: the header matches none of the secrets.
	ErrBadSecretToken = errors.New("telegram: webhook secret token does not match")
)

// VerifyWebhook checks that a delivery carries one of the webhook's
// secret tokens in X-Telegram-Bot-Api-Secret-Token. Several may be given,
// so the token can be changed (setWebhook with a new secret_token) without
// refusing updates already on their way. The comparison takes the same
// time whatever the values and whichever secret matches. Telegram signs
// nothing else, so there is no body to check and no timestamp: the
// update_id deduplicates replays.
func VerifyWebhook(header http.Header, secrets ...string) error {
	got := header.Get(HeaderSecretToken)
	if got == "" {
		return ErrMissingSecretToken
	}
	have, matched := connectors.PresentedSecret(got, secrets)
	switch {
	case !have:
		return ErrMissingSecretToken
	case !matched:
		return ErrBadSecretToken
	}
	return nil
}

// CallbackQuery is a press on an inline keyboard button.
type CallbackQuery struct {
	ID      string   `json:"id" description:"The query's id, to answer with answerCallbackQuery."`
	From    User     `json:"from" description:"Who pressed the button."`
	Message *Message `json:"message,omitempty" description:"The message the button belongs to."`
	Data    string   `json:"data,omitempty" description:"The button's callback_data."`
}

// Update is the payload of the update trigger: one Bot API Update, of
// which exactly one optional field is set. The fields listed are the
// usual ones; others are kept as they come.
type Update struct {
	UpdateID          int64          `json:"update_id" description:"The update's id, unique and increasing; the same when Telegram delivers it again."`
	Message           *Message       `json:"message,omitempty" description:"A new incoming message."`
	EditedMessage     *Message       `json:"edited_message,omitempty" description:"A new version of a message that was edited."`
	ChannelPost       *Message       `json:"channel_post,omitempty" description:"A new post in a channel the bot is in."`
	EditedChannelPost *Message       `json:"edited_channel_post,omitempty" description:"A new version of a channel post that was edited."`
	CallbackQuery     *CallbackQuery `json:"callback_query,omitempty" description:"A press on one of the bot's inline keyboard buttons."`
}

func updateTrigger() connectors.TriggerSpec {
	return connectors.TriggerSpec{
		ID:   "update",
		Name: "Update",
		Kind: connectors.TriggerWebhook,
		Description: "Telegram calls the bot's webhook (set with setWebhook and a secret_token) for " +
			"each update: messages to the bot, edits, channel posts, button presses. Deliveries " +
			"are verified with the secret token header and deduplicated on update_id.",
		Payload: connectors.OpenObjects(connectors.MustSchemaFor[Update]()),
		SamplePayload: json.RawMessage(`{
			"update_id": 10000,
			"message": {
				"message_id": 1365,
				"from": {"id": 1111111, "is_bot": false, "first_name": "Ada", "username": "ada"},
				"chat": {"id": 1111111, "type": "private", "first_name": "Ada", "username": "ada"},
				"date": 1441645532,
				"text": "/status 1001"
			}
		}`),
		IDPointer: "/update_id",
		// A reply goes to the message's chat (or the channel post's).
		Reply: &connectors.ReplySpec{Action: "send_message", TextInput: "text", Inputs: map[string][]string{
			"chat_id": {"/message/chat/id", "/channel_post/chat/id", "/callback_query/message/chat/id"}},
			Types: map[string]map[string]any{"markdown": {"parse_mode": "Markdown"}}},
		Message: &connectors.MessageSpec{Channel: "telegram",
			UserTags: []connectors.TagSpec{{Name: "id", Pointers: []string{"/message/from/id", "/callback_query/from/id", "/channel_post/sender_chat/id"}},
				{Name: "username", Pointers: []string{"/message/from/username", "/callback_query/from/username"}}},
			ConversationTags: []connectors.TagSpec{{Name: "chat", Pointers: []string{"/message/chat/id", "/channel_post/chat/id", "/callback_query/message/chat/id"}}},
			Text:             []string{"/message/text", "/channel_post/text", "/callback_query/data"},
			MessageTags:      []connectors.TagSpec{{Name: "id", Pointers: []string{"/message/message_id", "/channel_post/message_id"}}}},
		Signature:   SignatureScheme,
		SecretField: connectors.FieldWebhookSecret,
	}
}

// updateWebhook is the update trigger's code: VerifyWebhook, and one event
// per update, identified by update_id. The secret token covers neither the
// body nor a time, so a replayed update is stopped only by its update_id.
func updateWebhook() *connectors.JSONWebhook {
	return &connectors.JSONWebhook{
		Spec:   updateTrigger(),
		Verify: func(d connectors.Delivery) error { return VerifyWebhook(d.Header, d.Secrets...) },
	}
}
