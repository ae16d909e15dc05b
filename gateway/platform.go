package gateway

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/junction-run/junction/store"
)

// platformRoutes serve the platform's apps: declarative apps every account
// can use, as if each kept them itself (connectors.AppSource), managed by
// operators. Any valid key may read them, as its account's manifest shows
// them anyway; changing them takes an admin key of an operators' account
// (Config.OperatorAccounts), and any other key gets 403.
func (g *Gateway) platformRoutes(e *gin.Engine) {
	g.storedAppRoutes(e.Group(platformRoutes, g.handle(g.authenticatePlatform), g.auditTrail()))
}

// authenticatePlatform admits a request to /api/v1/platform/...: reading
// with any valid key that may read, changing with an admin key of an
// operators' account only.
func (g *Gateway) authenticatePlatform(c *gin.Context) error {
	key, err := g.apiKey(c)
	if err != nil {
		return err
	}
	if err := g.admitKey(c, key); err != nil {
		return err
	}
	if c.Request.Method != http.MethodGet && !adminOf(g.operatorAccounts, key) {
		return &apiError{Status: http.StatusForbidden, Code: codeForbidden,
			Message: "Only an admin key of an operators' account (junction gateway --operator-accounts) may change the platform's apps."}
	}
	c.Set(appOwnerKey, store.PlatformApps())
	return nil
}
