package httpconn

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/junction-run/junction/egress"
)

// Defaults for the zero values of Request's limits.
const (
	DefaultTimeout          = egress.DefaultTimeout
	DefaultMaxResponseBytes = egress.DefaultMaxBodyBytes // 1 MiB
	// DefaultMaxResponseBytesLimit is the most a step may ask to read
	// (maxResponseBytes) unless the operator sets another maximum
	// (`junction worker --max-response-bytes`): Temporal refuses a payload
	// over 2 MiB by default (its blob size limit), so a larger answer
	// could not be kept in the run's history anyway.
	DefaultMaxResponseBytesLimit = 2 << 20
)

// Request is one HTTP call, with every {{ }} expression already rendered by
// the caller. The zero value of each field but Method and URL means its
// default.
type Request struct {
	// Method is GET, POST, PUT, PATCH or DELETE (any case).
	Method string `json:"method"`
	// URL is an absolute http or https URL. Userinfo in it is sent as
	// Basic credentials by net/http; it never appears in errors.
	URL string `json:"url"`
	// Query is added to URL's query string; a name already there is
	// replaced.
	Query map[string]string `json:"query,omitempty"`
	// Headers are sent as given; a "Content-Type" here overrides the one
	// BodyFormat implies, and "Host" sets the Host header.
	Headers map[string]string `json:"headers,omitempty"`
	// BodyFormat is how Body is encoded: "json" (default), "xml", "form"
	// (application/x-www-form-urlencoded), "text" or "none". See the
	// package documentation for each.
	BodyFormat string `json:"bodyFormat,omitempty"`
	// Body is a JSON-like value (maps, slices, strings, numbers, booleans,
	// nil) or text to send verbatim; nil sends no body.
	Body any `json:"body,omitempty"`
	// XMLRoot names the root element when BodyFormat is "xml" and Body is
	// a map; empty means Body has a single key, which is the root.
	XMLRoot string `json:"xmlRoot,omitempty"`
	// Timeout bounds the whole call, redirects and reading the answer
	// included (default DefaultTimeout).
	Timeout time.Duration `json:"timeout,omitempty"`
	// MaxResponseBytes is the largest answer body read, after
	// decompression (default DefaultMaxResponseBytes); a larger one fails
	// with ErrResponseTooLarge.
	MaxResponseBytes int64 `json:"maxResponseBytes,omitempty"`
	// FollowRedirects is how many redirects to follow: 0 means
	// DefaultFollowRedirects (5), NoRedirects (or any negative value)
	// means none, so a 3xx answer is returned as it is. A redirect to
	// another host, or from https to http, carries no credentials, or is
	// not followed; see the package documentation.
	FollowRedirects int `json:"followRedirects,omitempty"`
	// SuccessStatuses lists the statuses that are a success: classes
	// ("2xx"), codes ("404") or ranges ("200-299"). Empty means
	// DefaultSuccessStatuses, 2xx and 3xx. Any other status is a
	// *StatusError.
	SuccessStatuses []string `json:"successStatuses,omitempty"`
	// Extract maps output fields to a JSON path ("$.data.items[0].id") or
	// an XPath ("/order/id/text()"); see the package documentation.
	Extract map[string]string `json:"extract,omitempty"`
}

// Response is a success answer.
type Response struct {
	// Status is the HTTP status code of the last answer (after redirects).
	Status int `json:"status"`
	// Headers are the answer's headers, canonical names, repeated values
	// joined with ", ".
	Headers map[string]string `json:"headers,omitempty"`
	// Body is the decoded answer: the JSON value for JSON; the map form
	// for XML (see the package documentation); otherwise the text; nil
	// when empty.
	Body any `json:"body"`
	// Extracted holds a value for every Request.Extract field; nil when
	// Extract is empty.
	Extracted map[string]any `json:"extracted,omitempty"`
	// Raw is the answer's body as received (at most MaxResponseBytes), for
	// callers that decode it their own way (8x8's HttpRequest step keeps
	// XML as text). It is never serialised.
	Raw []byte `json:"-"`
}

// prepared is a validated Request, ready to send.
type prepared struct {
	method      string
	url         *url.URL
	header      http.Header
	host        string
	body        []byte
	timeout     time.Duration
	maxBytes    int64
	redirects   int
	success     statusSet
	extractors  []extractor
	redactedURL string
}

// Do sends req with client and reads the answer, through package egress:
// client carries authentication (a RoundTripper that adds credentials)
// and transport settings, and egress applies the request's deadline, body
// cap and redirect policy on a shallow copy of it; a nil client means
// egress's default.
//
// Errors: ErrInvalidRequest before anything is sent; *StatusError for an
// answer whose status is not a success; ErrTimeout, ErrNetwork,
// ErrTooManyRedirects, ErrResponseTooLarge or ErrRefused (the address
// guard's refusal); the context's error when ctx
// ends first; ErrUnexpectedResponse, together with the Response, when a
// success answer cannot be read for Extract. No error contains the URL's
// userinfo, query string or path, or the request's credentials.
func Do(ctx context.Context, client *http.Client, req Request) (Response, error) {
	p, err := prepare(req)
	if err != nil {
		return Response{}, &requestError{
			msg:  ErrInvalidRequest.Error() + ": " + err.Error(),
			errs: []error{ErrInvalidRequest, err},
		}
	}
	answer, err := egress.Do(ctx, client, egress.Request{
		Method:       p.method,
		URL:          p.url.String(),
		Header:       p.header,
		Host:         p.host,
		Body:         p.body,
		Timeout:      p.timeout,
		MaxBodyBytes: p.maxBytes,
		MaxRedirects: p.redirects,
		Success:      p.success.contains,
	})
	if err != nil {
		return Response{}, err
	}
	decoded := decodeBody(answer.Header.Get("Content-Type"), answer.Body)
	out := Response{
		Status:  answer.StatusCode,
		Headers: flattenHeaders(answer.Header),
		Body:    decoded.value,
		Raw:     answer.Body,
	}
	out.Extracted, err = runExtract(p.extractors, decoded)
	if err != nil {
		msg := fmt.Sprintf("%s %s answered %d: %s", p.method, p.redactedURL, answer.StatusCode, newScrubber(p.url, p.header, egress.SecretsOf(ctx)...).scrub(err.Error()))
		return out, &requestError{msg: ErrUnexpectedResponse.Error() + ": " + msg, errs: []error{ErrUnexpectedResponse}}
	}
	return out, nil
}

// allowedMethods are http.call's five and the HEAD and OPTIONS that 8x8's
// HttpRequest step also sends through Do.
var allowedMethods = map[string]bool{
	http.MethodGet: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodHead: true, http.MethodOptions: true,
}

// prepare validates req and fills in defaults. Its errors never quote the
// URL, header values or body values.
func prepare(req Request) (*prepared, error) {
	p := &prepared{
		method:    strings.ToUpper(strings.TrimSpace(req.Method)),
		timeout:   req.Timeout,
		maxBytes:  req.MaxResponseBytes,
		redirects: req.FollowRedirects,
	}
	if !allowedMethods[p.method] {
		return nil, fmt.Errorf("method %q: want GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS", req.Method)
	}
	// Zero limits pass through: egress applies the defaults (the same
	// values, DefaultTimeout, DefaultMaxResponseBytes and
	// DefaultFollowRedirects are its own) and reads a negative
	// FollowRedirects as none.

	u, err := TargetURL(req)
	if err != nil {
		return nil, err
	}
	p.url, p.redactedURL = u, redactURL(u)

	p.header = make(http.Header, len(req.Headers)+1)
	names := make([]string, 0, len(req.Headers))
	for name := range req.Headers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		value := req.Headers[name]
		if !validHeaderName(name) {
			return nil, fmt.Errorf("header name %q is not a valid HTTP token", name)
		}
		if !validHeaderValue(value) {
			return nil, fmt.Errorf("header %q: value contains a line break or control character", name)
		}
		if strings.EqualFold(name, "Host") {
			p.host = value
			continue
		}
		p.header.Set(name, value)
	}

	format := strings.ToLower(strings.TrimSpace(req.BodyFormat))
	if format == "" {
		format = FormatJSON
	}
	body, contentType, err := encodeBody(format, req.Body, strings.TrimSpace(req.XMLRoot))
	if err != nil {
		return nil, err
	}
	p.body = body
	if body != nil && p.header.Get("Content-Type") == "" {
		p.header.Set("Content-Type", contentType)
	}

	if p.success, err = parseStatuses(req.SuccessStatuses); err != nil {
		return nil, err
	}
	if p.extractors, err = compileExtract(req.Extract); err != nil {
		return nil, err
	}
	return p, nil
}

// parseURL accepts absolute http and https URLs; its errors never quote
// the URL (see egress.ParseURL).
func parseURL(raw string) (*url.URL, error) { return egress.ParseURL(raw) }

// TargetURL is the URL Do sends req to: req.URL, which must be an
// absolute http(s) URL, with req.Query added (a name already there is
// replaced). A caller that resolves a relative link in the answer (a
// Link header) resolves it against this URL.
func TargetURL(req Request) (*url.URL, error) {
	u, err := parseURL(req.URL)
	if err != nil {
		return nil, err
	}
	if len(req.Query) > 0 {
		q := u.Query()
		for k, v := range req.Query {
			q.Set(k, v)
		}
		u.RawQuery = q.Encode()
	}
	return u, nil
}

// validHeaderName reports whether name is an RFC 9110 token.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

// validHeaderValue rejects control characters other than tab: CR and LF
// would split the header.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

func flattenHeaders(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for k, vs := range h {
		if egress.SensitiveHeader(k) {
			// A session cookie or a token the third party hands out
			// would otherwise be kept in the run's history: the step
			// sees that the header came, not its value.
			out[k] = egress.Redacted
			continue
		}
		out[k] = strings.Join(vs, ", ")
	}
	return out
}
