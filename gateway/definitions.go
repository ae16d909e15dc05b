package gateway

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/manage"
	"github.com/junction-run/junction/store"
)

// createDefinition stores version 1 of a new definition.
func (g *Gateway) createDefinition(c *gin.Context) error {
	dry, err := dryRunParam(c)
	if err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	if dry {
		return g.checkDefinition(c, "", body, 0)
	}
	doc, err := g.definitions.Create(g.savingContext(c), c.Param("accountId"), body)
	if doc != nil {
		// Saved, even when its poll schedule failed.
		c.Header("Location", definitionPath(doc.AccountID, doc.ID))
	}
	if err != nil {
		return err
	}
	noteAuditDiff(c, nil, documentAudit(doc))
	return g.writeSavedDefinition(c, http.StatusCreated, doc)
}

// updateDefinition stores the body as the next version; runs already started
// keep the version they started on. If-Match makes it conditional on the
// version the client read being the latest.
func (g *Gateway) updateDefinition(c *gin.Context) error {
	id, err := definitionID(c)
	if err != nil {
		return err
	}
	dry, err := dryRunParam(c)
	if err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	ifVersion := 0
	if match := c.GetHeader("If-Match"); match != "" && match != "*" {
		var ok bool
		if ifVersion, ok = versionFromETag(match); !ok {
			return badRequest("If-Match must be an ETag this API gave out, such as \"v3\".",
				fieldError{Path: "header.If-Match", Code: "invalid_value", Message: "must be an ETag such as \"v3\""})
		}
	}
	if dry {
		return g.checkDefinition(c, id, body, ifVersion)
	}
	before, readErr := g.definitions.Get(c.Request.Context(), c.Param("accountId"), id, 0)
	doc, err := g.definitions.Update(g.savingContext(c), c.Param("accountId"), id, body, ifVersion)
	if errors.Is(err, store.ErrConflict) {
		return errNotLatest()
	}
	if err != nil {
		return err
	}
	if readErr == nil {
		noteAuditDiff(c, storedDefinitionAudit(before), documentAudit(doc))
	}
	return g.writeSavedDefinition(c, http.StatusOK, doc)
}

// errNotLatest is the 412 of an If-Match that no longer names the
// definition's latest version.
func errNotLatest() error {
	return &apiError{Status: http.StatusPreconditionFailed, Code: codeInvalidParameter,
		Message: "The definition changed since you read it (If-Match does not name its latest version); read it again and retry.",
		Fields:  []fieldError{{Path: "header.If-Match", Code: "conflict", Message: "not the latest version"}}}
}

func writeDefinition(c *gin.Context, status int, doc *definition.Document) error {
	c.Header("ETag", etag(doc.Version))
	c.JSON(status, doc)
	return nil
}

// etag names a definition version for If-Match: a PUT that sends it back
// succeeds only while that version is still the latest.
func etag(version int) string { return `"v` + strconv.Itoa(version) + `"` }

func versionFromETag(tag string) (int, bool) {
	tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
	if len(tag) < 4 || !strings.HasPrefix(tag, `"v`) || !strings.HasSuffix(tag, `"`) {
		return 0, false
	}
	n, err := strconv.Atoi(tag[2 : len(tag)-1])
	return n, err == nil && n > 0
}

// listDefinitions returns the latest version of each definition.
func (g *Gateway) listDefinitions(c *gin.Context) error {
	p, err := readPage(c)
	if err != nil {
		return err
	}
	docs, err := g.definitions.List(c.Request.Context(), c.Param("accountId"), p)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, docs)
	return nil
}

// definitionVersions returns a definition's versions, newest first, or the
// one named by ?version=; an unknown id is an empty list, as 8x8 documents.
// The ETag names the latest version when the answer starts with it.
func (g *Gateway) definitionVersions(c *gin.Context) error {
	id, version, p, err := definitionPage(c)
	if err != nil {
		return err
	}
	docs, err := g.definitions.Versions(c.Request.Context(), c.Param("accountId"), id, version, p)
	if err != nil {
		return err
	}
	if len(docs) > 0 && (version > 0 || p.Offset == 0) {
		c.Header("ETag", etag(docs[0].Version))
	}
	c.JSON(http.StatusOK, docs)
	return nil
}

// deleteDefinition deletes one version (?version=) or all of them, after
// terminating their active runs, as 8x8 specifies. It answers 202.
func (g *Gateway) deleteDefinition(c *gin.Context) error {
	id, err := definitionID(c)
	if err != nil {
		return err
	}
	version, err := versionParam(c)
	if err != nil {
		return err
	}
	before, readErr := g.definitions.Get(c.Request.Context(), c.Param("accountId"), id, version)
	if err := g.definitions.Delete(g.savingContext(c), c.Param("accountId"), id, version); err != nil {
		return err
	}
	if readErr == nil {
		noteAuditDiff(c, storedDefinitionAudit(before), nil)
	}
	c.Status(http.StatusAccepted)
	return nil
}

// savingContext is the request's context for a save or delete of a
// definition: with the gateway's public URL, which the webhook URL of an
// app subscription starts with.
func (g *Gateway) savingContext(c *gin.Context) context.Context {
	return manage.WithPublicURL(c.Request.Context(), g.baseURL(c.Request))
}

func definitionPath(accountID, id string) string {
	return "/api/v1/accounts/" + accountID + "/definitions/" + id
}

// definitionAudit is what the audit log compares of a definition version:
// what it is and when it runs, not its steps, whose inputs are the
// author's text.
type definitionAudit struct {
	Name         string `json:"name"`
	Version      int    `json:"version"`
	Status       string `json:"status"`
	Trigger      string `json:"trigger"`
	SubAccountID string `json:"subAccountId,omitempty"`
}

func documentAudit(d *definition.Document) definitionAudit {
	return definitionAudit{Name: d.Definition.Name, Version: d.Version, Status: d.Status, Trigger: d.Trigger, SubAccountID: d.SubAccountID}
}

func storedDefinitionAudit(d store.Definition) definitionAudit {
	return definitionAudit{Name: d.Name, Version: d.Version, Status: d.Status, Trigger: d.Trigger, SubAccountID: d.SubAccountID}
}
