package gateway

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
)

// listAccountRuns lists the account's runs of every definition (a Junction
// extension: 8x8 lists one definition's), filtered like listRuns and by
// ?definitionId= and ?version=, which are open when absent.
func (g *Gateway) listAccountRuns(c *gin.Context) error {
	p, err := readPage(c)
	if err != nil {
		return err
	}
	version, err := versionParam(c)
	if err != nil {
		return err
	}
	definitionID, present := c.GetQuery("definitionId")
	if present {
		if _, err := uuid.Parse(definitionID); err != nil || len(definitionID) != 36 {
			return badRequest("Invalid definition id.", fieldError{Path: "definitionId", Message: "must be a UUID"})
		}
	}
	filter, err := runFilter(c)
	if err != nil {
		return err
	}
	list, err := g.runs.ListAccount(c.Request.Context(), c.Param("accountId"), definitionID, version, filter, p)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, g.viewRuns(list))
	return nil
}
