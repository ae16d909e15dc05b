package egress_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/junction-run/junction/egress"
)

// server is an httptest server on loopback that records what it received.
type server struct {
	*httptest.Server
	mu   sync.Mutex
	seen []*http.Request
	body [][]byte
}

func newServer(t *testing.T, h http.HandlerFunc) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(s.record(h))
	t.Cleanup(s.Close)
	return s
}

func newTLSServer(t *testing.T, h http.HandlerFunc) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewTLSServer(s.record(h))
	t.Cleanup(s.Close)
	return s
}

func (s *server) record(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.seen = append(s.seen, r.Clone(context.Background()))
		s.body = append(s.body, b)
		s.mu.Unlock()
		if h != nil {
			h(w, r)
		}
	}
}

func (s *server) requests() []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*http.Request(nil), s.seen...)
}

// credentials adds a bearer token to every request it carries, redirect
// hops included, as connectors/auth's transports do; unwrappable ones say
// which transport they add it to.
type credentials struct{ base http.RoundTripper }

func (c credentials) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer transport-token")
	return c.base.RoundTrip(r)
}

type unwrappable struct{ credentials }

func (u unwrappable) Unwrap() http.RoundTripper { return u.base }

func TestBodyCap(t *testing.T) {
	const limit = 1000
	tests := []struct {
		name      string
		status    int
		size      int
		chunked   bool
		success   func(int) bool
		wantErr   error
		wantBytes int
	}{
		{"success at the cap", 200, limit, false, nil, nil, limit},
		{"success under the cap, chunked", 200, limit - 1, true, nil, nil, limit - 1},
		{"success over the cap, Content-Length", 200, limit + 1, false, nil, egress.ErrResponseTooLarge, limit},
		{"success far over the cap, chunked", 200, 10 * limit, true, nil, egress.ErrResponseTooLarge, limit},
		{"a refusal's body is cut, not refused", 500, egress.MaxErrorBodyBytes + 10, false, nil, &egress.StatusError{}, egress.MaxErrorBodyBytes},
		{"a status declared a success is capped like one", 404, limit + 1, false, egress.AnyStatus, egress.ErrResponseTooLarge, limit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, _ *http.Request) {
				body := strings.Repeat("a", tt.size)
				if tt.chunked {
					w.WriteHeader(tt.status)
					io.WriteString(w, body[:1])
					w.(http.Flusher).Flush()
					io.WriteString(w, body[1:])
					return
				}
				w.Header().Set("Content-Length", fmt.Sprint(tt.size))
				w.WriteHeader(tt.status)
				io.WriteString(w, body)
			})
			resp, err := egress.Do(t.Context(), nil, egress.Request{URL: srv.URL, MaxBodyBytes: limit, Success: tt.success})
			var se *egress.StatusError
			switch want := tt.wantErr.(type) {
			case nil:
				if err != nil {
					t.Fatal(err)
				}
			case *egress.StatusError:
				if !errors.As(err, &se) || se.Status != tt.status {
					t.Fatalf("err = %v, want a StatusError", err)
				}
			default:
				var tl *egress.TooLargeError
				if !errors.Is(err, want) || !errors.As(err, &tl) || tl.Limit != limit {
					t.Fatalf("err = %v, want %v", err, want)
				}
				if !strings.Contains(err.Error(), "larger than 1000 bytes") || !strings.Contains(err.Error(), "GET "+srv.URL) {
					t.Errorf("err = %q", err)
				}
			}
			if resp == nil || len(resp.Body) != tt.wantBytes || resp.StatusCode != tt.status {
				t.Fatalf("resp = %v", resp)
			}
			if se != nil && len(se.Answer().Body) != tt.wantBytes {
				t.Errorf("StatusError answer holds %d bytes", len(se.Answer().Body))
			}
		})
	}
}

func TestRedirectPolicy(t *testing.T) {
	plainOther := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s|%s|%s", r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"), r.Header.Get("Cookie"))
	})
	var origin *server
	handler := func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/stay":
			http.Redirect(w, r, "/final", http.StatusFound)
		case "/away":
			http.Redirect(w, r, plainOther.URL+"/landing", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		default:
			fmt.Fprintf(w, "%s|%s|%s", r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"), r.Header.Get("Cookie"))
		}
	}
	origin = newServer(t, handler)
	tlsOrigin := newTLSServer(t, handler)
	header := http.Header{"X-Api-Key": {"header-key"}, "Cookie": {"s=1"}}

	tests := []struct {
		name       string
		origin     *server
		path       string
		rt         func(base http.RoundTripper) http.RoundTripper
		max        int
		wantStatus int
		wantBody   string
		wantErr    error
	}{
		{"same origin keeps every credential", origin, "/stay", nil, 0, 200, "|header-key|s=1", nil},
		{"same origin keeps the transport's", origin, "/stay", wrapUnwrappable, 0, 200, "Bearer transport-token|header-key|s=1", nil},
		{"another port drops headers", origin, "/away", nil, 0, 200, "||", nil},
		{"another port: unwrappable credentials stay behind", origin, "/away", wrapUnwrappable, 0, 200, "||", nil},
		{"another port: opaque credentials, not followed", origin, "/away", wrapOpaque, 0, 302, "", nil},
		{"https down to http is refused", tlsOrigin, "/away", wrapUnwrappable, 0, 0, "a redirect from https down to http", egress.ErrRefused},
		{"https same origin keeps them", tlsOrigin, "/stay", wrapUnwrappable, 0, 200, "Bearer transport-token|header-key|s=1", nil},
		{"NoRedirects returns the 3xx", origin, "/stay", nil, egress.NoRedirects, 302, "", nil},
		{"a loop stops at the limit", origin, "/loop", nil, 3, 0, "stopped after 3", egress.ErrTooManyRedirects},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, originBefore := len(plainOther.requests()), len(tt.origin.requests())
			base := tt.origin.Client().Transport
			hc := &http.Client{Transport: base}
			if tt.rt != nil {
				hc.Transport = tt.rt(base)
			}
			resp, err := egress.Do(t.Context(), hc, egress.Request{
				URL: tt.origin.URL + tt.path, Header: header, MaxRedirects: tt.max,
				Success: func(s int) bool { return s < 400 },
			})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.wantBody) {
					t.Fatalf("err = %v, want %v saying %q", err, tt.wantErr, tt.wantBody)
				}
				if n := len(plainOther.requests()) - before; n != 0 {
					t.Errorf("the other origin saw %d requests", n)
				}
				if n := len(tt.origin.requests()) - originBefore; tt.max > 0 && n != tt.max+1 {
					t.Errorf("the origin saw %d requests, want %d", n, tt.max+1)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus || (tt.wantStatus == 200 && string(resp.Body) != tt.wantBody) {
				t.Errorf("answer %d %q, want %d %q", resp.StatusCode, resp.Body, tt.wantStatus, tt.wantBody)
			}
			for _, r := range plainOther.requests()[before:] {
				if r.Header.Get("Authorization") != "" || r.Header.Get("X-Api-Key") != "" || r.Header.Get("Referer") != "" {
					t.Errorf("the other origin received credentials: %v", r.Header)
				}
			}
		})
	}
}

func wrapUnwrappable(base http.RoundTripper) http.RoundTripper {
	return unwrappable{credentials{base}}
}
func wrapOpaque(base http.RoundTripper) http.RoundTripper { return credentials{base} }

// A client from WithTransport keeps routing hops when Do copies it again.
func TestWithTransportRoutesHops(t *testing.T) {
	other := newServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.Header.Get("Authorization")) })
	origin := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/landing", http.StatusFound)
	})
	c := egress.NewClient(egress.Options{Allow: loopback})
	hc := c.WithTransport(unwrappable{credentials{c.Transport()}})
	for name, send := range map[string]func() (int, string, error){
		"directly": func() (int, string, error) {
			resp, err := hc.Get(origin.URL)
			if err != nil {
				return 0, "", err
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b), nil
		},
		"through Do": func() (int, string, error) {
			resp, err := c.Do(t.Context(), hc, egress.Request{URL: origin.URL})
			if err != nil {
				return 0, "", err
			}
			return resp.StatusCode, string(resp.Body), nil
		},
	} {
		status, body, err := send()
		if err != nil || status != 200 || body != "" {
			t.Errorf("%s: %d %q %v, want 200 without credentials", name, status, body, err)
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
		{"http://api.example.com/a", "https://api.example.com/b", true}, // the usual upgrade
		{"https://api.example.com/a", "http://api.example.com/b", false},
		{"https://example.com/a", "https://evil.example.com/b", false},
		{"https://api.example.com/a", "https://api.example.com:8443/b", false},
		{"http://127.0.0.1:8080/a", "http://127.0.0.1:8081/b", false},
		{"http://[::1]:8080/a", "http://[::1]:8080/b", true},
		{"http://api.example.com:8080/a", "https://api.example.com/b", false},
	}
	for _, tt := range tests {
		a, _ := url.Parse(tt.a)
		b, _ := url.Parse(tt.b)
		if got := egress.SameOrigin(a, b); got != tt.want {
			t.Errorf("SameOrigin(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestScrubber(t *testing.T) {
	u, _ := url.Parse("https://eddy:pa55word@api.example.com/hooks/T0001/B0002/XXXXXXXXXXXXXXXXXXXXXXXX?api_key=k3y-value&page=2")
	h := http.Header{"Authorization": {"Bearer tok-123456"}, "X-Api-Key": {"hdr-secret"}, "Accept": {"application/json"}}
	s := egress.NewScrubber("p@ss word/1")
	s.AddRequest(u, h)
	tests := []struct{ in, want string }{
		{"see https://user:pw@docs.example.com/errors?sig=abc#top for help", "see https://docs.example.com/errors?… for help"},
		{"ftp://anon@files.example.com", "ftp://files.example.com"},
		{"token tok-123456 is expired", "token [redacted] is expired"},
		{"Bearer tok-123456", "[redacted]"},
		{"key=k3y-value", "key=[redacted]"},
		{"password pa55word, user eddy", "password [redacted], user [redacted]"}, // four bytes are enough
		{"no hook /hooks/T0001/B0002/XXXXXXXXXXXXXXXXXXXXXXXX here", "no hook [redacted] here"},
		{"page 2 of application/json", "page 2 of application/json"},
		{"given: p@ss word/1, p%40ss+word%2F1, p@ss%20word%2F1, cEBzcyB3b3JkLzE=", "given: [redacted], [redacted], [redacted], [redacted]"},
	}
	for _, tt := range tests {
		if got := s.Scrub(tt.in); got != tt.want {
			t.Errorf("Scrub(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if s.Leaks(s.Scrub("k3y-value tok-123456")) || !s.Leaks("x tok-123456") {
		t.Error("Leaks disagrees with Scrub")
	}
	if got := s.Snippet([]byte("a\n\n  b\tc\xff "+strings.Repeat("я", 200)), 20); got != "a b c\uFFFD яяяяя…" {
		t.Errorf("Snippet = %q", got)
	}
	var none *egress.Scrubber
	if none.Scrub("x https://u:p@h/?q") != "x https://h/?…" || none.Leaks("anything") {
		t.Error("a nil Scrubber must still cut URLs and know no secret")
	}
	err := s.Error(fmt.Errorf("wrapped: %w: tok-123456", context.DeadlineExceeded))
	if err.Error() != "wrapped: context deadline exceeded: [redacted]" || !errors.Is(err, context.DeadlineExceeded) || errors.Unwrap(err) != nil {
		t.Errorf("Error() = %v", err)
	}
	if plain := errors.New("nothing secret"); s.Error(plain) != plain {
		t.Error("an error without secrets must be returned as it is")
	}
}

// Every failure of a request whose URL, headers and Secrets carry
// credentials has an error text without them.
func TestErrorsCarryNoSecret(t *testing.T) {
	secrets := []string{"userinfo-pass", "query-secret", "path-secret-0123456789", "header-secret", "bearer-secret", "given-secret"}
	echo := func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"error":"bad key for http://%s%s","auth":%q,"key":%q,"also":"given-secret"}`,
			r.Host, r.URL.RequestURI(), r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"))
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	tests := []struct {
		name    string
		handler http.HandlerFunc
		base    string
		timeout time.Duration
		wantErr error
	}{
		{name: "refusal echoing the request", handler: echo},
		{name: "bad Location", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Location"] = []string{"http://[::1%zz/next?query-secret"}
			w.WriteHeader(http.StatusFound)
		}, wantErr: egress.ErrNetwork},
		{name: "redirect loop", handler: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.Path+"?token=query-secret", http.StatusFound)
		}, wantErr: egress.ErrTooManyRedirects},
		{name: "timeout", handler: func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }, timeout: 30 * time.Millisecond, wantErr: egress.ErrTimeout},
		{name: "connection refused", base: closed.URL, wantErr: egress.ErrNetwork},
		{name: "invalid URL", base: "https://eddy:userinfo-pass@example.com/path-secret-0123456789%zz", wantErr: egress.ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := tt.base
			if base == "" {
				base = newServer(t, tt.handler).URL
			}
			raw := base
			if !strings.Contains(raw, "@") {
				u, _ := url.Parse(base)
				u.User = url.UserPassword("eddy", "userinfo-pass")
				u.Path = "/bot/path-secret-0123456789/send"
				u.RawQuery = "token=query-secret"
				raw = u.String()
			}
			_, err := egress.Do(t.Context(), nil, egress.Request{
				Method: "POST", URL: raw, Timeout: tt.timeout, Body: []byte("{}"),
				Header:  http.Header{"X-Api-Key": {"header-secret"}, "Authorization": {"Bearer bearer-secret"}},
				Secrets: []string{"given-secret"},
			})
			if err == nil {
				t.Fatal("want an error")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			for _, s := range secrets {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error contains %q: %s", s, err)
				}
			}
			t.Log(err)
		})
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) string { return now.Add(d).Format(http.TimeFormat) }
	tests := []struct {
		name        string
		value, date string
		want        time.Duration
	}{
		{"none", "", "", 0},
		{"seconds", " 30 ", "", 30 * time.Second},
		{"zero", "0", "", 0},
		{"negative", "-5", "", 0},
		{"garbage", "soon", "", 0},
		{"date from the clock", at(90 * time.Second), "", 90 * time.Second},
		{"date from the answer's Date", at(10 * time.Minute), at(9 * time.Minute), time.Minute},
		{"past date", at(-time.Minute), "", 0},
		{"capped seconds", "86400", "", egress.MaxRetryAfter},
		{"capped date", at(48 * time.Hour), "", egress.MaxRetryAfter},
		{"overflowing seconds", "9223372036854775807", "", egress.MaxRetryAfter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.value != "" {
				h.Set("Retry-After", tt.value)
			}
			if tt.date != "" {
				h.Set("Date", tt.date)
			}
			if got := egress.RetryAfter(h, now); got != tt.want {
				t.Errorf("RetryAfter = %s, want %s", got, tt.want)
			}
		})
	}
	if got := egress.ParseRetryAfter("9223372036854", now); got != time.Duration(int64(1<<63-1)/int64(time.Second))*time.Second {
		t.Errorf("ParseRetryAfter does not cap, but must not overflow: %s", got)
	}
}

func TestStatusError(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "7200")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, "{\"error\":\n  \"slow down\"}")
	})
	resp, err := egress.JSON(t.Context(), nil, egress.Request{Method: "post", URL: srv.URL + "/v1/orders?key=k"}, &struct{}{})
	var se *egress.StatusError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v", err)
	}
	want := egress.StatusError{Status: 429, Body: `{"error": "slow down"}`, RetryAfter: egress.MaxRetryAfter, Method: "POST", URL: srv.URL + "/…"}
	if se.Status != want.Status || se.Body != want.Body || se.RetryAfter != want.RetryAfter || se.Method != want.Method || se.URL != want.URL {
		t.Errorf("StatusError = %+v", se)
	}
	if !se.Retryable() || se.Error() != "POST "+srv.URL+"/…: answered 429 Too Many Requests (retry after 1h0m0s): {\"error\": \"slow down\"}" {
		t.Errorf("Error() = %q", se)
	}
	if a := se.Answer(); a != resp || a.StatusCode != 429 || string(a.Body) != "{\"error\":\n  \"slow down\"}" || a.HTTP().Header.Get("Retry-After") != "7200" {
		t.Errorf("Answer = %+v", a)
	}
	if printed := fmt.Sprintf("%+v", *se); strings.Contains(printed, "7200") {
		t.Errorf("%%+v shows the answer itself: %s", printed)
	}
}

func TestJSON(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/bad":
			io.WriteString(w, "<html>captive portal</html>")
		default:
			fmt.Fprintf(w, `{"method":%q,"accept":%q,"type":%q,"query":%q}`, r.Method, r.Header.Get("Accept"), r.Header.Get("Content-Type"), r.URL.RawQuery)
		}
	})
	var out map[string]string
	_, err := egress.JSON(t.Context(), nil, egress.Request{
		Method: http.MethodPut, URL: srv.URL + "/x?a=1&b=2", Query: url.Values{"b": {"3"}}, JSON: map[string]int{"n": 1},
	}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if want := (map[string]string{"method": "PUT", "accept": "application/json", "type": "application/json", "query": "a=1&b=3"}); fmt.Sprint(out) != fmt.Sprint(want) {
		t.Errorf("out = %v, want %v", out, want)
	}
	if got := string(srv.body[0]); got != `{"n":1}` {
		t.Errorf("body sent = %s", got)
	}
	resp, err := egress.JSON(t.Context(), nil, egress.Request{URL: srv.URL + "/bad"}, &out)
	if !errors.Is(err, egress.ErrUnexpectedResponse) || resp == nil || resp.StatusCode != 200 {
		t.Errorf("err = %v, resp %v", err, resp)
	}
	if _, err := egress.JSON(t.Context(), nil, egress.Request{URL: srv.URL, JSON: func() {}}, nil); !errors.Is(err, egress.ErrInvalidRequest) {
		t.Errorf("err = %v, want ErrInvalidRequest", err)
	}
}

func TestTimeouts(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/half" {
			io.WriteString(w, `{"items": [`)
			w.(http.Flusher).Flush()
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	short := egress.NewClient(egress.Options{Allow: loopback, Timeout: 40 * time.Millisecond})
	tests := []struct {
		name    string
		client  *egress.Client
		hc      *http.Client
		path    string
		timeout time.Duration
		cancel  time.Duration // the caller's own context ends after this
		want    string
	}{
		{"request timeout", egress.Default(), nil, "/", 40 * time.Millisecond, 0, "no complete answer within 40ms"},
		{"client's default", short, nil, "/", 0, 0, "no complete answer within 40ms"},
		{"a shorter http.Client.Timeout wins", egress.Default(), &http.Client{Timeout: 40 * time.Millisecond}, "/", time.Minute, 0, "no complete answer within 40ms"},
		{"a longer one does not", short, &http.Client{Timeout: time.Minute}, "/", 0, 0, "no complete answer within 40ms"},
		{"while reading the body", egress.Default(), nil, "/half", 40 * time.Millisecond, 0, "no complete answer within 40ms"},
		{"the caller's context is not our timeout", egress.Default(), nil, "/", time.Minute, 20 * time.Millisecond, "context canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			if tt.cancel > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithCancel(ctx)
				time.AfterFunc(tt.cancel, cancel)
			}
			start := time.Now()
			_, err := tt.client.Do(ctx, tt.hc, egress.Request{URL: srv.URL + tt.path + "?token=query-secret", Timeout: tt.timeout})
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("took %s", took)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "query-secret") {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			ours := errors.Is(err, egress.ErrTimeout)
			if ours != (tt.cancel == 0) {
				t.Errorf("errors.Is(err, ErrTimeout) = %v", ours)
			}
			if ours && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("a timeout must also be context.DeadlineExceeded: %v", err)
			}
			if !ours && !errors.Is(err, context.Canceled) {
				t.Errorf("the caller's cancellation must show: %v", err)
			}
		})
	}
}

// DialControl sees every connection the transport opens, and its refusal
// fails the request before anything is sent.
func TestDialControl(t *testing.T) {
	srv := newServer(t, nil)
	errRefused := errors.New("address refused")
	var mu sync.Mutex
	var dialled []string
	c := egress.NewClient(egress.Options{Allow: loopback, DialControl: func(_ context.Context, network, address string, _ syscall.RawConn) error {
		mu.Lock()
		defer mu.Unlock()
		dialled = append(dialled, address)
		if strings.HasPrefix(address, "127.0.0.1:") {
			return errRefused
		}
		return nil
	}})
	_, err := c.Do(t.Context(), nil, egress.Request{URL: srv.URL})
	if !errors.Is(err, egress.ErrNetwork) || !errors.Is(err, errRefused) {
		t.Fatalf("err = %v, want ErrNetwork that is errRefused", err)
	}
	if len(srv.requests()) != 0 || len(dialled) == 0 || dialled[0] != strings.TrimPrefix(srv.URL, "http://") {
		t.Errorf("dialled %v, server saw %d requests", dialled, len(srv.requests()))
	}
	// Clients made from the Client dial through it too.
	if _, err := c.HTTPClient().Get(srv.URL); !errors.Is(err, errRefused) {
		t.Errorf("HTTPClient: err = %v", err)
	}
}

// No proxy unless one is configured: the environment is not read.
func TestProxy(t *testing.T) {
	proxied := newServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "via proxy "+r.URL.String()) })
	direct := newServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "direct") })
	t.Setenv("HTTP_PROXY", proxied.URL)
	t.Setenv("NO_PROXY", "")
	resp, err := egress.NewClient(egress.Options{Allow: loopback}).Do(t.Context(), nil, egress.Request{URL: direct.URL})
	if err != nil || string(resp.Body) != "direct" {
		t.Fatalf("default: %v %v", resp, err)
	}
	pu, _ := url.Parse(proxied.URL)
	c := egress.NewClient(egress.Options{Allow: loopback, Proxy: http.ProxyURL(pu)})
	resp, err = c.Do(t.Context(), nil, egress.Request{URL: direct.URL + "/x"})
	if err != nil || string(resp.Body) != "via proxy "+direct.URL+"/x" {
		t.Fatalf("configured proxy: %v %v", resp, err)
	}
}

func TestUserAgent(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.UserAgent()) })
	c := egress.NewClient(egress.Options{Allow: loopback, UserAgent: "Junction/test"})
	for _, tt := range []struct{ given, want string }{{"", "Junction/test"}, {"mine/1", "mine/1"}} {
		h := http.Header{}
		if tt.given != "" {
			h.Set("User-Agent", tt.given)
		}
		resp, err := c.Do(t.Context(), nil, egress.Request{URL: srv.URL, Header: h})
		if err != nil || string(resp.Body) != tt.want {
			t.Errorf("User-Agent %q: got %v %v, want %q", tt.given, resp, err, tt.want)
		}
	}
}
