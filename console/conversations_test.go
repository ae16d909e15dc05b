package console_test

import (
	"context"
	"html"
	"net/http"
	"strings"
	"testing"

	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
)

// chats is what recordChats stores for acme: ada's SMS conversation (a
// text, a markdown reply, an image), bob's on WhatsApp; and a conversation
// of another account.
type chats struct {
	ada, bob, adaConv, bobConv, foreignConv string
}

// recordChats records the conversations into the store as intake and the
// runs do, and their states through the API.
func recordChats(t *testing.T, s *site) chats {
	t.Helper()
	ctx := context.Background()
	if _, err := s.store.CreateAccount(ctx, store.Account{ID: "globex", Name: "Globex"}); err != nil {
		t.Fatal(err)
	}
	const def = "c7041b9a-5f0e-4a43-9d1c-1e2f3a4b5c6d"
	handled := func(event, how string) []store.HandledRun {
		return []store.HandledRun{{DefinitionID: def, Version: 1, WorkflowID: event,
			TemporalWorkflowID: runs.RunWorkflowID("acme", def, event), RunID: "run-" + event, How: how}}
	}
	incoming := func(account, channel, address, source, typ string, payload map[string]any, how []store.HandledRun) store.ChatMessage {
		t.Helper()
		key := runs.AwaitKey(channel, address)
		convKey := runs.ConversationKey(address, channel)
		convID := runs.ConversationID(account, channel, convKey)
		m, _, err := s.store.RecordIncoming(ctx, store.Inbound{
			User:         store.ChatUser{AccountID: account, ID: runs.UserID(account, key), Channel: channel, Key: key, Tags: map[string]string{"msisdn": address}},
			Conversation: store.Conversation{ID: convID, Key: convKey, Tags: map[string]string{"channel": channel}},
			Message: store.ChatMessage{ID: runs.ChatMessageID(convID, store.DirectionIncoming, source), Type: typ,
				SourceID: source, Payload: payload, Runs: how},
		})
		if err != nil {
			t.Fatalf("recording %s: %v", source, err)
		}
		return m
	}
	var c chats
	m := incoming("acme", "sms", "6591234567", "evt-1", "text", map[string]any{"text": "hello, is my order shipped?"}, handled("evt-1", store.RunStarted))
	c.ada, c.adaConv = m.UserID, m.ConversationID
	if _, _, err := s.store.RecordOutgoing(ctx, store.ChatMessage{AccountID: "acme", ID: runs.ChatMessageID(c.adaConv, store.DirectionOutgoing, "evt-1/reply"),
		ConversationID: c.adaConv, Type: "markdown", SourceID: "evt-1/reply", Payload: map[string]any{"text": "*Yes*, it left today."},
		Runs: handled("evt-1", store.RunSent)}); err != nil {
		t.Fatal(err)
	}
	incoming("acme", "sms", "6591234567", "evt-2", "image", map[string]any{"imageUrl": "https://img.example/parcel.jpg"}, nil)
	m = incoming("acme", "whatsapp", "6598765432", "evt-3", "text", map[string]any{"text": "hi from whatsapp"}, nil)
	c.bob, c.bobConv = m.UserID, m.ConversationID
	c.foreignConv = incoming("globex", "sms", "6500000000", "evt-4", "text", map[string]any{"text": "globex only"}, nil).ConversationID

	for path, state := range map[string]map[string]any{
		"/conversations/" + c.adaConv + "/state": {"step": "asked-order", "orderId": 1001},
		"/users/" + c.ada + "/state":             {"plan": "gold"},
	} {
		if code := s.apiAnswer(s.admin, http.MethodPut, "/api/v1/accounts/acme"+path, state, nil); code != http.StatusOK {
			t.Fatalf("PUT %s: %d", path, code)
		}
	}
	return c
}

// TestConversationPages: the conversations, their messages in order with
// their states, and the users, as the API answers them, for a read key;
// nothing on them changes anything.
func TestConversationPages(t *testing.T) {
	s := newSite(t)
	c := recordChats(t, s)
	s.signIn(s.reader)
	for _, tc := range []struct {
		name, path string
		want       []string // in this order on the page
		not        []string
	}{
		{"conversations, the latest message first", "/console/conversations",
			[]string{`href="/console/conversations/` + c.bobConv + `"`, "whatsapp", `href="/console/conversations/users/` + c.bob + `"`,
				`href="/console/conversations/` + c.adaConv + `"`, "sms", `href="/console/conversations/users/` + c.ada + `"`, "<td>3</td>"},
			[]string{c.foreignConv}},
		{"a conversation's messages in order, and its state", "/console/conversations/" + c.adaConv,
			[]string{c.adaConv, "6591234567/sms", "hello, is my order shipped?", "started: evt-1", "outgoing", "*Yes*, it left today.",
				"(markdown)", "sent: evt-1", "incoming", "image", "https://img.example/parcel.jpg",
				"State", `"orderId": 1001`, `"step": "asked-order"`},
			nil},
		{"users, newest first", "/console/conversations/users",
			[]string{`href="/console/conversations/users/` + c.bob + `"`, "whatsapp:6598765432", `href="/console/conversations/users/` + c.ada + `"`, "sms:6591234567", "msisdn: 6591234567"},
			nil},
		{"a user, its state and conversations", "/console/conversations/users/" + c.ada,
			[]string{c.ada, "sms:6591234567", "msisdn", `"plan": "gold"`, `href="/console/conversations/` + c.adaConv + `"`},
			[]string{c.bobConv}},
		{"a user without a state", "/console/conversations/users/" + c.bob,
			[]string{c.bob, `<pre tabindex="0">{}</pre>`, `href="/console/conversations/` + c.bobConv + `"`},
			[]string{c.adaConv}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, page := s.getPage(tc.path)
			if code != http.StatusOK {
				t.Fatalf("%d\n%s", code, page)
			}
			text := html.UnescapeString(page)
			at := 0
			for _, w := range tc.want {
				i := strings.Index(text[at:], w)
				if i < 0 {
					t.Fatalf("%q missing, or not after what comes before it\n%s", w, page)
				}
				at += i + len(w)
			}
			for _, n := range append(tc.not, `method="post" action="/console/conversations`, "<textarea") {
				if strings.Contains(text, n) {
					t.Errorf("the page shows %q", n)
				}
			}
		})
	}
	for _, path := range []string{"/console/conversations/" + c.foreignConv, "/console/conversations/conv_nope", "/console/conversations/users/usr_nope"} {
		if code, page := s.getPage(path); code != http.StatusNotFound || !strings.Contains(page, "not found") {
			t.Errorf("GET %s: %d, want the API's 404\n%s", path, code, page)
		}
	}
}
