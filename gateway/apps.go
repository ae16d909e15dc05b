package gateway

import (
	"net/http"
	"regexp"

	"github.com/gin-gonic/gin"

	"github.com/junction-run/junction/connectors"
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
