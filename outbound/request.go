package outbound

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/net/http/httpguts"

	"github.com/junction-run/junction/definition"
)

// Methods a webhook may use: the EddyDesk seed's list.
var Methods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// What a Template that leaves Method or Format empty sends.
const (
	defaultMethod = http.MethodPost
	defaultFormat = FormatJSON
)

// reservedHeaders are the headers a template may not set, by lower-case
// name, with why: each is written by Junction or by the HTTP client, and a
// second value would either be dropped without a word or contradict the
// one that is sent. Content-Type is not among them: a template may name a
// more precise type (application/vnd.api+json, text/xml) than its
// format's.
var reservedHeaders = map[string]string{
	HeaderID:            "is set by Junction: every delivery is signed (Standard Webhooks)",
	HeaderTimestamp:     "is set by Junction: every delivery is signed (Standard Webhooks)",
	HeaderSignature:     "is set by Junction: every delivery is signed (Standard Webhooks)",
	"content-length":    "is set by the HTTP client from the body",
	"host":              "is set by the HTTP client from the URL",
	"connection":        "is a hop-by-hop header, managed by the HTTP client",
	"keep-alive":        "is a hop-by-hop header, managed by the HTTP client",
	"proxy-connection":  "is a hop-by-hop header, managed by the HTTP client",
	"te":                "is a hop-by-hop header, managed by the HTTP client",
	"trailer":           "is a hop-by-hop header, managed by the HTTP client",
	"transfer-encoding": "is a hop-by-hop header, managed by the HTTP client",
	"upgrade":           "is a hop-by-hop header, managed by the HTTP client",
}

// Template is how a webhook request is built from an event or a run's
// data: the same for a subscription and for a Webhook step, so that both
// send alike. Authentication is not part of it: a password or token is a
// secret, kept with the subscription's credentials and added by the
// sender, not written into a template that is stored and shown. Its JSON
// names are the paths Validate reports problems under.
type Template struct {
	Method string `json:"method,omitempty"` // GET, POST, PUT, PATCH or DELETE, in any case; default POST
	// URL is where the request goes. {{ }} tags are allowed and their
	// values are inserted as they are, unescaped: the user writes the URL
	// and escapes a value with {{urlEncode(...)}} where it needs it. Once
	// rendered it must be an absolute http or https URL.
	URL     string            `json:"url"`
	Format  string            `json:"format,omitempty"`  // json, xml or form (FormatJSON...), in any case; default json
	Headers map[string]string `json:"headers,omitempty"` // values may hold tags
	// Body is the body template: any JSON value whose strings may hold
	// tags. Nil sends the default body given to Render (the event, or the
	// run's data). A GET request sends no body.
	Body any `json:"body,omitempty"`
}

// method is t's method in upper case, and whether it is one of Methods.
func (t Template) method() (string, bool) {
	if t.Method == "" {
		return defaultMethod, true
	}
	m := strings.ToUpper(t.Method)
	return m, slices.Contains(Methods, m)
}

// format is t's format in lower case, and whether it is one of formats.
func (t Template) format() (string, bool) {
	if t.Format == "" {
		return defaultFormat, true
	}
	f := strings.ToLower(t.Format)
	return f, slices.Contains(formats, f)
}

// Validate names every problem of t by its JSON path under base (base ""
// gives "url", "method", "format", "headers.X-Name", "body.items[0]"), in
// that order, with the codes and message style of definition.Validate.
// It compiles every tag, so a template that saves also renders, unless a
// value its tags produce is wrong (a URL that is not http, a header value
// with a line break), which only Render can tell. A body without tags is
// encoded here already. Nil when t is fine.
func (t Template) Validate(base string) []definition.FieldError {
	var errs []definition.FieldError
	fail := func(path, code, format string, args ...any) {
		errs = append(errs, definition.FieldError{Path: path, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	tmpl := func(s, path string) {
		if err := definition.CheckTemplate(s); err != nil {
			var ee *definition.ExprError
			if errors.As(err, &ee) {
				fail(path, ee.Code, "invalid expression: %s", ee.Error())
				return
			}
			fail(path, definition.CodeExpressionSyntax, "invalid expression: %v", err)
		}
	}
	at := func(field string) string { return definition.PathKey(base, field) }

	switch {
	case strings.TrimSpace(t.URL) == "":
		fail(at("url"), definition.CodeRequired, "is required: the address the request is sent to")
	case !definition.HasTemplate(t.URL):
		if err := checkURL(t.URL); err != nil {
			fail(at("url"), definition.CodeInvalidValue, "must be an absolute http or https URL: %v", err)
		}
	default:
		tmpl(t.URL, at("url"))
		// A scheme written before the first tag is known now.
		lead, _, _ := strings.Cut(t.URL, "{{")
		if scheme, _, ok := strings.Cut(lead, "://"); ok && !httpScheme(scheme) {
			fail(at("url"), definition.CodeInvalidValue, "must be an http or https URL, not %s", scheme)
		}
	}
	method, methodOK := t.method()
	if !methodOK {
		fail(at("method"), definition.CodeInvalidValue, "must be one of %s, not %q", strings.Join(Methods, ", "), t.Method)
	}
	format, formatOK := t.format()
	if !formatOK {
		fail(at("format"), definition.CodeInvalidValue, "must be one of %s, not %q", strings.Join(formats, ", "), t.Format)
	}

	names := slices.Sorted(maps.Keys(t.Headers))
	seen := map[string]string{} // lower-case name -> the name as written
	hp := at("headers")
	for _, name := range names {
		p := definition.PathKey(hp, name)
		lower := strings.ToLower(name)
		switch why, reserved := reservedHeaders[lower]; {
		case !httpguts.ValidHeaderFieldName(name):
			fail(p, definition.CodeInvalidValue, "is not a valid HTTP header name (letters, digits and !#$%%&'*+-.^_`|~)")
		case reserved:
			fail(p, definition.CodeNotAllowed, "cannot be set by a webhook: it %s", why)
		case seen[lower] != "":
			fail(p, definition.CodeConflict, "is the same header as %q: header names ignore case", seen[lower])
		}
		seen[lower] = name
		val := t.Headers[name]
		if definition.HasTemplate(val) {
			tmpl(val, p)
		} else if !headerValue(val) {
			fail(p, definition.CodeInvalidValue, "must not contain line breaks or other control characters")
		}
	}

	if t.Body == nil {
		return errs
	}
	bp := at("body")
	if method == http.MethodGet {
		fail(bp, definition.CodeConflict, "must be empty with GET: a GET request carries no body; use POST, PUT or PATCH, or put the values in the URL's query")
	}
	tagged := false
	walkStrings(t.Body, bp, func(s, path string) {
		if definition.HasTemplate(s) {
			tagged = true
			tmpl(s, path)
		}
	})
	switch {
	case !formatOK || method == http.MethodGet:
	case format == FormatForm && !formShaped(t.Body):
		fail(bp, definition.CodeInvalidValue, "must be an object or text with the form format")
	case !tagged:
		if _, _, err := encode(format, t.Body); err != nil {
			fail(bp, definition.CodeInvalidValue, "cannot be sent as %s: %v", format, err)
		}
	}
	return errs
}

// walkStrings calls f with every string inside a body template and its
// path.
func walkStrings(v any, path string, f func(s, path string)) {
	switch v := v.(type) {
	case string:
		f(v, path)
	case map[string]any:
		keys := slices.Sorted(maps.Keys(v))
		for _, k := range keys {
			walkStrings(v[k], definition.PathKey(path, k), f)
		}
	case []any:
		for i, e := range v {
			walkStrings(e, pathIndex(path, i), f)
		}
	case map[string]string:
		keys := slices.Sorted(maps.Keys(v))
		for _, k := range keys {
			f(v[k], definition.PathKey(path, k))
		}
	case []string:
		for i, e := range v {
			f(e, pathIndex(path, i))
		}
	}
}

// formShaped reports whether a body template can give a form: an object,
// or a string (text, or one tag that may yield an object).
func formShaped(v any) bool {
	switch v.(type) {
	case map[string]any, map[string]string, string:
		return true
	}
	return false
}

// Rendered is a request ready to send; the sender adds the signature
// headers (Headers) and any authentication.
type Rendered struct {
	Method string
	URL    string
	Header http.Header // the rendered headers, plus Content-Type for a body
	Body   []byte      // nil for none
}

// Render evaluates t's tags with env and encodes the body in t's format.
// When t.Body is nil the body is def (the event itself, or the run's
// data), sent as it is: its strings are data, never evaluated as tags. A
// GET request has no body. All of t's tags share one evaluation budget
// (definition.MaxEvalCost).
//
// Tag values inserted in the URL are not escaped (see Template.URL); the
// rendered URL must be an absolute http or https URL without spaces or
// control characters. A header value is the tag's value as text (null as
// empty, objects as JSON) and must hold no line break. A Content-Type in
// t.Headers wins over the format's.
//
// Errors name the field: a *definition.ExprError when a tag fails (its
// Path is "url", "headers.X-Name" or "body.items[0]"), a
// definition.FieldError when a rendered value is wrong, a
// *definition.ValidationError when t itself is (see Validate). Messages
// never quote a rendered URL, header or body, which may hold secrets or
// personal data.
func (t Template) Render(env definition.Env, def any) (Rendered, error) {
	if errs := t.Validate(""); len(errs) > 0 {
		return Rendered{}, fmt.Errorf("rendering a webhook request: %w", &definition.ValidationError{Errors: errs})
	}
	method, _ := t.method()
	format, _ := t.format()

	// One Render call over the whole template: one budget, and error
	// paths that are already the fields' names.
	in := map[string]any{"url": t.URL}
	if len(t.Headers) > 0 {
		in["headers"] = t.Headers
	}
	if t.Body != nil {
		in["body"] = t.Body
	}
	rendered, err := definition.Render(in, env)
	if err != nil {
		return Rendered{}, fmt.Errorf("rendering a webhook request: %w", err)
	}
	out := rendered.(map[string]any)

	r := Rendered{Method: method, Header: http.Header{}}
	r.URL, err = valueText(out["url"])
	if err == nil {
		err = checkURL(r.URL)
	}
	if err != nil {
		return Rendered{}, renderError("url", "is not an absolute http or https URL once rendered: %v", err)
	}

	headers, _ := out["headers"].(map[string]any)
	names := slices.Sorted(maps.Keys(headers))
	for _, name := range names {
		v, err := valueText(headers[name])
		if err != nil {
			return Rendered{}, renderError(definition.PathKey("headers", name), "cannot be a header value: %v", err)
		}
		if !headerValue(v) {
			return Rendered{}, renderError(definition.PathKey("headers", name), "contains a line break or another control character once rendered")
		}
		r.Header.Set(name, v)
	}

	if method == http.MethodGet {
		return r, nil
	}
	body := def
	if t.Body != nil {
		body = out["body"]
	}
	b, contentType, err := encode(format, body)
	if err != nil {
		return Rendered{}, renderError("body", "cannot be sent as %s: %v", format, err)
	}
	r.Body = b
	if r.Header.Get("Content-Type") == "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r, nil
}

func renderError(path, format string, args ...any) error {
	return fmt.Errorf("rendering a webhook request: %w", definition.FieldError{
		Path: path, Code: definition.CodeInvalidValue, Message: fmt.Sprintf(format, args...)})
}

// valueText is a rendered value as text, as definition interpolates it:
// strings as they are, null as empty, numbers as JavaScript prints them,
// objects and arrays as JSON.
func valueText(v any) (string, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	if v == nil {
		return "", nil
	}
	b, err := encodeJSON(v)
	return string(b), err
}

// checkURL says why s is not an absolute http or https URL, never
// quoting it: a URL can hold a token (Telegram's bot URLs do).
func checkURL(s string) error {
	if strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return errors.New("it contains a space or a control character (a value inserted by a tag may need {{urlEncode(...)}})")
	}
	u, err := url.Parse(s)
	if err != nil {
		// Not url.Parse's message: it quotes the URL or a piece of it.
		return errors.New("it does not parse as a URL (a malformed host, port or %-escape)")
	}
	switch {
	case u.Scheme == "":
		return errors.New("it has no scheme (http:// or https://)")
	case !httpScheme(u.Scheme):
		return fmt.Errorf("its scheme is %s, not http or https", u.Scheme)
	case u.Host == "":
		return errors.New("it has no host")
	}
	return nil
}

func httpScheme(s string) bool {
	return strings.EqualFold(s, "http") || strings.EqualFold(s, "https")
}

// headerValue reports whether v can be sent as a header's value: no
// control character but the tab (RFC 9110's field-value), so that a value
// cannot end the header and start another.
func headerValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
