package connectortest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Request is one request a fake received, as it arrived.
type Request struct {
	Method string
	// Host is the Host header, with the port when the client sent one:
	// through Redirect, the third party's own host.
	Host  string
	Path  string
	Query url.Values
	// Header holds the request's headers.
	Header http.Header
	// Body is the request body, up to MaxBody bytes of it.
	Body []byte
}

// clone copies r, so that no caller shares a log entry with another.
func (r Request) clone() Request {
	r.Query = cloneValues(r.Query)
	r.Header = r.Header.Clone()
	r.Body = bytes.Clone(r.Body)
	return r
}

func cloneValues(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	return url.Values(http.Header(v).Clone())
}

// MaxBody is how much of a request body a Server reads, logs and hands on.
const MaxBody = 1 << 20

// Handler serves one request a Server has logged. body is the request's
// body, already read; r.Body reads it again, for handlers that parse forms
// or route with a ServeMux.
type Handler func(w http.ResponseWriter, r *http.Request, body []byte)

// Server is what every fake third party is built on: an httptest server on
// 127.0.0.1 (NewServer), or an http.Handler served elsewhere (NewHandler),
// that logs each request (method, host, path, query, headers and body,
// under a lock) before the fake's Handler serves it, and the queue of
// injected failures behind FailNext.
//
// A fake embeds *Server, which gives it the Fake interface (BaseURL and
// FailNext) and Requests, and answers a queued failure where its third
// party would: with Fail, at the point in its handler where the real API
// refuses requests (before checking credentials for some, after for
// others), in the third party's error format, which the fake gives
// NewServer as writeFailure.
type Server struct {
	// Failures holds the failures FailNext and Script queue up.
	Failures

	srv          *httptest.Server
	baseURL      string
	handler      Handler
	writeFailure func(http.ResponseWriter, Failure)

	mu       sync.Mutex
	requests []Request
}

// NewServer starts a Server that t closes when it ends. h serves every
// request once it is logged; writeFailure answers an injected failure in
// the third party's error format (and with its Retry-After; see
// Failure.SetRetryAfter), and also a request whose body cannot be read, as
// a 400. A nil writeFailure answers the status's text.
func NewServer(t testing.TB, h Handler, writeFailure func(http.ResponseWriter, Failure)) *Server {
	t.Helper()
	s := NewHandler(h, writeFailure)
	s.srv = httptest.NewServer(s)
	t.Cleanup(s.srv.Close)
	return s
}

// NewHandler is NewServer without the listener: a Server that is an
// http.Handler, for a fake served by a server of its own (`junction
// fakes` serves them on ports the user picks). SetBaseURL tells it where
// it is served.
func NewHandler(h Handler, writeFailure func(http.ResponseWriter, Failure)) *Server {
	if writeFailure == nil {
		writeFailure = writePlainFailure
	}
	return &Server{handler: h, writeFailure: writeFailure}
}

// ServeHTTP logs r and serves it with the fake's Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := s.record(r)
	if err != nil {
		s.writeFailure(w, Failure{Status: http.StatusBadRequest})
		return
	}
	s.handler(w, r, body)
}

// record reads r's body, logs r and puts the body back in r.Body.
func (s *Server) record(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody))
	r.Body = io.NopCloser(bytes.NewReader(body))
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Host: r.Host, Path: r.URL.Path,
		Query: r.URL.Query(), Header: r.Header.Clone(), Body: body})
	s.mu.Unlock()
	return body, err
}

// BaseURL is where the fake listens: its httptest server's URL, or what
// SetBaseURL said. Clients reach it with Redirect, which keeps the third
// party's host in the Host header.
func (s *Server) BaseURL() string {
	if s.srv != nil {
		return s.srv.URL
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.baseURL
}

// SetBaseURL records where a Server made by NewHandler is served.
func (s *Server) SetBaseURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.baseURL = u
}

// Client is an HTTP client for the fake, closed with it.
func (s *Server) Client() *http.Client {
	if s.srv == nil {
		return http.DefaultClient
	}
	return s.srv.Client()
}

// Requests returns copies of the requests the fake has received, oldest
// first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = r.clone()
	}
	return out
}

// RequestCount is how many requests the fake has received.
func (s *Server) RequestCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// RequestsAs returns s.Requests() converted with as, for a fake whose log
// entries say more than Request does (the API version of the path, the
// parsed form).
func RequestsAs[T any](s *Server, as func(Request) T) []T {
	reqs := s.Requests()
	out := make([]T, len(reqs))
	for i, r := range reqs {
		out[i] = as(r)
	}
	return out
}

// Fail answers the next queued failure, if there is one, and reports
// whether it did; the handler then stops.
func (s *Server) Fail(w http.ResponseWriter) bool {
	f := s.Next()
	if f == nil {
		return false
	}
	s.WriteFailure(w, *f)
	return true
}

// WriteFailure answers f: its Body as it is when it has one, else in the
// third party's error format. A fake that takes the failure off the queue
// (Next) before it knows whether the request reaches the API answers it
// with WriteFailure later.
func (s *Server) WriteFailure(w http.ResponseWriter, f Failure) {
	if f.Body != nil {
		f.SetRetryAfter(w.Header())
		ContentJSON.WriteString(w, f.Status, string(f.Body))
		return
	}
	s.writeFailure(w, f)
}

func writePlainFailure(w http.ResponseWriter, f Failure) {
	f.SetRetryAfter(w.Header())
	http.Error(w, http.StatusText(f.Status), f.Status)
}

// JSON is the Content-Type a third party answers JSON under. Its methods
// write answers with it; third parties differ in the charset they add, and
// each fake keeps its own's.
type JSON string

// ContentJSON is plain application/json.
const ContentJSON JSON = "application/json"

// Write answers status with v encoded as JSON (and a newline, as
// json.Encoder writes).
func (ct JSON) Write(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		http.Error(w, "encoding the answer: "+err.Error(), http.StatusInternalServerError)
		return
	}
	ct.WriteString(w, status, buf.String())
}

// WriteString answers status with body, JSON already encoded.
func (ct JSON) WriteString(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", string(ct))
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// Hostname is the host of a Host header, without its port.
func Hostname(hostport string) string {
	if i := strings.LastIndexByte(hostport, ':'); i >= 0 && !strings.Contains(hostport[i:], "]") {
		return hostport[:i]
	}
	return hostport
}
