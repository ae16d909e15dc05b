package httpconn_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors/httpconn"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// seen is what the test server received.
type seen struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   []byte
	Host                   string
}

// recorder is an httptest server that logs every request and answers with
// its handler (default: 200 {"ok":true}).
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	log  []seen
	next http.HandlerFunc
}

func newRecorder(t *testing.T, h http.HandlerFunc) *recorder {
	t.Helper()
	r := &recorder{next: h}
	if r.next == nil {
		r.next = func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"ok":true}`)
		}
	}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.log = append(r.log, seen{req.Method, req.URL.Path, req.URL.RawQuery, req.Header.Clone(), body, req.Host})
		r.mu.Unlock()
		r.next(w, req)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *recorder) requests() []seen {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]seen(nil), r.log...)
}

func (r *recorder) last(t *testing.T) seen {
	t.Helper()
	log := r.requests()
	if len(log) == 0 {
		t.Fatal("the server received no request")
	}
	return log[len(log)-1]
}

func TestDoMethods(t *testing.T) {
	for _, method := range []string{"GET", "POST", "PUT", "PATCH", "DELETE", "patch"} {
		t.Run(method, func(t *testing.T) {
			srv := newRecorder(t, nil)
			resp, err := httpconn.Do(context.Background(), srv.Client(), httpconn.Request{
				Method:  method,
				URL:     srv.URL + "/api/v2/tickets/42/comments/?lang=uk",
				Query:   map[string]string{"page": "2", "q": "a b&c"},
				Headers: map[string]string{"X-Trace": "t-1", "Accept": "application/json"},
			})
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			got := srv.last(t)
			if got.Method != strings.ToUpper(method) {
				t.Errorf("method = %q, want %q", got.Method, strings.ToUpper(method))
			}
			if got.Path != "/api/v2/tickets/42/comments/" {
				t.Errorf("path = %q", got.Path)
			}
			if want := "lang=uk&page=2&q=a+b%26c"; got.RawQuery != want {
				t.Errorf("query = %q, want %q", got.RawQuery, want)
			}
			if got.Header.Get("X-Trace") != "t-1" || got.Header.Get("Accept") != "application/json" {
				t.Errorf("headers = %v", got.Header)
			}
			if len(got.Body) != 0 || got.Header.Get("Content-Type") != "" {
				t.Errorf("no body given, but the server got %q with Content-Type %q", got.Body, got.Header.Get("Content-Type"))
			}
			if resp.Status != 200 || !reflect.DeepEqual(resp.Body, map[string]any{"ok": true}) {
				t.Errorf("response = %+v", resp)
			}
			if resp.Headers["Content-Type"] != "application/json" {
				t.Errorf("response headers = %v", resp.Headers)
			}
			if resp.Extracted != nil {
				t.Errorf("Extracted = %v, want nil without Extract", resp.Extracted)
			}
		})
	}
}

func TestDoHostHeader(t *testing.T) {
	srv := newRecorder(t, nil)
	_, err := httpconn.Do(context.Background(), srv.Client(), httpconn.Request{
		Method: "GET", URL: srv.URL, Headers: map[string]string{"host": "tenant.example.com"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.last(t).Host; got != "tenant.example.com" {
		t.Errorf("Host = %q", got)
	}
}

// TestDoBodies checks the exact bytes and Content-Type of each body format
// against testdata/body_*.golden; run with -update to rewrite them.
func TestDoBodies(t *testing.T) {
	tests := []struct {
		name        string
		req         httpconn.Request
		contentType string
	}{
		{
			name: "json_map",
			req: httpconn.Request{Body: map[string]any{
				"chat_id": 123456789, "text": "Нова заявка #42: <терміново> & швидко", "parse_mode": "HTML",
				"reply_markup": map[string]any{"inline_keyboard": []any{[]any{map[string]any{"text": "Open", "url": "https://eguzkia.helpdeskeddy.com/ticket/42"}}}},
			}},
			contentType: "application/json",
		},
		{
			name:        "json_text",
			req:         httpconn.Request{BodyFormat: "JSON", Body: `{"chat_id": 42, "text": "written by hand, kept as is"}`},
			contentType: "application/json",
		},
		{
			name: "json_struct",
			req: httpconn.Request{Body: struct {
				Name string `json:"name"`
				Qty  int    `json:"qty"`
			}{"tea", 2}},
			contentType: "application/json",
		},
		{
			name: "xml_map",
			req: httpconn.Request{BodyFormat: "xml", XMLRoot: "order", Body: map[string]any{
				"@id":      "A-17",
				"customer": map[string]any{"#text": "Olena & Co", "@vip": true},
				"item":     []any{map[string]any{"@sku": "X1", "qty": 2}, map[string]any{"@sku": "Y2", "qty": 1.5}},
				"note":     nil,
				"comment":  `5 < 6 "quoted"`,
			}},
			contentType: "application/xml",
		},
		{
			name: "xml_single_key_root_with_namespaces",
			req: httpconn.Request{BodyFormat: "xml", Body: map[string]any{
				"soap:Envelope": map[string]any{
					"@xmlns:soap": "http://schemas.xmlsoap.org/soap/envelope/",
					"soap:Body":   map[string]any{"GetOrder": map[string]any{"OrderId": "1042"}},
				},
			}},
			contentType: "application/xml",
		},
		{
			name:        "xml_text",
			req:         httpconn.Request{BodyFormat: "xml", Body: "<sms><to>+380501234567</to><text>Ваша заявка прийнята</text></sms>"},
			contentType: "application/xml",
		},
		{
			name:        "xml_content_type_override",
			req:         httpconn.Request{BodyFormat: "xml", Headers: map[string]string{"Content-Type": "text/xml; charset=utf-8"}, XMLRoot: "ping", Body: map[string]any{}},
			contentType: "text/xml; charset=utf-8",
		},
		{
			name:        "form_map",
			req:         httpconn.Request{BodyFormat: "form", Body: map[string]any{"login": "eddy", "phones": []any{"+380501234567", "+380671234567"}, "message": "Заявка №42 & ще", "flash": false, "empty": nil, "n": 3}},
			contentType: "application/x-www-form-urlencoded",
		},
		{
			name:        "form_string_map",
			req:         httpconn.Request{BodyFormat: "form", Body: map[string]string{"b": "2", "a": "1 2"}},
			contentType: "application/x-www-form-urlencoded",
		},
		{
			name:        "form_text",
			req:         httpconn.Request{BodyFormat: "form", Body: "login=eddy&password=p%40ss&want_sms_ids=1"},
			contentType: "application/x-www-form-urlencoded",
		},
		{
			name:        "text",
			req:         httpconn.Request{BodyFormat: "text", Body: "Нова заявка від клієнта\nрядок 2"},
			contentType: "text/plain; charset=utf-8",
		},
		{
			name:        "text_number",
			req:         httpconn.Request{BodyFormat: "text", Body: 12.5},
			contentType: "text/plain; charset=utf-8",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRecorder(t, nil)
			req := tt.req
			req.Method, req.URL = "POST", srv.URL+"/hook"
			if _, err := httpconn.Do(context.Background(), srv.Client(), req); err != nil {
				t.Fatalf("Do: %v", err)
			}
			got := srv.last(t)
			if ct := got.Header.Get("Content-Type"); ct != tt.contentType {
				t.Errorf("Content-Type = %q, want %q", ct, tt.contentType)
			}
			if cl := got.Header.Get("Content-Length"); cl != fmt.Sprint(len(got.Body)) {
				t.Errorf("Content-Length = %q for %d bytes", cl, len(got.Body))
			}
			golden(t, "body_"+tt.name+".golden", got.Body)
		})
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("body differs from %s:\n got: %q\nwant: %q", path, got, want)
	}
}

func TestDoNoBodyFormat(t *testing.T) {
	srv := newRecorder(t, nil)
	if _, err := httpconn.Do(context.Background(), srv.Client(), httpconn.Request{Method: "POST", URL: srv.URL, BodyFormat: "none"}); err != nil {
		t.Fatal(err)
	}
	got := srv.last(t)
	if len(got.Body) != 0 || got.Header.Get("Content-Type") != "" || got.Header.Get("Content-Length") != "0" {
		t.Errorf("got body %q, Content-Type %q, Content-Length %q", got.Body, got.Header.Get("Content-Type"), got.Header.Get("Content-Length"))
	}
}

func TestDoInvalidRequest(t *testing.T) {
	srv := newRecorder(t, nil)
	tests := []struct {
		name string
		req  httpconn.Request
		want string // in the error text
	}{
		{"empty method", httpconn.Request{URL: srv.URL}, "method"},
		{"unsupported method", httpconn.Request{Method: "TRACE", URL: srv.URL}, `method "TRACE"`},
		{"relative URL", httpconn.Request{Method: "GET", URL: "/api/v2/tickets"}, "http:// or https://"},
		{"ftp URL", httpconn.Request{Method: "GET", URL: "ftp://files.example.com/x"}, "http:// or https://"},
		{"no host", httpconn.Request{Method: "GET", URL: "https:///path"}, "no host"},
		{"unparsable URL", httpconn.Request{Method: "GET", URL: "https://exa mple.com/"}, "URL is not valid"},
		{"bad header name", httpconn.Request{Method: "GET", URL: srv.URL, Headers: map[string]string{"X Bad": "v"}}, `header name "X Bad"`},
		{"header injection", httpconn.Request{Method: "GET", URL: srv.URL, Headers: map[string]string{"X-Note": "a\r\nX-Evil: 1"}}, "line break"},
		{"unknown format", httpconn.Request{Method: "POST", URL: srv.URL, BodyFormat: "yaml", Body: "a: 1"}, `body format "yaml"`},
		{"body with none", httpconn.Request{Method: "POST", URL: srv.URL, BodyFormat: "none", Body: "x"}, `"none"`},
		{"json text not JSON", httpconn.Request{Method: "POST", URL: srv.URL, Body: "hello {{name}}"}, "not valid JSON"},
		{"json unencodable", httpconn.Request{Method: "POST", URL: srv.URL, Body: map[string]any{"f": func() {}}}, "cannot be encoded as JSON"},
		{"xml without root", httpconn.Request{Method: "POST", URL: srv.URL, BodyFormat: "xml", Body: map[string]any{"a": 1, "b": 2}}, "one root element"},
		{"xml bad name", httpconn.Request{Method: "POST", URL: srv.URL, BodyFormat: "xml", XMLRoot: "r", Body: map[string]any{"1st": 1}}, `"1st" is not a valid element name`},
		{"xml list in list", httpconn.Request{Method: "POST", URL: srv.URL, BodyFormat: "xml", XMLRoot: "r", Body: map[string]any{"a": []any{[]any{1}}}}, "list inside a list"},
		{"xml attribute object", httpconn.Request{Method: "POST", URL: srv.URL, BodyFormat: "xml", XMLRoot: "r", Body: map[string]any{"@a": map[string]any{}}}, "attribute"},
		{"xml text malformed", httpconn.Request{Method: "POST", URL: srv.URL, BodyFormat: "xml", Body: "<a><b></a>"}, "not well-formed XML"},
		{"xml text two roots", httpconn.Request{Method: "POST", URL: srv.URL, BodyFormat: "xml", Body: "<a/><b/>"}, "not well-formed XML"},
		{"form nested", httpconn.Request{Method: "POST", URL: srv.URL, BodyFormat: "form", Body: map[string]any{"a": map[string]any{"b": 1}}}, `form field "a"`},
		{"form not a map", httpconn.Request{Method: "POST", URL: srv.URL, BodyFormat: "form", Body: []any{1}}, "map"},
		{"form text bad escape", httpconn.Request{Method: "POST", URL: srv.URL, BodyFormat: "form", Body: "a=%zz"}, "x-www-form-urlencoded"},
		{"text object", httpconn.Request{Method: "POST", URL: srv.URL, BodyFormat: "text", Body: map[string]any{"a": 1}}, "text body"},
		{"success status", httpconn.Request{Method: "GET", URL: srv.URL, SuccessStatuses: []string{"2xx", "20"}}, `success status "20"`},
		{"success range", httpconn.Request{Method: "GET", URL: srv.URL, SuccessStatuses: []string{"299-200"}}, `success status "299-200"`},
		{"extract neither", httpconn.Request{Method: "GET", URL: srv.URL, Extract: map[string]string{"id": "data.id"}}, `extract "id"`},
		{"extract bad JSON path", httpconn.Request{Method: "GET", URL: srv.URL, Extract: map[string]string{"id": "$.data[0"}}, `extract "id"`},
		{"extract bad XPath", httpconn.Request{Method: "GET", URL: srv.URL, Extract: map[string]string{"id": "/order/child::id"}}, "axes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := httpconn.Do(context.Background(), srv.Client(), tt.req)
			if !errors.Is(err, httpconn.ErrInvalidRequest) {
				t.Fatalf("err = %v, want ErrInvalidRequest", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q, want it to mention %q", err, tt.want)
			}
		})
	}
	if n := len(srv.requests()); n != 0 {
		t.Errorf("the server received %d requests; invalid ones must not be sent", n)
	}
}

func serveFile(t *testing.T, contentType, name string) *recorder {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return newRecorder(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Write(body)
	})
}

// extractCase is what one extract reads from a document and what it must
// find there.
type extractCase struct {
	path string
	want any
}

// getExtracting serves testdata/name as contentType, GETs path from it
// with the cases' extracts and returns the answer and, by name, what the
// cases want.
func getExtracting(t *testing.T, contentType, name, path string, cases map[string]extractCase) (httpconn.Response, map[string]any) {
	t.Helper()
	extract, want := map[string]string{}, map[string]any{}
	for k, c := range cases {
		extract[k], want[k] = c.path, c.want
	}
	srv := serveFile(t, contentType, name)
	resp, err := httpconn.Do(context.Background(), srv.Client(), httpconn.Request{Method: "GET", URL: srv.URL + path, Extract: extract})
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	return resp, want
}

func TestDoExtractJSON(t *testing.T) {
	resp, want := getExtracting(t, "application/json; charset=utf-8", "order.json", "", map[string]extractCase{
		"firstId":    {"$.data.items[0].id", 7.0},
		"lastSku":    {"$.data.items[-1].sku", "B2"},
		"skus":       {"$.data.items[*].sku", []any{"A1", "B2"}},
		"odd":        {"$['odd key']", "v"},
		"missing":    {"$.data.missing", nil},
		"outOfRange": {"$.data.items[5].id", nil},
		"none":       {"$.nothing[*].x", []any{}},
		"null":       {"$.meta.next", nil},
		"allIds":     {"$..id", []any{7.0, 8.0}},
		"inStock":    {"$.data.items[?(@.qty > 0)].sku", []any{"A1"}},
		"firstTwo":   {"$.data.items[0:2].id", []any{7.0, 8.0}},
		"tags":       {"$.data.items[0].tags", []any{"new"}},
		"total":      {"$.data.total", 2.0},
	})
	if !reflect.DeepEqual(resp.Extracted, want) {
		t.Errorf("Extracted:\n got %#v\nwant %#v", resp.Extracted, want)
	}
}

// TestDoExtractXML reads an EddyDesk-like order lookup answered in XML
// with a default namespace, as shops' APIs do.
func TestDoExtractXML(t *testing.T) {
	resp, want := getExtracting(t, "application/xml", "eddydesk_order.xml", "/orders/1042", map[string]extractCase{
		"id":          {"/response/order/@id", "A-1042"},
		"number":      {"/response/order/number/text()", "1042"},
		"customer":    {"/response/order/customer/name", "Олена Коваль"},
		"skus":        {"//item/@sku", []any{"TEA-01", "CUP-07", "SPOON-3"}},
		"firstTitle":  {"//item[1]/title/text()", "Чай зелений"},
		"lastTitle":   {"//item[last()]/title", "Ложка"},
		"gift":        {"//item[@gift='true']/@sku", "CUP-07"},
		"itemCount":   {"count(//item)", 3},
		"bulk":        {"//item[qty > 1]/@sku", []any{"TEA-01", "SPOON-3"}},
		"tracking":    {"/response/order/tracking/text()", nil},
		"delivery":    {"/response/order/delivery/text()", "Нова Пошта, відділення №5"},
		"note":        {"/response/order/note", ""},
		"contact":     {"/response/order/customer", map[string]any{"name": "Олена Коваль", "email": "olena@example.com"}},
		"currency":    {"/shop:response/shop:order/@currency", "UAH"},
		"viaJSONPath": {"$.response.order['@id']", "A-1042"},
	})
	for k, w := range want {
		if got := resp.Extracted[k]; !reflect.DeepEqual(got, w) {
			t.Errorf("Extracted[%q] = %#v, want %#v", k, got, w)
		}
	}
	order := resp.Body.(map[string]any)["response"].(map[string]any)["order"].(map[string]any)
	if order["@currency"] != "UAH" || order["number"] != "1042" {
		t.Errorf("map form of the order = %#v", order)
	}
	items := order["items"].(map[string]any)["item"].([]any)
	if len(items) != 3 || items[1].(map[string]any)["@gift"] != "true" || items[2].(map[string]any)["qty"] != "4" {
		t.Errorf("map form of the items = %#v", items)
	}
}

func TestDoSniffsAndKeepsText(t *testing.T) {
	tests := []struct {
		name, contentType, body string
		want                    any
	}{
		{"JSON without a type", "", `{"a":1}`, map[string]any{"a": 1.0}},
		{"JSON as text/plain", "text/plain", `[1,2]`, []any{1.0, 2.0}},
		{"JSON as text/html", "text/html", `{"a":"b"}`, map[string]any{"a": "b"}},
		{"problem+json", "application/problem+json", `{"title":"x"}`, map[string]any{"title": "x"}},
		{"XML as octet-stream", "application/octet-stream", `<a x="1">t</a>`, map[string]any{"a": map[string]any{"@x": "1", "#text": "t"}}},
		{"atom+xml", "application/atom+xml", `<feed><id>1</id></feed>`, map[string]any{"feed": map[string]any{"id": "1"}}},
		{"HTML stays text", "text/html", `<html><body>hi</body></html>`, `<html><body>hi</body></html>`},
		{"plain text", "text/plain", "queued: 7", "queued: 7"},
		{"empty", "application/json", "", nil},
		{"bad JSON kept as text", "application/json", "{oops", "{oops"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRecorder(t, func(w http.ResponseWriter, _ *http.Request) {
				w.Header()["Content-Type"] = []string{tt.contentType}
				io.WriteString(w, tt.body)
			})
			resp, err := httpconn.Do(context.Background(), srv.Client(), httpconn.Request{Method: "GET", URL: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(resp.Body, tt.want) {
				t.Errorf("Body = %#v, want %#v", resp.Body, tt.want)
			}
		})
	}
}

func TestDoUnexpectedResponse(t *testing.T) {
	tests := []struct {
		name, contentType, body, path, want string
	}{
		{"JSON path on text", "text/plain", "OK 7", "$.id", "neither JSON nor XML"},
		{"XPath on JSON", "application/json", `{"id":1}`, "/id", "XPath needs an XML answer"},
		{"declared JSON, broken", "application/json", `{"id":`, "$.id", "not valid JSON"},
		{"declared XML, broken", "application/xml", `<id>1`, "/id", "not well-formed XML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRecorder(t, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				io.WriteString(w, tt.body)
			})
			resp, err := httpconn.Do(context.Background(), srv.Client(), httpconn.Request{
				Method: "POST", URL: srv.URL, Extract: map[string]string{"id": tt.path},
			})
			if !errors.Is(err, httpconn.ErrUnexpectedResponse) {
				t.Fatalf("err = %v, want ErrUnexpectedResponse", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q, want it to mention %q", err, tt.want)
			}
			if resp.Status != 200 || resp.Body == nil {
				t.Errorf("the Response must come with the error: %+v", resp)
			}
		})
	}
}

func TestDoEmptyAnswerExtractsNil(t *testing.T) {
	srv := newRecorder(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	resp, err := httpconn.Do(context.Background(), srv.Client(), httpconn.Request{
		Method: "DELETE", URL: srv.URL, Extract: map[string]string{"id": "$.id", "x": "/a/b"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"id": nil, "x": nil}; resp.Status != 204 || !reflect.DeepEqual(resp.Extracted, want) {
		t.Errorf("response = %+v", resp)
	}
}

func TestDoSuccessStatuses(t *testing.T) {
	tests := []struct {
		name     string
		statuses []string
		code     int
		success  bool
	}{
		{"default 200", nil, 200, true},
		{"default 201", nil, 201, true},
		{"default 304", nil, 304, true},
		{"default 400", nil, 400, false},
		{"default 404", nil, 404, false},
		{"default 500", nil, 500, false},
		{"only 200 refuses 201", []string{"200"}, 201, false},
		{"404 allowed", []string{"2xx", "404"}, 404, true},
		{"upper-case class", []string{"2XX"}, 204, true},
		{"2xx refuses 302", []string{"2xx"}, 302, false},
		{"range", []string{"200-202"}, 202, true},
		{"range edge", []string{"200-202"}, 203, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRecorder(t, func(w http.ResponseWriter, _ *http.Request) {
				if tt.code >= 300 && tt.code < 400 {
					w.Header().Set("Location", "/elsewhere")
				}
				w.WriteHeader(tt.code)
			})
			resp, err := httpconn.Do(context.Background(), srv.Client(), httpconn.Request{
				Method: "GET", URL: srv.URL, SuccessStatuses: tt.statuses, FollowRedirects: httpconn.NoRedirects,
			})
			var se *httpconn.StatusError
			switch {
			case tt.success && err != nil:
				t.Fatalf("err = %v, want success", err)
			case tt.success && resp.Status != tt.code:
				t.Errorf("Status = %d, want %d", resp.Status, tt.code)
			case !tt.success && !errors.As(err, &se):
				t.Fatalf("err = %v, want *StatusError", err)
			case !tt.success && se.Status != tt.code:
				t.Errorf("StatusError.Status = %d, want %d", se.Status, tt.code)
			}
		})
	}
}

func TestDoStatusError(t *testing.T) {
	date := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name       string
		code       int
		retryAfter string
		body       string
		retryable  bool
		minDelay   time.Duration
		maxDelay   time.Duration
		wantBody   string
	}{
		{"400 with message", 400, "", `{"error": "chat_id is empty"}`, false, 0, 0, `{"error": "chat_id is empty"}`},
		{"404", 404, "", "not found", false, 0, 0, "not found"},
		{"422", 422, "", `{"errors":{"email":["is invalid"]}}`, false, 0, 0, `{"errors":{"email":["is invalid"]}}`},
		{"408", 408, "", "", true, 0, 0, ""},
		{"429 seconds", 429, "30", `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 30"}`, true, 30 * time.Second, 30 * time.Second, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 30"}`},
		{"503 HTTP-date", 503, date, "<html>\n  <body>Service   Unavailable</body>\n</html>", true, 80 * time.Second, 91 * time.Second, "<html> <body>Service Unavailable</body> </html>"},
		{"500 long body", 500, "", strings.Repeat("x", 1000), true, 0, 0, strings.Repeat("x", 256) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRecorder(t, func(w http.ResponseWriter, _ *http.Request) {
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				w.WriteHeader(tt.code)
				io.WriteString(w, tt.body)
			})
			_, err := httpconn.Do(context.Background(), srv.Client(), httpconn.Request{Method: "POST", URL: srv.URL + "/bot123:ABC/sendMessage", Body: map[string]any{"a": 1}})
			var se *httpconn.StatusError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want *StatusError", err)
			}
			if se.Status != tt.code || se.Retryable() != tt.retryable || se.Body != tt.wantBody {
				t.Errorf("StatusError = %+v (retryable %v)", se, se.Retryable())
			}
			if se.RetryAfter < tt.minDelay || se.RetryAfter > tt.maxDelay {
				t.Errorf("RetryAfter = %v, want within [%v, %v]", se.RetryAfter, tt.minDelay, tt.maxDelay)
			}
			if se.Method != "POST" || se.URL != srv.URL+"/…" {
				t.Errorf("Method, URL = %q, %q", se.Method, se.URL)
			}
			if !strings.HasPrefix(err.Error(), fmt.Sprintf("POST %s/…: answered %d %s", srv.URL, tt.code, http.StatusText(tt.code))) {
				t.Errorf("err = %q", err)
			}
			if errors.Is(err, httpconn.ErrNetwork) || errors.Is(err, httpconn.ErrInvalidRequest) {
				t.Errorf("a StatusError must not match the sentinels: %v", err)
			}
		})
	}
}

func TestDoSizeLimit(t *testing.T) {
	const limit = 1000
	tests := []struct {
		name    string
		size    int
		chunked bool
		wantErr bool
	}{
		{"at the limit", limit, false, false},
		{"over, Content-Length", limit + 1, false, true},
		{"over, chunked", limit + 1, true, true},
		{"far over, chunked", 10 * limit, true, true},
		{"under, chunked", limit - 1, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRecorder(t, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				body := strings.Repeat("a", tt.size)
				if tt.chunked {
					io.WriteString(w, body[:1])
					w.(http.Flusher).Flush()
					io.WriteString(w, body[1:])
					return
				}
				w.Header().Set("Content-Length", fmt.Sprint(tt.size))
				io.WriteString(w, body)
			})
			resp, err := httpconn.Do(context.Background(), srv.Client(), httpconn.Request{Method: "GET", URL: srv.URL, MaxResponseBytes: limit})
			if tt.wantErr {
				if !errors.Is(err, httpconn.ErrResponseTooLarge) {
					t.Fatalf("err = %v, want ErrResponseTooLarge", err)
				}
				if !strings.Contains(err.Error(), "larger than 1000 bytes") {
					t.Errorf("err = %q", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s, _ := resp.Body.(string); len(s) != tt.size {
				t.Errorf("body is %d bytes, want %d", len(s), tt.size)
			}
		})
	}
}

func TestDoDefaultSizeLimit(t *testing.T) {
	srv := newRecorder(t, func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, strings.Repeat("a", httpconn.DefaultMaxResponseBytes+1))
	})
	_, err := httpconn.Do(context.Background(), srv.Client(), httpconn.Request{Method: "GET", URL: srv.URL})
	if !errors.Is(err, httpconn.ErrResponseTooLarge) {
		t.Fatalf("err = %v, want ErrResponseTooLarge", err)
	}
}

// redirector answers /hop/N with a redirect to /hop/N-1, and /hop/0 with
// 200 and the Authorization it received.
func redirector(t *testing.T) *recorder {
	return newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscanf(r.URL.Path, "/hop/%d", &n)
		if n > 0 {
			http.Redirect(w, r, fmt.Sprintf("/hop/%d", n-1), http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"auth":%q}`, r.Header.Get("Authorization"))
	})
}

func TestDoRedirectLimit(t *testing.T) {
	tests := []struct {
		name      string
		hops      int
		follow    int
		wantErr   error
		wantCode  int
		wantCalls int
	}{
		{"default follows 5", 5, 0, nil, 200, 6},
		{"default stops after 5", 6, 0, httpconn.ErrTooManyRedirects, 0, 6},
		{"limit 2 follows 2", 2, 2, nil, 200, 3},
		{"limit 2 stops at 3", 3, 2, httpconn.ErrTooManyRedirects, 0, 3},
		{"none returns the 302", 1, httpconn.NoRedirects, nil, 302, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := redirector(t)
			resp, err := httpconn.Do(context.Background(), srv.Client(), httpconn.Request{
				Method: "GET", URL: fmt.Sprintf("%s/hop/%d", srv.URL, tt.hops), FollowRedirects: tt.follow,
				Headers: map[string]string{"Authorization": "Bearer same-host-token"},
			})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if resp.Status != tt.wantCode {
				t.Errorf("Status = %d, want %d", resp.Status, tt.wantCode)
			}
			if tt.wantCode == 200 && !reflect.DeepEqual(resp.Body, map[string]any{"auth": "Bearer same-host-token"}) {
				t.Errorf("a same-host redirect must keep Authorization; got %v", resp.Body)
			}
			if n := len(srv.requests()); n != tt.wantCalls {
				t.Errorf("server saw %d requests, want %d", n, tt.wantCalls)
			}
		})
	}
}

func TestDoRedirectKeepsBodyOn307(t *testing.T) {
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new", http.StatusTemporaryRedirect)
		}
	})
	_, err := httpconn.Do(context.Background(), srv.Client(), httpconn.Request{Method: "PUT", URL: srv.URL + "/old", Body: map[string]any{"a": 1}})
	if err != nil {
		t.Fatal(err)
	}
	got := srv.last(t)
	if got.Path != "/new" || got.Method != "PUT" || string(got.Body) != `{"a":1}` {
		t.Errorf("second hop = %s %s %q", got.Method, got.Path, got.Body)
	}
}

func TestDoCrossHostRedirectDropsCredentials(t *testing.T) {
	other := newRecorder(t, nil)
	origin := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/landing", http.StatusFound)
	})
	u, _ := url.Parse(origin.URL)
	u.User = url.UserPassword("eddy", "userinfo-pass")
	u.Path = "/start"
	u.RawQuery = "token=query-secret"
	_, err := httpconn.Do(context.Background(), origin.Client(), httpconn.Request{
		Method: "GET",
		URL:    u.String(),
		Headers: map[string]string{
			"X-Api-Key": "header-key",
			"Cookie":    "session=abc",
			"X-Trace":   "kept",
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	first := origin.last(t)
	if first.Header.Get("Authorization") == "" || first.Header.Get("X-Api-Key") != "header-key" {
		t.Fatalf("the first hop must carry the credentials: %v", first.Header)
	}
	got := other.last(t)
	for _, h := range []string{"Authorization", "X-Api-Key", "Cookie", "Referer"} {
		if v := got.Header.Get(h); v != "" {
			t.Errorf("the other host received %s: %q", h, v)
		}
	}
	if got.Header.Get("X-Trace") != "kept" {
		t.Errorf("ordinary headers should follow the redirect: %v", got.Header)
	}
}

// credTransport adds credentials to every request it carries, redirect
// hops included, as connectors/auth's transports do.
type credTransport struct {
	base http.RoundTripper
}

func (c credTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer transport-token")
	return c.base.RoundTrip(req)
}

// unwrappableCredTransport also says which transport it adds them to.
type unwrappableCredTransport struct{ credTransport }

func (u unwrappableCredTransport) Unwrap() http.RoundTripper { return u.base }

func TestDoCrossHostRedirectWithCredentialTransport(t *testing.T) {
	other := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/back" {
			http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
			return
		}
		fmt.Fprintf(w, `{"auth":%q}`, r.Header.Get("Authorization"))
	})
	var origin *recorder
	origin = newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL+"/landing", http.StatusFound)
		case "/away-and-back":
			http.Redirect(w, r, other.URL+"/back?to="+url.QueryEscape(origin.URL+"/final"), http.StatusFound)
		case "/stay":
			http.Redirect(w, r, "/final", http.StatusFound)
		default:
			fmt.Fprintf(w, `{"auth":%q}`, r.Header.Get("Authorization"))
		}
	})
	base := origin.Client().Transport
	tests := []struct {
		name       string
		transport  http.RoundTripper
		path       string
		wantStatus int
		wantBody   any
		otherCalls int
	}{
		{"same host keeps credentials", credTransport{base}, "/stay", 200, map[string]any{"auth": "Bearer transport-token"}, 0},
		{"opaque transport: other host not followed", credTransport{base}, "/away", 302, nil, 0},
		{"unwrappable transport: followed without credentials", unwrappableCredTransport{credTransport{base}}, "/away", 200, map[string]any{"auth": ""}, 1},
		{"unwrappable transport: same host keeps credentials", unwrappableCredTransport{credTransport{base}}, "/stay", 200, map[string]any{"auth": "Bearer transport-token"}, 0},
		{"back to the origin after leaving: still none", unwrappableCredTransport{credTransport{base}}, "/away-and-back", 200, map[string]any{"auth": ""}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(other.requests())
			resp, err := httpconn.Do(context.Background(), &http.Client{Transport: tt.transport}, httpconn.Request{Method: "GET", URL: origin.URL + tt.path})
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != tt.wantStatus {
				t.Errorf("Status = %d, want %d", resp.Status, tt.wantStatus)
			}
			if tt.wantStatus == 302 {
				if resp.Headers["Location"] != other.URL+"/landing" {
					t.Errorf("Location = %q", resp.Headers["Location"])
				}
			} else if !reflect.DeepEqual(resp.Body, tt.wantBody) {
				t.Errorf("Body = %v, want %v", resp.Body, tt.wantBody)
			}
			for _, r := range other.requests()[before:] {
				if a := r.Header.Get("Authorization"); a != "" {
					t.Errorf("the other host received Authorization %q", a)
				}
			}
			if n := len(other.requests()) - before; n != tt.otherCalls {
				t.Errorf("the other host received %d requests, want %d", n, tt.otherCalls)
			}
		})
	}
}

func TestDoTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)

	start := time.Now()
	_, err := httpconn.Do(context.Background(), srv.Client(), httpconn.Request{Method: "GET", URL: srv.URL + "/slow?token=query-secret", Timeout: 50 * time.Millisecond})
	if !errors.Is(err, httpconn.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want ErrTimeout wrapping context.DeadlineExceeded", err)
	}
	if !strings.Contains(err.Error(), "no complete answer within 50ms") || strings.Contains(err.Error(), "query-secret") {
		t.Errorf("err = %q", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}

	// The caller's own context ending is not our timeout.
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	_, err = httpconn.Do(ctx, srv.Client(), httpconn.Request{Method: "GET", URL: srv.URL})
	if !errors.Is(err, context.Canceled) || errors.Is(err, httpconn.ErrTimeout) {
		t.Fatalf("err = %v, want context.Canceled only", err)
	}
}

func TestDoTimeoutWhileReadingBody(t *testing.T) {
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"items": [`)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	_, err := httpconn.Do(context.Background(), srv.Client(), httpconn.Request{Method: "GET", URL: srv.URL, Timeout: 50 * time.Millisecond})
	if !errors.Is(err, httpconn.ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
}

func TestDoNetworkError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close()
	_, err := httpconn.Do(context.Background(), nil, httpconn.Request{Method: "POST", URL: addr + "/x?key=query-secret", Body: "{}"})
	if !errors.Is(err, httpconn.ErrNetwork) {
		t.Fatalf("err = %v, want ErrNetwork", err)
	}
	if want := "POST " + addr + "/…: "; !strings.Contains(err.Error(), want) {
		t.Errorf("err = %q, want it to name %q", err, want)
	}
}

// TestDoNoSecretsInErrors makes every kind of failure with a URL that
// carries userinfo, a query token and a path token, and credential headers,
// and checks that no error text contains any of them.
func TestDoNoSecretsInErrors(t *testing.T) {
	secrets := []string{"userinfo-pass", "eddy-user", "query-secret", "path-secret", "header-secret", "bearer-secret"}
	echo := func(w http.ResponseWriter, r *http.Request) {
		// A careless API echoing the request back in its error.
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"error":"bad key for %s://%s%s","auth":%q,"key":%q,"see":"https://user:pw@docs.example.com/errors?sig=abc#x"}`,
			"http", r.Host, r.URL.RequestURI(), r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"))
	}
	badLocation := func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Location"] = []string{"http://[::1%zz/next?query-secret"}
		w.WriteHeader(http.StatusFound)
	}
	loop := func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path+"?token=query-secret", http.StatusFound)
	}
	hang := func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }

	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	tests := []struct {
		name    string
		handler http.HandlerFunc
		url     string // overrides the server's
		mutate  func(*httpconn.Request)
	}{
		{name: "status error echoing the request", handler: echo},
		{name: "bad Location header", handler: badLocation},
		{name: "redirect loop", handler: loop},
		{name: "timeout", handler: hang, mutate: func(r *httpconn.Request) { r.Timeout = 30 * time.Millisecond }},
		{name: "connection refused", url: closed.URL},
		{name: "invalid header", handler: echo, mutate: func(r *httpconn.Request) { r.Headers["X-Bad"] = "header-secret\n" }},
		{name: "invalid port after userinfo", url: "https://eddy-user:userinfo-pass/path-secret?q=query-secret"},
		{name: "invalid escape", url: "https://eddy-user:userinfo-pass@example.com/path-secret%zz?q=query-secret"},
		{name: "unexpected answer", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprintf(w, "ok %s", r.URL.RequestURI())
		}, mutate: func(r *httpconn.Request) { r.Extract = map[string]string{"x": "$.x"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := tt.url
			if base == "" {
				base = newRecorder(t, tt.handler).URL
			}
			raw := base
			if !strings.Contains(raw, "@") && !strings.Contains(raw, "path-secret") {
				u, _ := url.Parse(base)
				u.User = url.UserPassword("eddy-user", "userinfo-pass")
				u.Path = "/botpath-secret/sendMessage"
				u.RawQuery = "token=query-secret"
				raw = u.String()
			}
			req := httpconn.Request{
				Method:  "POST",
				URL:     raw,
				Query:   map[string]string{"sig": "query-secret"},
				Headers: map[string]string{"X-Api-Key": "header-secret", "Authorization": "Bearer bearer-secret"},
				Body:    map[string]any{"text": "hi"},
			}
			if tt.mutate != nil {
				tt.mutate(&req)
			}
			_, err := httpconn.Do(context.Background(), http.DefaultClient, req)
			if err == nil {
				t.Fatal("want an error")
			}
			msg := err.Error()
			for _, s := range secrets {
				if strings.Contains(msg, s) {
					t.Errorf("error contains %q: %s", s, msg)
				}
			}
			if strings.Contains(msg, "sig=abc") || strings.Contains(msg, "user:pw") {
				t.Errorf("error keeps a URL's query or userinfo: %s", msg)
			}
			t.Log(msg)
		})
	}
}
