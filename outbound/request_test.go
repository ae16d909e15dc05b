package outbound_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/outbound"
)

func TestValidate(t *testing.T) {
	// want: one "path code fragment-of-the-message" per problem, in order.
	tests := []struct {
		name string
		base string
		t    outbound.Template
		want []string
	}{
		{"the least: a URL", "", outbound.Template{URL: "https://example.com/hooks"}, nil},
		{"EddyDesk's comment to a parent ticket", "", outbound.Template{
			Method:  "post",
			URL:     "https://eguzkia.helpdeskeddy.com/api/v2/tickets/{{data.ticket.parent_ticket_id}}/comments/",
			Format:  "JSON",
			Headers: map[string]string{"Content-Type": "application/json; charset=utf-8", "X-Ticket": "{{data.ticket.id}}"},
			Body:    map[string]any{"text": "Відповідь у підзаявці #{{data.ticket.id}}", "items": []any{"{{data.x}}", 1.0}},
		}, nil},
		{"a URL from a tag alone", "", outbound.Template{URL: "{{data.callback}}", Method: "DELETE"}, nil},
		{"GET without a body", "", outbound.Template{URL: "https://api.telegram.org/bot{{data.bot}}/sendMessage?chat_id={{data.chat}}", Method: "GET"}, nil},

		{"no URL", "", outbound.Template{URL: " "}, []string{"url required is required"}},
		{"a relative URL", "", outbound.Template{URL: "/hooks"}, []string{"url invalid_value no scheme"}},
		{"not http", "", outbound.Template{URL: "ftp://example.com/x"}, []string{"url invalid_value its scheme is ftp"}},
		{"no host", "", outbound.Template{URL: "https:///x"}, []string{"url invalid_value no host"}},
		{"a space", "", outbound.Template{URL: "https://example.com/a b"}, []string{"url invalid_value a space"}},
		{"a scheme before the tags", "", outbound.Template{URL: "ftp://{{data.host}}/x"}, []string{"url invalid_value not ftp"}},
		{"a tag that does not compile", "", outbound.Template{URL: "https://example.com/{{data.}}"}, []string{"url expression_syntax invalid expression: {{data.}}"}},
		{"an unclosed tag", "", outbound.Template{URL: "https://example.com/{{data.id"}, []string{"url expression_syntax unclosed {{"}},
		{"a method webhooks do not use", "", outbound.Template{URL: "https://example.com", Method: "HEAD"}, []string{`method invalid_value must be one of GET, POST, PUT, PATCH, DELETE, not "HEAD"`}},
		{"a format not known", "", outbound.Template{URL: "https://example.com", Format: "yaml"}, []string{`format invalid_value must be one of json, xml, form, not "yaml"`}},
		{"headers", "", outbound.Template{URL: "https://example.com", Headers: map[string]string{
			"X Name":            "a",
			"webhook-signature": "v1,forged",
			"Content-Length":    "3",
			"Host":              "example.org",
			"Transfer-Encoding": "chunked",
			"x-trace":           "1",
			"X-Trace":           "2",
			"X-Split":           "a\r\nX-Injected: 1",
			"X-Bad":             "{{ 1 + }}",
			"X-Env":             "{{env.TOKEN}}",
			"X-Fn":              "{{nope(1)}}",
		}}, []string{
			"headers.Content-Length not_allowed set by the HTTP client",
			"headers.Host not_allowed set by the HTTP client",
			"headers.Transfer-Encoding not_allowed hop-by-hop",
			`headers["X Name"] invalid_value not a valid HTTP header name`,
			"headers.X-Bad expression_syntax invalid expression",
			"headers.X-Env not_supported environment variables",
			"headers.X-Fn unknown_function invalid expression",
			"headers.X-Split invalid_value line breaks",
			"headers.webhook-signature not_allowed set by Junction",
			`headers.x-trace conflict the same header as "X-Trace"`,
		}},
		{"a body with GET", "", outbound.Template{URL: "https://example.com", Method: "get", Body: map[string]any{"a": 1.0}},
			[]string{"body conflict a GET request carries no body"}},
		{"tags in the body", "", outbound.Template{URL: "https://example.com", Body: map[string]any{
			"items": []any{"{{ data.x + }}", "ok {{data.y}}"},
			"a b":   map[string]any{"c": "{{nope()}}"},
		}}, []string{
			`body["a b"].c unknown_function invalid expression`,
			"body.items[0] expression_syntax invalid expression",
		}},
		{"a form body that is an array", "", outbound.Template{URL: "https://example.com", Format: "form", Body: []any{"{{data.x}}"}},
			[]string{"body invalid_value must be an object or text with the form format"}},
		{"an XML body without tags is encoded now", "", outbound.Template{URL: "https://example.com", Format: "xml", Body: map[string]any{"order": map[string]any{"line items": 1.0}}},
			[]string{`body invalid_value cannot be sent as xml: order["line items"]: the key is not an XML element name`}},
		{"XML text without tags", "", outbound.Template{URL: "https://example.com", Format: "xml", Body: "<a><b></a>"},
			[]string{"body invalid_value cannot be sent as xml: the text is not a well-formed XML document"}},
		{"XML text with tags is checked once rendered", "", outbound.Template{URL: "https://example.com", Format: "xml", Body: "<a>{{data.x}}"}, nil},
		{"paths under a base", "subscriptions[2]", outbound.Template{Method: "FETCH", Headers: map[string]string{"Host": "x"}}, []string{
			"subscriptions[2].url required is required",
			"subscriptions[2].method invalid_value must be one of",
			"subscriptions[2].headers.Host not_allowed set by the HTTP client",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.t.Validate(tt.base)
			if len(got) != len(tt.want) {
				t.Fatalf("%d problems, want %d:\n%s", len(got), len(tt.want), describe(got))
			}
			for i, w := range tt.want {
				m := wantProblem.FindStringSubmatch(w)
				path, code, fragment := m[1], m[2], m[3]
				if got[i].Path != path || got[i].Code != code || !strings.Contains(got[i].Message, fragment) {
					t.Errorf("problem %d: %s\nwant %s", i, describe(got[i:i+1]), w)
				}
			}
		})
	}
}

// wantProblem splits "path code fragment"; a path may hold a space
// inside brackets (headers["X Name"]), a code never does.
var wantProblem = regexp.MustCompile(`^(.+?) ([a-z_]+) (.*)$`)

// A template as the API receives it: its JSON names are the paths
// Validate reports, and a decoded body renders like a Go one.
func TestTemplateFromJSON(t *testing.T) {
	var tmpl outbound.Template
	err := json.Unmarshal([]byte(`{"method": "put", "url": "https://example.com/t/{{data.ticket.id}}", "format": "xml",
		"headers": {"X-Ticket": "{{data.ticket.id}}", "Host": "evil.example"}, "body": {"id": "{{data.ticket.id}}", "ok": true}}`), &tmpl)
	if err != nil {
		t.Fatal(err)
	}
	if errs := tmpl.Validate(""); len(errs) != 1 || errs[0].Path != "headers.Host" {
		t.Fatalf("problems:\n%s", describe(errs))
	}
	delete(tmpl.Headers, "Host")
	r, err := tmpl.Render(renderEnv(), nil)
	if err != nil {
		t.Fatal(err)
	}
	const want = `<?xml version="1.0" encoding="UTF-8"?><event><id>1001</id><ok>true</ok></event>`
	if r.Method != "PUT" || r.URL != "https://example.com/t/1001" || r.Header.Get("X-Ticket") != "1001" || string(r.Body) != want {
		t.Errorf("%s %s %v %s", r.Method, r.URL, r.Header, r.Body)
	}
}

func describe(errs []definition.FieldError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "%s %s %s\n", e.Path, e.Code, e.Message)
	}
	return b.String()
}

// renderEnv is a run's data as an EddyDesk ticket event would give it.
func renderEnv() definition.Env {
	return definition.Env{Data: map[string]any{
		"ticket": map[string]any{
			"id":               1001,
			"parent_ticket_id": 77,
			"subject":          "Термінова заявка & <b>принтер</b>",
			"tags":             []any{"hardware", "офіс 3"},
		},
		"bot":      "123456:ABC-DEF",
		"chat":     987654321,
		"phone":    "+380501234567",
		"token":    "t0ken",
		"tenant":   "a b",
		"callback": "https://hooks.example.com/in",
		"note":     "line\nbreak",
	}}
}

// renderEvent is the event a subscription sends when its template has no
// body. Its text is data: the tag in it must go out as it is.
var renderEvent = map[string]any{
	"type": "ticket.created",
	"data": map[string]any{"id": 1001, "note": "{{data.token}}", "tags": []any{"a", "b"}},
}

// Each case's body is testdata/render/NAME (none for a request without
// one); -update rewrites them.
func TestRender(t *testing.T) {
	tests := []struct {
		name    string
		t       outbound.Template
		method  string
		url     string
		headers http.Header
	}{
		{"comment.json", outbound.Template{
			URL: "https://eguzkia.helpdeskeddy.com/api/v2/tickets/{{data.ticket.parent_ticket_id}}/comments/",
			Body: map[string]any{
				"text":      "Відповідь у підзаявці #{{data.ticket.id}}: {{data.ticket.subject}}",
				"ticket_id": "{{data.ticket.id}}",
				"tags":      "{{data.ticket.tags}}",
				"visible":   false,
			},
		}, "POST", "https://eguzkia.helpdeskeddy.com/api/v2/tickets/77/comments/",
			http.Header{"Content-Type": {"application/json"}}},
		{"telegram", outbound.Template{
			Method: "get",
			URL:    "https://api.telegram.org/bot{{data.bot}}/sendMessage?chat_id={{data.chat}}&text={{urlEncode(data.ticket.subject)}}",
		}, "GET", "https://api.telegram.org/bot123456:ABC-DEF/sendMessage?chat_id=987654321&text=%D0%A2%D0%B5%D1%80%D0%BC%D1%96%D0%BD%D0%BE%D0%B2%D0%B0%20%D0%B7%D0%B0%D1%8F%D0%B2%D0%BA%D0%B0%20%26%20%3Cb%3E%D0%BF%D1%80%D0%B8%D0%BD%D1%82%D0%B5%D1%80%3C%2Fb%3E",
			http.Header{}},
		{"sms.form", outbound.Template{
			Method:  "PUT",
			URL:     "{{data.callback}}",
			Format:  "form",
			Headers: map[string]string{"authorization": "Bearer {{data.token}}", "X-Count": "{{data.chat}}", "X-Tags": "{{data.ticket.tags}}", "X-Empty": "{{data.missing}}"},
			Body:    map[string]any{"phones": "{{data.phone}}", "mes": "Нова заявка №{{data.ticket.id}}", "meta": map[string]any{"tags": "{{data.ticket.tags}}"}},
		}, "PUT", "https://hooks.example.com/in", http.Header{
			"Authorization": {"Bearer t0ken"},
			"X-Count":       {"987654321"},
			"X-Tags":        {`["hardware","офіс 3"]`},
			"X-Empty":       {""},
			"Content-Type":  {"application/x-www-form-urlencoded"},
		}},
		{"default.xml", outbound.Template{URL: "https://example.com/hooks", Format: "xml"}, "POST", "https://example.com/hooks",
			http.Header{"Content-Type": {"application/xml; charset=utf-8"}}},
		{"default.json", outbound.Template{URL: "https://example.com/hooks", Method: "DELETE", Headers: map[string]string{"Content-Type": "application/vnd.api+json"}},
			"DELETE", "https://example.com/hooks", http.Header{"Content-Type": {"application/vnd.api+json"}}},
		{"soap.xml", outbound.Template{
			URL:    "https://erp.example.com/soap",
			Format: "xml",
			Body:   `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><Ticket id="{{data.ticket.id}}">{{data.phone}}</Ticket></soap:Body></soap:Envelope>`,
		}, "POST", "https://erp.example.com/soap", http.Header{"Content-Type": {"application/xml; charset=utf-8"}}},
		// A value holding & and < goes into XML text through xmlEscape.
		{"escaped.xml", outbound.Template{
			URL:    "https://erp.example.com/xml",
			Format: "xml",
			Body:   `<ticket><subject>{{xmlEscape(data.ticket.subject)}}</subject></ticket>`,
		}, "POST", "https://erp.example.com/xml", http.Header{"Content-Type": {"application/xml; charset=utf-8"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := tt.t.Render(renderEnv(), renderEvent)
			if err != nil {
				t.Fatal(err)
			}
			if r.Method != tt.method || r.URL != tt.url {
				t.Errorf("%s %s, want %s %s", r.Method, r.URL, tt.method, tt.url)
			}
			if !equalHeaders(r.Header, tt.headers) {
				t.Errorf("headers %v, want %v", r.Header, tt.headers)
			}
			golden := filepath.Join("testdata/render", tt.name)
			if tt.method == http.MethodGet {
				if r.Body != nil {
					t.Errorf("a GET request with a body: %q", r.Body)
				}
				return
			}
			if *update {
				if err := os.WriteFile(golden, r.Body, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if string(r.Body) != string(want) {
				t.Errorf("body\n%s\nwant\n%s", r.Body, want)
			}
		})
	}
}

func equalHeaders(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

func TestRenderErrors(t *testing.T) {
	url := func(u string) outbound.Template { return outbound.Template{URL: u} }
	tests := []struct {
		name     string
		t        outbound.Template
		def      any
		path     string // the field the error names
		fragment string
		notIn    string // text the message must not quote
	}{
		{"a URL that renders to ftp", url("{{'ftp://' + data.callback}}"), nil, "url", "its scheme is ftp", ""},
		{"a URL that renders to a number", url("{{data.chat}}"), nil, "url", "no scheme", ""},
		{"an unescaped value in a URL", url("https://example.com/t/{{data.tenant}}?token={{data.token}}"), nil, "url", "urlEncode", "t0ken"},
		{"a URL that does not parse", url("https://{{data.bot}}/x"), nil, "url", "does not parse as a URL", "ABC-DEF"},
		{"a header that renders a line break", outbound.Template{URL: "https://example.com", Headers: map[string]string{"X-Note": "{{data.note}}"}}, nil,
			"headers.X-Note", "line break", "line\nbreak"},
		{"a tag that fails in the body", outbound.Template{URL: "https://example.com", Body: map[string]any{"items": []any{"{{ isCountryCode('+6512345678', 'XX') }}"}}}, nil,
			"body.items[0]", "not an ISO 3166 country code", ""},
		{"a form body that renders to a number", outbound.Template{URL: "https://example.com", Format: "form", Body: "{{data.chat}}"}, nil,
			"body", "cannot be sent as form: a form body must be an object or text, not a number", "987654321"},
		{"XML text that renders ill-formed", outbound.Template{URL: "https://example.com", Format: "xml", Body: "<a>{{data.ticket.subject}}</a>"}, nil,
			"body", "not a well-formed XML document", "принтер"},
		{"a default body with a key XML cannot name", outbound.Template{URL: "https://example.com", Format: "xml"}, map[string]any{"order": map[string]any{"2nd": "secret"}},
			"body", `order.2nd: the key is not an XML element name`, "secret"},
		{"an invalid template", outbound.Template{URL: "https://example.com", Method: "GET", Body: "x"}, nil, "body", "no body", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.t.Render(renderEnv(), tt.def)
			if err == nil {
				t.Fatal("rendered")
			}
			var path string
			var fe definition.FieldError
			var ee *definition.ExprError
			var ve *definition.ValidationError
			switch {
			case errors.As(err, &fe):
				path = fe.Path
			case errors.As(err, &ee):
				path = ee.Path
			case errors.As(err, &ve):
				path = ve.Errors[0].Path
			}
			if path != tt.path || !strings.Contains(err.Error(), tt.fragment) {
				t.Errorf("%v (path %q), want path %q and %q", err, path, tt.path, tt.fragment)
			}
			if tt.notIn != "" && strings.Contains(err.Error(), tt.notIn) {
				t.Errorf("the error quotes %q: %v", tt.notIn, err)
			}
		})
	}
}

func ExampleTemplate_Render() {
	tmpl := outbound.Template{
		Method: "POST",
		URL:    "https://crm.example.com/tickets/{{data.ticket.id}}/notes",
		Format: outbound.FormatForm,
		Body:   map[string]any{"author": "{{data.agent}}", "ticket": map[string]any{"id": "{{data.ticket.id}}", "urgent": true}},
	}
	if errs := tmpl.Validate(""); errs != nil {
		fmt.Println(errs)
		return
	}
	env := definition.Env{Data: map[string]any{"agent": "Олена", "ticket": map[string]any{"id": 1001}}}
	r, err := tmpl.Render(env, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Method, r.URL)
	fmt.Println(r.Header.Get("Content-Type"))
	fmt.Println(string(r.Body))
	// Output:
	// POST https://crm.example.com/tickets/1001/notes
	// application/x-www-form-urlencoded
	// author=%D0%9E%D0%BB%D0%B5%D0%BD%D0%B0&ticket%5Bid%5D=1001&ticket%5Burgent%5D=true
}
