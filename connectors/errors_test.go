package connectors

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func answer(status int, header http.Header, body string) (*http.Response, []byte) {
	if header == nil {
		header = http.Header{}
	}
	return &http.Response{StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status)), Header: header}, []byte(body)
}

func TestFromHTTPResponse(t *testing.T) {
	clock := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	now = func() time.Time { return clock }
	t.Cleanup(func() { now = time.Now })
	jsonHeader := http.Header{"Content-Type": {"application/json"}}

	for _, test := range []struct {
		name   string
		status int
		header http.Header
		body   string
		want   Error
	}{
		{"400", 400, jsonHeader, `{"message": "Invalid ID."}`, Error{Kind: BadRequest, StatusCode: 400, Message: "Invalid ID."}},
		{"401", 401, nil, ``, Error{Kind: Unauthorized, StatusCode: 401, Message: "Unauthorized"}},
		{"403", 403, nil, `Forbidden for this key`, Error{Kind: Unauthorized, StatusCode: 403, Message: "Forbidden for this key"}},
		{"404 shopify", 404, jsonHeader, `{"errors": "Not Found"}`, Error{Kind: NotFound, StatusCode: 404, Message: "Not Found"}},
		{"409 is a bad request", 409, nil, `{"error": "conflict"}`, Error{Kind: BadRequest, StatusCode: 409, Message: "conflict"}},
		{"410", 410, nil, ``, Error{Kind: NotFound, StatusCode: 410, Message: "Gone"}},
		{"408", 408, nil, ``, Error{Kind: Timeout, StatusCode: 408, Message: "Request Timeout"}},
		{"422 shopify field errors", 422, jsonHeader, `{"errors": {"line_items": ["must have at least one"], "email": ["is invalid"]}}`,
			Error{Kind: Unprocessable, StatusCode: 422, Message: "email: is invalid; line_items: must have at least one"}},
		{"422 nested error object", 422, jsonHeader, `{"error": {"code": "invalid", "message": "email taken"}}`,
			Error{Kind: Unprocessable, StatusCode: 422, Message: "email taken"}},
		{"429 seconds", 429, http.Header{"Retry-After": {"7"}}, `{"description": "Too Many Requests: retry after 7"}`,
			Error{Kind: RateLimited, StatusCode: 429, Message: "Too Many Requests: retry after 7", RetryAfter: 7 * time.Second}},
		{"429 date from the clock", 429, http.Header{"Retry-After": {"Mon, 02 Mar 2026 10:01:30 GMT"}}, ``,
			Error{Kind: RateLimited, StatusCode: 429, Message: "Too Many Requests", RetryAfter: 90 * time.Second}},
		{"429 date against the answer's Date", 429, http.Header{"Retry-After": {"Mon, 02 Mar 2026 12:00:10 GMT"}, "Date": {"Mon, 02 Mar 2026 12:00:00 GMT"}}, ``,
			Error{Kind: RateLimited, StatusCode: 429, Message: "Too Many Requests", RetryAfter: 10 * time.Second}},
		{"503 with Retry-After", 503, http.Header{"Retry-After": {"30"}}, `<html><body>Down</body></html>`,
			Error{Kind: Unavailable, StatusCode: 503, Message: "Service Unavailable", RetryAfter: 30 * time.Second}},
		{"502 xml", 502, http.Header{"Content-Type": {"application/xml"}}, "<Error>\n  <Message>Upstream down</Message>\n</Error>",
			Error{Kind: Unavailable, StatusCode: 502, Message: "<Error> <Message>Upstream down</Message> </Error>"}},
		{"500 text", 500, http.Header{"Content-Type": {"text/plain"}}, "  boom\n  again ", Error{Kind: Unavailable, StatusCode: 500, Message: "boom again"}},
		{"oauth", 400, jsonHeader, `{"error": "invalid_grant", "error_description": "Token expired"}`, Error{Kind: BadRequest, StatusCode: 400, Message: "Token expired"}},
		{"json without a message", 400, jsonHeader, `{"ok": false}`, Error{Kind: BadRequest, StatusCode: 400, Message: `{"ok": false}`}},
		{"past date", 503, http.Header{"Retry-After": {"Mon, 02 Mar 2026 09:00:00 GMT"}}, ``, Error{Kind: Unavailable, StatusCode: 503, Message: "Service Unavailable"}},
		{"garbage Retry-After", 429, http.Header{"Retry-After": {"soon"}}, ``, Error{Kind: RateLimited, StatusCode: 429, Message: "Too Many Requests"}},
	} {
		t.Run(test.name, func(t *testing.T) {
			got := FromHTTPResponse(answer(test.status, test.header, test.body))
			if got == nil || *got != test.want {
				t.Errorf("got  %+v\nwant %+v", got, test.want)
			}
		})
	}
	for _, status := range []int{200, 201, 204, 302, 304} {
		if e := FromHTTPResponse(answer(status, nil, `{"message": "x"}`)); e != nil {
			t.Errorf("%d: %v, want nil", status, e)
		}
	}
}

func TestErrorMessageIsBounded(t *testing.T) {
	e := FromHTTPResponse(answer(400, nil, strings.Repeat("é", 1000)))
	if len(e.Message) > maxMessage+len("…") || !strings.HasSuffix(e.Message, "…") {
		t.Errorf("message of %d bytes", len(e.Message))
	}
	if !strings.HasPrefix(e.Message, "éé") || strings.ContainsRune(e.Message, '\uFFFD') {
		t.Error("message was cut inside a character")
	}
}

func TestErrorReads(t *testing.T) {
	err := fmt.Errorf("updating order 42: %w", &Error{Kind: RateLimited, StatusCode: 429, Message: "Too many requests", RetryAfter: 7 * time.Second})
	if got, want := err.Error(), "updating order 42: rate limited (HTTP 429, retry after 7s): Too many requests"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if k, ok := KindOf(err); !ok || k != RateLimited || !k.Retryable() {
		t.Errorf("KindOf = %s, %v", k, ok)
	}
	if _, ok := KindOf(errors.New("plain")); ok {
		t.Error("KindOf found a kind in a plain error")
	}
	if got := Errorf(BadRequest, "workspace %q is empty", "").Error(); got != `bad request: workspace "" is empty` {
		t.Errorf("Errorf: %q", got)
	}
	for _, k := range []ErrorKind{BadRequest, NotFound, Unprocessable, Unauthorized} {
		if k.Retryable() {
			t.Errorf("%s is retryable", k)
		}
	}
}
