package manage

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/junction-run/junction/store"
)

// conversationStore keeps the users, conversations and messages of the
// channels; *store.Store implements it.
type conversationStore interface {
	ChatUser(ctx context.Context, accountID, id string) (store.ChatUser, error)
	ListChatUsers(ctx context.Context, f store.ChatUserFilter) ([]store.ChatUser, error)
	Conversation(ctx context.Context, accountID, id string) (store.Conversation, error)
	ListConversations(ctx context.Context, f store.ConversationFilter) ([]store.Conversation, error)
	ListChatMessages(ctx context.Context, f store.ChatMessageFilter) ([]store.ChatMessage, error)
}

// Conversations reads an account's users, its conversations and their
// messages, as the channels' messages recorded them (Botpress's model: a
// user and a conversation are created on first contact, with the
// channel's tags). They are written by intake and the runs, never by the
// API.
type Conversations struct {
	store conversationStore
}

// NewConversations returns the service.
func NewConversations(st conversationStore) *Conversations { return &Conversations{store: st} }

// UserFilter selects an account's users.
type UserFilter struct {
	// Channel is the channel's name ("sms", "whatsapp"), any case; ""
	// any.
	Channel string
	// Tags are "name:value" each; a user must have them all.
	Tags []string
	Page store.Page
}

// ConversationFilter selects an account's conversations.
type ConversationFilter struct {
	// Channel is the channel's name, any case; "" any.
	Channel string
	// UserID is the user of first contact ("usr_…"); "" any.
	UserID string
	// Tags are "name:value" each; a conversation must have them all.
	Tags []string
	Page store.Page
}

// ListUsers lists the account's users that f selects, newest first.
func (cs *Conversations) ListUsers(ctx context.Context, accountID string, f UserFilter) ([]store.ChatUser, error) {
	tags, none, problems := parseTags(f.Tags)
	channel, problems := queryText(problems, "channel", f.Channel)
	if len(problems) > 0 {
		return nil, invalid(problems)
	}
	if none {
		return []store.ChatUser{}, nil
	}
	users, err := cs.store.ListChatUsers(ctx, store.ChatUserFilter{AccountID: accountID, Channel: strings.ToLower(channel),
		Tags: tags, Page: f.Page})
	if err != nil {
		return nil, filterFailed(err, "Could not list users")
	}
	return users, nil
}

// User reads one user by its id ("usr_…").
func (cs *Conversations) User(ctx context.Context, accountID, id string) (store.ChatUser, error) {
	if !plausibleID(id) {
		return store.ChatUser{}, notFound("User %s not found.", id)
	}
	u, err := cs.store.ChatUser(ctx, accountID, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return u, notFound("User %s not found.", id)
	case err != nil:
		return u, failed(err, "Could not read the user")
	}
	return u, nil
}

// ListConversations lists the account's conversations that f selects,
// the one with the latest message first.
func (cs *Conversations) ListConversations(ctx context.Context, accountID string, f ConversationFilter) ([]store.Conversation, error) {
	tags, none, problems := parseTags(f.Tags)
	channel, problems := queryText(problems, "channel", f.Channel)
	userID, problems := queryText(problems, "userId", f.UserID)
	if len(problems) > 0 {
		return nil, invalid(problems)
	}
	if none {
		return []store.Conversation{}, nil
	}
	convs, err := cs.store.ListConversations(ctx, store.ConversationFilter{AccountID: accountID, Channel: strings.ToLower(channel),
		UserID: userID, Tags: tags, Page: f.Page})
	if err != nil {
		return nil, filterFailed(err, "Could not list conversations")
	}
	return convs, nil
}

// Conversation reads one conversation by its id ("conv_…").
func (cs *Conversations) Conversation(ctx context.Context, accountID, id string) (store.Conversation, error) {
	if !plausibleID(id) {
		return store.Conversation{}, notFound("Conversation %s not found.", id)
	}
	c, err := cs.store.Conversation(ctx, accountID, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return c, notFound("Conversation %s not found.", id)
	case err != nil:
		return c, failed(err, "Could not read the conversation")
	}
	return c, nil
}

// Messages lists a conversation's messages, oldest first (in the order
// they were recorded); a conversation that does not exist is not found.
func (cs *Conversations) Messages(ctx context.Context, accountID, conversationID string, page store.Page) ([]store.ChatMessage, error) {
	if !plausibleID(conversationID) {
		return nil, notFound("Conversation %s not found.", conversationID)
	}
	ms, err := cs.store.ListChatMessages(ctx, store.ChatMessageFilter{AccountID: accountID, ConversationID: conversationID, Page: page})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, notFound("Conversation %s not found.", conversationID)
	case err != nil:
		return nil, failed(err, "Could not list the conversation's messages")
	}
	return ms, nil
}

// parseTags reads tag filters, "name:value" each (the value may hold
// ':'), into what the store matches. none says that no record can match:
// one name asked with two values.
func parseTags(filters []string) (tags map[string]string, none bool, problems []FieldError) {
	tags = map[string]string{}
	for _, f := range filters {
		name, value, ok := strings.Cut(f, ":")
		if !ok || name == "" {
			problems = append(problems, FieldError{Path: "tag", Code: "invalid_value",
				Message: "must be name:value, a tag's name and the value it must have"})
			continue
		}
		if !utf8.ValidString(f) || strings.ContainsRune(f, 0) {
			problems = append(problems, FieldError{Path: "tag", Code: "invalid_value", Message: "must be valid UTF-8 without NUL bytes"})
			continue
		}
		if old, seen := tags[name]; seen && old != value {
			none = true
		}
		tags[name] = value
	}
	return tags, none, problems
}

// queryText checks a query parameter that the store compares as text:
// databases refuse invalid UTF-8 and NUL bytes in a query.
func queryText(problems []FieldError, name, v string) (string, []FieldError) {
	v = strings.TrimSpace(v)
	if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
		problems = append(problems, FieldError{Path: name, Code: "invalid_value", Message: "must be valid UTF-8 without NUL bytes"})
	}
	return v, problems
}

// plausibleID says whether id could name a record: what the store could
// not hold is not found without asking it.
func plausibleID(id string) bool {
	return id != "" && len(id) <= 256 && utf8.ValidString(id) && !strings.ContainsRune(id, 0)
}

// filterFailed is a list's failure; the store refuses tags it could not
// have stored (too long, too many) as invalid, and so is the filter.
func filterFailed(err error, what string) error {
	if errors.Is(err, store.ErrInvalid) {
		return &Error{What: "The tag filter is invalid", Err: err,
			Fields: []FieldError{{Path: "tag", Code: "invalid_value", Message: err.Error()}}}
	}
	return failed(err, "%s", what)
}
