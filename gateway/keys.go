package gateway

import (
	"errors"
	"fmt"
	"net/http"

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

func (g *Gateway) listKeys(c *gin.Context) error {
	page, err := readPage(c)
	if err != nil {
		return err
	}
	keys, err := g.store.ListAPIKeys(c.Request.Context(), c.Param("accountId"), page)
	if err != nil {
		return failed("Could not list API keys", err)
	}
	out := make([]apiKeyView, 0, len(keys))
	for _, k := range keys {
		out = append(out, viewKey(k, ""))
	}
	c.JSON(http.StatusOK, out)
	return nil
}

func (g *Gateway) createKey(c *gin.Context) error {
	var req struct {
		Name   string   `json:"name"`
		Scopes []string `json:"scopes"`
	}
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	for i, s := range req.Scopes {
		if s != store.ScopeRead && s != store.ScopeRuns && s != store.ScopeAdmin {
			return badRequest("Unknown scope "+s+".",
				fieldError{Path: fmt.Sprintf("scopes[%d]", i), Code: "invalid_value", Message: "must be read, runs or admin"})
		}
	}
	key, secret, err := g.store.CreateAPIKey(c.Request.Context(), c.Param("accountId"), req.Name, req.Scopes)
	if err != nil {
		return failed("Could not create the API key", err)
	}
	c.Header("Location", "/api/v1/accounts/"+key.AccountID+"/keys/"+key.ID)
	noteAuditDiff(c, nil, viewKey(key, "")) // never the key itself
	c.JSON(http.StatusCreated, viewKey(key, secret))
	return nil
}

func (g *Gateway) getKey(c *gin.Context) error {
	key, err := g.store.APIKey(c.Request.Context(), c.Param("accountId"), c.Param("keyId"))
	if errors.Is(err, store.ErrNotFound) {
		return notFound("API key " + c.Param("keyId") + " not found.")
	}
	if err != nil {
		return failed("Could not read the API key", err)
	}
	c.JSON(http.StatusOK, viewKey(key, ""))
	return nil
}

func (g *Gateway) revokeKey(c *gin.Context) error {
	before, readErr := g.store.APIKey(c.Request.Context(), c.Param("accountId"), c.Param("keyId"))
	err := g.store.RevokeAPIKey(c.Request.Context(), c.Param("accountId"), c.Param("keyId"))
	if errors.Is(err, store.ErrNotFound) {
		return notFound("API key " + c.Param("keyId") + " not found.")
	}
	if err != nil {
		return failed("Could not revoke the API key", err)
	}
	if after, err := g.store.APIKey(c.Request.Context(), c.Param("accountId"), c.Param("keyId")); readErr == nil && err == nil {
		noteAuditDiff(c, viewKey(before, ""), viewKey(after, ""))
	}
	c.Status(http.StatusNoContent)
	return nil
}

func (g *Gateway) rotateKey(c *gin.Context) error {
	before, readErr := g.store.APIKey(c.Request.Context(), c.Param("accountId"), c.Param("keyId"))
	key, secret, err := g.store.RotateAPIKey(c.Request.Context(), c.Param("accountId"), c.Param("keyId"))
	if errors.Is(err, store.ErrNotFound) {
		return notFound("API key " + c.Param("keyId") + " not found.")
	}
	if errors.Is(err, store.ErrConflict) {
		return conflict("API key " + c.Param("keyId") + " is revoked; create a new key instead.")
	}
	if err != nil {
		return failed("Could not rotate the API key", err)
	}
	c.Header("Location", "/api/v1/accounts/"+key.AccountID+"/keys/"+key.ID)
	if readErr == nil {
		noteAuditDiff(c, viewKey(before, ""), viewKey(key, "")) // never the key itself
	}
	c.JSON(http.StatusCreated, viewKey(key, secret))
	return nil
}

func (g *Gateway) listSubAccounts(c *gin.Context) error {
	page, err := readPage(c)
	if err != nil {
		return err
	}
	subs, err := g.store.ListSubAccounts(c.Request.Context(), c.Param("accountId"), page)
	if err != nil {
		return failed("Could not list sub-accounts", err)
	}
	out := make([]subAccountView, 0, len(subs))
	for _, s := range subs {
		out = append(out, subAccountView{ID: s.ID, Name: s.Name, CreatedAt: formatTime(s.CreatedAt)})
	}
	c.JSON(http.StatusOK, out)
	return nil
}

func (g *Gateway) createSubAccount(c *gin.Context) error {
	var req struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	if !accountIDPattern.MatchString(req.ID) {
		return badRequest("Invalid sub-account id.",
			fieldError{Path: "id", Code: "invalid_value", Message: "must be 1-128 letters, digits, '_', '.' or '-'"})
	}
	sa, err := g.store.CreateSubAccount(c.Request.Context(), store.SubAccount{AccountID: c.Param("accountId"), ID: req.ID, Name: req.Name})
	if errors.Is(err, store.ErrConflict) {
		return conflict("Sub-account "+req.ID+" already exists.", fieldError{Path: "id", Code: "conflict", Message: "already exists"})
	}
	if err != nil {
		return failed("Could not create the sub-account", err)
	}
	c.Header("Location", "/api/v1/accounts/"+sa.AccountID+"/subaccounts/"+sa.ID)
	c.JSON(http.StatusCreated, subAccountView{ID: sa.ID, Name: sa.Name, CreatedAt: formatTime(sa.CreatedAt)})
	return nil
}

func (g *Gateway) getSubAccount(c *gin.Context) error {
	sa, err := g.store.SubAccount(c.Request.Context(), c.Param("accountId"), c.Param("subAccountId"))
	if errors.Is(err, store.ErrNotFound) {
		return notFound("Sub-account " + c.Param("subAccountId") + " not found.")
	}
	if err != nil {
		return failed("Could not read the sub-account", err)
	}
	c.JSON(http.StatusOK, subAccountView{ID: sa.ID, Name: sa.Name, CreatedAt: formatTime(sa.CreatedAt)})
	return nil
}

func (g *Gateway) deleteSubAccount(c *gin.Context) error {
	err := g.store.DeleteSubAccount(c.Request.Context(), c.Param("accountId"), c.Param("subAccountId"))
	if errors.Is(err, store.ErrNotFound) {
		return notFound("Sub-account " + c.Param("subAccountId") + " not found.")
	}
	if err != nil {
		return failed("Could not delete the sub-account", err)
	}
	c.Status(http.StatusNoContent)
	return nil
}
