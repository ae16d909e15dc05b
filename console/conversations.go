package console

import (
	"net/http"
	"net/url"
)

// The conversations pages: the people who write to the account's channels
// (users), their conversations, each conversation's messages both ways, and
// the states kept for a user and a conversation. All read-only: intake and
// the runs record them, and the console does not edit states.

func (c *Console) conversationRoutes() {
	c.mux.HandleFunc("GET /console/conversations", c.signedIn(c.conversationsPage))
	c.mux.HandleFunc("GET /console/conversations/{id}", c.signedIn(c.conversationPage))
	c.mux.HandleFunc("GET /console/conversations/users", c.signedIn(c.usersPage))
	c.mux.HandleFunc("GET /console/conversations/users/{userId}", c.signedIn(c.userPage))
}

// chatUser is a user as the API answers it.
type chatUser struct {
	ID        string            `json:"id"`
	Channel   string            `json:"channel"`
	Key       string            `json:"key"`
	Tags      map[string]string `json:"tags"`
	CreatedAt string            `json:"createdAt"`
	UpdatedAt string            `json:"updatedAt"`
}

// conversation is a conversation as the API answers it.
type conversation struct {
	ID            string            `json:"id"`
	Channel       string            `json:"channel"`
	Key           string            `json:"key"`
	UserID        string            `json:"userId"`
	Tags          map[string]string `json:"tags"`
	CreatedAt     string            `json:"createdAt"`
	UpdatedAt     string            `json:"updatedAt"`
	LastMessageAt string            `json:"lastMessageAt"`
	MessageCount  int               `json:"messageCount"`
}

// chatMessage is a message as the API answers it.
type chatMessage struct {
	ID        string            `json:"id"`
	UserID    string            `json:"userId"`
	Direction string            `json:"direction"`
	Type      string            `json:"type"`
	Payload   map[string]any    `json:"payload"`
	Tags      map[string]string `json:"tags"`
	Runs      []struct {
		DefinitionID string `json:"definitionId"`
		Version      int    `json:"version"`
		WorkflowID   string `json:"workflowId"`
		How          string `json:"how"`
	} `json:"runs"`
	CreatedAt string `json:"createdAt"`
}

// Text is the message's text, when its payload has one.
func (m chatMessage) Text() string {
	text, _ := m.Payload["text"].(string)
	return text
}

func conversationPath(id string) string { return "/conversations/" + url.PathEscape(id) }
func userPath(id string) string         { return "/users/" + url.PathEscape(id) }

// conversationsPage lists the account's conversations, the one with the
// latest message first.
func (c *Console) conversationsPage(w http.ResponseWriter, r *http.Request, s *Session) {
	page := pageOf(r)
	var convs []conversation
	err := c.call(r, http.MethodGet, s.AccountPath("/conversations")+"?"+page.query().Encode(), nil, &convs)
	c.render(w, r, statusOf(err), "conversations", s, pageData{Title: "Conversations", Section: "conversations", Error: err,
		Data: struct {
			Conversations []conversation
			Page          listPage
		}{convs, page.withCount(len(convs))}})
}

// conversationPage shows a conversation, its messages in the order they
// were recorded, a page at a time, and its state.
func (c *Console) conversationPage(w http.ResponseWriter, r *http.Request, s *Session) {
	id := r.PathValue("id")
	var data struct {
		Conversation conversation
		Messages     []chatMessage
		State        map[string]any
		Page         listPage
	}
	data.Page = pageOf(r)
	err := c.call(r, http.MethodGet, s.AccountPath(conversationPath(id)), nil, &data.Conversation)
	if err == nil {
		err = c.call(r, http.MethodGet, s.AccountPath(conversationPath(id)+"/messages")+"?"+data.Page.query().Encode(), nil, &data.Messages)
	}
	if err == nil {
		err = c.call(r, http.MethodGet, s.AccountPath(conversationPath(id)+"/state"), nil, &data.State)
	}
	data.Page = data.Page.withCount(len(data.Messages))
	if err != nil {
		c.render(w, r, statusOf(err), "conversation", s, pageData{Title: "Conversation", Section: "conversations", Error: err})
		return
	}
	c.render(w, r, http.StatusOK, "conversation", s, pageData{Title: "Conversation on " + data.Conversation.Channel,
		Section: "conversations", Data: data})
}

// usersPage lists the account's users, newest first.
func (c *Console) usersPage(w http.ResponseWriter, r *http.Request, s *Session) {
	page := pageOf(r)
	var users []chatUser
	err := c.call(r, http.MethodGet, s.AccountPath("/users")+"?"+page.query().Encode(), nil, &users)
	c.render(w, r, statusOf(err), "users", s, pageData{Title: "Users", Section: "conversations", Error: err,
		Data: struct {
			Users []chatUser
			Page  listPage
		}{users, page.withCount(len(users))}})
}

// userPage shows a user, its state, and its conversations.
func (c *Console) userPage(w http.ResponseWriter, r *http.Request, s *Session) {
	id := r.PathValue("userId")
	var data struct {
		User          chatUser
		State         map[string]any
		Conversations []conversation
		Page          listPage
	}
	data.Page = pageOf(r)
	err := c.call(r, http.MethodGet, s.AccountPath(userPath(id)), nil, &data.User)
	if err == nil {
		err = c.call(r, http.MethodGet, s.AccountPath(userPath(id)+"/state"), nil, &data.State)
	}
	if err == nil {
		q := data.Page.query()
		q.Set("userId", id)
		err = c.call(r, http.MethodGet, s.AccountPath("/conversations")+"?"+q.Encode(), nil, &data.Conversations)
	}
	data.Page = data.Page.withCount(len(data.Conversations))
	if err != nil {
		c.render(w, r, statusOf(err), "user", s, pageData{Title: "User", Section: "conversations", Error: err})
		return
	}
	c.render(w, r, http.StatusOK, "user", s, pageData{Title: "User " + data.User.Key, Section: "conversations", Data: data})
}
