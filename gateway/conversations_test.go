package gateway_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
)

// chatFixture is what recordChats stores: three users of acme (ada and cy
// on SMS, bob on WhatsApp, in that order), their conversations, and ada's
// three messages; one user of the other account.
type chatFixture struct {
	ada, bob, cy, foreign    string // user ids
	adaConv, bobConv, cyConv string // conversation ids
	adaIn1, adaOut, adaIn2   string // message ids of ada's conversation, in order
	started, sent, resumed   store.HandledRun
	adaKey, adaConvKey       string
}

// recordChats records the fixture straight into the store, as intake and
// the runs do.
func recordChats(t *testing.T, e *env) chatFixture {
	t.Helper()
	ctx := context.Background()
	run := func(event, how string) store.HandledRun {
		const def = "c7041b9a-5f0e-4a43-9d1c-1e2f3a4b5c6d"
		return store.HandledRun{DefinitionID: def, Version: 1, WorkflowID: event,
			TemporalWorkflowID: runs.RunWorkflowID(acme, def, event), RunID: "run-" + event, How: how}
	}
	f := chatFixture{started: run("evt-1", store.RunStarted), sent: run("evt-1", store.RunSent), resumed: run("evt-1", store.RunResumed)}
	incoming := func(account, channel, address string, userTags map[string]string, source string, handled ...store.HandledRun) store.ChatMessage {
		t.Helper()
		key := runs.AwaitKey(channel, address)
		convKey := runs.ConversationKey(address, channel)
		convID := runs.ConversationID(account, channel, convKey)
		m, created, err := e.store.RecordIncoming(ctx, store.Inbound{
			User:         store.ChatUser{AccountID: account, ID: runs.UserID(account, key), Channel: channel, Key: key, Tags: userTags},
			Conversation: store.Conversation{ID: convID, Key: convKey, Tags: map[string]string{"msisdn": address, "channel": channel}},
			Message: store.ChatMessage{ID: runs.ChatMessageID(convID, store.DirectionIncoming, source), Type: "text",
				SourceID: source, Payload: map[string]any{"text": "hello " + source}, Tags: map[string]string{"umid": source}, Runs: handled},
		})
		if err != nil || !created {
			t.Fatalf("recording %s: created %v, %v", source, created, err)
		}
		return m
	}
	m := incoming(acme, "sms", "6591234567", map[string]string{"msisdn": "6591234567", "plan": "gold"}, "evt-1", f.started)
	f.ada, f.adaConv, f.adaIn1 = m.UserID, m.ConversationID, m.ID
	f.adaKey, f.adaConvKey = "sms:6591234567", "6591234567/sms"
	out, created, err := e.store.RecordOutgoing(ctx, store.ChatMessage{AccountID: acme,
		ID: runs.ChatMessageID(f.adaConv, store.DirectionOutgoing, "evt-1/reply"), ConversationID: f.adaConv, Type: "markdown",
		SourceID: "evt-1/reply", Payload: map[string]any{"text": "*hi*"}, Runs: []store.HandledRun{f.sent}})
	if err != nil || !created {
		t.Fatalf("recording the reply: created %v, %v", created, err)
	}
	f.adaOut = out.ID
	f.adaIn2 = incoming(acme, "sms", "6591234567", nil, "evt-2", f.resumed).ID
	m = incoming(acme, "whatsapp", "6598765432", map[string]string{"plan": "gold"}, "evt-3")
	f.bob, f.bobConv = m.UserID, m.ConversationID
	m = incoming(acme, "sms", "6511111111", map[string]string{"plan": "free"}, "evt-4")
	f.cy, f.cyConv = m.UserID, m.ConversationID
	f.foreign = incoming(other, "sms", "6591234567", nil, "evt-5").UserID
	return f
}

// ids reads the ids of a list answer.
func ids(t *testing.T, resp response) []string {
	t.Helper()
	var items []struct{ ID string }
	resp.decode(t, &items)
	out := []string{}
	for _, it := range items {
		out = append(out, it.ID)
	}
	return out
}

// TestConversationLists: users and conversations listed by the filters,
// newest first, paged; messages oldest first; a bad filter is 400 naming
// the parameter.
func TestConversationLists(t *testing.T) {
	e := newEnv(t)
	f := recordChats(t, e)
	for _, tc := range []struct {
		name, path string
		status     int
		want       []string // the ids listed, for a 200
		paths      []string // the errors' paths, otherwise
	}{
		{"every user, newest first", "/users", 200, []string{f.cy, f.bob, f.ada}, nil},
		{"users of a channel", "/users?channel=sms", 200, []string{f.cy, f.ada}, nil},
		{"the channel ignores case", "/users?channel=SMS", 200, []string{f.cy, f.ada}, nil},
		{"users with a tag", "/users?tag=plan:gold", 200, []string{f.bob, f.ada}, nil},
		{"users with every tag", "/users?tag=plan:gold&tag=msisdn:6591234567", 200, []string{f.ada}, nil},
		{"users of a channel with a tag", "/users?channel=sms&tag=plan:gold", 200, []string{f.ada}, nil},
		{"one name with two values matches none", "/users?tag=plan:gold&tag=plan:free", 200, []string{}, nil},
		{"a tag no one has", "/users?tag=plan:", 200, []string{}, nil},
		{"a page of users", "/users?limit=1&offset=1", 200, []string{f.bob}, nil},
		{"past the last page", "/users?offset=3", 200, []string{}, nil},
		{"a tag without a colon", "/users?tag=plan", 400, nil, []string{"tag"}},
		{"a tag without a name", "/users?tag=:gold", 400, nil, []string{"tag"}},
		{"a tag name too long to store", "/users?tag=" + strings.Repeat("n", 65) + ":x", 400, nil, []string{"tag"}},
		{"a NUL byte in the channel", "/users?channel=sms%00", 400, nil, []string{"channel"}},
		{"a limit of 0", "/users?limit=0", 400, nil, []string{"limit"}},
		{"a limit that is no number", "/users?limit=ten", 400, nil, []string{"limit"}},
		{"a negative offset", "/users?offset=-1", 400, nil, []string{"offset"}},

		{"every conversation, the latest message first", "/conversations", 200, []string{f.cyConv, f.bobConv, f.adaConv}, nil},
		{"conversations of a user", "/conversations?userId=" + f.ada, 200, []string{f.adaConv}, nil},
		{"conversations of an unknown user", "/conversations?userId=usr_nope", 200, []string{}, nil},
		{"conversations of a channel", "/conversations?channel=whatsapp", 200, []string{f.bobConv}, nil},
		{"conversations with a tag", "/conversations?tag=channel:sms", 200, []string{f.cyConv, f.adaConv}, nil},
		{"a page of conversations", "/conversations?limit=2", 200, []string{f.cyConv, f.bobConv}, nil},
		{"a bad tag of conversations", "/conversations?tag=channel", 400, nil, []string{"tag"}},
		{"a bad limit of conversations", "/conversations?limit=501", 400, nil, []string{"limit"}},

		{"messages, oldest first", "/conversations/" + f.adaConv + "/messages", 200, []string{f.adaIn1, f.adaOut, f.adaIn2}, nil},
		{"a page of messages", "/conversations/" + f.adaConv + "/messages?limit=2", 200, []string{f.adaIn1, f.adaOut}, nil},
		{"the next page of messages", "/conversations/" + f.adaConv + "/messages?limit=2&offset=2", 200, []string{f.adaIn2}, nil},
		{"past the last page of messages", "/conversations/" + f.adaConv + "/messages?offset=3", 200, []string{}, nil},
		{"a bad limit of messages", "/conversations/" + f.adaConv + "/messages?limit=x", 400, nil, []string{"limit"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := e.call(http.MethodGet, base+tc.path, e.reader, nil)
			if resp.status != tc.status {
				t.Fatalf("%d %s", resp.status, resp.body)
			}
			if tc.status != 200 {
				if got := resp.apiError(t); !slices.Equal(got.paths(), tc.paths) {
					t.Errorf("paths %q, want %q (%s)", got.paths(), tc.paths, resp.body)
				}
				return
			}
			if got := ids(t, resp); !slices.Equal(got, tc.want) {
				t.Errorf("ids %q, want %q", got, tc.want)
			}
		})
	}
}

// TestConversationRecords: one user, conversation or message list as the
// API shows it, and 404 for what the account has not.
func TestConversationRecords(t *testing.T) {
	e := newEnv(t)
	f := recordChats(t, e)

	t.Run("a user", func(t *testing.T) {
		resp := e.call(http.MethodGet, base+"/users/"+f.ada, e.reader, nil)
		var u map[string]any
		resp.decode(t, &u)
		if resp.status != 200 || u["id"] != f.ada || u["channel"] != "sms" || u["key"] != f.adaKey ||
			!reflect.DeepEqual(u["tags"], map[string]any{"msisdn": "6591234567", "plan": "gold"}) ||
			u["createdAt"] == "" || u["updatedAt"] == "" || len(u) != 6 {
			t.Errorf("%d %s", resp.status, resp.body)
		}
		if f.ada != runs.UserID(acme, f.adaKey) {
			t.Errorf("ada's id %s is not derived from her address", f.ada)
		}
	})

	t.Run("a conversation", func(t *testing.T) {
		resp := e.call(http.MethodGet, base+"/conversations/"+f.adaConv, e.reader, nil)
		var c map[string]any
		resp.decode(t, &c)
		if resp.status != 200 || c["id"] != f.adaConv || c["channel"] != "sms" || c["key"] != f.adaConvKey || c["userId"] != f.ada ||
			c["messageCount"] != 3.0 || c["lastMessageAt"] == "" || c["createdAt"] == "" || c["updatedAt"] == "" ||
			!reflect.DeepEqual(c["tags"], map[string]any{"msisdn": "6591234567", "channel": "sms"}) || len(c) != 9 {
			t.Errorf("%d %s", resp.status, resp.body)
		}
	})

	t.Run("messages with their runs", func(t *testing.T) {
		resp := e.call(http.MethodGet, base+"/conversations/"+f.adaConv+"/messages", e.reader, nil)
		var ms []map[string]any
		resp.decode(t, &ms)
		if resp.status != 200 || len(ms) != 3 {
			t.Fatalf("%d %s", resp.status, resp.body)
		}
		runOf := func(r store.HandledRun) []any {
			b, _ := json.Marshal([]store.HandledRun{r})
			var out []any
			_ = json.Unmarshal(b, &out)
			return out
		}
		for i, want := range []struct {
			id, userID, direction, typ, text string
			runs                             []any
		}{
			{f.adaIn1, f.ada, "incoming", "text", "hello evt-1", runOf(f.started)},
			{f.adaOut, "", "outgoing", "markdown", "*hi*", runOf(f.sent)},
			{f.adaIn2, f.ada, "incoming", "text", "hello evt-2", runOf(f.resumed)},
		} {
			m := ms[i]
			userID, hasUser := m["userId"]
			if m["id"] != want.id || m["conversationId"] != f.adaConv || m["direction"] != want.direction || m["type"] != want.typ ||
				m["payload"].(map[string]any)["text"] != want.text || !reflect.DeepEqual(m["runs"], want.runs) || m["createdAt"] == "" ||
				hasUser != (want.userID != "") || hasUser && userID != want.userID {
				t.Errorf("message %d = %v, want %+v", i, m, want)
			}
		}
		if tags := ms[0]["tags"].(map[string]any); !maps.Equal(tags, map[string]any{"umid": "evt-1"}) {
			t.Errorf("tags %v", tags)
		}
	})

	for _, tc := range []struct{ name, path, message string }{
		{"an unknown user", "/users/usr_nope", "User usr_nope not found."},
		{"another account's user", "/users/" + f.foreign, "User " + f.foreign + " not found."},
		{"an unknown conversation", "/conversations/conv_nope", "Conversation conv_nope not found."},
		{"the messages of an unknown conversation", "/conversations/conv_nope/messages", "Conversation conv_nope not found."},
		{"a page of an unknown conversation", "/conversations/conv_nope/messages?offset=5", "Conversation conv_nope not found."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := e.call(http.MethodGet, base+tc.path, e.reader, nil)
			if got := resp.apiError(t); resp.status != 404 || got.Code != 1300 || got.Message != tc.message {
				t.Errorf("%d %s", resp.status, resp.body)
			}
		})
	}
}

// TestConversationAndUserStates: a conversation's state by its id, a
// user's by its id or its channel address, which is the state's key.
func TestConversationAndUserStates(t *testing.T) {
	e := newEnv(t)
	f := recordChats(t, e)
	ctx := context.Background()
	stored := func(scope, key string) map[string]any {
		t.Helper()
		v, err := e.store.State(ctx, store.StateRef{AccountID: acme, Scope: scope, Key: key})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name, method, path string
		key                string // the caller's key: e.admin unless "reader"
		body               any
		status             int
		want               string // the body of a 200, the message of an error
	}{
		{"a conversation's state never written", "GET", "/conversations/" + f.adaConv + "/state", "reader", nil, 200, `{}`},
		{"write a conversation's state", "PUT", "/conversations/" + f.adaConv + "/state", "", `{"step":2,"topic":"refund"}`, 200, `{"step":2,"topic":"refund"}`},
		{"read it back", "GET", "/conversations/" + f.adaConv + "/state", "reader", nil, 200, `{"step":2,"topic":"refund"}`},
		{"another conversation's is its own", "GET", "/conversations/" + f.bobConv + "/state", "reader", nil, 200, `{}`},
		{"a state must be an object", "PUT", "/conversations/" + f.adaConv + "/state", "", `[1]`, 400, "Request body must be a JSON object."},
		{"writing needs admin", "PUT", "/conversations/" + f.adaConv + "/state", "reader", `{}`, 403, ""},
		{"an unknown conversation's state", "GET", "/conversations/conv_nope/state", "reader", nil, 404, "Conversation conv_nope not found."},
		{"writing an unknown conversation's state", "PUT", "/conversations/conv_nope/state", "", `{"a":1}`, 404, "Conversation conv_nope not found."},
		{"deleting an unknown conversation's state", "DELETE", "/conversations/conv_nope/state", "", nil, 204, ""},

		{"write a user's state by id", "PUT", "/users/" + f.ada + "/state", "", `{"name":"Ada"}`, 200, `{"name":"Ada"}`},
		{"read it by id", "GET", "/users/" + f.ada + "/state", "reader", nil, 200, `{"name":"Ada"}`},
		{"read it by channel address", "GET", "/users/" + f.adaKey + "/state", "reader", nil, 200, `{"name":"Ada"}`},
		{"write it by channel address", "PUT", "/users/" + f.adaKey + "/state", "", `{"name":"Ada L."}`, 200, `{"name":"Ada L."}`},
		{"read the new values by id", "GET", "/users/" + f.ada + "/state", "reader", nil, 200, `{"name":"Ada L."}`},
		{"an address no user has yet", "PUT", "/users/sms:6500000000/state", "", `{"vip":true}`, 200, `{"vip":true}`},
		{"an unknown user's state", "GET", "/users/usr_nope/state", "reader", nil, 404, "User usr_nope not found."},
		{"writing an unknown user's state", "PUT", "/users/usr_nope/state", "", `{}`, 404, "User usr_nope not found."},
		{"another account's user", "GET", "/users/" + f.foreign + "/state", "reader", nil, 404, "User " + f.foreign + " not found."},
		{"deleting an unknown user's state", "DELETE", "/users/usr_nope/state", "", nil, 204, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := e.admin
			if tc.key == "reader" {
				key = e.reader
			}
			resp := e.call(tc.method, base+tc.path, key, tc.body)
			if resp.status != tc.status {
				t.Fatalf("%d %s", resp.status, resp.body)
			}
			switch {
			case tc.status == 200:
				if string(resp.body) != tc.want {
					t.Errorf("body %s, want %s", resp.body, tc.want)
				}
			case tc.status >= 400 && tc.want != "":
				if got := resp.apiError(t); got.Message != tc.want {
					t.Errorf("message %q, want %q", got.Message, tc.want)
				}
			}
		})
	}

	if got := stored("conversation", f.adaConv); !reflect.DeepEqual(got, map[string]any{"step": 2.0, "topic": "refund"}) {
		t.Errorf("the conversation's state is stored as %v", got)
	}
	if got := stored("user", f.adaKey); !reflect.DeepEqual(got, map[string]any{"name": "Ada L."}) {
		t.Errorf("ada's state is stored under %s as %v", f.adaKey, got)
	}

	t.Run("delete a conversation's state", func(t *testing.T) {
		if resp := e.call(http.MethodDelete, base+"/conversations/"+f.adaConv+"/state", e.admin, nil); resp.status != 204 {
			t.Fatalf("%d %s", resp.status, resp.body)
		}
		if got := stored("conversation", f.adaConv); len(got) != 0 {
			t.Errorf("left %v", got)
		}
		if resp := e.call(http.MethodDelete, base+"/conversations/"+f.adaConv+"/state", e.admin, nil); resp.status != 204 {
			t.Errorf("again: %d %s", resp.status, resp.body)
		}
	})

	t.Run("delete a user's state by id", func(t *testing.T) {
		if resp := e.call(http.MethodDelete, base+"/users/"+f.ada+"/state", e.admin, nil); resp.status != 204 {
			t.Fatalf("%d %s", resp.status, resp.body)
		}
		resp := e.call(http.MethodGet, base+"/users/"+f.adaKey+"/state", e.reader, nil)
		if resp.status != 200 || string(resp.body) != `{}` {
			t.Errorf("by address after the delete: %d %s", resp.status, resp.body)
		}
	})

	t.Run("delete a user's state by channel address", func(t *testing.T) {
		if resp := e.call(http.MethodDelete, base+"/users/sms:6500000000/state", e.admin, nil); resp.status != 204 {
			t.Fatalf("%d %s", resp.status, resp.body)
		}
		if got := stored("user", "sms:6500000000"); len(got) != 0 {
			t.Errorf("left %v", got)
		}
	})
}
