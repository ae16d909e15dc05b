package egress

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Request is one call to a third party. The zero value of each limit means
// the Client's.
type Request struct {
	// Method is the HTTP method (default GET).
	Method string
	// URL is an absolute http or https URL. It never appears in errors
	// beyond its scheme and host.
	URL string
	// Query is added to URL's query string; a name already there is
	// replaced.
	Query url.Values
	// Header is sent as given (it is copied, never modified).
	Header http.Header
	// Host, when set, is the Host header.
	Host string
	// Body is sent as it is; set its Content-Type in Header.
	Body []byte
	// JSON, when Body is nil, is encoded as the body, sent as
	// application/json unless Header says otherwise.
	JSON any
	// Timeout bounds the whole call: connecting, redirects and reading the
	// answer (default Options.Timeout; a shorter Timeout of the
	// http.Client the request is sent with wins).
	Timeout time.Duration
	// MaxBodyBytes caps a successful answer's body (default
	// Options.MaxBodyBytes); a larger one is a *TooLargeError.
	MaxBodyBytes int64
	// MaxRedirects is how many redirects to follow (default
	// Options.MaxRedirects; NoRedirects, or any negative value, for none).
	MaxRedirects int
	// Success says which statuses are a success; nil means 2xx. Any other
	// status is a *StatusError. AnyStatus makes every answer a Response.
	Success func(status int) bool
	// Secrets are values to scrub from errors besides those Scrubber's
	// AddRequest finds in the request itself (a token the caller put in
	// the URL's path, say).
	Secrets []string
}

// AnyStatus, as Request.Success, makes every answer a success: for callers
// that hand the status to someone else to judge (an HttpRequest step, a
// login whose 302 carries the session).
func AnyStatus(int) bool { return true }

func is2xx(status int) bool { return status >= 200 && status < 300 }

// Do sends req through hc (nil: the Client's own; usually credentials over
// Transport) with RedirectPolicy and the request's deadline, and reads the
// answer's body. hc's CheckRedirect is replaced by RedirectPolicy; its
// Timeout, when shorter than the request's, is the deadline; its
// Transport (nil: the Client's, never net/http's default) and Jar are
// used as they are.
//
// A successful answer (see Request.Success) is read up to MaxBodyBytes; a
// larger one returns the Response, with the first MaxBodyBytes of its
// body (for callers content with a prefix), together with a
// *TooLargeError. Any other answer is read up to MaxErrorBodyBytes
// and returned together with a *StatusError. Failures to send or to read
// return ErrInvalidRequest, ErrTimeout, ErrNetwork, ErrTooManyRedirects or
// a *RefusedError (the address guard's, which is ErrRefused), or, when ctx
// ends first, an error that is ctx's error; once an answer
// has arrived, the Response comes with the error. No error text holds the
// URL beyond its scheme and host, or a credential of the request.
func (c *Client) Do(ctx context.Context, hc *http.Client, req Request) (*Response, error) {
	return c.do(ctx, hc, req, false)
}

func (c *Client) do(ctx context.Context, hc *http.Client, req Request, acceptJSON bool) (*Response, error) {
	s, err := c.send(ctx, hc, req, acceptJSON)
	if err != nil {
		return nil, err
	}
	defer s.close()
	resp := s.resp
	out := &Response{StatusCode: resp.StatusCode, Status: resp.Status, Header: resp.Header}
	success := req.Success
	if success == nil {
		success = is2xx
	}
	if !success(resp.StatusCode) {
		// The status is the answer; a body that fails half-way still
		// explains it as far as it goes.
		out.Body, _ = io.ReadAll(io.LimitReader(resp.Body, MaxErrorBodyBytes))
		return out, s.statusError(out)
	}
	max := req.MaxBodyBytes
	if max <= 0 {
		max = c.opts.MaxBodyBytes
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		out.Body = body
		return out, s.transportError(err)
	}
	if int64(len(body)) > max {
		out.Body = body[:max]
		return out, s.tooLarge(max)
	}
	out.Body = body
	return out, nil
}

// JSON is Do for JSON APIs: it asks for JSON (Accept: application/json
// unless Header sets Accept), sends req.JSON as the body, and decodes a
// successful answer's body into out (when out is not nil). A body that
// does not decode is ErrUnexpectedResponse, returned with the Response.
func (c *Client) JSON(ctx context.Context, hc *http.Client, req Request, out any) (*Response, error) {
	resp, err := c.do(ctx, hc, req, true)
	if err != nil || out == nil {
		return resp, err
	}
	if err := json.Unmarshal(resp.Body, out); err != nil {
		return resp, failure(ErrUnexpectedResponse, fmt.Sprintf("%s %s: the %d answer is not the JSON expected: %v",
			method(req.Method), redactRaw(req.URL), resp.StatusCode, err), err)
	}
	return resp, nil
}

// Do is Default().Do.
func Do(ctx context.Context, hc *http.Client, req Request) (*Response, error) {
	return Default().Do(ctx, hc, req)
}

// JSON is Default().JSON: what connectors call their APIs with, through
// the client their call was given.
func JSON(ctx context.Context, hc *http.Client, req Request, out any) (*Response, error) {
	return Default().JSON(ctx, hc, req, out)
}

func method(m string) string {
	m = strings.ToUpper(strings.TrimSpace(m))
	if m == "" {
		return http.MethodGet
	}
	return m
}

func redactRaw(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "(invalid URL)"
	}
	return RedactURL(u)
}

// sent is a request on its way, with what its errors need.
type sent struct {
	ctx, callCtx context.Context
	cancel       context.CancelFunc
	method       string
	url          *url.URL
	header       http.Header
	secrets      []string
	timeout      time.Duration
	redirects    int
	resp         *http.Response
	sent         *sentRecord
	scrub        *Scrubber // built when first needed: most requests never fail
}

func (c *Client) send(ctx context.Context, hc *http.Client, req Request, acceptJSON bool) (*sent, error) {
	s := &sent{ctx: ctx, method: method(req.Method), secrets: slices.Concat(SecretsOf(ctx), req.Secrets), timeout: req.Timeout, redirects: req.MaxRedirects}
	body := req.Body
	if body == nil && req.JSON != nil {
		var err error
		if body, err = json.Marshal(req.JSON); err != nil {
			return nil, failure(ErrInvalidRequest, "encoding the body as JSON: "+NewScrubber(s.secrets...).Scrub(err.Error()), err)
		}
	}
	if s.timeout <= 0 {
		s.timeout = c.opts.Timeout
	}
	if hc != nil && hc.Timeout > 0 && hc.Timeout < s.timeout {
		// A client with a shorter Timeout of its own keeps it: whoever set
		// it wanted every call bounded so.
		s.timeout = hc.Timeout
	}
	switch {
	case s.redirects == 0:
		s.redirects = c.opts.MaxRedirects
	case s.redirects < 0:
		s.redirects = NoRedirects
	}

	var r io.Reader // a nil interface, not a nil *bytes.Reader, when there is no body
	if body != nil {
		r = bytes.NewReader(body)
	}
	s.callCtx, s.cancel = context.WithTimeout(ctx, s.timeout)
	// What the requests carry below the caller's RoundTrippers, and the
	// secrets in scope, reach the transport and the redirect policy
	// through the request's context.
	s.sent = &sentRecord{}
	s.callCtx = context.WithValue(WithSecrets(s.callCtx, req.Secrets...), sentKey{}, s.sent)
	s.secrets = SecretsOf(s.callCtx)
	hreq, err := http.NewRequestWithContext(s.callCtx, s.method, strings.TrimSpace(req.URL), r)
	if err == nil && (hreq.URL.Scheme != "http" && hreq.URL.Scheme != "https" || hreq.URL.Host == "") {
		err = errors.New("not an absolute http(s) URL")
	}
	if err != nil {
		s.cancel()
		// net/http's errors quote the URL: ParseURL says what is wrong
		// without it.
		if _, perr := ParseURL(req.URL); perr != nil {
			return nil, failure(ErrInvalidRequest, perr.Error(), perr)
		}
		s.url, _ = url.Parse(strings.TrimSpace(req.URL))
		s.header = req.Header
		return nil, failure(ErrInvalidRequest, s.scrubber().Scrub(err.Error()), err)
	}
	s.url = hreq.URL
	// The request gets its own header map (net/http never modifies the
	// value slices, which stay shared with the caller's).
	s.header = hreq.Header
	for k, vs := range req.Header {
		s.header[k] = vs
	}
	if req.JSON != nil && req.Body == nil && s.header.Get("Content-Type") == "" {
		s.header.Set("Content-Type", "application/json")
	}
	if acceptJSON && s.header.Get("Accept") == "" {
		s.header.Set("Accept", "application/json")
	}
	if c.opts.UserAgent != "" && s.header.Get("User-Agent") == "" {
		s.header.Set("User-Agent", c.opts.UserAgent)
	}
	if len(req.Query) > 0 {
		q := s.url.Query()
		for k, vs := range req.Query {
			q[k] = vs
		}
		s.url.RawQuery = q.Encode()
	}
	if req.Host != "" {
		hreq.Host = req.Host
	}
	resp, err := c.redirecting(hc, s.redirects).Do(hreq)
	if err != nil {
		defer s.cancel()
		return nil, s.transportError(err)
	}
	s.resp = resp
	return s, nil
}

func (s *sent) close() {
	_ = s.resp.Body.Close()
	s.cancel()
}

func (s *sent) scrubber() *Scrubber {
	if s.scrub == nil {
		s.scrub = NewScrubber(s.secrets...)
		s.scrub.AddRequest(s.url, s.header)
		if s.sent != nil {
			s.sent.addTo(s.scrub)
		}
	}
	return s.scrub
}

func (s *sent) target() string { return s.method + " " + RedactURL(s.url) }

// transportError classifies an error from sending or reading: a redirect
// loop, the caller's context ending, our deadline, or a network failure.
func (s *sent) transportError(err error) error {
	if errors.Is(err, ErrTooManyRedirects) {
		return failure(ErrTooManyRedirects, fmt.Sprintf("%s: stopped after %d", s.target(), s.redirects), nil)
	}
	var refused *RefusedError
	if errors.As(err, &refused) {
		// The refusal is the error (errors.As finds it): its text names
		// the host, which may be a redirect's rather than the target's.
		return &requestError{msg: ErrRefused.Error() + ": " + s.target() + ": " + refused.reason(), sentinel: refused}
	}
	if ctxErr := s.ctx.Err(); ctxErr != nil {
		return &requestError{msg: s.target() + ": " + ctxErr.Error(), cause: ctxErr}
	}
	var netErr net.Error
	if errors.Is(s.callCtx.Err(), context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()) {
		return failure(ErrTimeout, fmt.Sprintf("%s: no complete answer within %s", s.target(), s.timeout), err)
	}
	// url.Error's text names the full URL, query included: use the cause
	// alone, scrubbed (a bad Location header is quoted in it).
	cause := err
	var ue *url.Error
	if errors.As(err, &ue) {
		cause = ue.Err
	}
	return failure(ErrNetwork, s.target()+": "+s.scrubber().Scrub(cause.Error()), err)
}

func (s *sent) tooLarge(max int64) error {
	return &TooLargeError{Method: s.method, URL: RedactURL(s.url), Limit: max}
}

func (s *sent) statusError(a *Response) *StatusError {
	answered := s.url
	if s.resp.Request != nil && s.resp.Request.URL != nil {
		answered = s.resp.Request.URL
	}
	return &StatusError{
		Status:     a.StatusCode,
		Body:       s.scrubber().Snippet(a.Body, snippetBytes),
		RetryAfter: RetryAfter(a.Header, time.Now()),
		Method:     s.method,
		URL:        RedactURL(answered),
		answer:     a,
	}
}
