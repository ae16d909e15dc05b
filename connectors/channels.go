package connectors

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Channels (issue 15, Botpress's model): a connector that carries
// conversations declares the channels it speaks, each with the message
// types it can send, and, on each trigger whose events are messages, how
// an event maps to a user, a conversation and a message (MessageSpec).

// Message types a channel may send.
var MessageTypes = []string{"text", "markdown", "image", "file", "choice"}

// ChannelSpec is one channel of a connector: Slack's "slack", Twilio's
// "sms".
type ChannelSpec struct {
	// Name is the channel's name in user and conversation records, and in
	// WaitForReply's channel input: lowercase letters, digits, '_'.
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// MessageTypes are the kinds of message it can send (MessageTypes).
	MessageTypes []string `json:"messageTypes"`
}

// TagSpec is one tag read from an event: its Name, and the JSON pointers
// (RFC 6901) its value may be at, the first that holds a value winning; or
// a fixed Value (8x8's SMS conversations are tagged channel "sms").
type TagSpec struct {
	Name     string   `json:"name"`
	Pointers []string `json:"pointers,omitempty"`
	Value    string   `json:"value,omitempty"`
}

// MessageSpec is how a trigger's event is a message: on which Channel, who
// wrote it (UserTags: the first is the user's address on the channel),
// in which conversation (ConversationTags: together, in order, its
// address), and what it says (Text). An event without a user or a
// conversation tag value is not a message (a Slack event of another
// kind): it starts runs as any event, outside conversations.
type MessageSpec struct {
	Channel string `json:"channel,omitempty"`
	// ChannelPointers, instead of Channel, read the channel from the event
	// (8x8 Chat Apps: the chat app it came through), lower-cased; an event
	// without one is not a message.
	ChannelPointers  []string  `json:"channelPointers,omitempty"`
	UserTags         []TagSpec `json:"userTags"`
	ConversationTags []TagSpec `json:"conversationTags"`
	Text             []string  `json:"text"`
	// MessageTags are the message's own tags (Slack's ts).
	MessageTags []TagSpec `json:"messageTags,omitempty"`
}

// ReadMessage is what MessageSpec.Read finds in an event.
type ReadMessage struct {
	Channel string
	// UserAddress is the first user tag's value.
	UserAddress string
	UserTags    map[string]string
	// ConversationValues are the conversation tags' values, in order.
	ConversationValues []string
	ConversationTags   map[string]string
	Text               string
	Tags               map[string]string
}

// Read reads the message an event payload holds; false when the event is
// not a message (no user, or a conversation tag without a value).
func (m MessageSpec) Read(payload []byte) (ReadMessage, bool) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var doc any
	if dec.Decode(&doc) != nil {
		return ReadMessage{}, false
	}
	out := ReadMessage{Channel: m.Channel}
	if out.Channel == "" {
		out.Channel = strings.ToLower(firstValue(doc, m.ChannelPointers))
		if out.Channel == "" {
			return ReadMessage{}, false
		}
	}
	var ok bool
	if out.UserTags, _, ok = readTags(doc, m.UserTags); !ok {
		return ReadMessage{}, false
	}
	out.UserAddress = out.UserTags[m.UserTags[0].Name]
	if out.ConversationTags, out.ConversationValues, ok = readTags(doc, m.ConversationTags); !ok {
		return ReadMessage{}, false
	}
	out.Text = firstValue(doc, m.Text)
	out.Tags, _, _ = readTags(doc, m.MessageTags)
	return out, true
}

// readTags reads every tag; ok is false when one has no value.
func readTags(doc any, tags []TagSpec) (map[string]string, []string, bool) {
	out := make(map[string]string, len(tags))
	values := make([]string, 0, len(tags))
	ok := true
	for _, t := range tags {
		v := t.Value
		if v == "" {
			v = firstValue(doc, t.Pointers)
		}
		if v == "" {
			ok = false
			continue
		}
		out[t.Name] = v
		values = append(values, v)
	}
	return out, values, ok
}

// firstValue is the first pointer's value that is a string or a number,
// as text; "" when none holds one.
func firstValue(doc any, pointers []string) string {
	for _, p := range pointers {
		switch v, _ := pointerIn(doc, p); x := v.(type) {
		case string:
			if x != "" {
				return x
			}
		case json.Number:
			return x.String()
		}
	}
	return ""
}

// validateChannels checks the connector's channels and its triggers'
// messages, which must name one of them.
func (s Spec) validateChannels(v *problems) {
	names := map[string]bool{}
	for i, c := range s.Channels {
		at := fmt.Sprintf("channels[%d]", i)
		if !idPattern.MatchString(c.Name) {
			v.add(at+".name", "%q must be lowercase letters, digits and underscores", c.Name)
		}
		if names[c.Name] {
			v.add(at+".name", "%q is declared twice", c.Name)
		}
		names[c.Name] = true
		if len(c.MessageTypes) == 0 {
			v.add(at+".messageTypes", "names no message type")
		}
		for _, t := range c.MessageTypes {
			if !slices.Contains(MessageTypes, t) {
				v.add(at+".messageTypes", "%q is not one of %v", t, MessageTypes)
			}
		}
	}
	for _, t := range s.Triggers {
		if t.Message == nil {
			continue
		}
		at := "triggers[" + t.ID + "].message"
		m := t.Message
		switch {
		case m.Channel != "" && len(m.ChannelPointers) > 0:
			v.add(at, "names a channel or where to read it (channelPointers), not both")
		case m.Channel == "" && len(m.ChannelPointers) == 0:
			v.add(at+".channel", "is required, or channelPointers")
		case m.Channel != "" && !names[m.Channel]:
			v.add(at+".channel", "%q is not one of the connector's channels", m.Channel)
		}
		for _, p := range m.ChannelPointers {
			if _, err := pointerTokens(p); err != nil {
				v.addErr(at+".channelPointers", err)
			}
		}
		if t.Kind != TriggerWebhook {
			v.add(at, "only a webhook trigger's events are messages")
		}
		if len(m.UserTags) == 0 {
			v.add(at+".userTags", "names no tag: the first is the user's address")
		}
		if len(m.ConversationTags) == 0 {
			v.add(at+".conversationTags", "names no tag: they are the conversation's address")
		}
		for field, tags := range map[string][]TagSpec{"userTags": m.UserTags, "conversationTags": m.ConversationTags, "messageTags": m.MessageTags} {
			for _, tag := range tags {
				if tag.Name == "" || (len(tag.Pointers) == 0) == (tag.Value == "") {
					v.add(at+"."+field, "a tag needs a name, and either pointers or a value")
				}
				for _, p := range tag.Pointers {
					if _, err := pointerTokens(p); err != nil {
						v.addErr(at+"."+field+"."+tag.Name, err)
					}
				}
			}
		}
		for _, p := range m.Text {
			if _, err := pointerTokens(p); err != nil {
				v.addErr(at+".text", err)
			}
		}
	}
}
