package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/credentials"
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
func (g *Gateway) createConnection(c *gin.Context) {
	var req struct {
		App        string            `json:"app"`
		AppVersion string            `json:"appVersion"`
		Name       string            `json:"name"`
		AuthKind   string            `json:"authKind"`
		Fields     map[string]string `json:"fields"`
		Properties map[string]string `json:"properties"`
	}
	if !g.decodeStrict(c, &req) {
		return
	}
	if !g.secrets.Configured() {
		g.failSecrets(c, "Could not store the connection", credentials.ErrNotConfigured)
		return
	}
	conn, err := g.connectors.Lookup(req.App, req.AppVersion)
	if err != nil {
		g.fail(c, http.StatusBadRequest, codeInvalidParameter, "Unknown app or app version: "+err.Error(),
			[]fieldError{{Path: "app", Code: "invalid_value", Message: err.Error()}})
		return
	}
	spec := conn.Spec()
	authSpec := findAuthSpec(spec, req.AuthKind)
	if authSpec == nil {
		var kinds []string
		for _, a := range spec.Auth {
			kinds = append(kinds, string(a.Kind))
		}
		g.fail(c, http.StatusBadRequest, codeInvalidParameter, fmt.Sprintf("%s %s does not authenticate with %q.", spec.ID, spec.Version, req.AuthKind),
			[]fieldError{{Path: "authKind", Code: "invalid_value", Message: fmt.Sprintf("must be one of %v", kinds)}})
		return
	}
	plain, secrets, _, problems := checkAuthFields(authSpec, req.AuthKind, req.Fields, nil, nil)
	if len(problems) > 0 {
		g.fail(c, http.StatusBadRequest, codeInvalidParameter, problems[0].Path+": "+problems[0].Message, problems)
		return
	}
	if authSpec.APIKey != nil {
		// The app says where its key goes; the activity that builds the
		// credentials reads it from the connection.
		plain["in"], plain["name"] = authSpec.APIKey.In, authSpec.APIKey.Name
	}
	rec := store.Connection{AccountID: c.Param("accountId"), ID: uuid.NewString(), App: spec.ID, AppVersion: spec.Version,
		Name: req.Name, AuthKind: req.AuthKind, Fields: plain, Properties: req.Properties}
	for name := range secrets {
		rec.SecretFields = append(rec.SecretFields, name)
	}
	ctx := c.Request.Context()
	if len(secrets) > 0 {
		// Secrets first: a connection row never points at secrets that are
		// not there.
		if err := g.secrets.CreateConnection(ctx, rec.AccountID, rec.ID, secrets); err != nil {
			g.failSecrets(c, "Could not store the connection's secrets", err)
			return
		}
	}
	saved, err := g.store.CreateConnection(ctx, rec)
	if err != nil {
		if len(secrets) > 0 {
			_ = g.secrets.DeleteConnection(context.WithoutCancel(ctx), rec.AccountID, rec.ID)
		}
		g.failStore(c, "Could not store the connection", err)
		return
	}
	c.Header("Location", "/api/v1/accounts/"+saved.AccountID+"/connections/"+saved.ID)
	c.JSON(http.StatusCreated, viewConnection(saved))
}

func (g *Gateway) listConnections(c *gin.Context) {
	page, ok := g.page(c)
	if !ok {
		return
	}
	conns, err := g.store.ListConnections(c.Request.Context(), c.Param("accountId"), c.Query("app"), page)
	if err != nil {
		g.failInternal(c, http.StatusServiceUnavailable, "Could not list connections", err)
		return
	}
	out := make([]connectionView, 0, len(conns))
	for _, conn := range conns {
		out = append(out, viewConnection(conn))
	}
	c.JSON(http.StatusOK, out)
}

func (g *Gateway) getConnection(c *gin.Context) {
	conn, found := g.connection(c, c.Param("accountId"), c.Param("connectionId"))
	if !found {
		return
	}
	c.JSON(http.StatusOK, viewConnection(conn))
}

// connection reads the account's connection id, or answers 404 (no such
// connection in this account) or 503 (the store failed) and returns false.
func (g *Gateway) connection(c *gin.Context, accountID, id string) (store.Connection, bool) {
	conn, err := g.store.Connection(c.Request.Context(), accountID, id)
	if errors.Is(err, store.ErrNotFound) {
		g.fail(c, http.StatusNotFound, codeNotFound, "Connection "+id+" not found.", nil)
		return store.Connection{}, false
	}
	if err != nil {
		g.failInternal(c, http.StatusServiceUnavailable, "Could not read the connection", err)
		return store.Connection{}, false
	}
	return conn, true
}

// deleteConnection deletes the connection and its secrets. Runs that name
// it fail their next step with a clear "not found".
func (g *Gateway) deleteConnection(c *gin.Context) {
	ctx := c.Request.Context()
	accountID, id := c.Param("accountId"), c.Param("connectionId")
	conn, found := g.connection(c, accountID, id)
	if !found {
		return
	}
	if len(conn.SecretFields) > 0 || isOAuth2(conn.AuthKind) {
		// Its OAuth2 tokens go too.
		if err := g.secrets.DeleteConnection(ctx, accountID, id); err != nil {
			g.failSecrets(c, "Could not delete the connection's secrets", err)
			return
		}
	}
	if err := g.store.DeleteConnection(ctx, accountID, id); err != nil && !errors.Is(err, store.ErrNotFound) {
		g.failInternal(c, http.StatusServiceUnavailable, "Could not delete the connection", err)
		return
	}
	c.Status(http.StatusNoContent)
}

func findAuthSpec(spec connectors.Spec, kind string) *connectors.AuthSpec {
	for i := range spec.Auth {
		if string(spec.Auth[i].Kind) == kind {
			return &spec.Auth[i]
		}
	}
	return nil
}

func isOAuth2(kind string) bool {
	return kind == string(connectors.AuthOAuth2AuthorizationCode) || kind == string(connectors.AuthOAuth2ClientCredentials)
}

// checkAuthFields checks a request's auth fields against the kind's spec,
// as create and update both do, and sorts them: plain values for the
// store, secret values for Vault, and secret fields to clear. isSet names
// the secret fields the connection already has (nil when creating): an
// omitted secret, or one named in keep, keeps its value and satisfies
// Required; an empty one clears it unless it is required.
func checkAuthFields(authSpec *connectors.AuthSpec, kind string, given map[string]string, keep, isSet map[string]bool) (
	plain map[string]string, secrets map[string]any, clear []string, problems []fieldError) {
	plain, secrets = map[string]string{}, map[string]any{}
	known := map[string]bool{}
	for _, f := range authSpec.Fields {
		known[f.Name] = true
		v, set := given[f.Name]
		switch {
		case f.Secret && (!set || keep[f.Name]) && isSet[f.Name]:
			// kept as it is in Vault
		case f.Secret && set && v == "" && isSet[f.Name] && !f.Required:
			clear = append(clear, f.Name)
		case !set || v == "" || keep[f.Name]:
			if f.Required {
				msg := "is required"
				if f.Secret && isSet[f.Name] {
					msg = "is required; omit it to keep the current value"
				}
				problems = append(problems, fieldError{Path: "fields." + f.Name, Code: "required", Message: msg})
			}
		case f.Secret:
			secrets[f.Name] = v
		default:
			plain[f.Name] = v
		}
	}
	for name := range given {
		if !known[name] {
			problems = append(problems, fieldError{Path: "fields." + name, Code: "not_allowed", Message: "is not a field of " + kind})
		}
	}
	for name := range keep {
		if !known[name] {
			problems = append(problems, fieldError{Path: "fields." + name, Code: "not_allowed", Message: "is not a field of " + kind})
		}
	}
	sort.Slice(problems, func(i, j int) bool { return problems[i].Path < problems[j].Path })
	return plain, secrets, clear, problems
}
