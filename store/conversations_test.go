package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

// testInbound returns a valid incoming message from the SMS user at number, into the
// conversation with them; its ids derive from number and source as a caller derives them.
func testInbound(account, number, source string) Inbound {
	return Inbound{
		User:         ChatUser{AccountID: account, ID: "usr_" + number, Channel: "sms", Key: "sms:" + number},
		Conversation: Conversation{ID: "conv_" + number, Key: "sms:" + number},
		Message: ChatMessage{
			ID: "cmsg_" + number + "_" + source, Type: "text", SourceID: "evt_" + source,
			Payload: map[string]any{"text": "hello " + source, "n": 1},
		},
	}
}

// testOutgoing returns a valid outgoing message into the conversation with number.
func testOutgoing(account, number, source string) ChatMessage {
	return ChatMessage{
		AccountID: account, ID: "cmsg_out_" + number + "_" + source, ConversationID: "conv_" + number, Type: "markdown",
		SourceID: "wf_" + source + "/step1", Payload: map[string]any{"text": "*hi* " + source},
	}
}

func mustRecordIncoming(t *testing.T, s *Store, in Inbound) ChatMessage {
	t.Helper()
	m, created, err := s.RecordIncoming(context.Background(), in)
	if err != nil || !created {
		t.Fatalf("RecordIncoming(%s) = created %v, %v; want a new message", in.Message.ID, created, err)
	}
	return m
}

func mustRecordOutgoing(t *testing.T, s *Store, m ChatMessage) ChatMessage {
	t.Helper()
	got, created, err := s.RecordOutgoing(context.Background(), m)
	if err != nil || !created {
		t.Fatalf("RecordOutgoing(%s) = created %v, %v; want a new message", m.ID, created, err)
	}
	return got
}

func mustConversation(t *testing.T, s *Store, accountID, id string) Conversation {
	t.Helper()
	c, err := s.Conversation(context.Background(), accountID, id)
	if err != nil {
		t.Fatalf("Conversation(%s): %v", id, err)
	}
	return c
}

func chatUserIDs(us []ChatUser) []string { return pluck(us, func(u ChatUser) string { return u.ID }) }

func conversationIDs(cs []Conversation) []string {
	return pluck(cs, func(c Conversation) string { return c.ID })
}

func chatMessageIDs(ms []ChatMessage) []string {
	return pluck(ms, func(m ChatMessage) string { return m.ID })
}

func TestRecordIncoming(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		mustCreateAccount(t, s, "globex")

		in := testInbound("acme", "6591234567", "1")
		in.User.Tags = map[string]string{"plan": "free", "lang": "en"}
		in.Conversation.Tags = map[string]string{"topic": "billing"}
		in.Message.Tags = map[string]string{"intent": "greet"}
		in.Message.Runs = []HandledRun{{DefinitionID: "def1", Version: 2, WorkflowID: "wf1", TemporalWorkflowID: "acme/wf1", How: RunStarted}}
		first := mustRecordIncoming(t, s, in)

		t.Run("first contact creates the user and the conversation", func(t *testing.T) {
			if first.AccountID != "acme" || first.UserID != in.User.ID || first.ConversationID != in.Conversation.ID ||
				first.Direction != DirectionIncoming || first.Seq != 1 || first.CreatedAt.IsZero() ||
				first.Payload["text"] != "hello 1" || first.Payload["n"] != float64(1) ||
				!maps.Equal(first.Tags, in.Message.Tags) || !slices.Equal(first.Runs, in.Message.Runs) {
				t.Errorf("RecordIncoming = %+v; want the message with the user's and conversation's ids, seq 1", first)
			}
			read, err := s.ChatMessage(ctx, "acme", first.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(read, first) {
				t.Errorf("ChatMessage =\n%+v\nwant what RecordIncoming returned\n%+v", read, first)
			}
			u, err := s.ChatUser(ctx, "acme", in.User.ID)
			if err != nil {
				t.Fatal(err)
			}
			if u.Channel != "sms" || u.Key != in.User.Key || !maps.Equal(u.Tags, in.User.Tags) || !u.CreatedAt.Equal(u.UpdatedAt) {
				t.Errorf("ChatUser = %+v; want the user given with its tags", u)
			}
			byKey, err := s.ChatUserByKey(ctx, "acme", in.User.Key)
			if err != nil || !reflect.DeepEqual(byKey, u) {
				t.Errorf("ChatUserByKey = %+v, %v; want %+v", byKey, err, u)
			}
			c := mustConversation(t, s, "acme", in.Conversation.ID)
			if c.Channel != "sms" || c.Key != in.Conversation.Key || c.UserID != in.User.ID || !maps.Equal(c.Tags, in.Conversation.Tags) ||
				c.MessageCount != 1 || !c.LastMessageAt.Equal(first.CreatedAt) {
				t.Errorf("Conversation = %+v; want the conversation given, channel sms, one message at %v", c, first.CreatedAt)
			}
		})

		in2 := testInbound("acme", "6591234567", "2")
		in2.User.Tags = map[string]string{"plan": "pro", "vip": "yes"}
		in2.Conversation.Tags = map[string]string{"topic": "billing", "urgent": "1"}
		second := mustRecordIncoming(t, s, in2)

		t.Run("a later message merges tags and counts", func(t *testing.T) {
			if second.Seq != 2 || !second.CreatedAt.After(first.CreatedAt) {
				t.Errorf("second message %+v; want seq 2, after the first", second)
			}
			u, _ := s.ChatUser(ctx, "acme", in.User.ID)
			if want := map[string]string{"plan": "pro", "lang": "en", "vip": "yes"}; !maps.Equal(u.Tags, want) {
				t.Errorf("user tags %v, want %v", u.Tags, want)
			}
			if !u.UpdatedAt.After(u.CreatedAt) {
				t.Errorf("user updated at %v, created at %v; want the change of tags to update it", u.UpdatedAt, u.CreatedAt)
			}
			c := mustConversation(t, s, "acme", in.Conversation.ID)
			if want := map[string]string{"topic": "billing", "urgent": "1"}; !maps.Equal(c.Tags, want) {
				t.Errorf("conversation tags %v, want %v", c.Tags, want)
			}
			if c.MessageCount != 2 || !c.LastMessageAt.Equal(second.CreatedAt) {
				t.Errorf("conversation %+v; want two messages, the last at %v", c, second.CreatedAt)
			}
			// What the filters read agrees with the rows.
			if n := countRows(t, s, "chat_user_tags", "user_id = ?", in.User.ID); n != 3 {
				t.Errorf("%d chat_user_tags rows, want 3", n)
			}
			if us, _ := s.ListChatUsers(ctx, ChatUserFilter{AccountID: "acme", Tags: map[string]string{"plan": "pro"}}); len(us) != 1 {
				t.Errorf("users tagged plan=pro: %v, want the user", chatUserIDs(us))
			}
			if us, _ := s.ListChatUsers(ctx, ChatUserFilter{AccountID: "acme", Tags: map[string]string{"plan": "free"}}); len(us) != 0 {
				t.Errorf("users tagged plan=free: %v, want none: the value changed", chatUserIDs(us))
			}
		})

		t.Run("a redelivered message is neither stored nor counted again", func(t *testing.T) {
			again := in2
			again.Message.ID = "cmsg_other_id"
			again.Message.Payload = map[string]any{"text": "changed"}
			got, created, err := s.RecordIncoming(ctx, again)
			if err != nil || created {
				t.Fatalf("RecordIncoming again = created %v, %v; want false, nil", created, err)
			}
			if !reflect.DeepEqual(got, second) {
				t.Errorf("RecordIncoming again returned\n%+v\nwant the stored message\n%+v", got, second)
			}
			if n := countRows(t, s, "chat_messages", "source_id = ?", "evt_2"); n != 1 {
				t.Errorf("%d messages from the source, want 1", n)
			}
			if c := mustConversation(t, s, "acme", in.Conversation.ID); c.MessageCount != 2 || !c.LastMessageAt.Equal(second.CreatedAt) {
				t.Errorf("conversation %+v after the redelivery; want it unchanged at two messages", c)
			}
		})

		t.Run("a user is one per key", func(t *testing.T) {
			other := testInbound("acme", "6591234567", "3")
			other.User.ID = "usr_derived_otherwise"
			other.Conversation.ID = "conv_second"
			m := mustRecordIncoming(t, s, other)
			if m.UserID != in.User.ID {
				t.Errorf("UserID = %q, want %q: the user stored with the key", m.UserID, in.User.ID)
			}
			if c := mustConversation(t, s, "acme", "conv_second"); c.UserID != in.User.ID {
				t.Errorf("the new conversation's user %q, want %q", c.UserID, in.User.ID)
			}
			if _, err := s.ChatUser(ctx, "acme", "usr_derived_otherwise"); !errors.Is(err, ErrNotFound) {
				t.Errorf("ChatUser(usr_derived_otherwise): %v, want ErrNotFound", err)
			}
		})

		t.Run("conflicting ids", func(t *testing.T) {
			for name, change := range map[string]func(*Inbound){
				"a user ID stored with another key": func(in *Inbound) { in.User.ID = "usr_6591234567" },
				"a conversation ID stored with another key": func(in *Inbound) {
					in.Conversation.ID = "conv_6591234567"
				},
				"a message ID stored with another source": func(in *Inbound) { in.Message.ID = first.ID },
			} {
				t.Run(name, func(t *testing.T) {
					in := testInbound("acme", "6500000000", "x")
					change(&in)
					if _, _, err := s.RecordIncoming(ctx, in); !errors.Is(err, ErrConflict) {
						t.Errorf("RecordIncoming: %v, want ErrConflict", err)
					}
				})
			}
			if _, err := s.ChatUserByKey(ctx, "acme", "sms:6500000000"); !errors.Is(err, ErrNotFound) {
				t.Errorf("after the conflicts, the user: %v; want ErrNotFound: each rolled back", err)
			}
		})

		t.Run("an unknown account", func(t *testing.T) {
			if _, _, err := s.RecordIncoming(ctx, testInbound("initech", "6591234567", "1")); !errors.Is(err, ErrNotFound) {
				t.Errorf("RecordIncoming: %v, want ErrNotFound", err)
			}
		})

		t.Run("another account may use the same ids", func(t *testing.T) {
			m := mustRecordIncoming(t, s, testInbound("globex", "6591234567", "1"))
			if m.AccountID != "globex" || m.Seq != 1 {
				t.Errorf("RecordIncoming = %+v; want globex's first message", m)
			}
			if _, err := s.ChatUser(ctx, "globex", in.User.ID); err != nil {
				t.Errorf("globex's user: %v", err)
			}
			if _, err := s.ChatMessage(ctx, "globex", "cmsg_6591234567_2"); !errors.Is(err, ErrNotFound) {
				t.Errorf("acme's message read as globex's: %v, want ErrNotFound", err)
			}
		})

		t.Run("more than 32 tags merged", func(t *testing.T) {
			in := testInbound("acme", "6591234567", "tags")
			in.User.Tags = map[string]string{}
			for i := range maxTags - 2 { // the user has 3
				in.User.Tags[fmt.Sprintf("t%d", i)] = "v"
			}
			if _, _, err := s.RecordIncoming(ctx, in); !errors.Is(err, ErrInvalid) {
				t.Errorf("RecordIncoming: %v, want ErrInvalid", err)
			}
		})
	})
}

func TestRecordOutgoing(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")

		if _, _, err := s.RecordOutgoing(ctx, testOutgoing("acme", "6591234567", "1")); !errors.Is(err, ErrNotFound) {
			t.Errorf("RecordOutgoing into a missing conversation: %v, want ErrNotFound", err)
		}
		if n := countRows(t, s, "chat_messages", "1 = ?", 1); n != 0 {
			t.Errorf("%d messages stored, want none", n)
		}

		in := mustRecordIncoming(t, s, testInbound("acme", "6591234567", "1"))
		out := testOutgoing("acme", "6591234567", "1")
		out.Runs = []HandledRun{{DefinitionID: "def1", Version: 1, WorkflowID: "wf1", TemporalWorkflowID: "acme/wf1", RunID: "r1", How: RunSent}}
		got := mustRecordOutgoing(t, s, out)
		if got.Direction != DirectionOutgoing || got.UserID != "" || got.Seq != 2 || !got.CreatedAt.After(in.CreatedAt) ||
			!slices.Equal(got.Runs, out.Runs) || got.Payload["text"] != "*hi* 1" {
			t.Errorf("RecordOutgoing = %+v; want an outgoing message without a user, seq 2", got)
		}
		again, created, err := s.RecordOutgoing(ctx, out)
		if err != nil || created || !reflect.DeepEqual(again, got) {
			t.Errorf("RecordOutgoing again = %+v, created %v, %v; want the stored message, false", again, created, err)
		}
		// A source is one per direction: an outgoing message may have the id of an incoming one's.
		sameSource := testOutgoing("acme", "6591234567", "x")
		sameSource.SourceID = in.SourceID
		mustRecordOutgoing(t, s, sameSource)
		if c := mustConversation(t, s, "acme", in.ConversationID); c.MessageCount != 3 {
			t.Errorf("conversation %+v; want 3 messages", c)
		}
	})
}

func TestRecordInvalid(t *testing.T) {
	s := openStore(t, "sqlite::memory:")
	mustCreateAccount(t, s, "acme")
	ctx := context.Background()
	tooMany := map[string]string{}
	for i := range maxTags + 1 {
		tooMany[fmt.Sprintf("t%d", i)] = "v"
	}
	incoming := []struct {
		name   string
		change func(*Inbound)
	}{
		{"no account", func(in *Inbound) { in.User.AccountID = "" }},
		{"the message's account differs", func(in *Inbound) { in.Message.AccountID = "globex" }},
		{"the conversation's account differs", func(in *Inbound) { in.Conversation.AccountID = "globex" }},
		{"no user ID", func(in *Inbound) { in.User.ID = "" }},
		{"user ID with a colon", func(in *Inbound) { in.User.ID = "usr:1" }},
		{"no user key", func(in *Inbound) { in.User.Key = "" }},
		{"user key too long", func(in *Inbound) { in.User.Key = strings.Repeat("k", maxChatKeyLen+1) }},
		{"user key not UTF-8", func(in *Inbound) { in.User.Key = "sms:\xff" }},
		{"no channel", func(in *Inbound) { in.User.Channel = "" }},
		{"no conversation ID", func(in *Inbound) { in.Conversation.ID = "" }},
		{"no conversation key", func(in *Inbound) { in.Conversation.Key = "" }},
		{"the conversation's user differs", func(in *Inbound) { in.Conversation.UserID = "usr_other" }},
		{"no message ID", func(in *Inbound) { in.Message.ID = "" }},
		{"message ID too long", func(in *Inbound) { in.Message.ID = strings.Repeat("m", maxIDLen+1) }},
		{"the message's conversation differs", func(in *Inbound) { in.Message.ConversationID = "conv_other" }},
		{"the message's user differs", func(in *Inbound) { in.Message.UserID = "usr_other" }},
		{"direction outgoing", func(in *Inbound) { in.Message.Direction = DirectionOutgoing }},
		{"direction unknown", func(in *Inbound) { in.Message.Direction = "sideways" }},
		{"no type", func(in *Inbound) { in.Message.Type = "" }},
		{"type too long", func(in *Inbound) { in.Message.Type = strings.Repeat("t", maxMessageTypeLen+1) }},
		{"no source ID", func(in *Inbound) { in.Message.SourceID = "" }},
		{"source ID too long", func(in *Inbound) { in.Message.SourceID = strings.Repeat("s", maxSourceIDLen+1) }},
		{"an empty tag name", func(in *Inbound) { in.User.Tags = map[string]string{"": "v"} }},
		{"a tag name too long", func(in *Inbound) {
			in.Conversation.Tags = map[string]string{strings.Repeat("n", maxTagNameLen+1): "v"}
		}},
		{"a tag value too long", func(in *Inbound) {
			in.Message.Tags = map[string]string{"n": strings.Repeat("v", maxTagValueLen+1)}
		}},
		{"a tag value with NUL", func(in *Inbound) { in.User.Tags = map[string]string{"n": "v\x00"} }},
		{"too many tags", func(in *Inbound) { in.User.Tags = tooMany }},
		{"payload over 64 KiB", func(in *Inbound) {
			in.Message.Payload = map[string]any{"text": strings.Repeat("p", maxChatPayloadLen)}
		}},
		{"payload that does not encode", func(in *Inbound) { in.Message.Payload = map[string]any{"f": func() {}} }},
		{"a run handled somehow else", func(in *Inbound) { in.Message.Runs = []HandledRun{{WorkflowID: "wf1", How: "stopped"}} }},
	}
	for _, tt := range incoming {
		t.Run("incoming/"+tt.name, func(t *testing.T) {
			in := testInbound("acme", "6591234567", "1")
			tt.change(&in)
			if _, _, err := s.RecordIncoming(ctx, in); !errors.Is(err, ErrInvalid) {
				t.Errorf("RecordIncoming: %v, want ErrInvalid", err)
			}
		})
	}
	for _, table := range []string{"chat_users", "conversations", "chat_messages"} {
		if n := countRows(t, s, table, "1 = ?", 1); n != 0 {
			t.Errorf("%d rows in %s, want none", n, table)
		}
	}

	mustRecordIncoming(t, s, testInbound("acme", "6591234567", "1"))
	outgoing := []struct {
		name   string
		change func(*ChatMessage)
	}{
		{"a user", func(m *ChatMessage) { m.UserID = "usr_6591234567" }},
		{"direction incoming", func(m *ChatMessage) { m.Direction = DirectionIncoming }},
		{"no conversation", func(m *ChatMessage) { m.ConversationID = "" }},
		{"message ID with a space", func(m *ChatMessage) { m.ID = "cmsg 1" }},
		{"no source ID", func(m *ChatMessage) { m.SourceID = "" }},
	}
	for _, tt := range outgoing {
		t.Run("outgoing/"+tt.name, func(t *testing.T) {
			m := testOutgoing("acme", "6591234567", "1")
			tt.change(&m)
			if _, _, err := s.RecordOutgoing(ctx, m); !errors.Is(err, ErrInvalid) {
				t.Errorf("RecordOutgoing: %v, want ErrInvalid", err)
			}
		})
	}
	if n := countRows(t, s, "chat_messages", "1 = ?", 1); n != 1 {
		t.Errorf("%d messages, want the one valid", n)
	}

	t.Run("lists", func(t *testing.T) {
		if _, err := s.ListChatUsers(ctx, ChatUserFilter{AccountID: "acme", Page: Page{Limit: -1}}); !errors.Is(err, ErrInvalid) {
			t.Errorf("ListChatUsers with a negative limit: %v, want ErrInvalid", err)
		}
		if _, err := s.ListConversations(ctx, ConversationFilter{AccountID: "acme", Tags: map[string]string{"": "v"}}); !errors.Is(err, ErrInvalid) {
			t.Errorf("ListConversations with an empty tag name: %v, want ErrInvalid", err)
		}
		if _, err := s.ListChatMessages(ctx, ChatMessageFilter{AccountID: "acme", ConversationID: "conv_6591234567", Page: Page{Offset: -1}}); !errors.Is(err, ErrInvalid) {
			t.Errorf("ListChatMessages with a negative offset: %v, want ErrInvalid", err)
		}
	})
}

// TestListChatUsersAndConversations records users on two channels with tags, then checks the
// filters and the order of both lists.
func TestListChatUsersAndConversations(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		mustCreateAccount(t, s, "globex")

		// In order of first contact: u1, u2, u3 (whatsapp), u4; globex's g1.
		record := func(account, number, channel, source string, userTags, convTags map[string]string) {
			t.Helper()
			in := testInbound(account, number, source)
			in.User.Channel, in.User.Key, in.Conversation.Key = channel, channel+":"+number, channel+":"+number
			in.User.Tags, in.Conversation.Tags = userTags, convTags
			mustRecordIncoming(t, s, in)
		}
		record("acme", "1", "sms", "a", map[string]string{"plan": "pro", "lang": "en"}, map[string]string{"topic": "billing"})
		record("acme", "2", "sms", "a", map[string]string{"plan": "free", "lang": "en"}, map[string]string{"topic": "support"})
		record("acme", "3", "whatsapp", "a", map[string]string{"plan": "pro", "lang": "fr"}, map[string]string{"topic": "billing", "urgent": "yes"})
		record("acme", "4", "sms", "a", map[string]string{"plan": "pro", "lang": "en"}, nil)
		record("globex", "5", "sms", "a", map[string]string{"plan": "pro"}, map[string]string{"topic": "billing"})
		// A later message to u1's conversation makes it the most recently active.
		record("acme", "1", "sms", "b", nil, nil)

		users := []struct {
			name string
			f    ChatUserFilter
			want []string
		}{
			{"all, newest first", ChatUserFilter{AccountID: "acme"}, []string{"usr_4", "usr_3", "usr_2", "usr_1"}},
			{"by channel", ChatUserFilter{AccountID: "acme", Channel: "sms"}, []string{"usr_4", "usr_2", "usr_1"}},
			{"by a tag", ChatUserFilter{AccountID: "acme", Tags: map[string]string{"plan": "pro"}}, []string{"usr_4", "usr_3", "usr_1"}},
			{"by every tag", ChatUserFilter{AccountID: "acme", Tags: map[string]string{"plan": "pro", "lang": "en"}}, []string{"usr_4", "usr_1"}},
			{"by channel and tags", ChatUserFilter{AccountID: "acme", Channel: "whatsapp", Tags: map[string]string{"lang": "en"}}, []string{}},
			{"by a tag no one has", ChatUserFilter{AccountID: "acme", Tags: map[string]string{"plan": "enterprise"}}, []string{}},
			{"another account", ChatUserFilter{AccountID: "globex"}, []string{"usr_5"}},
			{"an account with none", ChatUserFilter{AccountID: "initech"}, []string{}},
		}
		for _, tt := range users {
			t.Run("users/"+tt.name, func(t *testing.T) {
				got, err := s.ListChatUsers(ctx, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				if ids := chatUserIDs(got); !slices.Equal(ids, tt.want) {
					t.Errorf("ListChatUsers = %v, want %v", ids, tt.want)
				}
			})
		}

		conversations := []struct {
			name string
			f    ConversationFilter
			want []string
		}{
			{"all, most recently active first", ConversationFilter{AccountID: "acme"}, []string{"conv_1", "conv_4", "conv_3", "conv_2"}},
			{"by channel", ConversationFilter{AccountID: "acme", Channel: "whatsapp"}, []string{"conv_3"}},
			{"by user", ConversationFilter{AccountID: "acme", UserID: "usr_2"}, []string{"conv_2"}},
			{"by a tag", ConversationFilter{AccountID: "acme", Tags: map[string]string{"topic": "billing"}}, []string{"conv_1", "conv_3"}},
			{"by every tag", ConversationFilter{AccountID: "acme", Tags: map[string]string{"topic": "billing", "urgent": "yes"}}, []string{"conv_3"}},
			{"by channel and a tag", ConversationFilter{AccountID: "acme", Channel: "sms", Tags: map[string]string{"topic": "billing"}}, []string{"conv_1"}},
			{"by a user and a tag they lack", ConversationFilter{AccountID: "acme", UserID: "usr_2", Tags: map[string]string{"topic": "billing"}}, []string{}},
			{"another account", ConversationFilter{AccountID: "globex"}, []string{"conv_5"}},
		}
		for _, tt := range conversations {
			t.Run("conversations/"+tt.name, func(t *testing.T) {
				got, err := s.ListConversations(ctx, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				if ids := conversationIDs(got); !slices.Equal(ids, tt.want) {
					t.Errorf("ListConversations = %v, want %v", ids, tt.want)
				}
			})
		}

		t.Run("pages", func(t *testing.T) {
			var users, convs []string
			for offset := 0; ; offset += 3 {
				us, err := s.ListChatUsers(ctx, ChatUserFilter{AccountID: "acme", Page: Page{Limit: 3, Offset: offset}})
				if err != nil {
					t.Fatal(err)
				}
				cs, err := s.ListConversations(ctx, ConversationFilter{AccountID: "acme", Page: Page{Limit: 3, Offset: offset}})
				if err != nil {
					t.Fatal(err)
				}
				if len(us) == 0 && len(cs) == 0 {
					break
				}
				users, convs = append(users, chatUserIDs(us)...), append(convs, conversationIDs(cs)...)
			}
			if !slices.Equal(users, []string{"usr_4", "usr_3", "usr_2", "usr_1"}) {
				t.Errorf("users page by page = %v, want every user once, newest first", users)
			}
			if !slices.Equal(convs, []string{"conv_1", "conv_4", "conv_3", "conv_2"}) {
				t.Errorf("conversations page by page = %v, want every conversation once, most recently active first", convs)
			}
		})
	})
}

func TestListChatMessages(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")

		var want []string
		for i := range 5 {
			want = append(want, mustRecordIncoming(t, s, testInbound("acme", "1", fmt.Sprint(i))).ID)
			want = append(want, mustRecordOutgoing(t, s, testOutgoing("acme", "1", fmt.Sprint(i))).ID)
		}
		mustRecordIncoming(t, s, testInbound("acme", "2", "0")) // another conversation

		all, err := s.ListChatMessages(ctx, ChatMessageFilter{AccountID: "acme", ConversationID: "conv_1"})
		if err != nil {
			t.Fatal(err)
		}
		if ids := chatMessageIDs(all); !slices.Equal(ids, want) {
			t.Errorf("ListChatMessages = %v, want oldest first %v", ids, want)
		}
		for i, m := range all {
			if m.Seq != i+1 || (i > 0 && !m.CreatedAt.After(all[i-1].CreatedAt)) {
				t.Errorf("message %d: seq %d at %v; want seq %d, after the one before", i, m.Seq, m.CreatedAt, i+1)
			}
		}

		var paged []string
		for offset := 0; ; offset += 4 {
			ms, err := s.ListChatMessages(ctx, ChatMessageFilter{AccountID: "acme", ConversationID: "conv_1", Page: Page{Limit: 4, Offset: offset}})
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) == 0 {
				break
			}
			paged = append(paged, chatMessageIDs(ms)...)
		}
		if !slices.Equal(paged, want) {
			t.Errorf("page by page = %v, want %v", paged, want)
		}

		for _, tt := range []struct{ account, conversation string }{{"acme", "conv_none"}, {"globex", "conv_1"}} {
			if _, err := s.ListChatMessages(ctx, ChatMessageFilter{AccountID: tt.account, ConversationID: tt.conversation}); !errors.Is(err, ErrNotFound) {
				t.Errorf("the messages of %s's %s: %v, want ErrNotFound", tt.account, tt.conversation, err)
			}
		}
	})
}

func TestSetMessageRuns(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		m := mustRecordIncoming(t, s, testInbound("acme", "1", "1"))
		if len(m.Runs) != 0 || m.Runs == nil {
			t.Errorf("a new message's runs %#v, want empty", m.Runs)
		}

		tests := []struct {
			name string
			runs []HandledRun
			want []HandledRun
		}{
			{"two", []HandledRun{
				{DefinitionID: "def1", Version: 3, WorkflowID: "wf1", TemporalWorkflowID: "acme/wf1", RunID: "run1", How: RunStarted},
				{DefinitionID: "def2", Version: 1, WorkflowID: "wf2", TemporalWorkflowID: "acme/wf2", How: RunResumed},
			}, nil},
			{"replaced by one", []HandledRun{{DefinitionID: "def3", Version: 1, WorkflowID: "wf3", TemporalWorkflowID: "acme/wf3", How: RunStarted}}, nil},
			{"none", nil, []HandledRun{}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if err := s.SetMessageRuns(ctx, "acme", m.ID, tt.runs); err != nil {
					t.Fatal(err)
				}
				want := tt.want
				if want == nil {
					want = tt.runs
				}
				got, err := s.ChatMessage(ctx, "acme", m.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got.Runs, want) {
					t.Errorf("runs %+v, want %+v", got.Runs, want)
				}
				got.Runs = m.Runs
				if !reflect.DeepEqual(got, m) {
					t.Errorf("the rest of the message changed: %+v, want %+v", got, m)
				}
			})
		}
		if err := s.SetMessageRuns(ctx, "acme", "cmsg_none", nil); !errors.Is(err, ErrNotFound) {
			t.Errorf("a missing message: %v, want ErrNotFound", err)
		}
		if err := s.SetMessageRuns(ctx, "globex", m.ID, nil); !errors.Is(err, ErrNotFound) {
			t.Errorf("another account's message: %v, want ErrNotFound", err)
		}
		if err := s.SetMessageRuns(ctx, "acme", m.ID, []HandledRun{{WorkflowID: "wf1"}}); !errors.Is(err, ErrInvalid) {
			t.Errorf("a run without how: %v, want ErrInvalid", err)
		}
	})
}

// TestRecordIncomingConcurrently records, at once, twenty messages of a user writing for the
// first time, then, five times, the same message ten times over.
func TestRecordIncomingConcurrently(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")

		type result struct {
			m       ChatMessage
			created bool
			err     error
		}
		// record records a message from each of sources at once; each tags the user with its own
		// tag, so a merge that lost another's shows.
		record := func(sources []string, tagged bool) []result {
			results := make([]result, len(sources))
			var wg sync.WaitGroup
			for i, source := range sources {
				wg.Go(func() {
					in := testInbound("acme", "6591234567", source)
					if tagged {
						in.User.Tags = map[string]string{"from_" + source: "1"}
					}
					m, created, err := s.RecordIncoming(ctx, in)
					results[i] = result{m, created, err}
				})
			}
			wg.Wait()
			return results
		}

		var distinct []string
		for i := range 20 {
			distinct = append(distinct, fmt.Sprint(i))
		}
		var seqs []int
		for _, r := range record(distinct, true) {
			if r.err != nil || !r.created {
				t.Errorf("RecordIncoming = created %v, %v; want a new message", r.created, r.err)
				continue
			}
			seqs = append(seqs, r.m.Seq)
		}
		slices.Sort(seqs)
		if want := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}; !slices.Equal(seqs, want) {
			t.Errorf("seqs %v, want 1 to 20 once each", seqs)
		}
		if c := mustConversation(t, s, "acme", "conv_6591234567"); c.MessageCount != 20 {
			t.Errorf("conversation %+v; want 20 messages", c)
		}
		if n := countRows(t, s, "chat_users", "account_id = ?", "acme"); n != 1 {
			t.Errorf("%d users, want 1", n)
		}
		if u, err := s.ChatUser(ctx, "acme", "usr_6591234567"); err != nil || len(u.Tags) != 20 {
			t.Errorf("ChatUser = %v, %v; want the 20 tags of the 20 messages", u.Tags, err)
		}

		// Redeliveries racing each other: of each round, one records the message.
		count := 20
		for round := range 5 {
			source := fmt.Sprint("again", round)
			created := 0
			count++
			for _, r := range record(slices.Repeat([]string{source}, 10), false) {
				if r.err != nil {
					t.Errorf("RecordIncoming: %v", r.err)
				}
				if r.created {
					created++
				}
				if r.m.SourceID != "evt_"+source || r.m.Seq != count {
					t.Errorf("RecordIncoming = %+v; want the message from evt_%s, seq %d", r.m, source, count)
				}
			}
			if created != 1 {
				t.Errorf("%d of 10 records of one message created it, want 1", created)
			}
		}
		if c := mustConversation(t, s, "acme", "conv_6591234567"); c.MessageCount != count {
			t.Errorf("conversation %+v; want %d messages", c, count)
		}
	})
}

// TestDeleteAccountDeletesConversations checks the foreign keys: an account's users, conversations,
// messages and tags go with it, and no other account's.
func TestDeleteAccountDeletesConversations(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		for _, account := range []string{"acme", "globex"} {
			mustCreateAccount(t, s, account)
			in := testInbound(account, "1", "1")
			in.User.Tags = map[string]string{"plan": "pro"}
			in.Conversation.Tags = map[string]string{"topic": "billing"}
			mustRecordIncoming(t, s, in)
			mustRecordOutgoing(t, s, testOutgoing(account, "1", "1"))
		}
		if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM accounts WHERE id = ?`), "acme"); err != nil {
			t.Fatal(err)
		}
		for table, want := range map[string]int{"chat_users": 1, "chat_user_tags": 1, "conversations": 1, "conversation_tags": 1, "chat_messages": 2} {
			if n := countRows(t, s, table, "account_id = ?", "acme"); n != 0 {
				t.Errorf("%d rows of acme in %s after deleting it, want none", n, table)
			}
			if n := countRows(t, s, table, "account_id = ?", "globex"); n != want {
				t.Errorf("%d rows of globex in %s, want %d", n, table, want)
			}
		}
	})
}
