package console_test

import (
	"bytes"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/junction-run/junction/connectors/catalog"
)

// The apps page lists every built-in connector with each of its versions
// and their status, as the registry has them.
func TestAppsPageListsTheBuiltInConnectors(t *testing.T) {
	s := newSite(t)
	r := s.as(s.reader)
	doc := parsePage(t, r.do(http.MethodGet, "/console/apps", nil), http.StatusOK)
	rows := elements(doc, func(n *html.Node) bool { return n.Data == "tr" })
	for _, app := range catalog.New().Manifest().Connectors {
		var row *html.Node
		for _, tr := range rows {
			if len(elements(tr, func(a *html.Node) bool {
				href, _ := attr(a, "href")
				return a.Data == "a" && href == "/console/apps/"+app.ID
			})) > 0 {
				row = tr
			}
		}
		if row == nil {
			t.Errorf("no row for %s", app.ID)
			continue
		}
		got := text(row)
		if !strings.Contains(got, app.Name) {
			t.Errorf("%s's row lacks its name %q: %s", app.ID, app.Name, got)
		}
		for _, v := range app.Versions {
			if !strings.Contains(got, v.Version) || !strings.Contains(got, string(v.Status)) {
				t.Errorf("%s's row lacks version %s (%s): %s", app.ID, v.Version, v.Status, got)
			}
		}
	}
	if page := readAll(t, r.do(http.MethodGet, "/console/apps", nil)); strings.Contains(page, `action="/console/apps"`) {
		t.Error("a read key is offered to store an app")
	}
}

// An app's page has its versions, and the actions and triggers of the one
// asked for, as the manifest has them.
func TestAppPageShowsActionsAndTriggers(t *testing.T) {
	s := newSite(t)
	s.signIn(s.reader)
	for _, app := range catalog.New().Manifest().Connectors {
		t.Run(app.ID, func(t *testing.T) {
			spec := app.Documented()
			page := readAll(t, s.do(http.MethodGet, "/console/apps/"+app.ID, nil))
			want := []string{"Version " + spec.Version + ": actions"}
			for _, a := range spec.Actions {
				want = append(want, html.EscapeString(a.Name), a.ID)
			}
			for _, tr := range spec.Triggers {
				want = append(want, html.EscapeString(tr.Name), tr.ID)
			}
			for _, w := range want {
				if !strings.Contains(page, w) {
					t.Errorf("the page lacks %q", w)
				}
			}
		})
	}
	if res := s.do(http.MethodGet, "/console/apps/nosuchapp", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown app: %d", res.StatusCode)
	}
}

// The account's own app: stored from the console, its document shown,
// a new version added; the API's problems shown at their paths; a read
// key sees no form and gets the API's 403. The definitions on a version
// are listed, linked.
func TestOwnAppsInTheConsole(t *testing.T) {
	withVault, _ := vault(t)
	s := newSite(t, withVault)
	s.signIn(s.admin)
	doc, err := os.ReadFile(filepath.Join("..", "connectors", "declarative", "testdata", "valid", "acme_feed.json"))
	if err != nil {
		t.Fatal(err)
	}

	res := s.do(http.MethodPost, "/console/apps", url.Values{"document": {string(doc)}})
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/console/apps/acme_feed?notice=created&version=1.0.0" {
		t.Fatalf("storing an app: %d to %q\n%s", res.StatusCode, loc, readAll(t, res))
	}
	page := readAll(t, s.do(http.MethodGet, "/console/apps", nil))
	if !strings.Contains(page, `href="/console/apps/acme_feed"`) || !strings.Contains(page, "this account&#39;s") {
		t.Errorf("the apps page lacks the account's app:\n%s", page)
	}
	page = readAll(t, s.do(http.MethodGet, "/console/apps/acme_feed", nil))
	for _, want := range []string{"Document of the newest version", "feed.acme.example", `action="/console/apps/acme_feed/versions"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the app's page lacks %q", want)
		}
	}

	for _, tc := range []struct {
		name, document, problem string
	}{
		{"not JSON", "{\n  \"key\": ", "<code>document</code>: line 2"},
		{"an invalid version", `{"key": "acme_feed", "name": "Acme Feed", "version": "one"}`, "<code>version</code>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := s.do(http.MethodPost, "/console/apps/acme_feed/versions", url.Values{"document": {tc.document}})
			page := readAll(t, res)
			if res.StatusCode != http.StatusBadRequest || !strings.Contains(page, tc.problem) || !strings.Contains(page, html.EscapeString(tc.document)) {
				t.Errorf("%d, want 400 with %q and the document kept\n%s", res.StatusCode, tc.problem, page)
			}
		})
	}
	// An & the API compares as written: the console sends the document as typed.
	v2 := bytes.Replace(doc, []byte(`"version": "1.0.0"`), []byte(`"version": "1.1.0"`), 1)
	v2 = bytes.Replace(v2, []byte(`lists items`), []byte(`lists items & <more>`), 1)
	res = s.do(http.MethodPost, "/console/apps/acme_feed/versions", url.Values{"document": {string(v2)}})
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/console/apps/acme_feed?notice=created&version=1.1.0" {
		t.Fatalf("a new version: %d to %q\n%s", res.StatusCode, loc, readAll(t, res))
	}
	if status, body := s.apiRaw(s.admin, http.MethodPost, "/api/v1/accounts/acme/apps", v2); status != http.StatusOK {
		t.Errorf("the same version through the API: %d %s", status, body)
	}
	res = s.do(http.MethodPost, "/console/apps/acme_feed/versions", url.Values{"document": {string(v2)}})
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "notice=same") {
		t.Errorf("the same version again: %d to %q", res.StatusCode, loc)
	}

	// A deprecation shows with its date, replacement and note.
	status, body := s.apiRaw(s.admin, http.MethodPut, "/api/v1/accounts/acme/apps/acme_feed/versions/1.0.0/deprecation",
		[]byte(`{"date": "2031-01-31", "replacement": "1.1.0", "note": "Items gain a seq."}`))
	if status != http.StatusOK {
		t.Fatalf("deprecating 1.0.0: %d %s", status, body)
	}
	if page := readAll(t, s.do(http.MethodGet, "/console/apps/acme_feed", nil)); !strings.Contains(page, "until 2031-01-31, move to 1.1.0: Items gain a seq.") {
		t.Errorf("the app's page lacks the deprecation:\n%s", page)
	}

	// A definition on a version is listed at that version's row, linked.
	status, body = s.apiRaw(s.admin, http.MethodPost, "/api/v1/accounts/acme/connections", []byte(`{"app": "http", "authKind": "none"}`))
	if status != http.StatusCreated {
		t.Fatalf("a connection: %d %s", status, body)
	}
	var conn struct{ ID string }
	decode(t, body, &conn)
	status, body = s.apiRaw(s.admin, http.MethodPost, "/api/v1/accounts/acme/definitions", []byte(`{"trigger": "http_request", "status": "disabled",
		"definition": {"name": "Partner call", "steps": [{"id": "call", "stepType": "http.call", "connection": "`+conn.ID+`",
		"inputs": {"method": "GET", "url": "https://partner.example/"}}]}}`))
	if status != http.StatusCreated {
		t.Fatalf("a definition: %d %s", status, body)
	}
	var def struct{ ID string }
	decode(t, body, &def)
	var version string
	for _, app := range catalog.New().Manifest().Connectors {
		if app.ID == "http" {
			version = app.DefaultVersion
		}
	}
	if version == "" {
		t.Fatal("the http connector has no default version")
	}
	linked := false
	for _, tr := range elements(parsePage(t, s.do(http.MethodGet, "/console/apps/http", nil), http.StatusOK), func(n *html.Node) bool { return n.Data == "tr" }) {
		if strings.HasPrefix(text(tr), version) && strings.Contains(renderNode(t, tr), `href="/console/definitions/`+def.ID+`"`) {
			linked = true
		}
	}
	if !linked {
		t.Errorf("no row of http %s links the definition %s", version, def.ID)
	}

	r := s.as(s.reader)
	page = readAll(t, r.do(http.MethodGet, "/console/apps/acme_feed", nil))
	if !strings.Contains(page, "Document of the newest version") || strings.Contains(page, `action="/console/apps/acme_feed/versions"`) {
		t.Errorf("a read key's page of the app:\n%s", page)
	}
	v3 := bytes.Replace(doc, []byte(`"version": "1.0.0"`), []byte(`"version": "1.2.0"`), 1)
	res = r.do(http.MethodPost, "/console/apps/acme_feed/versions", url.Values{"document": {string(v3)}})
	if page := readAll(t, res); res.StatusCode != http.StatusForbidden || !strings.Contains(page, `role="alert"`) {
		t.Errorf("a read key storing a version: %d\n%s", res.StatusCode, page)
	}
}

func renderNode(t *testing.T, n *html.Node) string {
	t.Helper()
	var b strings.Builder
	if err := html.Render(&b, n); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
