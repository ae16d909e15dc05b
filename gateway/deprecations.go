package gateway

import (
	"github.com/gin-gonic/gin"

	"github.com/junction-run/junction/definition"
)

// savedDefinitionView is a definition as a save answers it: the document,
// and the warnings of the save (a Junction extension; absent when none),
// such as a deprecated connector version it pins, each named by its path
// like a problem is.
type savedDefinitionView struct {
	*definition.Document
	Warnings []fieldError `json:"warnings,omitempty"`
}

// writeSavedDefinition answers a definition just saved, with its
// warnings (manage.Definitions.Warnings).
func (g *Gateway) writeSavedDefinition(c *gin.Context, status int, doc *definition.Document) error {
	warnings := g.definitionWarnings(c, doc)
	if len(warnings) == 0 {
		return writeDefinition(c, status, doc)
	}
	c.Header("ETag", etag(doc.Version))
	c.JSON(status, savedDefinitionView{Document: doc, Warnings: warnings})
	return nil
}

// definitionWarnings are the warnings of saving doc.
func (g *Gateway) definitionWarnings(c *gin.Context, doc *definition.Document) []fieldError {
	var warnings []fieldError
	for _, w := range g.definitions.Warnings(c.Request.Context(), c.Param("accountId"), doc) {
		warnings = append(warnings, fieldError{Path: w.Path, Code: w.Code, Message: w.Message})
	}
	return warnings
}
