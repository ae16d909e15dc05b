package declarative_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/declarative"
)

// shopApp is an app whose answers are XML, whose statuses are its own,
// and whose searches paginate each way, on the host shop.fake.example.
const shopApp = `{"key": "shop", "name": "Shop", "description": "A made-up shop.", "version": "1.0.0", "status": "stable",
  "baseUrl": "https://shop.fake.example", "auth": [{"kind": "none"}],
  "defaults": {"response": {"retry": [409, 423], "notFound": [410]}},
  "actions": [
    {"id": "get_order", "name": "Get order", "kind": "search", "description": "Reads an order.",
     "input": {"type": "object", "properties": {"id": {"type": "string"}, "status": {"type": "integer"}}, "required": ["id"]},
     "sampleInput": {"id": "o1"},
     "request": {"method": "GET", "path": "/orders/{{input.id}}", "query": {"status": "{{input.status}}"}},
     "response": {"outputs": {"id": "/order/@id", "total": "/order/total/text()", "lines": "count(/order/line)"},
                  "success": ["200", "203"], "notFound": [400]}},
    {"id": "list_link", "name": "List (link)", "kind": "search", "description": "Lists items, following Link headers.",
     "input": {"type": "object", "properties": {"max": {"type": "integer"}}}, "sampleInput": {},
     "request": {"method": "GET", "path": "/link"},
     "pagination": {"kind": "link_header", "itemsPath": "$.items", "maxItems": 4}},
    {"id": "list_page", "name": "List (page)", "kind": "search", "description": "Lists items page by page.",
     "input": {"type": "object"}, "sampleInput": {},
     "request": {"method": "GET", "path": "/page", "query": {"p": "{{page}}", "size": "2"}},
     "pagination": {"kind": "page_number", "itemsPath": "$.items", "first": 0, "size": 2}},
    {"id": "list_cursor", "name": "List (cursor)", "kind": "search", "description": "Lists items by cursor.",
     "input": {"type": "object"}, "sampleInput": {},
     "request": {"method": "GET", "path": "/cursor", "query": {"after": "{{page}}"}},
     "pagination": {"kind": "cursor", "itemsPath": "$.data[*].id", "next": "$.next"}},
    {"id": "list_body", "name": "List (cursor in the body)", "kind": "search", "description": "Lists items by a cursor sent in a POST body.",
     "input": {"type": "object"}, "sampleInput": {},
     "request": {"method": "POST", "path": "/cursor", "body": {"format": "json", "value": {"after": "{{page}}"}}},
     "pagination": {"kind": "cursor", "itemsPath": "$.data[*].id", "next": "$.next"}},
    {"id": "list_elsewhere", "name": "List (bad link)", "kind": "search", "description": "A next page on another host.",
     "input": {"type": "object"}, "sampleInput": {},
     "request": {"method": "GET", "path": "/elsewhere"},
     "pagination": {"kind": "link_header", "itemsPath": "$.items"}}
  ]}`

// shopItems are the fake's five items.
var shopItems = []string{"i1", "i2", "i3", "i4", "i5"}

// shopFake serves shopApp's requests and counts them.
func shopFake(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		q := r.URL.Query()
		reply := func(v any) {
			w.Header().Set("Content-Type", "application/json")
			_ = jsonEncode(w, v)
		}
		switch {
		case strings.HasPrefix(r.URL.Path, "/orders/"):
			if s := q.Get("status"); s != "" && s != "203" {
				code, _ := strconv.Atoi(s)
				w.Header().Set("Retry-After", "3")
				http.Error(w, "the shop says "+s, code)
				return
			}
			w.Header().Set("Content-Type", "application/xml")
			if q.Get("status") == "203" {
				w.WriteHeader(http.StatusNonAuthoritativeInfo)
			}
			_, _ = fmt.Fprintf(w, `<?xml version="1.0"?><order id="%s"><total>12.50</total><line/><line/></order>`, strings.TrimPrefix(r.URL.Path, "/orders/"))
		case r.URL.Path == "/link":
			// Two items a page, the next page in the Link header.
			from, _ := strconv.Atoi(q.Get("from"))
			to := min(from+2, len(shopItems))
			if to < len(shopItems) {
				w.Header().Set("Link", fmt.Sprintf(`</link?from=%d>; rel="next", </link?from=0>; rel="first"`, to))
			}
			reply(map[string]any{"items": shopItems[from:to]})
		case r.URL.Path == "/page":
			p, _ := strconv.Atoi(q.Get("p"))
			size, _ := strconv.Atoi(q.Get("size"))
			from := min(p*size, len(shopItems))
			reply(map[string]any{"items": shopItems[from:min(from+size, len(shopItems))]})
		case r.URL.Path == "/cursor":
			from := 0
			a := q.Get("after")
			if r.Method == http.MethodPost {
				var body struct{ After string }
				_ = json.NewDecoder(r.Body).Decode(&body)
				a = body.After
			}
			if a != "" {
				from, _ = strconv.Atoi(strings.TrimPrefix(a, "c"))
			}
			to := min(from+3, len(shopItems))
			var data []map[string]string
			for _, id := range shopItems[from:to] {
				data = append(data, map[string]string{"id": id})
			}
			out := map[string]any{"data": data, "next": nil}
			if to < len(shopItems) {
				out["next"] = "c" + strconv.Itoa(to)
			}
			reply(out)
		case r.URL.Path == "/elsewhere":
			w.Header().Set("Link", `<https://attacker.example/steal>; rel="next"`)
			reply(map[string]any{"items": []string{"x"}})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func jsonEncode(w http.ResponseWriter, v any) error { return json.NewEncoder(w).Encode(v) }

func shop(t *testing.T) (connectors.Connector, func(input string) connectors.Call, *atomic.Int32) {
	t.Helper()
	app, err := declarative.Parse([]byte(shopApp))
	if err != nil {
		t.Fatal(err)
	}
	c, err := app.Connector()
	if err != nil {
		t.Fatal(err)
	}
	srv, n := shopFake(t)
	o := connectortest.Options{Connection: connectors.Connection{AuthKind: connectors.AuthNone}}
	return c, func(input string) connectors.Call { return o.Call(t, srv.URL, input) }, n
}

// XML answers are read with XPath; statuses map as the action and the
// app's defaults say, the rest as every connector's do.
func TestStatusesAndXPath(t *testing.T) {
	c, call, _ := shop(t)
	a := connectortest.Action(t, c, "get_order")
	out, err := a.Run(t.Context(), call(`{"id": "o-7"}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := json.Marshal(out); string(got) != `{"id":"o-7","lines":2,"total":"12.50"}` {
		t.Errorf("outputs %s", got)
	}
	for _, tt := range []struct {
		status int
		kind   connectors.ErrorKind // "" for a success
	}{
		{203, ""},
		{201, connectors.BadRequest}, // not among the action's successes
		{400, connectors.NotFound},   // the action's notFound
		{404, connectors.NotFound},
		{409, connectors.Unavailable}, // the app's default retry
		{423, connectors.Unavailable},
		{422, connectors.Unprocessable},
		{401, connectors.Unauthorized},
		{429, connectors.RateLimited},
		{503, connectors.Unavailable},
	} {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			_, err := a.Run(t.Context(), call(fmt.Sprintf(`{"id": "o-7", "status": %d}`, tt.status)))
			kind, _ := connectors.KindOf(err)
			if kind != tt.kind || (tt.kind == "" && err != nil) {
				t.Fatalf("%v, want kind %q", err, tt.kind)
			}
			if tt.kind.Retryable() != (kind.Retryable() && err != nil) {
				t.Errorf("retryable %v", kind.Retryable())
			}
		})
	}
}

// Each pagination kind gathers every page's items, up to maxItems.
func TestPagination(t *testing.T) {
	tests := []struct {
		action   string
		want     string
		requests int32
	}{
		{"list_link", `{"items":["i1","i2","i3","i4"],"truncated":true}`, 2},
		{"list_page", `{"items":["i1","i2","i3","i4","i5"],"truncated":false}`, 3},
		{"list_cursor", `{"items":["i1","i2","i3","i4","i5"],"truncated":false}`, 2},
		// The second page's cursor goes in the body: a fake that did not
		// read it would answer the first page again.
		{"list_body", `{"items":["i1","i2","i3","i4","i5"],"truncated":false}`, 2},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			c, call, n := shop(t)
			a := connectortest.Action(t, c, tt.action)
			out, err := a.Run(t.Context(), call(`{}`))
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := json.Marshal(out); string(got) != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
			if n.Load() != tt.requests {
				t.Errorf("%d requests, want %d", n.Load(), tt.requests)
			}
			if err := connectortest.CheckAction(t.Context(), a, call(`{}`)); err != nil {
				t.Error(err)
			}
		})
	}
	// A next page on another host would take the connection's credentials
	// there: refused, as a request that cannot succeed.
	c, call, n := shop(t)
	_, err := connectortest.Action(t, c, "list_elsewhere").Run(t.Context(), call(`{}`))
	if k, _ := connectors.KindOf(err); k != connectors.BadRequest || n.Load() != 1 {
		t.Errorf("a next page elsewhere: %v after %d requests", err, n.Load())
	}
}

// The conformance kit's checks pass on the shop app: its actions succeed
// against the fake, and map the kit's injected failures.
func TestShopConformance(t *testing.T) {
	c, call, _ := shop(t)
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
	for _, id := range []string{"get_order", "list_link", "list_page", "list_cursor", "list_body"} {
		a := connectortest.Action(t, c, id)
		if err := connectortest.CheckAction(t.Context(), a, call(string(a.Spec().SampleInput))); err != nil {
			t.Errorf("%s: %v", id, err)
		}
		fake := &failingFake{}
		srv := httptest.NewServer(fake)
		t.Cleanup(srv.Close)
		o := connectortest.Options{Connection: connectors.Connection{AuthKind: connectors.AuthNone}}
		for _, ec := range connectortest.ErrorCases {
			if err := connectortest.CheckErrorCase(t.Context(), a, o.Call(t, srv.URL, string(a.Spec().SampleInput)), fake.with(srv.URL), ec); err != nil {
				t.Errorf("%s: %v", id, err)
			}
		}
	}
}

// failingFake answers each request with the failure FailNext set.
type failingFake struct {
	base   string
	status atomic.Int32
	after  atomic.Int64
}

func (f *failingFake) with(base string) *failingFake { f.base = base; return f }
func (f *failingFake) BaseURL() string               { return f.base }
func (f *failingFake) FailNext(status int, retryAfter time.Duration) {
	f.status.Store(int32(status))
	f.after.Store(int64(retryAfter))
}

func (f *failingFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s := f.status.Swap(0); s != 0 {
		if a := f.after.Load(); a > 0 {
			w.Header().Set("Retry-After", strconv.FormatInt(a/int64(1e9), 10))
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(int(s))
		_, _ = w.Write([]byte(`{"error": "` + url.QueryEscape(http.StatusText(int(s))) + `"}`))
		return
	}
	w.WriteHeader(http.StatusOK)
}
