package connectortest_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors/connectortest"
)

// echoFake is the smallest fake on a Server: it answers injected failures
// in a made-up error format ({"failed": status}) after checking a token,
// and echoes the body of other requests.
func echoFake(t *testing.T) *connectortest.Server {
	var s *connectortest.Server
	s = connectortest.NewServer(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		if r.Header.Get("X-Token") != "t" {
			connectortest.ContentJSON.WriteString(w, http.StatusUnauthorized, `{"failed":"token"}`)
			return
		}
		if s.Fail(w) {
			return
		}
		again, _ := io.ReadAll(r.Body)
		connectortest.JSON("application/json; charset=utf-8").Write(w, http.StatusOK,
			map[string]string{"body": string(body), "again": string(again)})
	}, func(w http.ResponseWriter, f connectortest.Failure) {
		f.SetRetryAfter(w.Header())
		connectortest.ContentJSON.Write(w, f.Status, map[string]int{"failed": f.Status})
	})
	return s
}

func TestServer(t *testing.T) {
	type call struct {
		token      string
		wantStatus int
		wantRetry  string // Retry-After, "" for none
		wantType   string
		wantBody   string
	}
	ok := func(body string) call {
		return call{token: "t", wantStatus: 200, wantType: "application/json; charset=utf-8",
			wantBody: `{"again":"` + body + `","body":"` + body + `"}` + "\n"}
	}
	failed := func(status int, retry string) call {
		return call{token: "t", wantStatus: status, wantRetry: retry, wantType: "application/json",
			wantBody: `{"failed":` + strconv.Itoa(status) + "}\n"}
	}
	tests := []struct {
		name   string
		script []connectortest.Failure
		calls  []call
	}{
		{"no failure: the handler answers, with the body twice", nil,
			[]call{ok("hello"), ok("hello")}},
		{"429 with Retry-After, then served", []connectortest.Failure{{Status: 429, RetryAfter: 7 * time.Second}},
			[]call{failed(429, "7"), ok("hello")}},
		{"Retry-After rounds up", []connectortest.Failure{{Status: 503, RetryAfter: 1500 * time.Millisecond}},
			[]call{failed(503, "2")}},
		{"no Retry-After without a wait", []connectortest.Failure{{Status: 500}},
			[]call{failed(500, "")}},
		{"the next N calls fail, in order", slices.Repeat([]connectortest.Failure{{Status: 503}}, 3),
			[]call{failed(503, ""), failed(503, ""), failed(503, ""), ok("hello")}},
		{"a scripted body is answered as it is", []connectortest.Failure{{Status: 400, RetryAfter: time.Second, Body: []byte(`{"custom":true}`)}},
			[]call{{token: "t", wantStatus: 400, wantRetry: "1", wantType: "application/json", wantBody: `{"custom":true}`}, ok("hello")}},
		{"a request the fake refuses first leaves the failure queued", []connectortest.Failure{{Status: 401}},
			[]call{{token: "x", wantStatus: 401, wantType: "application/json", wantBody: `{"failed":"token"}`}, failed(401, ""), ok("hello")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := echoFake(t)
			s.Script(tc.script...)
			for i, c := range tc.calls {
				req, _ := http.NewRequest(http.MethodPost, s.BaseURL()+"/v1/echo?x=1&x=2", strings.NewReader("hello"))
				req.Host = "api.example.com:443"
				req.Header.Set("X-Token", c.token)
				resp, err := s.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != c.wantStatus || resp.Header.Get("Retry-After") != c.wantRetry ||
					resp.Header.Get("Content-Type") != c.wantType || string(body) != c.wantBody {
					t.Errorf("call %d: %d, Retry-After %q, %s, %q; want %d, %q, %s, %q", i, resp.StatusCode,
						resp.Header.Get("Retry-After"), resp.Header.Get("Content-Type"), body,
						c.wantStatus, c.wantRetry, c.wantType, c.wantBody)
				}
			}
			reqs := s.Requests()
			if len(reqs) != len(tc.calls) || s.RequestCount() != len(tc.calls) {
				t.Fatalf("%d requests logged (count %d), want %d", len(reqs), s.RequestCount(), len(tc.calls))
			}
			r := reqs[0]
			if r.Method != http.MethodPost || r.Host != "api.example.com:443" || r.Path != "/v1/echo" ||
				!slices.Equal(r.Query["x"], []string{"1", "2"}) || r.Header.Get("X-Token") != tc.calls[0].token || string(r.Body) != "hello" {
				t.Errorf("logged %+v", r)
			}
		})
	}
}

func TestServerRequestsAreCopies(t *testing.T) {
	s := echoFake(t)
	req, _ := http.NewRequest(http.MethodPut, s.BaseURL()+"/a?q=1", strings.NewReader("body"))
	req.Header.Set("X-Token", "t")
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := s.Requests()
	got[0].Body[0] = 'X'
	got[0].Header.Set("X-Token", "changed")
	got[0].Query.Set("q", "changed")
	again := s.Requests()[0]
	if string(again.Body) != "body" || again.Header.Get("X-Token") != "t" || again.Query.Get("q") != "1" {
		t.Errorf("a caller changed the log: %+v", again)
	}
	type tagged struct {
		connectortest.Request
		Tag string
	}
	as := connectortest.RequestsAs(s, func(r connectortest.Request) tagged { return tagged{r, r.Method + " " + r.Path} })
	if len(as) != 1 || as[0].Tag != "PUT /a" || as[0].Host == "" {
		t.Errorf("RequestsAs: %+v", as)
	}
}

func TestServerDefaultFailure(t *testing.T) {
	var s *connectortest.Server
	s = connectortest.NewServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		_ = s.Fail(w)
	}, nil)
	s.FailNext(http.StatusServiceUnavailable, 3*time.Second)
	resp, err := http.Get(s.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "3" || string(body) != "Service Unavailable\n" {
		t.Errorf("%d %q %q", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
}

func TestFailureRetryAfterSeconds(t *testing.T) {
	for _, tc := range []struct {
		in   time.Duration
		want int
	}{{0, 0}, {-time.Second, 0}, {time.Nanosecond, 1}, {time.Second, 1}, {1500 * time.Millisecond, 2}, {7 * time.Second, 7}} {
		if got := (connectortest.Failure{RetryAfter: tc.in}).RetryAfterSeconds(); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestJSON(t *testing.T) {
	w := httptest.NewRecorder()
	connectortest.JSON("application/json; charset=UTF-8").Write(w, http.StatusCreated, map[string]int{"id": 1})
	if w.Code != 201 || w.Header().Get("Content-Type") != "application/json; charset=UTF-8" || w.Body.String() != "{\"id\":1}\n" {
		t.Errorf("%d %q %q", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	w = httptest.NewRecorder()
	connectortest.ContentJSON.Write(w, http.StatusOK, func() {})
	if w.Code != http.StatusInternalServerError {
		t.Errorf("an unencodable answer: %d %q", w.Code, w.Body)
	}
}

func TestHostname(t *testing.T) {
	for in, want := range map[string]string{
		"slack.com":          "slack.com",
		"slack.com:443":      "slack.com",
		"127.0.0.1:8080":     "127.0.0.1",
		"[::1]:443":          "[::1]",
		"[::1]":              "[::1]",
		"shop.example.com:0": "shop.example.com",
	} {
		if got := connectortest.Hostname(in); got != want {
			t.Errorf("Hostname(%q) = %q, want %q", in, got, want)
		}
	}
}

// A body that cannot be read is logged as far as it was read and answered
// as an injected 400 would be, in the fake's error format.
func TestServerUnreadableBody(t *testing.T) {
	s := echoFake(t)
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.BaseURL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, _ = io.WriteString(conn, "POST /broken HTTP/1.1\r\nHost: api.example.com\r\nX-Token: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || string(body) != "{\"failed\":400}\n" {
		t.Errorf("%d %q", resp.StatusCode, body)
	}
	if reqs := s.Requests(); len(reqs) != 1 || reqs[0].Path != "/broken" || string(reqs[0].Body) != "hello" {
		t.Errorf("logged %+v", reqs)
	}
}
