package gateway

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/junction-run/junction/manage"
	"github.com/junction-run/junction/store"
)

// connectionView is a connection as the API shows it: secret fields only
// say whether they are set, never their value.
type connectionView struct {
	ID         string            `json:"id"`
	App        string            `json:"app"`
	AppVersion string            `json:"appVersion,omitempty"`
	Name       string            `json:"name,omitempty"`
	AuthKind   string            `json:"authKind"`
	Fields     map[string]any    `json:"fields"`
	Properties map[string]string `json:"properties"`
	CreatedAt  string            `json:"createdAt"`
	UpdatedAt  string            `json:"updatedAt"`
	Version    int               `json:"version"`
}

func viewConnection(c store.Connection) connectionView {
	fields := map[string]any{}
	for k, v := range c.Fields {
		fields[k] = v
	}
	for _, name := range c.SecretFields {
		fields[name] = map[string]bool{"set": true}
	}
	props := c.Properties
	if props == nil {
		props = map[string]string{}
	}
	return connectionView{ID: c.ID, App: c.App, AppVersion: c.AppVersion, Name: c.Name, AuthKind: c.AuthKind,
		Fields: fields, Properties: props, CreatedAt: formatTime(c.CreatedAt), UpdatedAt: formatTime(c.UpdatedAt), Version: c.Version}
}

// createConnection stores a connection: its secret fields in Vault at the
// connection's path, everything else in the metadata store. The answer
// shows secret fields as {"set": true}.
func (g *Gateway) createConnection(c *gin.Context) error {
	var req struct {
		App        string            `json:"app"`
		AppVersion string            `json:"appVersion"`
		Name       string            `json:"name"`
		AuthKind   string            `json:"authKind"`
		Fields     map[string]string `json:"fields"`
		Properties map[string]string `json:"properties"`
	}
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	saved, err := g.connections.Create(c.Request.Context(), c.Param("accountId"), manage.NewConnection{App: req.App, AppVersion: req.AppVersion,
		Name: req.Name, AuthKind: req.AuthKind, Fields: req.Fields, Properties: req.Properties})
	if err != nil {
		return err
	}
	c.Header("Location", "/api/v1/accounts/"+saved.AccountID+"/connections/"+saved.ID)
	noteAuditDiff(c, nil, viewConnection(saved))
	c.JSON(http.StatusCreated, viewConnection(saved))
	return nil
}

// updateConnection changes a connection's name, fields, properties and
// secret fields. What a request omits keeps its value: the name, the
// properties, the fields as a whole, and each secret field (which may also
// be sent back as the {"set": true} a GET shows). Non-secret fields, when
// given, replace the old ones. The app and auth kind cannot change: a
// different app is a different connection.
func (g *Gateway) updateConnection(c *gin.Context) error {
	var req struct {
		App        *string                    `json:"app"`
		AppVersion *string                    `json:"appVersion"`
		AuthKind   *string                    `json:"authKind"`
		Name       *string                    `json:"name"`
		Fields     map[string]json.RawMessage `json:"fields"`
		Properties map[string]string          `json:"properties"`
		// Version, when set, must be the connection's current version.
		Version int `json:"version"`
	}
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	// For the audit log's diff; Update reads it again and says when it is not there.
	before, readErr := g.connections.Get(c.Request.Context(), c.Param("accountId"), c.Param("connectionId"))
	saved, err := g.connections.Update(c.Request.Context(), c.Param("accountId"), c.Param("connectionId"), manage.ConnectionUpdate{
		App: req.App, AppVersion: req.AppVersion, AuthKind: req.AuthKind, Name: req.Name,
		Fields: req.Fields, Properties: req.Properties, Version: req.Version})
	if err != nil {
		return err
	}
	if readErr == nil {
		noteAuditDiff(c, viewConnection(before), viewConnection(saved))
	}
	c.JSON(http.StatusOK, viewConnection(saved))
	return nil
}

func (g *Gateway) listConnections(c *gin.Context) error {
	page, err := readPage(c)
	if err != nil {
		return err
	}
	conns, err := g.connections.List(c.Request.Context(), c.Param("accountId"), c.Query("app"), page)
	if err != nil {
		return err
	}
	out := make([]connectionView, 0, len(conns))
	for _, conn := range conns {
		out = append(out, viewConnection(conn))
	}
	c.JSON(http.StatusOK, out)
	return nil
}

func (g *Gateway) getConnection(c *gin.Context) error {
	conn, err := g.connections.Get(c.Request.Context(), c.Param("accountId"), c.Param("connectionId"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, viewConnection(conn))
	return nil
}

// deleteConnection deletes the connection and its secrets.
func (g *Gateway) deleteConnection(c *gin.Context) error {
	before, readErr := g.connections.Get(c.Request.Context(), c.Param("accountId"), c.Param("connectionId"))
	if err := g.connections.Delete(c.Request.Context(), c.Param("accountId"), c.Param("connectionId")); err != nil {
		return err
	}
	if readErr == nil {
		noteAuditDiff(c, viewConnection(before), nil)
	}
	c.Status(http.StatusNoContent)
	return nil
}
