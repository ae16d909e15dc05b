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

// storedAppView is one version of an app the account wrote as data: its
// metadata and, when one version is asked for or created, the document as
// it was sent.
type storedAppView struct {
	Key       string          `json:"key"`
	Version   string          `json:"version"`
	Name      string          `json:"name"`
	Status    string          `json:"status"`
	CreatedAt string          `json:"createdAt"`
	App       json.RawMessage `json:"app,omitempty"`
}

func viewStoredApp(a store.AppVersion) storedAppView {
	return storedAppView{Key: a.Key, Version: a.Version, Name: a.Name, Status: a.Status,
		CreatedAt: formatTime(a.CreatedAt), App: a.Body}
}

func viewStoredApps(as []store.AppVersion) []storedAppView {
	out := make([]storedAppView, 0, len(as))
	for _, a := range as {
		out = append(out, viewStoredApp(a))
	}
	return out
}

// createAccountApp stores a version of a declarative app: 201 when it is
// new, 200 when the same version with the same document is already there.
func (g *Gateway) createAccountApp(c *gin.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	saved, created, err := g.apps.Create(c.Request.Context(), c.Param("accountId"), body)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		c.Header("Location", "/api/v1/accounts/"+saved.AccountID+"/apps/"+saved.Key+"/versions/"+saved.Version)
	}
	c.JSON(status, viewStoredApp(saved))
	return nil
}

func (g *Gateway) listAccountApps(c *gin.Context) error {
	page, err := readPage(c)
	if err != nil {
		return err
	}
	apps, err := g.apps.List(c.Request.Context(), c.Param("accountId"), page)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, viewStoredApps(apps))
	return nil
}

func (g *Gateway) accountAppVersions(c *gin.Context) error {
	page, err := readPage(c)
	if err != nil {
		return err
	}
	versions, err := g.apps.Versions(c.Request.Context(), c.Param("accountId"), c.Param("app"), page)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, viewStoredApps(versions))
	return nil
}

func (g *Gateway) getAccountAppVersion(c *gin.Context) error {
	a, err := g.apps.Get(c.Request.Context(), c.Param("accountId"), c.Param("app"), c.Param("version"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, viewStoredApp(a))
	return nil
}

func (g *Gateway) deleteAccountAppVersion(c *gin.Context) error {
	if err := g.apps.DeleteVersion(c.Request.Context(), c.Param("accountId"), c.Param("app"), c.Param("version")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func (g *Gateway) deleteAccountApp(c *gin.Context) error {
	if err := g.apps.Delete(c.Request.Context(), c.Param("accountId"), c.Param("app")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
