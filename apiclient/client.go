// Package apiclient is a typed client of Junction's HTTP API: the
// 8x8-Automation-compatible management API that `junction dev` and
// `junction gateway` serve. The junction CLI is built on it, and anyone may
// use it to drive Junction from Go.
//
// One Client talks to one account of one server:
//
//	c := apiclient.New("http://127.0.0.1:8080", apiKey, "acme")
//	def, err := c.CreateDefinition(ctx, doc)
//
// Every method takes a context and returns the API's own shapes. A request the
// server refuses comes back as an *APIError carrying 8x8's error body (code,
// message, errorId) and the fields at fault; errors.Is(err, ErrNotFound) and
// the other sentinels let callers branch without reading status codes.
// Timestamps are kept as the server writes them (ISO 8601 in UTC, empty
// while unset), so nothing is lost in a round trip.
package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// DefaultUserAgent is sent unless WithUserAgent says otherwise.
const DefaultUserAgent = "junction-apiclient"

// maxResponseBytes bounds a successful response body; the largest the API
// sends (500 definitions) is far smaller.
const maxResponseBytes = 64 << 20

// Client calls the API of one account. It is safe for concurrent use.
type Client struct {
	baseURL   string
	apiKey    string
	accountID string
	http      *http.Client
	userAgent string
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client requests go through (timeouts, TLS,
// proxies, test transports). The default is http.DefaultClient.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.http = hc
		}
	}
}

// WithUserAgent sets the User-Agent header, so the server's logs say which
// program called.
func WithUserAgent(ua string) Option {
	return func(c *Client) {
		if ua != "" {
			c.userAgent = ua
		}
	}
}

// New returns a client of the API at baseURL (scheme, host and any path
// prefix, such as "https://junction.example.com") acting for accountID,
// authenticated by apiKey sent as a bearer token. An empty apiKey sends no
// Authorization header. New does no I/O.
func New(baseURL, apiKey, accountID string, opts ...Option) *Client {
	c := &Client{
		baseURL:   strings.TrimRight(baseURL, "/"),
		apiKey:    apiKey,
		accountID: accountID,
		http:      http.DefaultClient,
		userAgent: DefaultUserAgent,
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// AccountID returns the account the client acts for.
func (c *Client) AccountID() string { return c.accountID }

// String describes the client without its API key, so that logging a
// Client never leaks the key.
func (c *Client) String() string {
	return fmt.Sprintf("apiclient.Client{baseURL: %q, account: %q}", c.baseURL, c.accountID)
}

// GoString is String, for %#v.
func (c *Client) GoString() string { return c.String() }

// errNoAccount: every route is scoped to an account.
var errNoAccount = errors.New("apiclient: no account id")

// request is one call to an account-scoped route, or to the platform's.
type request struct {
	method string
	// path is the segments after /api/v1/accounts/{accountId}/; each is
	// escaped on its own, so an id can never change the route.
	path   []string
	query  url.Values
	header http.Header
	body   []byte

	// platform puts path after /api/v1/platform/ instead: the platform's
	// routes, which belong to no account.
	platform bool
}

// endpoint is the request's URL.
func (c *Client) endpoint(r request) string {
	var b strings.Builder
	b.WriteString(c.baseURL)
	if r.platform {
		b.WriteString("/api/v1/platform")
	} else {
		b.WriteString("/api/v1/accounts/")
		b.WriteString(url.PathEscape(c.accountID))
	}
	for _, seg := range r.path {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(seg))
	}
	if len(r.query) > 0 {
		b.WriteByte('?')
		b.WriteString(r.query.Encode())
	}
	return b.String()
}

// do sends r and decodes a 2xx body into out (when out is not nil). Any
// other status is an *APIError. It returns the response headers, for the
// few callers that read one (ETag).
func (c *Client) do(ctx context.Context, r request, out any) (http.Header, error) {
	if c.accountID == "" && !r.platform {
		return nil, errNoAccount
	}
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.endpoint(r), body)
	if err != nil {
		return nil, fmt.Errorf("apiclient: building request: %w", err)
	}
	for k, vs := range r.header {
		req.Header[k] = vs
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	}

	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() {
		// Drain a little so the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		resp.Body.Close()
	}()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.Header, newAPIError(resp)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return resp.Header, nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxResponseBytes)).Decode(out); err != nil {
		return resp.Header, fmt.Errorf("apiclient: decoding the answer to %s %s: %w", r.method, req.URL.Path, err)
	}
	return resp.Header, nil
}

// ListOptions pages a list: Limit (1-500; 0 means the server's default of
// 100) items from Offset.
type ListOptions struct {
	Limit  int
	Offset int
}

func (o ListOptions) values() url.Values {
	q := url.Values{}
	if o.Limit > 0 {
		q.Set("limit", fmt.Sprint(o.Limit))
	}
	if o.Offset > 0 {
		q.Set("offset", fmt.Sprint(o.Offset))
	}
	return q
}

// jsonBody is the body of a request whose caller gave none: nil sends no
// body at all.
func jsonBody(b json.RawMessage) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}
