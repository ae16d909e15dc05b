package gateway

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/junction-run/junction/store"
)

// dryRunParam reads ?dryRun= (true or false; absent is false).
func dryRunParam(c *gin.Context) (bool, error) {
	v, present := c.GetQuery("dryRun")
	if !present {
		return false, nil
	}
	if v != "true" && v != "false" {
		return false, badRequest("dryRun must be true or false.",
			fieldError{Path: "dryRun", Code: "invalid_value", Message: "must be true or false"})
	}
	return v == "true", nil
}

// checkDefinition answers a save's dry run (?dryRun=true on POST and PUT):
// everything the save checks, answered as the save would answer (200 with
// the document it would store and its warnings, or the same errors), with
// nothing stored, scheduled or recorded in the audit log. id is "" for a
// new definition.
func (g *Gateway) checkDefinition(c *gin.Context, id string, body []byte, ifVersion int) error {
	skipAudit(c)
	doc, err := g.definitions.Check(g.savingContext(c), c.Param("accountId"), id, body, ifVersion)
	if errors.Is(err, store.ErrConflict) {
		return errNotLatest()
	}
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, savedDefinitionView{Document: doc, Warnings: g.definitionWarnings(c, doc)})
	return nil
}
