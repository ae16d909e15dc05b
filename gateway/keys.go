package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/junction-run/junction/store"
)

// apiKeyView is an API key as the API shows it: never the secret, except
// once, in Key, when it is created or rotated.
type apiKeyView struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Prefix     string   `json:"prefix"`
	Scopes     []string `json:"scopes"`
	CreatedAt  string   `json:"createdAt"`
	LastUsedAt string   `json:"lastUsedAt,omitempty"`
	RevokedAt  string   `json:"revokedAt,omitempty"`
	Key        string   `json:"key,omitempty"`
}

func viewKey(k store.APIKey, secret string) apiKeyView {
	v := apiKeyView{ID: k.ID, Name: k.Name, Prefix: k.Prefix, Scopes: k.Scopes, CreatedAt: formatTime(k.CreatedAt), Key: secret}
	if v.Scopes == nil {
		v.Scopes = []string{}
	}
	if k.LastUsedAt != nil {
		v.LastUsedAt = formatTime(*k.LastUsedAt)
	}
	if k.RevokedAt != nil {
		v.RevokedAt = formatTime(*k.RevokedAt)
	}
	return v
}

type subAccountView struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	CreatedAt string `json:"createdAt"`
}

func (g *Gateway) listKeys(c *gin.Context) {
	page, ok := g.page(c)
	if !ok {
		return
	}
	keys, err := g.store.ListAPIKeys(c.Request.Context(), c.Param("accountId"), page)
	if err != nil {
		g.failInternal(c, http.StatusServiceUnavailable, "Could not list API keys", err)
		return
	}
	out := make([]apiKeyView, 0, len(keys))
	for _, k := range keys {
		out = append(out, viewKey(k, ""))
	}
	c.JSON(http.StatusOK, out)
}

func (g *Gateway) createKey(c *gin.Context) {
	var req struct {
		Name   string   `json:"name"`
		Scopes []string `json:"scopes"`
	}
	if !g.decodeStrict(c, &req) {
		return
	}
	for i, s := range req.Scopes {
		if s != store.ScopeRead && s != store.ScopeRuns && s != store.ScopeAdmin {
			g.fail(c, http.StatusBadRequest, codeInvalidParameter, "Unknown scope "+s+".",
				[]fieldError{{Path: fmt.Sprintf("scopes[%d]", i), Code: "invalid_value", Message: "must be read, runs or admin"}})
			return
		}
	}
	key, secret, err := g.store.CreateAPIKey(c.Request.Context(), c.Param("accountId"), req.Name, req.Scopes)
	if err != nil {
		g.failStore(c, "Could not create the API key", err)
		return
	}
	c.Header("Location", "/api/v1/accounts/"+key.AccountID+"/keys/"+key.ID)
	c.JSON(http.StatusCreated, viewKey(key, secret))
}

func (g *Gateway) getKey(c *gin.Context) {
	key, err := g.store.APIKey(c.Request.Context(), c.Param("accountId"), c.Param("keyId"))
	if errors.Is(err, store.ErrNotFound) {
		g.fail(c, http.StatusNotFound, codeNotFound, "API key "+c.Param("keyId")+" not found.", nil)
		return
	}
	if err != nil {
		g.failInternal(c, http.StatusServiceUnavailable, "Could not read the API key", err)
		return
	}
	c.JSON(http.StatusOK, viewKey(key, ""))
}

func (g *Gateway) revokeKey(c *gin.Context) {
	err := g.store.RevokeAPIKey(c.Request.Context(), c.Param("accountId"), c.Param("keyId"))
	if errors.Is(err, store.ErrNotFound) {
		g.fail(c, http.StatusNotFound, codeNotFound, "API key "+c.Param("keyId")+" not found.", nil)
		return
	}
	if err != nil {
		g.failInternal(c, http.StatusServiceUnavailable, "Could not revoke the API key", err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (g *Gateway) rotateKey(c *gin.Context) {
	key, secret, err := g.store.RotateAPIKey(c.Request.Context(), c.Param("accountId"), c.Param("keyId"))
	if errors.Is(err, store.ErrNotFound) {
		g.fail(c, http.StatusNotFound, codeNotFound, "API key "+c.Param("keyId")+" not found.", nil)
		return
	}
	if errors.Is(err, store.ErrConflict) {
		g.fail(c, http.StatusConflict, codeInvalidParameter, "API key "+c.Param("keyId")+" is revoked; create a new key instead.", nil)
		return
	}
	if err != nil {
		g.failInternal(c, http.StatusServiceUnavailable, "Could not rotate the API key", err)
		return
	}
	c.Header("Location", "/api/v1/accounts/"+key.AccountID+"/keys/"+key.ID)
	c.JSON(http.StatusCreated, viewKey(key, secret))
}

func (g *Gateway) listSubAccounts(c *gin.Context) {
	page, ok := g.page(c)
	if !ok {
		return
	}
	subs, err := g.store.ListSubAccounts(c.Request.Context(), c.Param("accountId"), page)
	if err != nil {
		g.failInternal(c, http.StatusServiceUnavailable, "Could not list sub-accounts", err)
		return
	}
	out := make([]subAccountView, 0, len(subs))
	for _, s := range subs {
		out = append(out, subAccountView{ID: s.ID, Name: s.Name, CreatedAt: formatTime(s.CreatedAt)})
	}
	c.JSON(http.StatusOK, out)
}

func (g *Gateway) createSubAccount(c *gin.Context) {
	var req struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	if !g.decodeStrict(c, &req) {
		return
	}
	if !accountIDPattern.MatchString(req.ID) {
		g.fail(c, http.StatusBadRequest, codeInvalidParameter, "Invalid sub-account id.",
			[]fieldError{{Path: "id", Code: "invalid_value", Message: "must be 1-128 letters, digits, '_', '.' or '-'"}})
		return
	}
	sa, err := g.store.CreateSubAccount(c.Request.Context(), store.SubAccount{AccountID: c.Param("accountId"), ID: req.ID, Name: req.Name})
	if errors.Is(err, store.ErrConflict) {
		g.fail(c, http.StatusConflict, codeInvalidParameter, "Sub-account "+req.ID+" already exists.",
			[]fieldError{{Path: "id", Code: "conflict", Message: "already exists"}})
		return
	}
	if err != nil {
		g.failStore(c, "Could not create the sub-account", err)
		return
	}
	c.Header("Location", "/api/v1/accounts/"+sa.AccountID+"/subaccounts/"+sa.ID)
	c.JSON(http.StatusCreated, subAccountView{ID: sa.ID, Name: sa.Name, CreatedAt: formatTime(sa.CreatedAt)})
}

func (g *Gateway) getSubAccount(c *gin.Context) {
	sa, err := g.store.SubAccount(c.Request.Context(), c.Param("accountId"), c.Param("subAccountId"))
	if errors.Is(err, store.ErrNotFound) {
		g.fail(c, http.StatusNotFound, codeNotFound, "Sub-account "+c.Param("subAccountId")+" not found.", nil)
		return
	}
	if err != nil {
		g.failInternal(c, http.StatusServiceUnavailable, "Could not read the sub-account", err)
		return
	}
	c.JSON(http.StatusOK, subAccountView{ID: sa.ID, Name: sa.Name, CreatedAt: formatTime(sa.CreatedAt)})
}

func (g *Gateway) deleteSubAccount(c *gin.Context) {
	err := g.store.DeleteSubAccount(c.Request.Context(), c.Param("accountId"), c.Param("subAccountId"))
	if errors.Is(err, store.ErrNotFound) {
		g.fail(c, http.StatusNotFound, codeNotFound, "Sub-account "+c.Param("subAccountId")+" not found.", nil)
		return
	}
	if err != nil {
		g.failInternal(c, http.StatusServiceUnavailable, "Could not delete the sub-account", err)
		return
	}
	c.Status(http.StatusNoContent)
}

// decodeStrict reads a JSON object body into v, refusing unknown fields and
// wrong types with the field named; it answers the error itself.
func (g *Gateway) decodeStrict(c *gin.Context, v any) bool {
	body, ok := g.readBody(c)
	if !ok {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		return true
	}
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr):
		g.fail(c, http.StatusBadRequest, codeInvalidParameter, fmt.Sprintf("%s must be %s, not %s.", typeErr.Field, typeErr.Type, typeErr.Value),
			[]fieldError{{Path: typeErr.Field, Code: "invalid_type", Message: "must be " + typeErr.Type.String()}})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		g.fail(c, http.StatusBadRequest, codeInvalidParameter, "Unknown field "+field+".",
			[]fieldError{{Path: field, Code: "not_allowed", Message: "unknown field"}})
	default:
		g.fail(c, http.StatusBadRequest, codeInvalidParameter, "Request body is not valid JSON: "+err.Error(),
			[]fieldError{{Path: "body", Code: "invalid_type", Message: err.Error()}})
	}
	return false
}
