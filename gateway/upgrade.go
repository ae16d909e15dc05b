package gateway

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/junction-run/junction/manage"
)

// upgradeApp moves a definition to another version of an app it uses:
// with dryRun, it answers what would change (manage.UpgradeReport) and
// moves nothing; without, it saves the definition's next version pinning
// the new app version and answers it. Runs already started keep the
// versions they started with.
func (g *Gateway) upgradeApp(c *gin.Context) error {
	id, err := definitionID(c)
	if err != nil {
		return err
	}
	var req manage.UpgradeAppRequest
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	if req.DryRun {
		report, err := g.definitions.PlanAppUpgrade(c.Request.Context(), c.Param("accountId"), id, req)
		if err != nil {
			return err
		}
		c.JSON(http.StatusOK, report)
		return nil
	}
	doc, err := g.definitions.UpgradeApp(c.Request.Context(), c.Param("accountId"), id, req)
	if err != nil {
		return err
	}
	return g.writeSavedDefinition(c, http.StatusOK, doc)
}
