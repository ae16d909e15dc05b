// Package upgrade says what moving a definition from one version of an
// app to another would change, before anything moves: the differences of
// the two versions' schemas that matter to the actions and trigger the
// definition uses (Diff), and, for apps kept as data, what each recorded
// call of the definition's recent runs would have sent and returned on the
// new version, its recorded answers standing in for the third party
// (Replay, Compare).
//
// The worker records the calls (a Recorder around each call's HTTP
// client, below which connection credentials are added, so they are never
// seen; Call.Scrub removes the other secrets in scope); the management API
// replays them. A replay runs the version's own action code with an HTTP
// client whose transport answers from the record: nothing is sent.
package upgrade

import (
	"bytes"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/egress"
)

// Limits of what one call's record keeps.
const (
	// MaxBodyBytes is the most kept of each request's and each answer's
	// body; a longer one is cut and marked Truncated, and a replay needs it
	// whole.
	MaxBodyBytes = 64 << 10
	// MaxExchanges is the most requests kept of one call; a call that sent
	// more is marked ExchangesOmitted.
	MaxExchanges = 8
	// MaxOutputBytes is the most kept of a call's output, encoded; a larger
	// output is left out and marked OutputOmitted.
	MaxOutputBytes = 64 << 10
)

// Call is one call of a connector action in a run, as recorded: what the
// step gave it, what it sent and what the third party answered, and what
// it returned. Every string in it has been scrubbed of the secrets that
// were in scope (Scrub) before it is kept.
type Call struct {
	// Input is the step's input as the action got it.
	Input map[string]any `json:"input"`
	// AuthKind, Fields and Properties are the connection's kind and
	// non-secret settings.
	AuthKind   connectors.AuthKind `json:"authKind,omitempty"`
	Fields     map[string]string   `json:"fields,omitempty"`
	Properties map[string]string   `json:"properties,omitempty"`
	// Env is the app version's environment as the action read it.
	Env map[string]string `json:"env,omitempty"`
	// Exchanges are the requests the call sent, in order, each with its
	// answer.
	Exchanges        []Exchange `json:"exchanges"`
	ExchangesOmitted bool       `json:"exchangesOmitted,omitempty"`
	// Output is what the action returned; Error what it failed with.
	Output        any    `json:"output,omitempty"`
	OutputOmitted bool   `json:"outputOmitted,omitempty"`
	Error         string `json:"error,omitempty"`
}

// Exchange is one request and its answer (nil when none came: a network
// failure).
type Exchange struct {
	Request Request `json:"request"`
	Answer  *Answer `json:"answer,omitempty"`
}

// Request is a request as it left the action, before the connection's
// credentials were added: the URL without userinfo, and the value of every
// header whose name says it holds a credential (egress.SensitiveHeader)
// replaced by egress.Redacted.
type Request struct {
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Header    map[string]string `json:"header,omitempty"`
	Body      string            `json:"body,omitempty"`
	Truncated bool              `json:"truncated,omitempty"`
}

// Answer is the third party's answer: its status, the headers a replay
// needs (Content-Type, Location) and its body.
type Answer struct {
	Status      int    `json:"status"`
	ContentType string `json:"contentType,omitempty"`
	Location    string `json:"location,omitempty"`
	Body        string `json:"body,omitempty"`
	Truncated   bool   `json:"truncated,omitempty"`
}

// Scrub passes every string of the call through clean (which replaces the
// secrets in scope), map keys included.
func (c *Call) Scrub(clean func(string) string) {
	c.Input, _ = scrubValue(c.Input, clean).(map[string]any)
	c.Fields = scrubStrings(c.Fields, clean)
	c.Properties = scrubStrings(c.Properties, clean)
	c.Env = scrubStrings(c.Env, clean)
	for i := range c.Exchanges {
		ex := &c.Exchanges[i]
		ex.Request.URL = clean(ex.Request.URL)
		ex.Request.Header = scrubStrings(ex.Request.Header, clean)
		ex.Request.Body = clean(ex.Request.Body)
		if a := ex.Answer; a != nil {
			a.ContentType, a.Location, a.Body = clean(a.ContentType), clean(a.Location), clean(a.Body)
		}
	}
	c.Output = scrubValue(c.Output, clean)
	c.Error = clean(c.Error)
}

func scrubStrings(m map[string]string, clean func(string) string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[clean(k)] = clean(v)
	}
	return out
}

func scrubValue(v any, clean func(string) string) any {
	switch x := v.(type) {
	case string:
		return clean(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[clean(k)] = scrubValue(e, clean)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = scrubValue(e, clean)
		}
		return out
	}
	return v
}

// Recorder is an http.RoundTripper that sends through another and keeps
// what went by: the requests as they reach it and the answers as the
// caller reads them. Placed around a connection's credentials (whose
// transport is next), it never sees them.
type Recorder struct {
	next http.RoundTripper

	mu        sync.Mutex
	exchanges []*pending
	omitted   bool
}

type pending struct {
	ex   Exchange
	body bytes.Buffer // the answer's body as read, up to MaxBodyBytes
	more bool         // more was read than kept
}

// NewRecorder records what is sent through next.
func NewRecorder(next http.RoundTripper) *Recorder { return &Recorder{next: next} }

// Transport is the RoundTripper to send through: the Recorder, unwrapping
// to the transport beneath next's credentials when next has one
// (egress.PlainTransport), so that a redirect to another origin is routed
// around the credentials as it would be without the Recorder.
func (r *Recorder) Transport() http.RoundTripper {
	if plain, ok := egress.PlainTransport(r.next); ok {
		return unwrappingRecorder{r, plain}
	}
	return r
}

type unwrappingRecorder struct {
	*Recorder
	plain http.RoundTripper
}

func (u unwrappingRecorder) Unwrap() http.RoundTripper { return u.plain }

// RoundTrip records req, sends it through next and records the answer as
// its body is read.
func (r *Recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	p := &pending{ex: Exchange{Request: recordRequest(req)}}
	resp, err := r.next.RoundTrip(req)
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.exchanges) >= MaxExchanges {
		r.omitted = true
		return resp, err
	}
	r.exchanges = append(r.exchanges, p)
	if err != nil || resp == nil {
		return resp, err
	}
	p.ex.Answer = &Answer{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Location: resp.Header.Get("Location")}
	if resp.Body != nil {
		resp.Body = &capture{ReadCloser: resp.Body, rec: r, p: p}
	}
	return resp, nil
}

// Exchanges returns what went by so far, and whether more requests went
// than MaxExchanges.
func (r *Recorder) Exchanges() ([]Exchange, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Exchange, len(r.exchanges))
	for i, p := range r.exchanges {
		out[i] = p.ex
		if a := p.ex.Answer; a != nil {
			cp := *a
			cp.Body, cp.Truncated = p.body.String(), p.more
			out[i].Answer = &cp
		}
	}
	return out, r.omitted
}

// capture keeps what the caller reads of an answer's body.
type capture struct {
	io.ReadCloser
	rec *Recorder
	p   *pending
}

func (c *capture) Read(b []byte) (int, error) {
	n, err := c.ReadCloser.Read(b)
	if n > 0 {
		c.rec.mu.Lock()
		keep := min(n, MaxBodyBytes-c.p.body.Len())
		c.p.body.Write(b[:keep])
		if keep < n {
			c.p.more = true
		}
		c.rec.mu.Unlock()
	}
	return n, err
}

// recordRequest is req as a Request: no userinfo, credentials' headers
// redacted, the body (when it can be read again) up to MaxBodyBytes.
func recordRequest(req *http.Request) Request {
	u := *req.URL
	u.User = nil
	out := Request{Method: req.Method, URL: u.String()}
	if len(req.Header) > 0 {
		out.Header = make(map[string]string, len(req.Header))
		for _, name := range slices.Sorted(maps.Keys(req.Header)) {
			if egress.SensitiveHeader(name) {
				out.Header[name] = egress.Redacted
				continue
			}
			out.Header[name] = strings.Join(req.Header[name], ", ")
		}
	}
	if req.Host != "" && req.Host != req.URL.Host {
		if out.Header == nil {
			out.Header = map[string]string{}
		}
		out.Header["Host"] = req.Host
	}
	if req.GetBody != nil && req.ContentLength != 0 {
		if body, err := req.GetBody(); err == nil {
			raw, _ := io.ReadAll(io.LimitReader(body, MaxBodyBytes+1))
			_ = body.Close()
			if len(raw) > MaxBodyBytes {
				raw, out.Truncated = raw[:MaxBodyBytes], true
			}
			out.Body = string(raw)
		}
	}
	return out
}
