package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"

	"github.com/junction-run/junction/store"
)

// The audit log: every management request that succeeds (a change to a
// definition, a connection, a key, ...) is an event of the account's log,
// written here, in one place, by auditTrail around the routes
// auditedRoutes names. An event says who (the API key's id and name, the
// client address), what (the action and the resource), when, and what
// changed:
//
//   - fields: the names (paths) of the fields the request's JSON body set,
//     never their values, so that a rotated secret shows as the field that
//     was sent and nothing else;
//   - diff: for the resources whose handlers note it (noteAuditDiff), the
//     changed paths of the resource's API view before and after, with
//     their values. API views never hold a secret value (a connection's
//     secret fields read {"set": true}; a key's view leaves the key out),
//     and so neither does the diff.
//
// Requests that fail change nothing and are not recorded. Recording
// happens after the answer is written: a failure to record is logged and
// does not turn a change that happened into an error.

// auditSpec says how one route is audited.
type auditSpec struct {
	// action names what was done, resource the kind of thing it was done to.
	action, resource string
	// idParams are the route parameters that name the resource, joined by
	// "/"; none: the Location of a 201 answer names it, or nothing does.
	idParams []string
	// bodyIsData: the request's body is data (a state's values), not
	// settings, and its field names are not recorded either.
	bodyIsData bool
}

// Route prefixes of the audited routes.
const (
	accountRoutes  = "/api/v1/accounts/:accountId"
	platformRoutes = "/api/v1/platform/apps"
)

// storedAppAudits are the stored apps' routes under a prefix (an
// account's /apps, or the platform's), their resources named by kind.
func storedAppAudits(prefix, kind string) map[string]auditSpec {
	return map[string]auditSpec{
		"POST " + prefix: {kind + ".create", kind, nil, false},
		"PUT " + prefix + "/:app/versions/:version":             {kind + "_version.put", kind + "_version", []string{"app", "version"}, false},
		"DELETE " + prefix + "/:app/versions/:version":          {kind + "_version.delete", kind + "_version", []string{"app", "version"}, false},
		"PUT " + prefix + "/:app/versions/:version/deprecation": {kind + "_version.deprecate", kind + "_version", []string{"app", "version"}, false},
		"DELETE " + prefix + "/:app/versions/:version/deprecation": {kind + "_version.undeprecate", kind + "_version",
			[]string{"app", "version"}, false},
		"DELETE " + prefix + "/:app": {kind + ".delete", kind, []string{"app"}, false},
	}
}

// auditedRoutes are the management routes, by method and route template.
// Routes that change nothing of an account's settings are not audited,
// and say why in notAudited.
var auditedRoutes = func() map[string]auditSpec {
	a := accountRoutes
	routes := map[string]auditSpec{
		"POST " + a + "/definitions":                                      {"definition.create", "definition", nil, false},
		"PUT " + a + "/definitions/:definitionId":                         {"definition.update", "definition", []string{"definitionId"}, false},
		"DELETE " + a + "/definitions/:definitionId":                      {"definition.delete", "definition", []string{"definitionId"}, false},
		"POST " + a + "/definitions/:definitionId/upgrade-app":            {"definition.upgrade_app", "definition", []string{"definitionId"}, false},
		"PATCH " + a + "/definitions/:definitionId/workflows/:workflowId": {"run.control", "run", []string{"definitionId", "workflowId"}, false},
		"POST " + a + "/keys":                                             {"key.create", "key", nil, false},
		"DELETE " + a + "/keys/:keyId":                                    {"key.revoke", "key", []string{"keyId"}, false},
		"POST " + a + "/keys/:keyId/rotate":                               {"key.rotate", "key", []string{"keyId"}, false},
		"POST " + a + "/connections":                                      {"connection.create", "connection", nil, false},
		"PUT " + a + "/connections/:connectionId":                         {"connection.update", "connection", []string{"connectionId"}, false},
		"DELETE " + a + "/connections/:connectionId":                      {"connection.delete", "connection", []string{"connectionId"}, false},
		"POST " + a + "/connections/:connectionId/oauth2/authorize":       {"connection.authorize", "connection", []string{"connectionId"}, false},
		"PUT " + a + "/apps/:app/versions/:version/env":                   {"env.update", "env", []string{"app", "version"}, false},
		"DELETE " + a + "/apps/:app/versions/:version/env/:name":          {"env.delete", "env", []string{"app", "version", "name"}, false},
		"PUT " + a + "/state":                                             {"state.update", "account_state", nil, true},
		"DELETE " + a + "/state":                                          {"state.delete", "account_state", nil, true},
		"PUT " + a + "/users/:userId/state":                               {"state.update", "user_state", []string{"userId"}, true},
		"DELETE " + a + "/users/:userId/state":                            {"state.delete", "user_state", []string{"userId"}, true},
		"PUT " + a + "/conversations/:conversationId/state":               {"state.update", "conversation_state", []string{"conversationId"}, true},
		"DELETE " + a + "/conversations/:conversationId/state":            {"state.delete", "conversation_state", []string{"conversationId"}, true},
		"POST " + a + "/subscriptions":                                    {"subscription.create", "subscription", nil, false},
		"PUT " + a + "/subscriptions/:subscriptionId":                     {"subscription.update", "subscription", []string{"subscriptionId"}, false},
		"DELETE " + a + "/subscriptions/:subscriptionId":                  {"subscription.delete", "subscription", []string{"subscriptionId"}, false},
		"POST " + a + "/subscriptions/:subscriptionId/rotate-secret":      {"subscription.rotate_secret", "subscription", []string{"subscriptionId"}, false},
		"POST " + a + "/subscriptions/:subscriptionId/recover":            {"subscription.recover", "subscription", []string{"subscriptionId"}, false},
		"POST " + a + "/subscriptions/:subscriptionId/deliveries/:deliveryId/redeliver": {"delivery.redeliver", "delivery",
			[]string{"subscriptionId", "deliveryId"}, false},
		"POST " + a + "/subaccounts":                 {"subaccount.create", "subaccount", nil, false},
		"DELETE " + a + "/subaccounts/:subAccountId": {"subaccount.delete", "subaccount", []string{"subAccountId"}, false},
	}
	for _, group := range []map[string]auditSpec{storedAppAudits(a+"/apps", "app"), storedAppAudits(platformRoutes, "platform_app")} {
		for route, spec := range group {
			routes[route] = spec
		}
	}
	return routes
}()

// notAudited are the changing routes that are not management actions,
// with the reason: the test that holds every route to one list or the
// other reads it.
var notAudited = map[string]string{
	"POST " + accountRoutes + "/definitions/:definitionId/workflows": "starts a test run: the run is its own record, in Temporal",
	"POST " + accountRoutes + "/triggers/http_request":               "raises an event: runs are their own record",
	"POST " + accountRoutes + "/triggers/inbound_sms":                "raises an event: runs are their own record",
	"POST " + accountRoutes + "/triggers/inbound_chat_apps":          "raises an event: runs are their own record",
	"POST " + accountRoutes + "/actions/:action":                     "runs an action: the run is its own record",
	"POST " + accountRoutes + "/connections/:connectionId/test":      "tests a connection: changes nothing",
}

// Keys of what a request's gin context holds for its audit event.
const (
	// requestBodyKey holds the body readBody read.
	requestBodyKey = "junction.requestBody"
	// auditDiffKey holds the diff a handler noted (noteAuditDiff).
	auditDiffKey = "junction.auditDiff"
	// changedNothingKey marks a request that changed nothing (skipAudit).
	changedNothingKey = "junction.changedNothing"
)

// Bounds on what an event records: enough to read what changed, small
// enough that a large document does not copy itself into the log.
const (
	maxAuditFields     = 100
	maxAuditDiff       = 100
	maxAuditValueBytes = 1024
	maxAuditFieldDepth = 4
)

// auditChange is one changed path of a resource's view: its value before
// (absent when it was not there) and after (absent when it is gone).
type auditChange struct {
	Path string          `json:"path"`
	From json.RawMessage `json:"from,omitempty"`
	To   json.RawMessage `json:"to,omitempty"`
}

// auditChanges is an event's Changes.
type auditChanges struct {
	Fields []string      `json:"fields,omitempty"`
	Diff   []auditChange `json:"diff,omitempty"`
	// Truncated says that fields or diff were longer than an event keeps.
	Truncated bool `json:"truncated,omitempty"`
}

// noteAuditDiff records, for the request's audit event, the resource's API
// view before the change and after it (nil: it did not exist, or no
// longer does). Views must be what the API shows, which holds no secret.
func noteAuditDiff(c *gin.Context, before, after any) {
	diff, truncated := diffViews(before, after)
	c.Set(auditDiffKey, auditChanges{Diff: diff, Truncated: truncated})
}

// skipAudit marks a request to an audited route that changed nothing,
// such as a save's dry run: it is not an event of the log.
func skipAudit(c *gin.Context) { c.Set(changedNothingKey, true) }

// auditTrail records the audit event of a management request that
// succeeded; other requests pass through untouched.
func (g *Gateway) auditTrail() gin.HandlerFunc {
	return func(c *gin.Context) {
		spec, audited := auditedRoutes[c.Request.Method+" "+c.FullPath()]
		c.Next()
		if !audited || c.Writer.Status() >= http.StatusBadRequest || c.GetBool(changedNothingKey) {
			return
		}
		key, ok := c.Get(apiKeyContextKey)
		if !ok {
			return
		}
		apiKey := key.(store.APIKey)
		changes := auditChanges{}
		if noted, ok := c.Get(auditDiffKey); ok {
			changes = noted.(auditChanges)
		}
		if body, ok := c.Get(requestBodyKey); ok && !spec.bodyIsData {
			var fieldsCut bool
			changes.Fields, fieldsCut = fieldPaths(body.([]byte))
			changes.Truncated = changes.Truncated || fieldsCut
		}
		raw, err := json.Marshal(changes)
		if err != nil {
			g.log.Error("encoding an audit event", zap.String("action", spec.action), zap.Error(err))
			return
		}
		event := store.AuditEvent{AccountID: apiKey.AccountID, KeyID: apiKey.ID, Actor: apiKey.Name, Address: c.ClientIP(),
			Action: spec.action, ResourceType: spec.resource, ResourceID: auditResourceID(c, spec), Changes: raw}
		// The change is made and answered: the client going away must not
		// lose its record.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), 10*time.Second)
		defer cancel()
		if _, err := g.store.RecordAudit(ctx, event); err != nil {
			g.log.Error("recording an audit event", zap.String("account", event.AccountID), zap.String("action", event.Action),
				zap.String("resourceId", event.ResourceID), zap.String("keyId", event.KeyID), zap.Error(err))
		}
	}
}

// auditResourceID names the resource a request acted on: its route
// parameters, or for a creation, what the answer's Location names below
// the route.
func auditResourceID(c *gin.Context, spec auditSpec) string {
	if len(spec.idParams) > 0 {
		parts := make([]string, 0, len(spec.idParams))
		for _, p := range spec.idParams {
			parts = append(parts, c.Param(p))
		}
		return strings.Join(parts, "/")
	}
	if loc := c.Writer.Header().Get("Location"); loc != "" {
		if id, ok := strings.CutPrefix(loc, strings.TrimSuffix(c.Request.URL.Path, "/")+"/"); ok {
			return id
		}
	}
	return ""
}

// fieldPaths lists the paths of the fields a JSON object body sets,
// sorted: "name", "fields.apiKey". Objects are walked (to a depth), arrays
// and values are not: no value is ever read into the list.
func fieldPaths(body []byte) (paths []string, truncated bool) {
	var v any
	if len(bytes.TrimSpace(body)) == 0 || json.Unmarshal(body, &v) != nil {
		return nil, false
	}
	var walk func(prefix string, v any, depth int)
	walk = func(prefix string, v any, depth int) {
		obj, isObject := v.(map[string]any)
		if !isObject || len(obj) == 0 || depth == maxAuditFieldDepth {
			if prefix != "" {
				paths = append(paths, prefix)
			}
			return
		}
		for k, child := range obj {
			walk(joinPath(prefix, k), child, depth+1)
		}
	}
	walk("", v, 0)
	slices.Sort(paths)
	if len(paths) > maxAuditFields {
		return paths[:maxAuditFields], true
	}
	return paths, false
}

// diffViews lists the paths whose values differ between two views,
// sorted. Objects are compared field by field; arrays and values as a
// whole; a value longer than maxAuditValueBytes is recorded by its size.
func diffViews(before, after any) (diff []auditChange, truncated bool) {
	from, to := flattenView(before), flattenView(after)
	paths := make([]string, 0, len(from)+len(to))
	for p := range from {
		paths = append(paths, p)
	}
	for p := range to {
		if _, both := from[p]; !both {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	for _, p := range paths {
		if bytes.Equal(from[p], to[p]) {
			continue
		}
		if len(diff) == maxAuditDiff {
			return diff, true
		}
		diff = append(diff, auditChange{Path: p, From: boundedValue(from[p]), To: boundedValue(to[p])})
	}
	return diff, false
}

// flattenView maps each leaf path of a view's JSON to its JSON value.
func flattenView(view any) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	if view == nil {
		return out
	}
	b, err := json.Marshal(view)
	var v any
	if err != nil || json.Unmarshal(b, &v) != nil {
		return out
	}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		if obj, isObject := v.(map[string]any); isObject && len(obj) > 0 {
			for k, child := range obj {
				walk(joinPath(prefix, k), child)
			}
			return
		}
		if v == nil {
			return // absent and null read alike
		}
		raw, _ := json.Marshal(v)
		out[prefix] = raw
	}
	walk("", v)
	return out
}

// boundedValue is v, or its size when it is too long to keep.
func boundedValue(v json.RawMessage) json.RawMessage {
	if len(v) <= maxAuditValueBytes {
		return v
	}
	return json.RawMessage(strconv.Quote("(" + strconv.Itoa(len(v)) + " bytes)"))
}

func joinPath(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// auditEventView is an audit event as the API shows it.
type auditEventView struct {
	ID           string          `json:"id"`
	At           string          `json:"at"`
	KeyID        string          `json:"keyId"`
	Actor        string          `json:"actor"`
	Address      string          `json:"address,omitempty"`
	Action       string          `json:"action"`
	ResourceType string          `json:"resourceType"`
	ResourceID   string          `json:"resourceId,omitempty"`
	Changes      json.RawMessage `json:"changes"`
}

// auditPage is a page of the audit log, newest first, and the cursor of
// the next one.
type auditPage struct {
	Events     []auditEventView `json:"events"`
	NextCursor string           `json:"nextCursor,omitempty"`
}

// listAudit answers GET .../audit: the account's audit log, newest first,
// filtered by ?action=, ?resource= (a type, or type/id), ?keyId=, ?since=
// and ?until= (RFC 3339), a page of ?limit= (1-500, default 100) from
// ?cursor=.
func (g *Gateway) listAudit(c *gin.Context) error {
	f := store.AuditFilter{Action: c.Query("action"), KeyID: c.Query("keyId")}
	f.ResourceType, f.ResourceID, _ = strings.Cut(c.Query("resource"), "/")
	if err := timeRange(c, &f.Since, &f.Until); err != nil {
		return err
	}
	limit := store.DefaultAuditLimit
	if v, present := c.GetQuery("limit"); present {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > store.MaxAuditLimit {
			return outOfRange("limit must be an integer from 1 to 500.", fieldError{Path: "limit", Message: "must be an integer from 1 to 500"})
		}
		limit = n
	}
	events, next, err := g.store.AuditEvents(c.Request.Context(), c.Param("accountId"), f, limit, c.Query("cursor"))
	if err != nil {
		if errors.Is(err, store.ErrInvalid) {
			return badRequest("cursor is not one this API gave; start again without it.",
				fieldError{Path: "cursor", Code: "invalid_value", Message: "not a cursor this API gave"})
		}
		return failed("Could not read the audit log", err)
	}
	out := auditPage{Events: make([]auditEventView, 0, len(events)), NextCursor: next}
	for _, e := range events {
		// At to the nanosecond, as stored: a client may page by ?since= and ?until= with it.
		out.Events = append(out.Events, auditEventView{ID: e.ID, At: e.At.UTC().Format(time.RFC3339Nano), KeyID: e.KeyID, Actor: e.Actor, Address: e.Address,
			Action: e.Action, ResourceType: e.ResourceType, ResourceID: e.ResourceID, Changes: e.Changes})
	}
	c.JSON(http.StatusOK, out)
	return nil
}
