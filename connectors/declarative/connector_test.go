package declarative_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/auth"
	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/connectortest/example"
	"github.com/junction-run/junction/connectors/connectortest/example/exampletest"
	"github.com/junction-run/junction/connectors/declarative"
)

func acme(t *testing.T) connectors.Connector {
	t.Helper()
	data, err := os.ReadFile("testdata/valid/acme_crm.json")
	if err != nil {
		t.Fatal(err)
	}
	app, err := declarative.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	c, err := app.Connector()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func acmeOptions() connectortest.Options {
	return connectortest.Options{
		Connection: connectors.Connection{
			AuthKind:   connectors.AuthBearer,
			Properties: map[string]string{"workspace": "northwind"},
			Secrets:    connectors.SecretValues{connectors.FieldToken: exampletest.Token},
		},
		Env:          connectors.EnvVars{example.EnvPartnerID: "junction"},
		Authenticate: auth.Bearer(exampletest.Token).Transport,
	}
}

// TestConformance runs the conformance kit's checks that apply to an app
// against the fake of the example Go connector, Acme CRM. The kit's
// "schemas" check does not apply: it compares schemas with Go types, and
// an app has none (connectortest.RunWith requires connectors.Typed).
func TestConformance(t *testing.T) {
	c := acme(t)
	for name, err := range map[string]error{
		"spec":        connectortest.CheckSpec(c),
		"implemented": connectortest.CheckImplemented(c),
		"register":    connectors.NewRegistry().Register(c),
		"manifest":    connectortest.CheckManifest(c),
	} {
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	fake := exampletest.New(t)
	o := acmeOptions()
	for _, a := range c.Actions() {
		as := a.Spec()
		call := o.Call(t, fake.BaseURL(), string(as.SampleInput))
		t.Run(as.ID, func(t *testing.T) {
			if as.ID == "create_contact" { // the fake knows no other route
				if err := connectortest.CheckAction(t.Context(), a, call); err != nil {
					t.Error(err)
				}
			}
			for _, ec := range connectortest.ErrorCases {
				if err := connectortest.CheckErrorCase(t.Context(), a, call, fake, ec); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// TestCreateContactLikeGoConnector runs the app's create_contact and the
// Go connector's against the same fake and compares what they sent and
// what they returned.
func TestCreateContactLikeGoConnector(t *testing.T) {
	fake := exampletest.New(t)
	o := acmeOptions()
	input := `{"email": "ada@example.com", "lifecycle": "customer", "tags": ["vip"]}`
	out, err := connectortest.Action(t, acme(t), "create_contact").Run(t.Context(), o.Call(t, fake.BaseURL(), input))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(out)
	if string(got) != `{"email":"ada@example.com","id":"ct_1001","lifecycle":"customer"}` {
		t.Errorf("output %s", got)
	}
	if _, err := example.New().Actions()[0].Run(t.Context(), o.Call(t, fake.BaseURL(), strings.Replace(input, "ada@", "bob@", 1))); err != nil {
		t.Fatal(err)
	}
	reqs := fake.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	app, goConn := reqs[0], reqs[1]
	if app.Method != goConn.Method || app.Host != goConn.Host || app.Path != goConn.Path {
		t.Errorf("app sent %s %s%s, Go connector %s %s%s", app.Method, app.Host, app.Path, goConn.Method, goConn.Host, goConn.Path)
	}
	for _, h := range []string{"Authorization", "X-Acme-Partner", "Content-Type"} {
		if app.Header.Get(h) != goConn.Header.Get(h) {
			t.Errorf("%s: app %q, Go connector %q", h, app.Header.Get(h), goConn.Header.Get(h))
		}
	}
	var body map[string]any
	if err := json.Unmarshal(app.Body, &body); err != nil {
		t.Fatal(err)
	}
	if _, sent := body["name"]; sent {
		t.Errorf("an input not given was sent: %s", app.Body)
	}
	if body["email"] != "ada@example.com" || fmt.Sprint(body["tags"]) != "[vip]" {
		t.Errorf("body %s", app.Body)
	}
	if n := len(fake.Contacts("northwind")); n != 2 {
		t.Errorf("fake holds %d contacts", n)
	}
	// The app refuses what its input schema refuses, before sending.
	_, err = connectortest.Action(t, acme(t), "create_contact").Run(t.Context(), o.Call(t, fake.BaseURL(), `{"email": "x@example.com", "phone": "+44"}`))
	if k, _ := connectors.KindOf(err); k != connectors.BadRequest {
		t.Errorf("unknown input field: %v, want BadRequest", err)
	}
	if len(fake.Requests()) != 2 {
		t.Error("a refused input was sent")
	}
}

// recorder is a third party on 127.0.0.1 that records requests and
// answers what the test queues.
type recorder struct {
	*httptest.Server
	mu     sync.Mutex
	reqs   []recorded
	status int
	header http.Header
	body   string
}

type recorded struct {
	Method, Host, Path, RawPath, Query string
	Header                             http.Header
	Body                               string
	Cookies                            []*http.Cookie
}

func newRecorder(t *testing.T) *recorder {
	r := &recorder{status: 200, body: `{"data": {"id": "it_1", "name": "Widget"}}`}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.reqs = append(r.reqs, recorded{req.Method, req.Host, req.URL.Path, req.URL.EscapedPath(), req.URL.RawQuery, req.Header.Clone(), string(b), req.Cookies()})
		status, header, body := r.status, r.header, r.body
		r.mu.Unlock()
		for k, v := range header {
			w.Header()[k] = v
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, strings.ReplaceAll(body, "$AUTH", req.Header.Get("Authorization")))
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *recorder) last(t *testing.T) recorded {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.reqs) == 0 {
		t.Fatal("no request reached the fake")
	}
	return r.reqs[len(r.reqs)-1]
}

func (r *recorder) answer(status int, header http.Header, body string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status, r.header, r.body = status, header, body
}

const itemsApp = `{
  "key": "items", "name": "Items", "description": "An item store.", "version": "0.1.0", "status": "stable",
  "baseUrl": "https://{{connection.tenant}}.items.example/api",
  "auth": [{"kind": "bearer"}, {"kind": "api_key", "in": "header", "name": "X-Items-Key"},
           {"kind": "basic"}, {"kind": "none"}],
  "properties": [{"name": "tenant", "type": "string", "required": true, "description": "The tenant."}],
  "env": [{"name": "ITEMS_PARTNER", "description": "Partner id.", "secret": true}],
  "actions": [
    {"id": "update_item", "name": "Update item", "kind": "update", "description": "Updates an item.",
     "input": {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "price": {"type": "number"}, "dry": {"type": "boolean"}},
               "required": ["id"]},
     "sampleInput": {"id": "it_1", "name": "Widget"},
     "request": {"method": "PATCH", "path": "/items/{{input.id}}", "query": {"dry_run": "{{input.dry}}", "v": "2"},
                 "headers": {"X-Partner": "{{env.ITEMS_PARTNER}}", "X-Name": "item {{upper(input.name)}}"},
                 "idempotencyHeader": "Idempotency-Key",
                 "body": {"format": "json", "value": {"item": {"name": "{{input.name}}", "price": "{{input.price}}", "tenant": "{{connection.tenant}}"}}}},
     "response": {"outputs": {"id": "$.data.id", "name": "$.data.name"}, "notFound": [400]}},
    {"id": "create_form", "name": "Create by form", "kind": "create", "description": "Posts a form.",
     "input": {"type": "object", "properties": {"name": {"type": "string"}}}, "sampleInput": {"name": "a"},
     "request": {"method": "POST", "path": "/forms", "body": {"format": "form", "value": {"name": "{{input.name}}", "n": 2}}}},
    {"id": "create_xml", "name": "Create by XML", "kind": "create", "description": "Posts XML.",
     "input": {"type": "object", "properties": {"name": {"type": "string"}}}, "sampleInput": {"name": "a"},
     "request": {"method": "POST", "path": "/xml", "body": {"format": "xml", "value": {"item": {"name": "{{input.name}}"}}}}}
  ]
}`

func items(t *testing.T) connectors.Connector { return itemsWith(t, itemsApp) }

// itemsKeyInQuery is itemsApp with its API key sent as a query parameter.
var itemsKeyInQuery = strings.Replace(itemsApp, `"in": "header", "name": "X-Items-Key"`, `"in": "query", "name": "api_key"`, 1)

func itemsWith(t *testing.T, doc string) connectors.Connector {
	t.Helper()
	app, err := declarative.Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	c, err := app.Connector()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func itemsCall(t *testing.T, r *recorder, creds auth.Credentials, input string) connectors.Call {
	t.Helper()
	base, _ := url.Parse(r.URL)
	rt := connectortest.Redirect(base, http.DefaultTransport)
	if creds != nil {
		rt = creds.Transport(rt)
	}
	return connectors.Call{
		Input:          json.RawMessage(input),
		Connection:     connectors.Connection{Properties: map[string]string{"tenant": "acme"}, Secrets: connectors.SecretValues{"token": "s3cret-token-value", "key": "s3cret-key-value", "password": "s3cret-password"}},
		Env:            connectors.EnvVars{"ITEMS_PARTNER": "partner-7"},
		HTTP:           &http.Client{Transport: rt},
		IdempotencyKey: "run-1-step-a",
	}
}

func TestRequestFromData(t *testing.T) {
	r := newRecorder(t)
	a := connectortest.Action(t, items(t), "update_item")
	out, err := a.Run(t.Context(), itemsCall(t, r, nil, `{"id": "a/b?c", "name": "Widget", "price": 9.5}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := json.Marshal(out); string(got) != `{"id":"it_1","name":"Widget"}` {
		t.Errorf("output %s", got)
	}
	got := r.last(t)
	checks := []struct{ what, got, want string }{
		{"method", got.Method, "PATCH"},
		{"host", got.Host, "acme.items.example"},
		{"path", got.RawPath, "/api/items/a%2Fb%3Fc"},
		{"query", got.Query, "v=2"},
		{"X-Partner", got.Header.Get("X-Partner"), "partner-7"},
		{"X-Name", got.Header.Get("X-Name"), "item WIDGET"},
		{"Idempotency-Key", got.Header.Get("Idempotency-Key"), "run-1-step-a"},
		{"Content-Type", got.Header.Get("Content-Type"), "application/json"},
		{"body", got.Body, `{"item":{"name":"Widget","price":9.5,"tenant":"acme"}}`},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}

	if _, err := connectortest.Action(t, items(t), "create_form").Run(t.Context(), itemsCall(t, r, nil, `{"name": "a b&c"}`)); err != nil {
		t.Fatal(err)
	}
	if got := r.last(t); got.Body != "n=2&name=a+b%26c" || got.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Errorf("form: %q %q", got.Body, got.Header.Get("Content-Type"))
	}
	if _, err := connectortest.Action(t, items(t), "create_xml").Run(t.Context(), itemsCall(t, r, nil, `{"name": "<b>"}`)); err != nil {
		t.Fatal(err)
	}
	if got := r.last(t); !strings.Contains(got.Body, "<item><name>&lt;b&gt;</name></item>") {
		t.Errorf("xml: %q", got.Body)
	}
}

func TestBaseURLValueCannotChangeHost(t *testing.T) {
	r := newRecorder(t)
	call := itemsCall(t, r, nil, `{"id": "1", "name": "w"}`)
	call.Connection.Properties["tenant"] = "evil.example/x?"
	_, _ = connectortest.Action(t, items(t), "update_item").Run(t.Context(), call)
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, req := range r.reqs {
		if !strings.HasSuffix(req.Host, ".items.example") {
			t.Errorf("request went to host %q", req.Host)
		}
	}
}

func TestAuthKindsReachTheThirdParty(t *testing.T) {
	tests := []struct {
		kind  string
		app   string
		creds auth.Credentials
		check func(recorded) bool
	}{
		{"bearer", itemsApp, auth.Bearer("s3cret-token-value"), func(r recorded) bool { return r.Header.Get("Authorization") == "Bearer s3cret-token-value" }},
		{"api_key header", itemsApp, auth.APIKey("header", "X-Items-Key", "s3cret-key-value"), func(r recorded) bool { return r.Header.Get("X-Items-Key") == "s3cret-key-value" }},
		{"api_key query", itemsKeyInQuery, auth.APIKey("query", "api_key", "s3cret-key-value"), func(r recorded) bool { return strings.Contains(r.Query, "api_key=s3cret-key-value") }},
		{"basic", itemsApp, auth.Basic("user", "s3cret-password"), func(r recorded) bool {
			return r.Header.Get("Authorization") == "Basic "+basic("user", "s3cret-password")
		}},
		{"none", itemsApp, auth.None(), func(r recorded) bool { return r.Header.Get("Authorization") == "" && r.Header.Get("X-Items-Key") == "" }},
	}
	spec := items(t).Spec()
	if len(spec.Auth) != 4 {
		t.Fatalf("%d auth specs", len(spec.Auth))
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			r := newRecorder(t)
			if _, err := connectortest.Action(t, itemsWith(t, tt.app), "update_item").Run(t.Context(), itemsCall(t, r, tt.creds, `{"id": "1", "name": "w"}`)); err != nil {
				t.Fatal(err)
			}
			if got := r.last(t); !tt.check(got) {
				t.Errorf("request headers %v, query %q", got.Header, got.Query)
			}
		})
	}
}

func basic(u, p string) string {
	req, _ := http.NewRequest("GET", "http://x", nil)
	req.SetBasicAuth(u, p)
	return strings.TrimPrefix(req.Header.Get("Authorization"), "Basic ")
}

func TestStatusesMapToErrorKinds(t *testing.T) {
	tests := []struct {
		status     int
		header     http.Header
		body       string
		kind       connectors.ErrorKind
		retryAfter time.Duration
	}{
		{404, nil, `{"message": "no such item"}`, connectors.NotFound, 0},
		{400, nil, `{"message": "unknown item id"}`, connectors.NotFound, 0}, // declared in notFound
		{409, nil, `{"message": "conflict"}`, connectors.BadRequest, 0},
		{401, nil, `{"message": "bad token $AUTH"}`, connectors.Unauthorized, 0},
		{422, nil, `{"message": "invalid"}`, connectors.Unprocessable, 0},
		{429, http.Header{"Retry-After": {"7"}}, `{"message": "slow down"}`, connectors.RateLimited, 7 * time.Second},
		{500, nil, `{"message": "boom, token was $AUTH"}`, connectors.Unavailable, 0},
		{503, http.Header{"Retry-After": {"30"}}, ``, connectors.Unavailable, 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			r := newRecorder(t)
			r.answer(tt.status, tt.header, tt.body)
			_, err := connectortest.Action(t, items(t), "update_item").Run(t.Context(), itemsCall(t, r, auth.Bearer("s3cret-token-value"), `{"id": "1", "name": "w"}`))
			var ce *connectors.Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is no *connectors.Error", err)
			}
			if ce.Kind != tt.kind || ce.StatusCode != tt.status || ce.RetryAfter != tt.retryAfter {
				t.Errorf("error %+v, want kind %s, status %d, retry after %s", ce, tt.kind, tt.status, tt.retryAfter)
			}
			if ce.Kind.Retryable() != (tt.status == 429 || tt.status >= 500) {
				t.Errorf("kind %s retryable = %v", ce.Kind, ce.Kind.Retryable())
			}
			if strings.TrimSpace(ce.Message) == "" {
				t.Error("no message")
			}
			for _, secret := range []string{"s3cret-token-value", "partner-7"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("the error quotes a secret: %v", err)
				}
			}
		})
	}
}

func TestConnectorRefusesInvalidApp(t *testing.T) {
	app := &declarative.App{Key: "x"}
	if _, err := app.Connector(); err == nil {
		t.Error("Connector accepted an app without name, version, auth or actions")
	}
}

func TestRenderErrorIsBadRequestInAppTerms(t *testing.T) {
	r := newRecorder(t)
	_, err := connectortest.Action(t, items(t), "update_item").Run(t.Context(), itemsCall(t, r, nil, `{"id": "1"}`))
	if k, _ := connectors.KindOf(err); k != connectors.BadRequest {
		t.Fatalf("error %v, want BadRequest", err)
	}
	if !strings.Contains(err.Error(), "{{upper(input.name)}}") || strings.Contains(err.Error(), "data.") {
		t.Errorf("error %q does not name the expression as the app wrote it", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.reqs) != 0 {
		t.Error("a request that did not render was sent")
	}
}
