package gateway

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/junction-run/junction/manage"
	"github.com/junction-run/junction/store"
)

// The users, conversations and messages of the channels
// (manage.Conversations), read-only: intake and the runs record them.

// userView is a user as the API shows it.
type userView struct {
	ID        string            `json:"id"`
	Channel   string            `json:"channel"`
	Key       string            `json:"key"`
	Tags      map[string]string `json:"tags"`
	CreatedAt string            `json:"createdAt"`
	UpdatedAt string            `json:"updatedAt"`
}

// conversationView is a conversation as the API shows it.
type conversationView struct {
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

// messageView is a message as the API shows it.
type messageView struct {
	ID             string            `json:"id"`
	ConversationID string            `json:"conversationId"`
	UserID         string            `json:"userId,omitempty"`
	Direction      string            `json:"direction"`
	Type           string            `json:"type"`
	Payload        map[string]any    `json:"payload"`
	Tags           map[string]string `json:"tags"`
	Runs           []handledRunView  `json:"runs"`
	CreatedAt      string            `json:"createdAt"`
}

// handledRunView is a run that handled a message.
type handledRunView struct {
	DefinitionID       string `json:"definitionId"`
	Version            int    `json:"version"`
	WorkflowID         string `json:"workflowId"`
	TemporalWorkflowID string `json:"temporalWorkflowId"`
	RunID              string `json:"runId,omitempty"`
	How                string `json:"how"`
}

func tagsView(tags map[string]string) map[string]string {
	if tags == nil {
		return map[string]string{}
	}
	return tags
}

func viewUser(u store.ChatUser) userView {
	return userView{ID: u.ID, Channel: u.Channel, Key: u.Key, Tags: tagsView(u.Tags),
		CreatedAt: formatTime(u.CreatedAt), UpdatedAt: formatTime(u.UpdatedAt)}
}

func viewConversation(c store.Conversation) conversationView {
	return conversationView{ID: c.ID, Channel: c.Channel, Key: c.Key, UserID: c.UserID, Tags: tagsView(c.Tags),
		CreatedAt: formatTime(c.CreatedAt), UpdatedAt: formatTime(c.UpdatedAt),
		LastMessageAt: formatTime(c.LastMessageAt), MessageCount: c.MessageCount}
}

func viewMessage(m store.ChatMessage) messageView {
	v := messageView{ID: m.ID, ConversationID: m.ConversationID, UserID: m.UserID, Direction: m.Direction, Type: m.Type,
		Payload: m.Payload, Tags: tagsView(m.Tags), Runs: make([]handledRunView, 0, len(m.Runs)), CreatedAt: formatTime(m.CreatedAt)}
	if v.Payload == nil {
		v.Payload = map[string]any{}
	}
	for _, r := range m.Runs {
		v.Runs = append(v.Runs, handledRunView{DefinitionID: r.DefinitionID, Version: r.Version, WorkflowID: r.WorkflowID,
			TemporalWorkflowID: r.TemporalWorkflowID, RunID: r.RunID, How: r.How})
	}
	return v
}

func (g *Gateway) listUsers(c *gin.Context) error {
	page, err := readPage(c)
	if err != nil {
		return err
	}
	users, err := g.conversations.ListUsers(c.Request.Context(), c.Param("accountId"),
		manage.UserFilter{Channel: c.Query("channel"), Tags: c.QueryArray("tag"), Page: page})
	if err != nil {
		return err
	}
	out := make([]userView, 0, len(users))
	for _, u := range users {
		out = append(out, viewUser(u))
	}
	c.JSON(http.StatusOK, out)
	return nil
}

func (g *Gateway) getUser(c *gin.Context) error {
	u, err := g.conversations.User(c.Request.Context(), c.Param("accountId"), c.Param("userId"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, viewUser(u))
	return nil
}

func (g *Gateway) listConversations(c *gin.Context) error {
	page, err := readPage(c)
	if err != nil {
		return err
	}
	convs, err := g.conversations.ListConversations(c.Request.Context(), c.Param("accountId"),
		manage.ConversationFilter{Channel: c.Query("channel"), UserID: c.Query("userId"), Tags: c.QueryArray("tag"), Page: page})
	if err != nil {
		return err
	}
	out := make([]conversationView, 0, len(convs))
	for _, conv := range convs {
		out = append(out, viewConversation(conv))
	}
	c.JSON(http.StatusOK, out)
	return nil
}

func (g *Gateway) getConversation(c *gin.Context) error {
	conv, err := g.conversations.Conversation(c.Request.Context(), c.Param("accountId"), c.Param("conversationId"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, viewConversation(conv))
	return nil
}

func (g *Gateway) listMessages(c *gin.Context) error {
	page, err := readPage(c)
	if err != nil {
		return err
	}
	ms, err := g.conversations.Messages(c.Request.Context(), c.Param("accountId"), c.Param("conversationId"), page)
	if err != nil {
		return err
	}
	out := make([]messageView, 0, len(ms))
	for _, m := range ms {
		out = append(out, viewMessage(m))
	}
	c.JSON(http.StatusOK, out)
	return nil
}
