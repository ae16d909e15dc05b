package connectors_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/catalog"
)

func TestMessageSpecRead(t *testing.T) {
	slack := connectors.MessageSpec{Channel: "slack",
		UserTags: []connectors.TagSpec{{Name: "id", Pointers: []string{"/event/user"}}},
		ConversationTags: []connectors.TagSpec{{Name: "channel", Pointers: []string{"/event/channel"}},
			{Name: "thread", Pointers: []string{"/event/thread_ts", "/event/ts"}}},
		Text: []string{"/event/text"}, MessageTags: []connectors.TagSpec{{Name: "ts", Pointers: []string{"/event/ts"}}}}
	chatApps := connectors.MessageSpec{ChannelPointers: []string{"/recipient/channel"},
		UserTags:         []connectors.TagSpec{{Name: "msisdn", Pointers: []string{"/user/msisdn"}}},
		ConversationTags: []connectors.TagSpec{{Name: "msisdn", Pointers: []string{"/user/msisdn"}}, {Name: "kind", Value: "chat"}},
		Text:             []string{"/content/text"}}
	for _, tc := range []struct {
		name    string
		spec    connectors.MessageSpec
		payload string
		want    *connectors.ReadMessage
	}{
		{"a message in a thread", slack, `{"event": {"user": "U1", "channel": "C1", "ts": "2.0", "thread_ts": "1.0", "text": "hi"}}`,
			&connectors.ReadMessage{Channel: "slack", UserAddress: "U1", UserTags: map[string]string{"id": "U1"},
				ConversationValues: []string{"C1", "1.0"}, ConversationTags: map[string]string{"channel": "C1", "thread": "1.0"},
				Text: "hi", Tags: map[string]string{"ts": "2.0"}}},
		{"a message outside a thread starts its own", slack, `{"event": {"user": "U1", "channel": "C1", "ts": "2.0", "text": "hi"}}`,
			&connectors.ReadMessage{Channel: "slack", UserAddress: "U1", UserTags: map[string]string{"id": "U1"},
				ConversationValues: []string{"C1", "2.0"}, ConversationTags: map[string]string{"channel": "C1", "thread": "2.0"},
				Text: "hi", Tags: map[string]string{"ts": "2.0"}}},
		{"an event without a user is no message", slack, `{"event": {"type": "channel_created", "channel": "C1"}}`, nil},
		{"a number is read as its text", connectors.MessageSpec{Channel: "telegram",
			UserTags:         []connectors.TagSpec{{Name: "id", Pointers: []string{"/from/id"}}},
			ConversationTags: []connectors.TagSpec{{Name: "chat", Pointers: []string{"/chat/id"}}}},
			`{"from": {"id": 123456789012}, "chat": {"id": -1001234567890}}`,
			&connectors.ReadMessage{Channel: "telegram", UserAddress: "123456789012", UserTags: map[string]string{"id": "123456789012"},
				ConversationValues: []string{"-1001234567890"}, ConversationTags: map[string]string{"chat": "-1001234567890"}, Tags: map[string]string{}}},
		{"the channel read from the event, lower-cased, and a fixed tag", chatApps,
			`{"recipient": {"channel": "WhatsApp"}, "user": {"msisdn": "+65"}, "content": {"text": "yo"}}`,
			&connectors.ReadMessage{Channel: "whatsapp", UserAddress: "+65", UserTags: map[string]string{"msisdn": "+65"},
				ConversationValues: []string{"+65", "chat"}, ConversationTags: map[string]string{"msisdn": "+65", "kind": "chat"},
				Text: "yo", Tags: map[string]string{}}},
		{"no channel in the event: no message", chatApps, `{"user": {"msisdn": "+65"}}`, nil},
		{"not JSON", slack, `{`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.spec.Read([]byte(tc.payload))
			if tc.want == nil {
				if ok {
					t.Fatalf("read %+v from an event that is no message", got)
				}
				return
			}
			if !ok || !reflect.DeepEqual(got, *tc.want) {
				t.Errorf("read %+v, %v\nwant %+v", got, ok, *tc.want)
			}
		})
	}
}

// The catalog's connectors declare their channels and messages well, and
// a bad declaration is refused with what is wrong.
func TestChannelDeclarations(t *testing.T) {
	if err := catalog.New().Check(); err != nil {
		t.Fatal(err)
	}
	spec := func(channels []connectors.ChannelSpec, m *connectors.MessageSpec) connectors.Spec {
		return connectors.Spec{ID: "chat", Name: "Chat", Version: "1.0.0", Status: connectors.StatusStable,
			Auth: []connectors.AuthSpec{connectors.NoAuth()}, Channels: channels,
			Triggers: []connectors.TriggerSpec{{ID: "message", Name: "Message", Kind: connectors.TriggerWebhook, Description: "A message.", Message: m}}}
	}
	ok := []connectors.ChannelSpec{{Name: "chat", MessageTypes: []string{"text"}}}
	tag := []connectors.TagSpec{{Name: "id", Pointers: []string{"/id"}}}
	for _, tc := range []struct {
		name string
		spec connectors.Spec
		want string
	}{
		{"an unknown message type", spec([]connectors.ChannelSpec{{Name: "chat", MessageTypes: []string{"hologram"}}}, nil), `"hologram" is not one of`},
		{"a channel without types", spec([]connectors.ChannelSpec{{Name: "chat"}}, nil), "names no message type"},
		{"a message on an undeclared channel", spec(ok, &connectors.MessageSpec{Channel: "sms", UserTags: tag, ConversationTags: tag}), `"sms" is not one of the connector's channels`},
		{"a message without a user", spec(ok, &connectors.MessageSpec{Channel: "chat", ConversationTags: tag}), "the first is the user's address"},
		{"a tag with a pointer and a value", spec(ok, &connectors.MessageSpec{Channel: "chat", UserTags: tag,
			ConversationTags: []connectors.TagSpec{{Name: "c", Pointers: []string{"/c"}, Value: "x"}}}), "either pointers or a value"},
		{"a bad pointer", spec(ok, &connectors.MessageSpec{Channel: "chat", UserTags: tag, ConversationTags: tag, Text: []string{"text"}}), "must start with /"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.spec.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want it to say %q", err, tc.want)
			}
		})
	}
}
