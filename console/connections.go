package console

import (
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"

	"github.com/junction-run/junction/connectors"
)

// connection is a connection as the API shows it (GET
// /connections/{id}): a secret field is {"set": true}, never a value.
type connection struct {
	ID         string            `json:"id"`
	App        string            `json:"app"`
	AppVersion string            `json:"appVersion"`
	Name       string            `json:"name"`
	AuthKind   string            `json:"authKind"`
	Fields     map[string]any    `json:"fields"`
	Properties map[string]string `json:"properties"`
	CreatedAt  string            `json:"createdAt"`
	UpdatedAt  string            `json:"updatedAt"`
	Version    int               `json:"version"`
}

// plainField is the value of a non-secret field, and whether the field
// holds one: a secret's {"set": true} is not a value.
func (c connection) plainField(name string) (string, bool) {
	v, ok := c.Fields[name].(string)
	return v, ok
}

// secretSet says whether the connection has a value for the secret field:
// the API shows it as {"set": true}.
func (c connection) secretSet(name string) bool {
	m, ok := c.Fields[name].(map[string]any)
	return ok && m["set"] == true
}

// connectionNotices are the confirmations a connections page shows for
// ?notice=, after the change a form made. Only these: a page never shows
// text from its address.
var connectionNotices = map[string]string{
	"created":   "Connection created.",
	"saved":     "Connection saved.",
	"unchanged": "Nothing changed.",
	"deleted":   "Connection deleted.",
}

func (c *Console) connectionRoutes() {
	c.mux.HandleFunc("GET /console/connections", c.signedIn(c.connectionsPage))
	c.mux.HandleFunc("GET /console/connections/new", c.signedIn(c.newConnectionPage))
	c.mux.HandleFunc("POST /console/connections", c.signedIn(c.createConnection))
	c.mux.HandleFunc("GET /console/connections/{id}", c.signedIn(c.connectionPage))
	c.mux.HandleFunc("GET /console/connections/{id}/edit", c.signedIn(c.editConnectionPage))
	c.mux.HandleFunc("POST /console/connections/{id}", c.signedIn(c.updateConnection))
	c.mux.HandleFunc("POST /console/connections/{id}/test", c.signedIn(c.testConnection))
	c.mux.HandleFunc("POST /console/connections/{id}/delete", c.signedIn(c.deleteConnection))
	c.mux.HandleFunc("POST /console/connections/{id}/connect", c.signedIn(c.connectConnection))
}

// connectionRow is one line of the connections list.
type connectionRow struct {
	connection
	// AppName is the app's name from the manifest, "" when the account can
	// no longer use the app.
	AppName string
}

// connectionsPage lists the account's connections, a page at a time.
func (c *Console) connectionsPage(w http.ResponseWriter, r *http.Request, s *Session) {
	page := pageOf(r)
	var conns []connection
	err := c.call(r, http.MethodGet, s.AccountPath("/connections")+"?"+page.query().Encode(), nil, &conns)
	var rows []connectionRow
	if err == nil {
		// The names are a nicety: without the manifest the ids still say it.
		manifest, _ := c.manifest(r, s)
		for _, conn := range conns {
			row := connectionRow{connection: conn}
			if app, ok := manifest.app(conn.App); ok {
				row.AppName = app.Name
			}
			rows = append(rows, row)
		}
	}
	c.render(w, r, statusOf(err), "connections", s, pageData{Title: "Connections", Section: "connections", Error: err,
		Notice: connectionNotices[r.URL.Query().Get("notice")],
		Data: struct {
			Connections []connectionRow
			Page        listPage
		}{rows, page.withCount(len(conns))}})
}

// accountManifest is the account's manifest: what it can connect to.
type accountManifest connectors.ManifestDoc

// manifest reads the account's manifest (GET /manifest).
func (c *Console) manifest(r *http.Request, s *Session) (accountManifest, error) {
	var doc accountManifest
	err := c.call(r, http.MethodGet, s.AccountPath("/manifest"), nil, &doc)
	return doc, err
}

// app finds the app id in the manifest.
func (m accountManifest) app(id string) (connectors.ManifestConnector, bool) {
	i := slices.IndexFunc(m.Connectors, func(c connectors.ManifestConnector) bool { return c.ID == id })
	if i < 0 {
		return connectors.ManifestConnector{}, false
	}
	return m.Connectors[i], true
}

// appVersion finds version of app in the manifest; "" is the version a
// new connection gets: the default one, or the newest with none stable.
func (m accountManifest) appVersion(id, version string) (connectors.ManifestConnector, connectors.Spec, bool) {
	app, ok := m.app(id)
	if !ok {
		return app, connectors.Spec{}, false
	}
	if version == "" {
		return app, app.Documented(), len(app.Versions) > 0
	}
	i := slices.IndexFunc(app.Versions, func(s connectors.Spec) bool { return s.Version == version })
	if i < 0 {
		return app, connectors.Spec{}, false
	}
	return app, app.Versions[i], true
}

// authSpec is how spec authenticates with kind, or nil.
func authSpec(spec connectors.Spec, kind string) *connectors.AuthSpec {
	i := slices.IndexFunc(spec.Auth, func(a connectors.AuthSpec) bool { return string(a.Kind) == kind })
	if i < 0 {
		return nil
	}
	return &spec.Auth[i]
}

// connectionDetail is what a connection's page shows.
type connectionDetail struct {
	Conn    connection
	AppName string
	// Known says whether the manifest still has the connection's app
	// version and auth kind; the fields are listed from it, else as the
	// API gives them.
	Known      bool
	Fields     []detailField
	Properties []detailField
	// OAuth2 says whether the connection is authorized in a browser, with
	// "Connect".
	OAuth2 bool
	// Test is the result of the test just run, nil when none was.
	Test *connectionTest
}

// detailField is one field of a connection as its page shows it: a
// secret only as set or not set.
type detailField struct {
	Name, Description string
	Secret, Set       bool
	Value             string
}

// connectionTest is the API's answer to POST .../test.
type connectionTest struct {
	OK    bool   `json:"ok"`
	Error string `json:"error"`
}

// connectionPage shows a connection: its fields, its secrets as set or
// not set, and the buttons the session's key may use.
func (c *Console) connectionPage(w http.ResponseWriter, r *http.Request, s *Session) {
	c.showConnection(w, r, s, nil, nil)
}

// showConnection draws the connection's page with the test's result or
// the error of what a button did.
func (c *Console) showConnection(w http.ResponseWriter, r *http.Request, s *Session, test *connectionTest, actionErr error) {
	var conn connection
	err := c.call(r, http.MethodGet, s.AccountPath("/connections/"+url.PathEscape(r.PathValue("id"))), nil, &conn)
	if err != nil {
		c.render(w, r, statusOf(err), "connection", s, pageData{Title: "Connection", Section: "connections", Error: err})
		return
	}
	manifest, _ := c.manifest(r, s)
	app, spec, ok := manifest.appVersion(conn.App, conn.AppVersion)
	d := connectionDetail{Conn: conn, AppName: app.Name, Test: test, OAuth2: conn.AuthKind == string(connectors.AuthOAuth2AuthorizationCode)}
	var auth *connectors.AuthSpec
	if ok {
		auth = authSpec(spec, conn.AuthKind)
	}
	listed := map[string]bool{}
	if auth != nil {
		d.Known = true
		for _, f := range auth.Fields {
			listed[f.Name] = true
			d.Fields = append(d.Fields, fieldDetail(conn, f.Name, f.Description, f.Secret))
		}
		for _, p := range spec.Properties {
			d.Properties = append(d.Properties, detailField{Name: p.Name, Description: p.Description, Value: conn.Properties[p.Name]})
		}
	}
	// What the manifest does not list (an API key's place, or everything
	// when the app is gone) is shown as the API gives it.
	for _, name := range slices.Sorted(maps.Keys(conn.Fields)) {
		if !listed[name] {
			_, isPlain := conn.plainField(name)
			d.Fields = append(d.Fields, fieldDetail(conn, name, "", !isPlain))
		}
	}
	if auth == nil {
		for _, name := range slices.Sorted(maps.Keys(conn.Properties)) {
			d.Properties = append(d.Properties, detailField{Name: name, Value: conn.Properties[name]})
		}
	}
	title := conn.Name
	if title == "" {
		title = "Connection " + conn.ID
	}
	status := http.StatusOK
	if actionErr != nil {
		status = statusOf(actionErr)
	}
	c.render(w, r, status, "connection", s, pageData{Title: title, Section: "connections", Error: actionErr,
		Notice: connectionNotices[r.URL.Query().Get("notice")], Data: d})
}

// fieldDetail is a field of conn as its page shows it. A secret field's
// value is never taken, whatever the API sent.
func fieldDetail(conn connection, name, description string, secret bool) detailField {
	if secret {
		return detailField{Name: name, Description: description, Secret: true, Set: conn.secretSet(name)}
	}
	v, _ := conn.plainField(name)
	return detailField{Name: name, Description: description, Value: v}
}

// testConnection runs the app's check of the connection (POST .../test)
// and shows its answer on the connection's page.
func (c *Console) testConnection(w http.ResponseWriter, r *http.Request, s *Session) {
	var res connectionTest
	err := c.call(r, http.MethodPost, s.AccountPath("/connections/"+url.PathEscape(r.PathValue("id"))+"/test"), nil, &res)
	if err != nil {
		c.showConnection(w, r, s, nil, err)
		return
	}
	c.showConnection(w, r, s, &res, nil)
}

// deleteConnection deletes the connection and its secrets.
func (c *Console) deleteConnection(w http.ResponseWriter, r *http.Request, s *Session) {
	if err := c.call(r, http.MethodDelete, s.AccountPath("/connections/"+url.PathEscape(r.PathValue("id"))), nil, nil); err != nil {
		c.showConnection(w, r, s, nil, err)
		return
	}
	http.Redirect(w, r, "/console/connections?notice=deleted", http.StatusSeeOther)
}

// connectConnection starts an OAuth2 authorization (POST
// .../oauth2/authorize) and sends the browser to the link it answers; the
// provider sends it back to the gateway's callback, which completes it.
func (c *Console) connectConnection(w http.ResponseWriter, r *http.Request, s *Session) {
	var res struct {
		AuthorizationURL string `json:"authorizationUrl"`
	}
	err := c.call(r, http.MethodPost, s.AccountPath("/connections/"+url.PathEscape(r.PathValue("id"))+"/oauth2/authorize"), nil, &res)
	if err == nil && res.AuthorizationURL == "" {
		err = errors.New("the API answered no authorization link")
	}
	if err != nil {
		c.showConnection(w, r, s, nil, err)
		return
	}
	http.Redirect(w, r, res.AuthorizationURL, http.StatusSeeOther)
}
