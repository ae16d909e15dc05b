// Package apitest checks HTTP exchanges against Junction's OpenAPI document
// (gateway.OpenAPIDocument), so that every response a test receives is also a
// conformance test of the document: its status is documented for the
// operation, its JSON body matches the schema, and required headers such as
// Location, ETag and Retry-After are present.
//
// Wrap a test client's transport and assert coverage at the end:
//
//	v := apitest.New(t)
//	client := &http.Client{Transport: v.Transport(t, nil)}
//	resp, err := client.Get(srv.URL + "/api/v1/accounts/acme/definitions")
//	...
//	if missing := v.Unseen(); len(missing) > 0 { t.Errorf("not exercised: %v", missing) }
//
// Requests are not validated: tests send invalid requests on purpose, and
// what matters is that the answer to them is documented.
package apitest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/junction-run/junction/gateway"
)

// maxShown bounds how much of a body a failure message quotes.
const maxShown = 2048

// Validator checks exchanges against the OpenAPI document and remembers which
// operations it has seen. It is safe for concurrent use.
type Validator struct {
	doc    *openapi3.T
	router routers.Router
	opts   *openapi3filter.Options

	mu   sync.Mutex
	seen map[string]bool
}

// New loads and validates gateway.OpenAPIDocument() and builds a router that
// matches requests to any host and port (the document's server,
// 127.0.0.1:8080, is ignored so that httptest servers match). It stops the
// test if the document is broken.
func New(t testing.TB) *Validator {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(gateway.OpenAPIDocument())
	if err != nil {
		t.Fatalf("apitest: loading the OpenAPI document: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("apitest: the OpenAPI document is invalid: %v", err)
	}
	// Without servers, the router matches on the path alone.
	// The codec sign-in page answers HTML; check it as text.
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
	doc.Servers = nil
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatalf("apitest: building the router: %v", err)
	}
	return &Validator{
		doc:    doc,
		router: router,
		opts: &openapi3filter.Options{
			// An undocumented status is a failure, not a pass.
			IncludeResponseStatus: true,
			MultiError:            true,
			// Messages name the failing path and reason; the body is quoted
			// once by Check instead of a schema dump per problem.
			SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()},
		},
		seen: map[string]bool{},
	}
}

// Check validates one exchange: the response status is documented for the
// operation, a JSON body matches its schema, a response documented without
// content has an empty body, and required headers are present. It reports
// every mismatch with t.Errorf, naming method, path and status; an exchange
// whose route is not in the document is a failure too. reqBody is quoted in
// failure messages only.
func (v *Validator) Check(t testing.TB, req *http.Request, reqBody []byte, status int, header http.Header, body []byte) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf("%s %s -> %d: ", req.Method, req.URL.Path, status) + fmt.Sprintf(format, args...)
		if len(reqBody) > 0 {
			msg += "\nrequest body: " + quote(reqBody)
		}
		if len(body) > 0 {
			msg += "\nresponse body: " + quote(body)
		}
		t.Errorf("%s", msg)
	}

	route, params, err := v.router.FindRoute(req)
	if err != nil {
		fail("no such operation in the OpenAPI document (%v)", err)
		return
	}
	v.mu.Lock()
	v.seen[route.Method+" "+route.Path] = true
	v.mu.Unlock()

	if header == nil {
		header = http.Header{}
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    req,
			PathParams: params,
			Route:      route,
			Options:    v.opts,
		},
		Status:  status,
		Header:  header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: v.opts,
	}
	if err := openapi3filter.ValidateResponse(req.Context(), in); err != nil {
		fail("%v", err)
		return
	}
	// kin-openapi does not look at a body the document says is not there.
	if resp := responseFor(route.Operation, status); resp != nil && len(resp.Content) == 0 && len(body) > 0 {
		fail("the document gives this response no content, but it has a %d-byte body", len(body))
	}
}

// responseFor is the documented response for status, or nil.
func responseFor(op *openapi3.Operation, status int) *openapi3.Response {
	if op == nil || op.Responses == nil {
		return nil
	}
	ref := op.Responses.Status(status)
	if ref == nil {
		ref = op.Responses.Default()
	}
	if ref == nil {
		return nil
	}
	return ref.Value
}

// Transport wraps base (http.DefaultTransport if nil) so that every exchange
// through it is checked with Check. Bodies are buffered and handed on
// unchanged, so the caller reads the response as usual.
func (v *Validator) Transport(t testing.TB, base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{v: v, t: t, base: base}
}

type transport struct {
	v    *Validator
	t    testing.TB
	base http.RoundTripper
}

func (tr *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("apitest: reading the request body: %w", err)
		}
		reqBody = b
		// A RoundTripper must not change the caller's request.
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(b))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	resp, err := tr.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("apitest: reading the response body: %w", err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	tr.v.Check(tr.t, req, reqBody, resp.StatusCode, resp.Header, body)
	return resp, nil
}

// Seen returns the operations checked so far, sorted, as method and path
// template: "GET /api/v1/accounts/{accountId}/definitions".
func (v *Validator) Seen() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make([]string, 0, len(v.seen))
	for op := range v.seen {
		out = append(out, op)
	}
	slices.Sort(out)
	return out
}

// Operations returns every operation of the document, sorted, in Seen's form.
func (v *Validator) Operations() []string {
	var out []string
	for path, item := range v.doc.Paths.Map() {
		for method := range item.Operations() {
			out = append(out, strings.ToUpper(method)+" "+path)
		}
	}
	slices.Sort(out)
	return out
}

// Unseen returns the operations of the document not checked so far, so that a
// suite can assert it exercised all of them.
func (v *Validator) Unseen() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return slices.DeleteFunc(v.Operations(), func(op string) bool { return v.seen[op] })
}

func quote(b []byte) string {
	if len(b) > maxShown {
		return fmt.Sprintf("%s... (%d bytes)", b[:maxShown], len(b))
	}
	return string(b)
}
