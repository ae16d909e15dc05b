package console

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/definition"
)

// storedApp is a version of an app written as data as the API shows it
// (GET /apps, /apps/{app}/versions/{version}): the document only when one
// version is read.
type storedApp struct {
	Key         string                  `json:"key"`
	Version     string                  `json:"version"`
	Name        string                  `json:"name"`
	Status      string                  `json:"status"`
	Owner       string                  `json:"owner"`
	Deprecation *connectors.Deprecation `json:"deprecation"`
	CreatedAt   string                  `json:"createdAt"`
	App         json.RawMessage         `json:"app"`
}

// appNotices are the confirmations the apps pages show for ?notice=.
var appNotices = map[string]string{
	"created": "App version stored.",
	"same":    "That version is stored already, with the same document.",
}

func (c *Console) appRoutes() {
	c.mux.HandleFunc("GET /console/apps", c.signedIn(c.appsPage))
	c.mux.HandleFunc("POST /console/apps", c.signedIn(c.createApp))
	c.mux.HandleFunc("GET /console/apps/{app}", c.signedIn(c.appPage))
	c.mux.HandleFunc("POST /console/apps/{app}/versions", c.signedIn(c.createApp))
}

// appRow is one app of the apps list.
type appRow struct {
	connectors.ManifestConnector
	Icon template.URL
	// Own says the app is the account's, written as data.
	Own bool
	// Unlisted says the manifest does not list the app (an own app the
	// gateway's registry cannot load): only what GET /apps says is known.
	Unlisted bool
}

// ownerLabel says who keeps an app, for people.
func (a appRow) OwnerLabel() string {
	switch {
	case a.Own || a.Owner == connectors.OwnerAccount:
		return "this account's"
	case a.Owner == connectors.OwnerPlatform:
		return "the platform's"
	}
	return "built in"
}

// iconURL is an app's icon when the page may show it: only a data: URL of
// an image, as the console's CSP loads nothing remote (img-src 'self'
// data:). An https icon, which the manifest allows, is not shown.
func iconURL(icon string) template.URL {
	for _, kind := range []string{"png", "jpeg", "gif", "webp", "svg+xml"} {
		if strings.HasPrefix(icon, "data:image/"+kind+";") || strings.HasPrefix(icon, "data:image/"+kind+",") {
			return template.URL(icon) // an <img> runs no script, even of an SVG
		}
	}
	return ""
}

// appsList is the apps page's data.
type appsList struct {
	Apps []appRow
	// Document is the new app's document as posted, shown again with
	// the API's problems.
	Document string
}

// appsPage lists what the account can connect to (GET /manifest): the
// built-in connectors and the apps written as data, its own and the
// platform's, each with its versions, status and deprecations.
func (c *Console) appsPage(w http.ResponseWriter, r *http.Request, s *Session) {
	c.showApps(w, r, s, "", nil)
}

func (c *Console) showApps(w http.ResponseWriter, r *http.Request, s *Session, document string, postErr error) {
	rows, err := c.appRows(r, s)
	if err == nil {
		err = postErr
	}
	c.render(w, r, statusOf(err), "apps", s, pageData{Title: "Apps", Section: "apps", Error: err,
		Notice: appNotices[r.URL.Query().Get("notice")], Data: appsList{Apps: rows, Document: document}})
}

// appRows are the manifest's apps, with the account's own marked, and
// those of its own the manifest does not list (an app whose every version
// failed to load, say) from GET /apps.
func (c *Console) appRows(r *http.Request, s *Session) ([]appRow, error) {
	manifest, err := c.manifest(r, s)
	if err != nil {
		return nil, err
	}
	var own []storedApp
	if err := c.call(r, http.MethodGet, s.AccountPath("/apps")+"?limit=500", nil, &own); err != nil {
		return nil, err
	}
	isOwn := map[string]bool{}
	for _, a := range own {
		isOwn[a.Key] = true
	}
	var rows []appRow
	for _, app := range manifest.Connectors {
		rows = append(rows, appRow{ManifestConnector: app, Icon: iconURL(app.Documented().Icon), Own: isOwn[app.ID] && app.Owner != connectors.OwnerPlatform})
		delete(isOwn, app.ID)
	}
	for _, a := range own {
		if isOwn[a.Key] {
			rows = append(rows, appRow{Own: true, Unlisted: true, ManifestConnector: connectors.ManifestConnector{ID: a.Key, Name: a.Name, Owner: connectors.OwnerAccount,
				Versions: []connectors.Spec{{ID: a.Key, Name: a.Name, Version: a.Version, Status: connectors.Status(a.Status), Deprecation: a.Deprecation}}}})
		}
	}
	slices.SortFunc(rows, func(a, b appRow) int { return strings.Compare(a.ID, b.ID) })
	return rows, nil
}

// appDetail is an app's page: its versions, the definitions on each, and
// one version's actions and triggers; for the account's own app, its
// documents.
type appDetail struct {
	App  appRow
	Spec connectors.Spec
	// Versions are the app's versions, newest first.
	Versions []appVersionRow
	// Stored are the versions of the account's own app, newest first,
	// and Document the newest one's document.
	Stored   []storedApp
	Document json.RawMessage
	// NewVersion is a new version's document as posted, shown again with
	// the API's problems.
	NewVersion string
}

// appVersionRow is one version of an app and the account's definitions
// whose latest version pins it.
type appVersionRow struct {
	connectors.Spec
	Default     bool
	Selected    bool
	Definitions []definition.Document
	// More says there are more definitions than shown.
	More bool
	// Error is why the definitions could not be listed.
	Error error
}

// appPage shows an app of the account's manifest, or one of its own.
func (c *Console) appPage(w http.ResponseWriter, r *http.Request, s *Session) {
	c.showApp(w, r, s, "", nil)
}

func (c *Console) showApp(w http.ResponseWriter, r *http.Request, s *Session, newVersion string, postErr error) {
	id := r.PathValue("app")
	rows, err := c.appRows(r, s)
	if err != nil {
		c.render(w, r, statusOf(err), "app", s, pageData{Title: id, Section: "apps", Error: err})
		return
	}
	i := slices.IndexFunc(rows, func(a appRow) bool { return a.ID == id })
	if i < 0 {
		err := &APIError{Status: http.StatusNotFound, Message: "App " + id + " is not in the account's manifest."}
		c.render(w, r, http.StatusNotFound, "app", s, pageData{Title: id, Section: "apps", Error: err})
		return
	}
	d := appDetail{App: rows[i], NewVersion: newVersion}
	if d.App.Own {
		err = c.call(r, http.MethodGet, s.AccountPath("/apps/"+url.PathEscape(id)+"/versions")+"?limit=500", nil, &d.Stored)
		if err == nil && len(d.Stored) > 0 {
			var newest storedApp
			err = c.call(r, http.MethodGet, s.AccountPath("/apps/"+url.PathEscape(id)+"/versions/"+url.PathEscape(d.Stored[0].Version)), nil, &newest)
			d.Document = newest.App
		}
		if d.App.Unlisted {
			d.App.Versions = nil
			for _, a := range d.Stored {
				d.App.Versions = append(d.App.Versions, connectors.Spec{ID: a.Key, Name: a.Name, Version: a.Version,
					Status: connectors.Status(a.Status), Deprecation: a.Deprecation})
			}
		}
	}
	want := r.URL.Query().Get("version")
	if want == "" {
		want = d.App.Documented().Version
	}
	for _, spec := range d.App.Versions {
		v := appVersionRow{Spec: spec, Default: spec.Version == d.App.DefaultVersion, Selected: spec.Version == want}
		if v.Selected {
			d.Spec = spec
		}
		q := url.Values{"limit": {fmt.Sprint(pageSize + 1)}}
		v.Error = c.call(r, http.MethodGet, s.AccountPath("/apps/"+url.PathEscape(id)+"/versions/"+url.PathEscape(spec.Version)+"/definitions")+"?"+q.Encode(), nil, &v.Definitions)
		if len(v.Definitions) > pageSize {
			v.Definitions, v.More = v.Definitions[:pageSize], true
		}
		d.Versions = append(d.Versions, v)
	}
	if postErr != nil {
		err = postErr
	}
	c.render(w, r, statusOf(err), "app", s, pageData{Title: d.App.Name, Section: "apps", Error: err,
		Notice: appNotices[r.URL.Query().Get("notice")], Data: d})
}

// createApp stores a version of a declarative app, the one its document
// names (POST /apps), from the apps page (a new app) or an app's page (a
// new version). The API's problems are shown with their paths, the
// document as it was posted.
func (c *Console) createApp(w http.ResponseWriter, r *http.Request, s *Session) {
	document := r.PostFormValue("document")
	var saved storedApp
	var status int
	err := syntaxError(document)
	if err == nil {
		// Sent as typed: the API keeps the document as it is sent.
		var rec *recorder
		rec, err = c.send(r.Context(), r, http.MethodPost, s.AccountPath("/apps"), strings.NewReader(document), "application/json")
		if err == nil {
			status = rec.status
			_, err = rec.answer(http.MethodPost, s.AccountPath("/apps"), &saved)
		}
	}
	if err != nil {
		if r.PathValue("app") != "" {
			c.showApp(w, r, s, document, err)
		} else {
			c.showApps(w, r, s, document, err)
		}
		return
	}
	notice := "created"
	if status != http.StatusCreated {
		notice = "same"
	}
	http.Redirect(w, r, "/console/apps/"+url.PathEscape(saved.Key)+"?"+url.Values{"version": {saved.Version}, "notice": {notice}}.Encode(), http.StatusSeeOther)
}

// syntaxError is a 400 naming where document stops being JSON, nil when
// it is JSON: what the API would say, said before sending it.
func syntaxError(document string) error {
	var v any
	err := json.Unmarshal([]byte(document), &v)
	if err == nil {
		return nil
	}
	msg := err.Error()
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		before := document[:se.Offset]
		line := strings.Count(before, "\n") + 1
		col := len(before) - strings.LastIndex(before, "\n")
		msg = fmt.Sprintf("line %d, column %d: %s", line, col, se.Error())
	}
	return &APIError{Status: http.StatusBadRequest, Message: "The document is not JSON.", Errors: []FieldError{{Path: "document", Message: msg}}}
}
