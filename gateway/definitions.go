package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"go.temporal.io/api/serviceerror"

	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
)

// createDefinition stores version 1 of a new definition.
func (g *Gateway) createDefinition(c *gin.Context) {
	doc, ok := g.parseDefinition(c)
	if !ok {
		return
	}
	saved, ok := g.saveDefinition(c, "", doc, g.store.CreateDefinition)
	if !ok {
		return
	}
	c.Header("Location", definitionPath(saved.AccountID, saved.ID))
	if _, _, app := definition.AppTrigger(doc.Trigger); app && !g.syncPollScheduleAfterSave(c, saved) {
		return
	}
	g.writeDefinition(c, http.StatusCreated, saved)
}

// updateDefinition stores the body as the next version; runs already started
// keep the version they started on.
func (g *Gateway) updateDefinition(c *gin.Context) {
	id, ok := g.definitionID(c)
	if !ok {
		return
	}
	doc, ok := g.parseDefinition(c)
	if !ok {
		return
	}
	write := g.store.UpdateDefinition
	if match := c.GetHeader("If-Match"); match != "" && match != "*" {
		expected, ok := versionFromETag(match)
		if !ok {
			g.fail(c, http.StatusBadRequest, codeInvalidParameter, "If-Match must be an ETag this API gave out, such as \"v3\".",
				[]fieldError{{Path: "header.If-Match", Code: "invalid_value", Message: "must be an ETag such as \"v3\""}})
			return
		}
		write = func(ctx context.Context, d store.Definition) (store.Definition, error) {
			return g.store.UpdateDefinitionIfLatest(ctx, d, expected)
		}
	}
	saved, ok := g.saveDefinition(c, id, doc, write)
	if !ok {
		return
	}
	// Also when this version does not poll: an earlier one may have.
	if !g.syncPollScheduleAfterSave(c, saved) {
		return
	}
	g.writeDefinition(c, http.StatusOK, saved)
}

// saveDefinition writes a validated document through write (create or
// update), answering the error itself when it fails.
func (g *Gateway) saveDefinition(c *gin.Context, id string, doc *definition.Document,
	write func(context.Context, store.Definition) (store.Definition, error)) (store.Definition, bool) {
	rec, err := toRecord(c.Param("accountId"), id, doc)
	if err != nil {
		g.failInternal(c, http.StatusInternalServerError, "Could not encode the definition", err)
		return store.Definition{}, false
	}
	saved, err := write(c.Request.Context(), rec)
	switch {
	case errors.Is(err, store.ErrNotFound):
		g.definitionNotFound(c, id)
		return store.Definition{}, false
	case errors.Is(err, store.ErrConflict):
		g.fail(c, http.StatusPreconditionFailed, codeInvalidParameter,
			"The definition changed since you read it (If-Match does not name its latest version); read it again and retry.",
			[]fieldError{{Path: "header.If-Match", Code: "conflict", Message: "not the latest version"}})
		return store.Definition{}, false
	case err != nil:
		g.failStore(c, "Could not store the definition", err)
		return store.Definition{}, false
	}
	return saved, true
}

func (g *Gateway) writeDefinition(c *gin.Context, status int, rec store.Definition) {
	out, err := fromRecord(rec)
	if err != nil {
		g.failInternal(c, http.StatusInternalServerError, "Could not read the stored definition", err)
		return
	}
	c.Header("ETag", etag(rec.Version))
	c.JSON(status, out)
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
func (g *Gateway) listDefinitions(c *gin.Context) {
	page, ok := g.page(c)
	if !ok {
		return
	}
	recs, err := g.store.ListDefinitions(c.Request.Context(), c.Param("accountId"), page)
	if err != nil {
		g.failInternal(c, http.StatusServiceUnavailable, "Could not list definitions", err)
		return
	}
	g.writeDefinitions(c, recs)
}

// definitionVersions returns a definition's versions, newest first, or the
// one named by ?version=; an unknown id is an empty list, as 8x8 documents.
func (g *Gateway) definitionVersions(c *gin.Context) {
	id, ok := g.definitionID(c)
	if !ok {
		return
	}
	page, ok := g.page(c)
	if !ok {
		return
	}
	version, ok := g.versionParam(c)
	if !ok {
		return
	}
	if version > 0 {
		rec, err := g.store.Definition(c.Request.Context(), c.Param("accountId"), id, version)
		switch {
		case errors.Is(err, store.ErrNotFound):
			g.writeDefinitions(c, nil)
		case err != nil:
			g.failInternal(c, http.StatusServiceUnavailable, "Could not read the definition", err)
		default:
			c.Header("ETag", etag(rec.Version))
			g.writeDefinitions(c, []store.Definition{rec})
		}
		return
	}
	recs, err := g.store.DefinitionVersions(c.Request.Context(), c.Param("accountId"), id, page)
	if err != nil {
		g.failInternal(c, http.StatusServiceUnavailable, "Could not read the definition", err)
		return
	}
	if len(recs) > 0 && page.Offset == 0 {
		c.Header("ETag", etag(recs[0].Version))
	}
	g.writeDefinitions(c, recs)
}

// deleteDefinition deletes one version (?version=) or all of them, after
// terminating their active runs, as 8x8 specifies. It answers 202.
func (g *Gateway) deleteDefinition(c *gin.Context) {
	ctx := c.Request.Context()
	accountID := c.Param("accountId")
	id, ok := g.definitionID(c)
	if !ok {
		return
	}
	version, ok := g.versionParam(c)
	if !ok {
		return
	}
	if _, ok := g.requireDefinition(c, id, version); !ok {
		return
	}
	query := runs.Runs(accountID).Is(runs.DefinitionIDKey, id).Status("Running")
	if version > 0 {
		query.IsInt(runs.DefinitionVersionKey, int64(version))
	}
	// The poll schedule goes first, so no poll starts runs while they are
	// terminated.
	if version == 0 {
		if err := g.deletePollSchedule(ctx, accountID, id); err != nil {
			g.failInternal(c, http.StatusServiceUnavailable, "Could not delete the definition's poll schedule", err)
			return
		}
	}
	// Terminate first: if that fails, nothing is deleted and the caller
	// retries; a deleted definition never leaves runs behind.
	for {
		execs, err := g.listExecutions(ctx, query.String(), store.Page{Limit: 500})
		if err != nil {
			g.failInternal(c, http.StatusServiceUnavailable, "Could not list the definition's runs", err)
			return
		}
		for _, e := range execs {
			wid, rid := e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId()
			err := g.temporal.TerminateWorkflow(ctx, wid, rid, "definition deleted")
			var notFound *serviceerror.NotFound
			if err != nil && !errors.As(err, &notFound) {
				g.failInternal(c, http.StatusServiceUnavailable, "Could not terminate a run of the definition", err)
				return
			}
		}
		if len(execs) < 500 {
			break
		}
	}
	if err := g.store.DeleteDefinition(ctx, accountID, id, version); errors.Is(err, store.ErrNotFound) {
		g.definitionNotFound(c, id)
		return
	} else if err != nil {
		g.failInternal(c, http.StatusServiceUnavailable, "Could not delete the definition", err)
		return
	}
	if version > 0 {
		// The latest remaining version now says whether and what to poll.
		if err := g.syncPollSchedule(ctx, accountID, id); err != nil {
			g.failInternal(c, http.StatusServiceUnavailable, "Deleted the version, but could not update the definition's poll schedule", err)
			return
		}
	}
	c.Status(http.StatusAccepted)
}

// versionParam reads an optional ?version= (1 or more); 0 means absent.
func (g *Gateway) versionParam(c *gin.Context) (int, bool) {
	v, present := c.GetQuery("version")
	if !present {
		return 0, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		g.fail(c, http.StatusBadRequest, codeOutOfRange, "version must be an integer of 1 or more.",
			[]fieldError{{Path: "version", Message: "must be an integer of 1 or more"}})
		return 0, false
	}
	return n, true
}

func (g *Gateway) writeDefinitions(c *gin.Context, recs []store.Definition) {
	out := make([]*definition.Document, 0, len(recs))
	for _, r := range recs {
		doc, err := fromRecord(r)
		if err != nil {
			g.failInternal(c, http.StatusInternalServerError, "Could not read a stored definition", err)
			return
		}
		out = append(out, doc)
	}
	c.JSON(http.StatusOK, out)
}

// parseDefinition reads and validates a definition body, answering 4xx
// itself when it is not acceptable.
func (g *Gateway) parseDefinition(c *gin.Context) (*definition.Document, bool) {
	body, ok := g.readBody(c)
	if !ok {
		return nil, false
	}
	doc, err := definition.Parse(body)
	if err == nil {
		fields, err := g.pinApps(c.Request.Context(), c.Param("accountId"), doc)
		if err != nil {
			g.failInternal(c, http.StatusServiceUnavailable, "Could not check the definition's connections", err)
			return nil, false
		}
		if len(fields) > 0 {
			g.fail(c, http.StatusBadRequest, codeInvalidDefinition, fields[0].Path+": "+fields[0].Message, fields)
			return nil, false
		}
		return doc, true
	}
	var verr *definition.ValidationError
	switch {
	case errors.As(err, &verr):
		fields := make([]fieldError, 0, len(verr.Errors))
		message := verr.Error()
		for _, fe := range verr.Errors {
			fields = append(fields, fieldError{Path: fe.Path, Code: fe.Code, Message: fe.Message})
			if fe.Path == "definition.name" && fe.Message == "is required" {
				// 8x8's documented message for this case.
				message = "Workflow name is required."
			}
		}
		g.fail(c, http.StatusBadRequest, codeInvalidDefinition, message, fields)
	case errors.Is(err, definition.ErrMalformed):
		g.fail(c, http.StatusBadRequest, codeInvalidParameter, "Request body is not valid JSON: "+err.Error(),
			[]fieldError{{Path: "body", Message: err.Error()}})
	default:
		g.fail(c, http.StatusBadRequest, codeInvalidDefinition, err.Error(), nil)
	}
	return nil, false
}

func (g *Gateway) definitionID(c *gin.Context) (string, bool) {
	id := c.Param("definitionId")
	if _, err := uuid.Parse(id); err != nil || len(id) != 36 {
		g.fail(c, http.StatusBadRequest, codeInvalidParameter, "Invalid definition id.",
			[]fieldError{{Path: "definitionId", Message: "must be a UUID"}})
		return "", false
	}
	return id, true
}

// requireDefinition reads one version (0: the latest) of a definition of
// the path's account, answering 404 or 503 itself when it cannot.
func (g *Gateway) requireDefinition(c *gin.Context, id string, version int) (store.Definition, bool) {
	d, err := g.store.Definition(c.Request.Context(), c.Param("accountId"), id, version)
	if errors.Is(err, store.ErrNotFound) {
		g.definitionNotFound(c, id)
		return store.Definition{}, false
	}
	if err != nil {
		g.failInternal(c, http.StatusServiceUnavailable, "Could not read the definition", err)
		return store.Definition{}, false
	}
	return d, true
}

func (g *Gateway) definitionNotFound(c *gin.Context, id string) {
	g.fail(c, http.StatusNotFound, codeNotFound, "Definition "+id+" not found.", nil)
}

// page reads 8x8's limit (1-500, default 100) and offset (>= 0).
func (g *Gateway) page(c *gin.Context) (store.Page, bool) {
	p := store.Page{Limit: 100}
	if v, present := c.GetQuery("limit"); present {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			g.fail(c, http.StatusBadRequest, codeOutOfRange, "limit must be an integer from 1 to 500.",
				[]fieldError{{Path: "limit", Message: "must be an integer from 1 to 500"}})
			return p, false
		}
		p.Limit = n
	}
	if v, present := c.GetQuery("offset"); present {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			g.fail(c, http.StatusBadRequest, codeOutOfRange, "offset must be an integer of 0 or more.",
				[]fieldError{{Path: "offset", Message: "must be an integer of 0 or more"}})
			return p, false
		}
		p.Offset = n
	}
	return p, true
}

func definitionPath(accountID, id string) string {
	return "/api/v1/accounts/" + accountID + "/definitions/" + id
}

// toRecord turns a validated document into the store's row. The stored body
// is the document without server-assigned fields, so every version holds
// exactly what its client sent (normalised).
func toRecord(accountID, id string, doc *definition.Document) (store.Definition, error) {
	clean := *doc
	clean.AccountID, clean.ID, clean.Version, clean.CreatedAt = "", "", 0, ""
	clean.Definition.ID, clean.Definition.Version = "", 0
	if clean.Status == "" {
		clean.Status = definition.StatusDisabled
	}
	body, err := json.Marshal(clean)
	if err != nil {
		return store.Definition{}, err
	}
	return store.Definition{
		Apps:         clean.Apps,
		AccountID:    accountID,
		ID:           id,
		SubAccountID: clean.SubAccountID,
		Trigger:      clean.Trigger,
		Status:       clean.Status,
		Name:         clean.Definition.Name,
		Body:         body,
	}, nil
}

// fromRecord is the API's view of a stored version: 8x8's observed shape
// (id and version inside "definition") with the schema's top-level mirrors.
func fromRecord(r store.Definition) (*definition.Document, error) {
	var doc definition.Document
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		return nil, err
	}
	doc.AccountID = r.AccountID
	doc.ID, doc.Definition.ID = r.ID, r.ID
	doc.Version, doc.Definition.Version = r.Version, r.Version
	doc.CreatedAt = r.CreatedAt.UTC().Format(timeLayout)
	return &doc, nil
}

// timeLayout is ISO 8601 in UTC with 2 fractional digits, as 8x8 writes.
const timeLayout = "2006-01-02T15:04:05.00Z"
