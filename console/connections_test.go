package console_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/junction-run/junction/credentials"
	"github.com/junction-run/junction/gateway"
	"github.com/junction-run/junction/vaultx"
	"github.com/junction-run/junction/vaultx/vaulttest"
)

// The form for a new connection is generated from the manifest: each auth
// field and custom property gets the input its type asks for, each with
// its label, and secrets are password inputs. No Vault: nothing is stored.
func TestNewConnectionFormFollowsTheManifest(t *testing.T) {
	s := newSite(t)
	s.signIn(s.admin)
	for _, tc := range []struct {
		query string
		// inputs are the form's inputs by name: their type ("select" for
		// a select) and whether they are required.
		inputs map[string]input
	}{
		{"app=http&authKind=basic", map[string]input{
			"name":                 {kind: "text"},
			"fields.username":      {kind: "text", required: true},
			"fields.password":      {kind: "password", required: true},
			"properties.check_url": {kind: "url"},
		}},
		{"app=http&authKind=api_key", map[string]input{
			"fields.key":  {kind: "password", required: true},
			"fields.in":   {kind: "select", required: true, options: []string{"header", "query", "cookie"}},
			"fields.name": {kind: "text", required: true},
		}},
		{"app=http&authKind=oauth2_client_credentials", map[string]input{
			"fields.client_secret": {kind: "password", required: true},
			"fields.token_url":     {kind: "url", required: true},
			"fields.client_auth":   {kind: "select", options: []string{"", "client_secret_basic", "client_secret_post"}},
		}},
		{"app=telegram", map[string]input{
			"fields.token":          {kind: "password", required: true},
			"fields.webhook_secret": {kind: "password"},
		}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			res := s.do(http.MethodGet, "/console/connections/new?"+tc.query, nil)
			doc := parsePage(t, res, http.StatusOK)
			form := formWithAction(t, doc, "/console/connections")
			for name, want := range tc.inputs {
				got, ok := inputNamed(form, name)
				if !ok {
					t.Errorf("no input %s", name)
					continue
				}
				if got.kind != want.kind || got.required != want.required || !slices.Equal(got.options, want.options) {
					t.Errorf("input %s is %+v, want %+v", name, got, want)
				}
			}
			checkLabels(t, doc)
		})
	}

	res := s.do(http.MethodGet, "/console/connections/new", nil)
	doc := parsePage(t, res, http.StatusOK)
	if got, _ := inputNamed(doc, "app"); !slices.Contains(got.options, "telegram") || !slices.Contains(got.options, "http") {
		t.Errorf("picking an app offers %v", got.options)
	}
	res = s.do(http.MethodGet, "/console/connections/new?app=nosuchapp", nil)
	if page := readAll(t, res); res.StatusCode != http.StatusNotFound || !strings.Contains(page, "nosuchapp") {
		t.Errorf("an unknown app: %d\n%s", res.StatusCode, page)
	}
}

// Without a Vault the API cannot keep secrets and says so (503); the
// page shows its answer. A read key sees no way to create a connection.
func TestConnectionsWithoutVault(t *testing.T) {
	s := newSite(t)
	s.signIn(s.admin)
	res := s.do(http.MethodPost, "/console/connections", url.Values{"app": {"telegram"}, "authKind": {"bearer"}, "fields.token": {"tok"}})
	if page := readAll(t, res); res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(page, "Could not store the connection") {
		t.Errorf("creating without a Vault: %d\n%s", res.StatusCode, page)
	}
	res = s.do(http.MethodGet, "/console/connections", nil)
	if page := readAll(t, res); res.StatusCode != http.StatusOK || !strings.Contains(page, `href="/console/connections/new"`) {
		t.Errorf("the list for an admin key: %d\n%s", res.StatusCode, page)
	}

	r := s.as(s.reader)
	res = r.do(http.MethodGet, "/console/connections", nil)
	if page := readAll(t, res); res.StatusCode != http.StatusOK || strings.Contains(page, "/console/connections/new") {
		t.Errorf("the list for a read key offers a new connection: %d\n%s", res.StatusCode, page)
	}
	res = r.do(http.MethodGet, "/console/connections/new?app=telegram", nil)
	if page := readAll(t, res); strings.Contains(page, "<form class=\"card\" method=\"post\"") {
		t.Errorf("a read key gets the form:\n%s", page)
	}
}

// A connection's whole life in the console, against a real Vault:
// created from its form (a problem shown at its input first), shown with
// its secrets as set, edited without touching a secret left empty, one
// optional secret cleared, its OAuth2 link, and deleted. No page ever
// holds a secret, and a read key gets no buttons and the API's 403.
func TestConnectionLifecycle(t *testing.T) {
	withVault, secrets := vault(t)
	s := newSite(t, withVault)
	s.signIn(s.admin)
	const token, webhookSecret = "tok-SECRET-4711", "wh-SECRET-0815"
	var pages []string
	keep := func(res *http.Response) string {
		page := readAll(t, res)
		pages = append(pages, page)
		return page
	}

	// A required secret left out: 400, the problem at its input, the name kept.
	res := s.do(http.MethodPost, "/console/connections", url.Values{"app": {"telegram"}, "authKind": {"bearer"}, "name": {"Bot"},
		"fields.webhook_secret": {webhookSecret}})
	doc := parsePage(t, res, http.StatusBadRequest)
	if got := problemsOf(doc, "fields.token"); len(got) != 1 || !strings.Contains(got[0], "required") {
		t.Errorf("problems at fields.token: %q", got)
	}
	if got, _ := inputNamed(doc, "name"); got.value != "Bot" {
		t.Errorf("the name after a 400: %q", got.value)
	}
	if got, _ := inputNamed(doc, "fields.webhook_secret"); got.value != "" {
		t.Error("a secret is written back into the form after a 400")
	}

	res = s.do(http.MethodPost, "/console/connections", url.Values{"app": {"telegram"}, "authKind": {"bearer"}, "name": {"Bot"},
		"fields.token": {token}, "fields.webhook_secret": {webhookSecret}})
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/console/connections/") || !strings.HasSuffix(loc, "?notice=created") {
		t.Fatalf("creating: %d to %q\n%s", res.StatusCode, loc, readAll(t, res))
	}
	path := strings.TrimSuffix(loc, "?notice=created")
	id := strings.TrimPrefix(path, "/console/connections/")
	stored := func() map[string]string {
		t.Helper()
		got, err := secrets.Connection(context.Background(), "acme", id)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := stored(); got["token"] != token || got["webhook_secret"] != webhookSecret {
		t.Fatalf("Vault holds %d secrets, not the ones sent", len(got))
	}

	page := keep(s.do(http.MethodGet, loc, nil))
	for _, want := range []string{"Connection created.", "Bot", "telegram", ">set<", `action="` + path + `/test"`, `action="` + path + `/delete"`, `href="` + path + `/edit"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the connection's page lacks %q", want)
		}
	}
	if strings.Contains(page, path+"/connect") {
		t.Error("a bearer connection offers Connect")
	}
	if page := keep(s.do(http.MethodGet, "/console/connections", nil)); !strings.Contains(page, `href="`+path+`"`) {
		t.Errorf("the list lacks the connection:\n%s", page)
	}
	res = s.do(http.MethodGet, path+"/edit", nil)
	page = keep(res)
	doc = parseString(t, page)
	for _, name := range []string{"fields.token", "fields.webhook_secret"} {
		if got, ok := inputNamed(doc, name); !ok || got.kind != "password" || got.value != "" || got.required {
			t.Errorf("the edit form's %s: %+v", name, got)
		}
	}
	if !strings.Contains(page, "leave empty to keep") {
		t.Error("the edit form does not say an empty secret is kept")
	}
	checkLabels(t, doc)
	version := func() string {
		t.Helper()
		got, _ := inputNamed(parseString(t, keep(s.do(http.MethodGet, path+"/edit", nil))), "version")
		return got.value
	}

	// Only the name changes: both secrets stay.
	res = s.do(http.MethodPost, path, url.Values{"version": {version()}, "name": {"Bot 2"}, "fields.token": {""}, "fields.webhook_secret": {""}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != path+"?notice=saved" {
		t.Fatalf("saving a new name: %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), readAll(t, res))
	}
	if got := stored(); got["token"] != token || got["webhook_secret"] != webhookSecret {
		t.Error("saving the name changed the secrets")
	}
	if page := keep(s.do(http.MethodGet, path, nil)); !strings.Contains(page, "Bot 2") {
		t.Error("the new name is not shown")
	}

	// The optional secret cleared, the other kept.
	stale := version()
	res = s.do(http.MethodPost, path, url.Values{"version": {stale}, "name": {"Bot 2"}, "clear": {"webhook_secret"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("clearing the webhook secret: %d\n%s", res.StatusCode, readAll(t, res))
	}
	if got := stored(); got["token"] != token || got["webhook_secret"] != "" {
		t.Error("clearing one secret did not clear just that one")
	}
	if page := keep(s.do(http.MethodGet, path, nil)); !strings.Contains(page, ">not set<") {
		t.Error("a cleared secret is not shown as not set")
	}

	// A form made from an older version: the API's 409, at its path.
	res = s.do(http.MethodPost, path, url.Values{"version": {stale}, "name": {"Bot 3"}})
	page = keep(res)
	if res.StatusCode != http.StatusConflict || !strings.Contains(page, "<code>version</code>") {
		t.Errorf("saving a stale form: %d\n%s", res.StatusCode, page)
	}

	// A read key: the connection without buttons; forged, the API's 403.
	r := s.as(s.reader)
	res = r.do(http.MethodGet, path, nil)
	page = keep(res)
	if res.StatusCode != http.StatusOK || strings.Contains(page, "<form method=\"post\" action=\""+path) || strings.Contains(page, path+"/edit") {
		t.Errorf("a read key's page of the connection: %d\n%s", res.StatusCode, page)
	}
	for _, forged := range []struct {
		path string
		form url.Values
	}{
		{path + "/delete", url.Values{}},
		{path + "/test", url.Values{}},
		{path, url.Values{"name": {"mine"}}},
		{"/console/connections", url.Values{"app": {"telegram"}, "authKind": {"bearer"}, "fields.token": {"x"}}},
	} {
		res := r.do(http.MethodPost, forged.path, forged.form)
		if page := keep(res); res.StatusCode != http.StatusForbidden || !strings.Contains(page, "role=\"alert\"") {
			t.Errorf("a read key posting to %s: %d\n%s", forged.path, res.StatusCode, page)
		}
	}

	// OAuth2 authorization code: Connect sends the browser to the link.
	res = s.do(http.MethodPost, "/console/connections", url.Values{"app": {"http"}, "authKind": {"oauth2_authorization_code"}, "name": {"Partner"},
		"fields.client_id": {"cid"}, "fields.client_secret": {"cs-SECRET-42"}, "fields.auth_url": {"https://auth.example/authorize"},
		"fields.token_url": {"https://auth.example/token"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("creating an OAuth2 connection: %d\n%s", res.StatusCode, readAll(t, res))
	}
	oauth := strings.TrimSuffix(res.Header.Get("Location"), "?notice=created")
	if page := keep(s.do(http.MethodGet, oauth, nil)); !strings.Contains(page, `action="`+oauth+`/connect"`) {
		t.Errorf("an OAuth2 connection's page has no Connect:\n%s", page)
	}
	res = s.do(http.MethodPost, oauth+"/connect", url.Values{})
	if to := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(to, "http://junction.test"+gateway.OAuth2LinkPath+"?token=") {
		t.Errorf("Connect: %d to %q", res.StatusCode, to)
	}

	res = s.do(http.MethodPost, path+"/delete", url.Values{})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/console/connections?notice=deleted" {
		t.Errorf("deleting: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res := s.do(http.MethodGet, path, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("a deleted connection's page: %d", res.StatusCode)
	}

	for _, page := range pages {
		for _, secret := range []string{token, webhookSecret, "cs-SECRET-42"} {
			if strings.Contains(page, secret) {
				t.Fatalf("a page shows a secret:\n%s", page)
			}
		}
	}
}

// vault starts a real dev Vault and returns the gateway option that uses
// it, and the secrets it holds, to check what a form stored.
func vault(t *testing.T) (func(*gateway.Config), *credentials.Secrets) {
	t.Helper()
	addr, token := vaulttest.Start(t)
	vc, err := vaultx.New(context.Background(), vaultx.Config{Address: addr, Token: vaultx.Secret(token), CacheTTL: -1, Timeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = vc.Close() })
	return func(cfg *gateway.Config) { cfg.Secrets = vc }, credentials.New(vc, "")
}

// as is another browser on the same site, signed in with key.
func (s *site) as(key string) *site {
	other := &site{t: s.t, handler: s.handler, cookies: map[string]*http.Cookie{}, admin: s.admin, reader: s.reader}
	other.signIn(key)
	return other
}

// input is what a test checks of a form's input.
type input struct {
	kind     string
	required bool
	options  []string
	value    string
}

func parsePage(t *testing.T, res *http.Response, status int) *html.Node {
	t.Helper()
	page := readAll(t, res)
	if res.StatusCode != status {
		t.Fatalf("status %d, want %d\n%s", res.StatusCode, status, page)
	}
	return parseString(t, page)
}

func parseString(t *testing.T, page string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// elements are n's descendants that match.
func elements(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	for d := range n.Descendants() {
		if d.Type == html.ElementNode && match(d) {
			out = append(out, d)
		}
	}
	return out
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func text(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return strings.TrimSpace(b.String())
}

func formWithAction(t *testing.T, doc *html.Node, action string) *html.Node {
	t.Helper()
	forms := elements(doc, func(n *html.Node) bool {
		a, _ := attr(n, "action")
		m, _ := attr(n, "method")
		return n.Data == "form" && a == action && m == "post"
	})
	if len(forms) != 1 {
		t.Fatalf("%d forms posting to %s", len(forms), action)
	}
	return forms[0]
}

// inputNamed is the input, select or textarea named name under n.
func inputNamed(n *html.Node, name string) (input, bool) {
	found := elements(n, func(e *html.Node) bool {
		got, _ := attr(e, "name")
		return got == name && (e.Data == "input" || e.Data == "select" || e.Data == "textarea")
	})
	if len(found) == 0 {
		return input{}, false
	}
	e := found[0]
	_, required := attr(e, "required")
	in := input{kind: e.Data, required: required}
	switch e.Data {
	case "input":
		in.kind, _ = attr(e, "type")
		in.value, _ = attr(e, "value")
	case "select":
		for _, o := range elements(e, func(o *html.Node) bool { return o.Data == "option" }) {
			v, _ := attr(o, "value")
			in.options = append(in.options, v)
		}
	case "textarea":
		in.value = text(e)
	}
	return in, true
}

// problemsOf are the problems shown next to the input named path.
func problemsOf(doc *html.Node, path string) []string {
	var out []string
	for _, p := range elements(doc, func(n *html.Node) bool {
		class, _ := attr(n, "class")
		id, _ := attr(n.Parent, "id")
		return class == "problem" && id == "f-"+path+"-help"
	}) {
		out = append(out, text(p))
	}
	return out
}

// checkLabels checks that every visible input has a <label for> it.
func checkLabels(t *testing.T, doc *html.Node) {
	t.Helper()
	labelled := map[string]bool{}
	for _, l := range elements(doc, func(n *html.Node) bool { return n.Data == "label" }) {
		if f, ok := attr(l, "for"); ok {
			labelled[f] = true
		}
	}
	for _, in := range elements(doc, func(n *html.Node) bool {
		kind, _ := attr(n, "type")
		return (n.Data == "input" && kind != "hidden") || n.Data == "select" || n.Data == "textarea"
	}) {
		id, _ := attr(in, "id")
		if name, _ := attr(in, "name"); id == "" || !labelled[id] {
			t.Errorf("input %s (id %q) has no label", name, id)
		}
	}
}

// decode reads an API answer.
func decode(t *testing.T, body []byte, out any) {
	t.Helper()
	if err := json.Unmarshal(body, out); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
}
