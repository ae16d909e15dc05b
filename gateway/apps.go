package gateway

import (
	"encoding/json"
	"net/http"
	"regexp"

	"github.com/gin-gonic/gin"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/store"
)

// appView is one app (connector) as GET /apps lists it: its versions with
// what a definition author must know to pick one, without the full specs
// the manifest carries.
type appView struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// DefaultVersion is the latest stable version: what a definition that
	// names no version is pinned to when saved. Empty when none is stable.
	DefaultVersion string           `json:"defaultVersion,omitempty"`
	Versions       []appVersionView `json:"versions"`
}

type appVersionView struct {
	Version     string                  `json:"version"`
	Status      connectors.Status       `json:"status"`
	Deprecation *connectors.Deprecation `json:"deprecation,omitempty"`
}

// listApps lists every app and its versions, newest first, with their
// status and, for deprecated ones, the date and the replacement. Like the
// manifest it holds nothing of any account, so it needs no key.
func (g *Gateway) listApps(c *gin.Context) error {
	page, err := readPage(c)
	if err != nil {
		return err
	}
	all := g.connectors.Manifest().Connectors
	out := []appView{}
	for i := page.Offset; i < len(all) && len(out) < page.Limit; i++ {
		mc := all[i]
		v := appView{ID: mc.ID, Name: mc.Name, DefaultVersion: mc.DefaultVersion, Versions: []appVersionView{}}
		for _, s := range mc.Versions {
			v.Versions = append(v.Versions, appVersionView{Version: s.Version, Status: s.Status, Deprecation: s.Deprecation})
		}
		out = append(out, v)
	}
	c.JSON(http.StatusOK, out)
	return nil
}

var (
	appIDPattern      = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	appVersionPattern = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+(?:[-+][0-9A-Za-z.+-]+)?$`)
)

// appVersionDefinitions lists the account's definitions whose latest
// version pins an app version: what to move before a deprecated version
// goes. The version need not be registered any more: definitions pinned to
// a version since removed are exactly the ones to find.
func (g *Gateway) appVersionDefinitions(c *gin.Context) error {
	app, version := c.Param("app"), c.Param("version")
	var problems []fieldError
	if !appIDPattern.MatchString(app) {
		problems = append(problems, fieldError{Path: "app", Code: "invalid_value", Message: "must be an app id: lower-case letters, digits and _, starting with a letter"})
	}
	if !appVersionPattern.MatchString(version) {
		problems = append(problems, fieldError{Path: "version", Code: "invalid_value", Message: "must be a semantic version such as 1.0.0"})
	}
	if len(problems) > 0 {
		return invalidFields(problems)
	}
	page, err := readPage(c)
	if err != nil {
		return err
	}
	docs, err := g.definitions.OnAppVersion(c.Request.Context(), c.Param("accountId"), app, version, page)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, docs)
	return nil
}

// storedAppView is one version of an app written as data, an account's or
// the platform's: its metadata, its deprecation and, when one version is
// asked for or stored, the document as it was sent. Status is "deprecated"
// once the version is, as for a built-in connector's version (GET
// /api/v1/apps); the document keeps the status it was written with.
type storedAppView struct {
	Key         string                  `json:"key"`
	Version     string                  `json:"version"`
	Name        string                  `json:"name"`
	Status      string                  `json:"status"`
	Owner       connectors.AppOwner     `json:"owner"`
	Deprecation *connectors.Deprecation `json:"deprecation,omitempty"`
	CreatedAt   string                  `json:"createdAt"`
	App         json.RawMessage         `json:"app,omitempty"`
}

func viewStoredApp(a store.AppVersion) storedAppView {
	v := storedAppView{Key: a.Key, Version: a.Version, Name: a.Name, Status: a.Status, Owner: connectors.OwnerAccount,
		CreatedAt: formatTime(a.CreatedAt), App: a.Body}
	if a.Owner.Platform {
		v.Owner = connectors.OwnerPlatform
	}
	if d := a.Deprecation; d != nil {
		v.Status = string(connectors.StatusDeprecated)
		v.Deprecation = &connectors.Deprecation{Date: d.Date, Replacement: d.Replacement, Note: d.Note}
	}
	return v
}

func viewStoredApps(as []store.AppVersion) []storedAppView {
	out := make([]storedAppView, 0, len(as))
	for _, a := range as {
		out = append(out, viewStoredApp(a))
	}
	return out
}

// appOwnerKey holds, in a request's gin context, whose apps the route
// manages: the account's of the path, or the platform's.
const appOwnerKey = "junction.appOwner"

// accountAppsOwner makes the account of the path the owner of the apps the
// route manages.
func accountAppsOwner(c *gin.Context) error {
	c.Set(appOwnerKey, store.AccountApps(c.Param("accountId")))
	return nil
}

// appOwner is the owner a middleware set; the zero owner, which the store
// refuses, if none did.
func appOwner(c *gin.Context) store.AppOwner {
	o, _ := c.Get(appOwnerKey)
	owner, _ := o.(store.AppOwner)
	return owner
}

// storedAppPath is where a stored version is read.
func storedAppPath(a store.AppVersion) string {
	base := "/api/v1/platform/apps/"
	if !a.Owner.Platform {
		base = "/api/v1/accounts/" + a.Owner.AccountID + "/apps/"
	}
	return base + a.Key + "/versions/" + a.Version
}

// writeStoredApp answers a stored version: 201 with its Location when it
// is new, 200 when the same version with the same document was there.
func writeStoredApp(c *gin.Context, saved store.AppVersion, created bool) error {
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		c.Header("Location", storedAppPath(saved))
	}
	c.JSON(status, viewStoredApp(saved))
	return nil
}

// storedAppRoutes are the routes of apps written as data, under
// /api/v1/accounts/{accountId}/apps for an account's and
// /api/v1/platform/apps for the platform's; the group's middleware says
// whose (appOwnerKey).
func (g *Gateway) storedAppRoutes(apps *gin.RouterGroup) {
	apps.POST("", g.handle(g.createStoredApp))
	apps.GET("", g.handle(g.listStoredApps))
	apps.GET("/:app/versions", g.handle(g.storedAppVersions))
	apps.GET("/:app/versions/:version", g.handle(g.getStoredAppVersion))
	apps.PUT("/:app/versions/:version", g.handle(g.putStoredAppVersion))
	apps.DELETE("/:app/versions/:version", g.handle(g.deleteStoredAppVersion))
	apps.PUT("/:app/versions/:version/deprecation", g.handle(g.deprecateStoredAppVersion))
	apps.DELETE("/:app/versions/:version/deprecation", g.handle(g.undeprecateStoredAppVersion))
	apps.DELETE("/:app", g.handle(g.deleteStoredApp))
}

// createStoredApp stores a version of a declarative app, the version its
// document says.
func (g *Gateway) createStoredApp(c *gin.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	saved, created, err := g.apps.Create(c.Request.Context(), appOwner(c), body)
	if err != nil {
		return err
	}
	return writeStoredApp(c, saved, created)
}

// putStoredAppVersion stores the version the path names, whose document
// must name the same key and version: idempotent, as a PUT is, and a 409
// naming version when that version is stored with another document.
func (g *Gateway) putStoredAppVersion(c *gin.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	saved, created, err := g.apps.Put(c.Request.Context(), appOwner(c), c.Param("app"), c.Param("version"), body)
	if err != nil {
		return err
	}
	return writeStoredApp(c, saved, created)
}

func (g *Gateway) listStoredApps(c *gin.Context) error {
	page, err := readPage(c)
	if err != nil {
		return err
	}
	apps, err := g.apps.List(c.Request.Context(), appOwner(c), page)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, viewStoredApps(apps))
	return nil
}

func (g *Gateway) storedAppVersions(c *gin.Context) error {
	page, err := readPage(c)
	if err != nil {
		return err
	}
	versions, err := g.apps.Versions(c.Request.Context(), appOwner(c), c.Param("app"), page)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, viewStoredApps(versions))
	return nil
}

func (g *Gateway) getStoredAppVersion(c *gin.Context) error {
	a, err := g.apps.Get(c.Request.Context(), appOwner(c), c.Param("app"), c.Param("version"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, viewStoredApp(a))
	return nil
}

// deprecateStoredAppVersion sets a version's deprecation (date,
// replacement, note; manage.Apps.Deprecate) and answers the version.
func (g *Gateway) deprecateStoredAppVersion(c *gin.Context) error {
	var d connectors.Deprecation
	if err := decodeStrict(c, &d); err != nil {
		return err
	}
	saved, err := g.apps.Deprecate(c.Request.Context(), appOwner(c), c.Param("app"), c.Param("version"), d)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, viewStoredApp(saved))
	return nil
}

func (g *Gateway) undeprecateStoredAppVersion(c *gin.Context) error {
	if err := g.apps.Undeprecate(c.Request.Context(), appOwner(c), c.Param("app"), c.Param("version")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func (g *Gateway) deleteStoredAppVersion(c *gin.Context) error {
	if err := g.apps.DeleteVersion(c.Request.Context(), appOwner(c), c.Param("app"), c.Param("version")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func (g *Gateway) deleteStoredApp(c *gin.Context) error {
	if err := g.apps.Delete(c.Request.Context(), appOwner(c), c.Param("app")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// accountManifest is the manifest of what the account can connect to: the
// built-in connectors, its own apps and the platform's, each stored app
// marked with its owner.
func (g *Gateway) accountManifest(c *gin.Context) error {
	doc, err := g.apps.Manifest(c.Request.Context(), c.Param("accountId"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, doc)
	return nil
}
