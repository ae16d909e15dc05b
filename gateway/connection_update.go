package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/junction-run/junction/credentials"
	"github.com/junction-run/junction/store"
)

// updateConnection changes a connection's name, fields, properties and
// secret fields. What a request omits keeps its value: the name, the
// properties, the fields as a whole, and each secret field (which may also
// be sent back as the {"set": true} a GET shows). Non-secret fields, when
// given, replace the old ones. The app and auth kind cannot change: a
// different app is a different connection.
//
// Secrets are patched in Vault with check-and-set on the version the
// gateway saw, so the gateway never reads a secret value to keep it.
func (g *Gateway) updateConnection(c *gin.Context) {
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
	if !g.decodeStrict(c, &req) {
		return
	}
	if !g.secrets.Configured() {
		g.failSecrets(c, "Could not update the connection", credentials.ErrNotConfigured)
		return
	}
	ctx := c.Request.Context()
	accountID, id := c.Param("accountId"), c.Param("connectionId")
	row, found := g.connection(c, accountID, id)
	if !found {
		return
	}
	if req.Version != 0 && req.Version != row.Version {
		g.fail(c, http.StatusConflict, codeInvalidParameter,
			fmt.Sprintf("The connection is at version %d, not %d; read it again and retry.", row.Version, req.Version),
			[]fieldError{{Path: "version", Code: "conflict", Message: "not the current version"}})
		return
	}
	for _, fixed := range []struct {
		path    string
		given   *string
		current string
	}{{"app", req.App, row.App}, {"appVersion", req.AppVersion, row.AppVersion}, {"authKind", req.AuthKind, row.AuthKind}} {
		if fixed.given != nil && *fixed.given != fixed.current {
			g.fail(c, http.StatusBadRequest, codeInvalidParameter, fixed.path+" cannot change; create a new connection instead.",
				[]fieldError{{Path: fixed.path, Code: "not_allowed", Message: "must be " + fmt.Sprintf("%q", fixed.current) + " or omitted"}})
			return
		}
	}
	conn, err := g.connectors.Lookup(row.App, row.AppVersion)
	if err != nil {
		g.fail(c, http.StatusBadRequest, codeInvalidParameter, "The connection's app is no longer available: "+err.Error(),
			[]fieldError{{Path: "app", Code: "invalid_value", Message: err.Error()}})
		return
	}
	authSpec := findAuthSpec(conn.Spec(), row.AuthKind)
	if authSpec == nil {
		g.fail(c, http.StatusBadRequest, codeInvalidParameter, fmt.Sprintf("%s %s no longer authenticates with %q; create a new connection.", row.App, row.AppVersion, row.AuthKind),
			[]fieldError{{Path: "authKind", Code: "invalid_value", Message: "no longer supported by the app"}})
		return
	}

	isSet := map[string]bool{}
	for _, name := range row.SecretFields {
		isSet[name] = true
	}
	rec := row
	if req.Name != nil {
		rec.Name = *req.Name
	}
	if req.Properties != nil {
		rec.Properties = req.Properties
	}
	var secrets map[string]any
	var clear []string
	if req.Fields != nil {
		given, keep, problems := splitFieldValues(req.Fields)
		if a := authSpec.APIKey; a != nil && given["in"] == a.In && given["name"] == a.Name {
			// Sent back as a GET showed them; the app decides these.
			delete(given, "in")
			delete(given, "name")
		}
		var plain map[string]string
		var more []fieldError
		plain, secrets, clear, more = checkAuthFields(authSpec, row.AuthKind, given, keep, isSet)
		if problems = append(problems, more...); len(problems) > 0 {
			g.fail(c, http.StatusBadRequest, codeInvalidParameter, problems[0].Path+": "+problems[0].Message, problems)
			return
		}
		if authSpec.APIKey != nil {
			plain["in"], plain["name"] = authSpec.APIKey.In, authSpec.APIKey.Name
		}
		rec.Fields = plain
		for name := range secrets {
			isSet[name] = true
		}
		for _, name := range clear {
			delete(isSet, name)
		}
		rec.SecretFields = rec.SecretFields[:0:0]
		for name := range isSet {
			rec.SecretFields = append(rec.SecretFields, name)
		}
		slices.Sort(rec.SecretFields)
	}

	if len(secrets) > 0 || len(clear) > 0 {
		if err := g.secrets.UpdateConnection(ctx, accountID, id, secrets, clear); err != nil {
			g.failSecrets(c, "Could not store the connection's secrets", err)
			return
		}
	}
	saved, err := g.store.UpdateConnection(ctx, rec, row.Version)
	if errors.Is(err, store.ErrConflict) {
		// Vault already has the new secrets: they are what this request
		// asked for, and what the winner's row may not list is only a
		// field's "set" mark, fixed by the retry this answer asks for.
		g.fail(c, http.StatusConflict, codeInvalidParameter, "The connection changed while it was being updated; read it again and retry.",
			[]fieldError{{Path: "version", Code: "conflict", Message: "changed concurrently"}})
		return
	}
	if err != nil {
		g.failStore(c, "Could not update the connection", err)
		return
	}
	c.JSON(http.StatusOK, viewConnection(saved))
}

// splitFieldValues reads an update's fields: a string is a new value, and
// {"set": true} (what a GET shows for a secret) keeps the current one.
func splitFieldValues(raw map[string]json.RawMessage) (given map[string]string, keep map[string]bool, problems []fieldError) {
	given, keep = map[string]string{}, map[string]bool{}
	for name, v := range raw {
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			given[name] = s
			continue
		}
		var marker struct {
			Set bool `json:"set"`
		}
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&marker); err == nil && marker.Set {
			keep[name] = true
			continue
		}
		problems = append(problems, fieldError{Path: "fields." + name, Code: "invalid_type",
			Message: `must be a string, or {"set": true} to keep a secret's value`})
	}
	return given, keep, problems
}
