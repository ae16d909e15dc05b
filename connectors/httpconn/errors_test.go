package httpconn

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://user:pass@api.example.com/bot123:ABC/sendMessage?token=x#f", "https://api.example.com/…"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"https://api.example.com/", "https://api.example.com"},
		{"https://api.example.com?key=1", "https://api.example.com/…"},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := redactURL(u); got != tt.want {
			t.Errorf("redactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestScrub(t *testing.T) {
	u, _ := url.Parse("https://eddy:pa55word@api.example.com/hooks/T0001/B0002/XXXXXXXXXXXXXXXXXXXXXXXX?api_key=k3y-value&page=2")
	h := http.Header{}
	h.Set("Authorization", "Bearer tok-123456")
	h.Set("X-Api-Key", "hdr-secret")
	h.Set("Accept", "application/json")
	s := newScrubber(u, h)
	tests := []struct{ in, want string }{
		{"see https://user:pw@docs.example.com/errors?sig=abc#top for help", "see https://docs.example.com/errors?… for help"},
		{`"url":"http://x.example/a?b=c"`, `"url":"http://x.example/a?…"`},
		{"ftp://anon@files.example.com", "ftp://files.example.com"},
		{"token tok-123456 is expired", "token [redacted] is expired"},
		{"Bearer tok-123456", "[redacted]"},
		{"key=k3y-value", "key=[redacted]"},
		{"key hdr-secret", "key [redacted]"},
		{"password pa55word, user eddy", "password [redacted], user [redacted]"},
		{"no hook /hooks/T0001/B0002/XXXXXXXXXXXXXXXXXXXXXXXX here", "no hook [redacted] here"},
		{"bad segment XXXXXXXXXXXXXXXXXXXXXXXX", "bad segment [redacted]"},
		{"page 2 of application/json", "page 2 of application/json"},
	}
	for _, tt := range tests {
		if got := s.scrub(tt.in); got != tt.want {
			t.Errorf("scrub(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSnippet(t *testing.T) {
	long := strings.Repeat("я", 200) // 400 bytes
	got := snippet([]byte(long), nil)
	if !strings.HasSuffix(got, "…") || len(got) > 256+len("…") || !strings.HasPrefix(long, strings.TrimSuffix(got, "…")) {
		t.Errorf("snippet cut a rune or overran: %d bytes", len(got))
	}
	if got := snippet([]byte("a\n\n  b\tc\xff"), nil); got != "a b c\uFFFD" {
		t.Errorf("snippet = %q", got)
	}
}

func TestStatusErrorText(t *testing.T) {
	e := &StatusError{Status: 429, Body: `{"error":"slow down"}`, RetryAfter: 30 * time.Second, Method: "POST", URL: "https://api.example.com/…"}
	if want := `POST https://api.example.com/…: answered 429 Too Many Requests (retry after 30s): {"error":"slow down"}`; e.Error() != want {
		t.Errorf("Error() = %q", e.Error())
	}
	if got := (&StatusError{Status: 599}).Error(); got != "answered 599" {
		t.Errorf("Error() = %q", got)
	}
	for code, want := range map[int]bool{400: false, 401: false, 404: false, 408: true, 409: false, 422: false, 429: true, 500: true, 502: true, 503: true} {
		if got := (&StatusError{Status: code}).Retryable(); got != want {
			t.Errorf("Retryable(%d) = %v", code, got)
		}
	}
}

func TestSameOrigin(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"https://api.example.com/a", "https://api.example.com/b", true},
		{"https://API.example.com/a", "https://api.example.com:443/b", true},
		{"http://api.example.com/a", "https://api.example.com/b", true}, // upgrade
		{"https://api.example.com/a", "http://api.example.com/b", false},
		{"https://example.com/a", "https://evil.example.com/b", false},
		{"https://api.example.com/a", "https://example.com/b", false},
		{"https://api.example.com/a", "https://api.example.com:8443/b", false},
		{"http://127.0.0.1:8080/a", "http://127.0.0.1:8081/b", false},
		{"http://api.example.com:8080/a", "https://api.example.com/b", false},
	}
	for _, tt := range tests {
		a, _ := url.Parse(tt.a)
		b, _ := url.Parse(tt.b)
		if got := sameOrigin(a, b); got != tt.want {
			t.Errorf("sameOrigin(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestParseStatuses(t *testing.T) {
	set, err := parseStatuses([]string{"2xx", " 404 ", "500-502"})
	if err != nil {
		t.Fatal(err)
	}
	for code, want := range map[int]bool{199: false, 200: true, 299: true, 300: false, 404: true, 405: false, 500: true, 502: true, 503: false} {
		if got := set.contains(code); got != want {
			t.Errorf("contains(%d) = %v", code, got)
		}
	}
	for _, bad := range []string{"", "6xx", "0xx", "2x", "abc", "20", "1000", "200-", "-200", "300-200", "2xx-3xx"} {
		if _, err := parseStatuses([]string{bad}); err == nil {
			t.Errorf("parseStatuses(%q) succeeded", bad)
		}
	}
}
