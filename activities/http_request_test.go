package activities

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/junction-run/junction/runs"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
)

func runHTTPRequest(t *testing.T, acts *Activities, req runs.HTTPRequest) (runs.HTTPResponse, error) {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(acts.HTTPRequest)
	val, err := env.ExecuteActivity(acts.HTTPRequest, req)
	if err != nil {
		return runs.HTTPResponse{}, err
	}
	var resp runs.HTTPResponse
	if err := val.Get(&resp); err != nil {
		t.Fatal(err)
	}
	return resp, nil
}

func TestHTTPRequest(t *testing.T) {
	var mu sync.Mutex
	var lastBody string
	var lastHeader http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		lastBody, lastHeader = string(b), r.Header.Clone()
		mu.Unlock()
		switch r.URL.Path {
		case "/json":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"id":7,"q":"`+r.URL.Query().Get("q")+`"}`)
		case "/text":
			_, _ = io.WriteString(w, "plain words")
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		case "/missing":
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"error":"no such order"}`)
		case "/limited":
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, `{"error":"slow down"}`)
		case "/down":
			w.WriteHeader(http.StatusServiceUnavailable)
		case "/timeout":
			w.WriteHeader(http.StatusRequestTimeout)
		case "/big":
			_, _ = io.WriteString(w, strings.Repeat("x", 2048))
		case "/slow":
			time.Sleep(1500 * time.Millisecond)
		}
	}))
	defer srv.Close()

	acts := New(nil)
	acts.MaxResponseBytes = 1024

	tests := []struct {
		name         string
		req          runs.HTTPRequest
		wantCode     int
		wantBody     any
		wantErrType  string
		nonRetryable bool
		wantDelay    time.Duration
	}{
		{name: "JSON answer is decoded", req: runs.HTTPRequest{Method: "get", URL: srv.URL + "/json", Parameters: map[string]string{"q": "a b"}},
			wantCode: 200, wantBody: map[string]any{"id": float64(7), "q": "a b"}},
		{name: "text answer is kept as a string", req: runs.HTTPRequest{Method: "GET", URL: srv.URL + "/text"}, wantCode: 200, wantBody: "plain words"},
		{name: "empty answer is nil", req: runs.HTTPRequest{Method: "DELETE", URL: srv.URL + "/empty"}, wantCode: 204, wantBody: nil},
		{name: "404 completes the step with its code", req: runs.HTTPRequest{Method: "GET", URL: srv.URL + "/missing"},
			wantCode: 404, wantBody: map[string]any{"error": "no such order"}},
		{name: "429 is retried after Retry-After", req: runs.HTTPRequest{Method: "POST", URL: srv.URL + "/limited"},
			wantErrType: runs.ErrTypeRateLimited, wantDelay: 7 * time.Second},
		{name: "503 is retried", req: runs.HTTPRequest{Method: "POST", URL: srv.URL + "/down"}, wantErrType: runs.ErrTypeUnavailable},
		{name: "408 is retried", req: runs.HTTPRequest{Method: "POST", URL: srv.URL + "/timeout"}, wantErrType: runs.ErrTypeTimeout},
		{name: "slow answer times out and is retried", req: runs.HTTPRequest{Method: "GET", URL: srv.URL + "/slow", TimeoutSeconds: 1}, wantErrType: runs.ErrTypeTimeout},
		{name: "oversized answer fails for good", req: runs.HTTPRequest{Method: "GET", URL: srv.URL + "/big"}, wantErrType: runs.ErrTypeResponseTooLarge, nonRetryable: true},
		{name: "non-http URL fails for good", req: runs.HTTPRequest{Method: "GET", URL: "ftp://example.com/x"}, wantErrType: runs.ErrTypeBadRequest, nonRetryable: true},
		{name: "connection refused is retried", req: runs.HTTPRequest{Method: "GET", URL: "http://127.0.0.1:1/"}, wantErrType: runs.ErrTypeUnavailable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := runHTTPRequest(t, acts, tc.req)
			if tc.wantErrType != "" {
				var appErr *temporal.ApplicationError
				if !errors.As(err, &appErr) {
					t.Fatalf("got %v (resp %+v), want application error %s", err, resp, tc.wantErrType)
				}
				if appErr.Type() != tc.wantErrType || appErr.NonRetryable() != tc.nonRetryable {
					t.Fatalf("error type %s nonRetryable %v, want %s %v (%v)", appErr.Type(), appErr.NonRetryable(), tc.wantErrType, tc.nonRetryable, err)
				}
				if appErr.NextRetryDelay() != tc.wantDelay {
					t.Errorf("next retry delay %s, want %s", appErr.NextRetryDelay(), tc.wantDelay)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if resp.ResponseCode != tc.wantCode {
				t.Errorf("code %d, want %d", resp.ResponseCode, tc.wantCode)
			}
			if g, w := mustJSON(resp.ResponseBody), mustJSON(tc.wantBody); g != w {
				t.Errorf("body %s, want %s", g, w)
			}
		})
	}

	t.Run("body is sent as JSON with headers", func(t *testing.T) {
		_, err := runHTTPRequest(t, acts, runs.HTTPRequest{Method: "POST", URL: srv.URL + "/json",
			Headers: map[string]string{"X-Trace": "t1"}, Body: map[string]any{"a": []any{1, "two"}}})
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		if lastBody != `{"a":[1,"two"]}` || lastHeader.Get("Content-Type") != "application/json" || lastHeader.Get("X-Trace") != "t1" {
			t.Fatalf("server saw body %s, headers %v", lastBody, lastHeader)
		}
	})

	// 8x8 serialises the body as a JSON value: a string is a JSON string,
	// not JSON text (http.call reads a string body as JSON text).
	for _, tc := range []struct {
		name string
		body any
		want string
	}{
		{"a string body is a JSON string", "Order 1001 <shipped>", `"Order 1001 \u003cshipped\u003e"`},
		{"a string of JSON is still a string", `{"a":1}`, `"{\"a\":1}"`},
		{"a number", 42.0, `42`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := runHTTPRequest(t, acts, runs.HTTPRequest{Method: "POST", URL: srv.URL + "/json", Body: tc.body}); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if lastBody != tc.want || lastHeader.Get("Content-Type") != "application/json" {
				t.Fatalf("server saw body %s (%s), want %s", lastBody, lastHeader.Get("Content-Type"), tc.want)
			}
		})
	}

	t.Run("errors never carry query strings or userinfo", func(t *testing.T) {
		_, err := runHTTPRequest(t, acts, runs.HTTPRequest{Method: "GET", URL: "http://user:s3cret@127.0.0.1:1/x?token=s3cret"})
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Fatalf("error %v leaks a credential", err)
		}
	})
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
