package httpconn

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

type opaque struct{ http.RoundTripper }

type wrapper struct{ base http.RoundTripper }

func (w wrapper) RoundTrip(r *http.Request) (*http.Response, error) { return w.base.RoundTrip(r) }
func (w wrapper) Unwrap() http.RoundTripper                         { return w.base }

func TestCrossHostTransport(t *testing.T) {
	plain := &http.Transport{}
	tests := []struct {
		name string
		rt   http.RoundTripper
		want http.RoundTripper
		ok   bool
	}{
		{"nil is http.DefaultTransport", nil, http.DefaultTransport, true},
		{"an *http.Transport adds nothing", plain, plain, true},
		{"Unwrap names the base", wrapper{plain}, plain, true},
		{"Unwrap of nil is http.DefaultTransport", wrapper{nil}, http.DefaultTransport, true},
		{"an opaque wrapper may add anything", opaque{plain}, nil, false},
	}
	for _, tt := range tests {
		got, ok := crossHostTransport(tt.rt)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: got %v, %v", tt.name, got, ok)
		}
	}
}

func TestRedirectedToOtherHost(t *testing.T) {
	hop := func(prev *http.Request, target string) *http.Request {
		r := httptest.NewRequest("GET", target, nil)
		r.Response = &http.Response{Request: prev}
		return r
	}
	first := httptest.NewRequest("GET", "https://api.example.com/a", nil)
	same := hop(first, "https://api.example.com/b")
	away := hop(first, "https://cdn.example.net/c")
	back := hop(away, "https://api.example.com/d")
	sub := hop(first, "https://evil.api.example.com/")
	tests := []struct {
		name string
		req  *http.Request
		want bool
	}{
		{"first request", first, false},
		{"same host", same, false},
		{"same host twice", hop(same, "https://api.example.com/e"), false},
		{"other host", away, true},
		{"back after leaving", back, true},
		{"subdomain", sub, true},
		{"downgrade", hop(first, "http://api.example.com/"), true},
	}
	for _, tt := range tests {
		if got := redirectedToOtherHost(tt.req); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}
