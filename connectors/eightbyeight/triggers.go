package eightbyeight

import (
	"encoding/json"

	"github.com/junction-run/junction/connectors"
)

// The payloads are 8x8's inbound webhooks
// (https://developer.8x8.com/connect/docs/inbound-sms and
// .../inbound-chatapps-message): an envelope {namespace, eventType,
// description, payload}. The schemas leave objects open, because 8x8 adds
// fields between webhook versions (Chat Apps v3 adds "version" and
// "username").
const inboundSMSPayload = `{
  "type": "object",
  "required": ["namespace", "eventType", "payload"],
  "properties": {
    "namespace": {"type": "string", "enum": ["SMS"], "description": "Always SMS."},
    "eventType": {"type": "string", "enum": ["inbound_message_received"], "description": "Always inbound_message_received."},
    "description": {"type": "string", "description": "SMS inbound message."},
    "payload": {
      "type": "object",
      "required": ["umid", "source", "destination", "body"],
      "properties": {
        "umid": {"type": "string", "description": "8x8's unique id for the message; the event's id."},
        "subAccountId": {"type": "string", "description": "The subaccount that owns the virtual number."},
        "timestamp": {"type": "string", "format": "date-time", "description": "When 8x8 received the message (UTC)."},
        "source": {"type": "string", "description": "The sender's number."},
        "destination": {"type": "string", "description": "The virtual number the message was sent to."},
        "body": {"type": "string", "description": "The text of the message."},
        "encoding": {"type": "string", "description": "GSM7 or UCS2."},
        "smsCount": {"type": "integer", "description": "How many SMS segments the message took."},
        "price": {
          "type": "object",
          "description": "What receiving the message cost.",
          "properties": {
            "total": {"type": "number"},
            "perSms": {"type": "number"},
            "currency": {"type": "string"}
          }
        }
      }
    }
  }
}`

const inboundSMSSample = `{"namespace": "SMS", "eventType": "inbound_message_received", "description": "SMS inbound message",
  "payload": {"umid": "9e09ac86-bd74-5465-851d-1eb5a5fdbb9a", "subAccountId": "SubAccount-1",
    "timestamp": "2016-01-01T14:34:56.017Z", "source": "+6581968289", "destination": "+4534735477",
    "body": "Test MO message", "encoding": "GSM7", "smsCount": 2,
    "price": {"total": 0.0446592, "perSms": 0.0446592, "currency": "EUR"}}}`

const inboundChatAppsPayload = `{
  "type": "object",
  "required": ["namespace", "eventType", "payload"],
  "properties": {
    "namespace": {"type": "string", "enum": ["ChatApps"], "description": "Always ChatApps."},
    "eventType": {"type": "string", "enum": ["inbound_message_received"], "description": "Always inbound_message_received."},
    "description": {"type": "string", "description": "ChatApps inbound message."},
    "version": {"type": "integer", "description": "The webhook version; 3 for v3, absent before."},
    "payload": {
      "type": "object",
      "required": ["umid", "user", "type", "content"],
      "properties": {
        "umid": {"type": "string", "description": "8x8's unique id for the message; the event's id."},
        "subAccountId": {"type": "string", "description": "The Chat Apps subaccount that received the message."},
        "timestamp": {"type": "string", "format": "date-time", "description": "When 8x8 received the message (UTC)."},
        "user": {
          "type": "object",
          "description": "The sender. Empty fields are left out (v3).",
          "properties": {
            "msisdn": {"type": "string", "description": "The sender's number (E.164); absent on channels without one (LINE)."},
            "channelUserId": {"type": "string", "description": "The sender's id on the channel: what replies and WaitForReply use."},
            "name": {"type": "string", "description": "The sender's profile name."},
            "username": {"type": "string", "description": "The WhatsApp username (v3)."}
          }
        },
        "recipient": {
          "type": "object",
          "description": "The channel the message came in on.",
          "properties": {
            "channel": {"type": "string", "description": "whatsapp, viber, line, RCS, ..."},
            "channelId": {"type": "string", "description": "8x8's id for the channel."}
          }
        },
        "type": {"type": "string", "description": "Text, Image, Audio, Video, File, Location, Interactive, ... (any letter case)."},
        "content": {
          "type": "object",
          "description": "The message for its type.",
          "properties": {
            "text": {"type": "string"},
            "url": {"type": "string", "description": "The media's URL."},
            "payload": {"type": "string", "description": "An interactive message's payload."},
            "location": {"type": "object", "properties": {"latitude": {"type": "number"}, "longitude": {"type": "number"}}},
            "interactive": {"type": "object", "description": "A button, list or form reply."}
          }
        },
        "replyToUmid": {"type": "string", "description": "The message this one quotes, if any."}
      }
    }
  }
}`

const inboundChatAppsSample = `{"namespace": "ChatApps", "eventType": "inbound_message_received", "description": "ChatApps inbound message",
  "payload": {"umid": "9e09ac86-bd74-5465-851d-1eb5a5fdbb9a", "subAccountId": "test_subaccount_id",
    "timestamp": "2016-01-01T14:34:56.017Z",
    "user": {"msisdn": "+6512345678", "channelUserId": "6512345678", "name": "test_user"},
    "recipient": {"channel": "whatsapp", "channelId": "269a57f4-3522-eb11-8278-00155d9f27ac"},
    "type": "text", "content": {"text": "Welcome to 8x8 Automation!"}}}`

// signatureNote says how the webhooks are authenticated: 8x8 does not sign
// its inbound webhooks, so the connection's webhook_secret must come back
// in the Authorization header (see SignatureScheme). The 8x8-compatible
// routes (/triggers/inbound_sms, /triggers/inbound_chat_apps) take an API
// key instead.
const signatureNote = " 8x8 does not sign these webhooks: register the /hooks URL with the connection's webhook_secret " +
	"as the Basic auth password (https://8x8:<secret>@host/hooks/...) or send it as a Bearer token."

func inboundSMSTrigger() connectors.TriggerSpec {
	t := inboundTrigger("inbound_sms", "Inbound SMS",
		"A virtual number of the account receives an SMS; the run's data is 8x8's inbound SMS webhook.",
		inboundSMSPayload, inboundSMSSample)
	// The sender's conversation on SMS (8x8's tags: msisdn and channel),
	// answered by SMS from the number it wrote to.
	t.Message = &connectors.MessageSpec{Channel: "sms",
		UserTags: []connectors.TagSpec{{Name: "msisdn", Pointers: []string{"/payload/source"}}},
		ConversationTags: []connectors.TagSpec{{Name: "msisdn", Pointers: []string{"/payload/source"}},
			{Name: "channel", Value: "sms"}},
		Text:        []string{"/payload/body"},
		MessageTags: []connectors.TagSpec{{Name: "umid", Pointers: []string{"/payload/umid"}}}}
	t.Reply = &connectors.ReplySpec{Action: "send_sms", TextInput: "text", Inputs: map[string][]string{
		"destination": {"/payload/source"}, "source": {"/payload/destination"}, "subAccountId": {"/payload/subAccountId"}}}
	return t
}

func inboundChatAppsTrigger() connectors.TriggerSpec {
	t := inboundTrigger("inbound_chat_apps", "Inbound Chat Apps message",
		"A Chat Apps subaccount receives a message (WhatsApp, Viber, LINE, RCS, ...); the run's data is 8x8's inbound Chat Apps webhook.",
		inboundChatAppsPayload, inboundChatAppsSample)
	// The channel is the chat app the message came through. A Reply step
	// is not offered: the reply's text goes in content.text, which a
	// ReplySpec's flat text input cannot address; ChatAppsMessage answers.
	t.Message = &connectors.MessageSpec{ChannelPointers: []string{"/payload/recipient/channel"},
		UserTags: []connectors.TagSpec{{Name: "msisdn", Pointers: []string{"/payload/user/channelUserId", "/payload/user/msisdn"}}},
		ConversationTags: []connectors.TagSpec{{Name: "msisdn", Pointers: []string{"/payload/user/channelUserId", "/payload/user/msisdn"}},
			{Name: "channel", Pointers: []string{"/payload/recipient/channel"}}},
		Text:        []string{"/payload/content/text"},
		MessageTags: []connectors.TagSpec{{Name: "umid", Pointers: []string{"/payload/umid"}}}}
	return t
}

// inboundTrigger declares one of 8x8's inbound message webhooks: an event
// of 8x8's envelope, identified by the message's umid and authenticated
// as signatureNote says.
func inboundTrigger(id, name, description, payload, sample string) connectors.TriggerSpec {
	return connectors.TriggerSpec{
		ID:            id,
		Name:          name,
		Kind:          connectors.TriggerWebhook,
		Description:   description + signatureNote,
		Payload:       connectors.MustSchema(payload),
		SamplePayload: json.RawMessage(sample),
		IDPointer:     "/payload/umid",
		Signature:     SignatureScheme,
		SecretField:   connectors.FieldWebhookSecret,
	}
}
