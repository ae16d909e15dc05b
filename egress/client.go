package egress

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"sync"
	"syscall"
	"time"
)

// Defaults for the zero values of Options and Request. Each limit is
// declared here once; callers that need another value set it per Client or
// per Request.
const (
	// DefaultTimeout bounds one request, redirects and reading the body
	// included: long enough for a slow API's write, short enough that a
	// hung third party gives the activity's retry policy its turn.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxBodyBytes caps a successful answer's body: what a run keeps
	// of an answer goes into its history, which is no place for bulk data.
	DefaultMaxBodyBytes = 1 << 20
	// MaxErrorBodyBytes caps what is read of an answer that is not a
	// success. Such a body is read for its explanation only; 64 KiB holds
	// any API's error document, and a slow or endless error page cannot
	// hold the call until its deadline.
	MaxErrorBodyBytes = 64 << 10
	// DefaultMaxRedirects is how many redirects a request follows.
	DefaultMaxRedirects = 5
	// NoRedirects, as Request.MaxRedirects, returns a 3xx answer as it is.
	NoRedirects = -1
	// MaxRetryAfter caps every Retry-After delay: long enough for the
	// rate-limit windows third parties document (seconds to an hour), short
	// enough that a wrong or hostile value cannot park a run for days. The
	// step's retry policy still bounds the total.
	MaxRetryAfter = time.Hour
)

// Connection pool and dial settings of the transport. They are the values
// the worker has always run with; they are not options because nothing
// has needed another.
const (
	maxIdleConnsPerHost   = 64
	idleConnTimeout       = 90 * time.Second
	dialTimeout           = 30 * time.Second
	dialKeepAlive         = 30 * time.Second
	tlsHandshakeTimeout   = 10 * time.Second
	expectContinueTimeout = time.Second
)

// Options configure a Client. The zero value of each field means its
// default. The address guard is always on: with the zero Allow, a Client
// connects to public addresses only (see Classify), and only an explicit
// allow list lets anything else through.
type Options struct {
	// Allow lets the address guard connect to addresses that are not
	// public: CIDRs matched against the resolved address, host names
	// against the request's host (see ParseAllow). The zero Allow lets
	// nothing through beyond public addresses.
	Allow Allow
	// Proxy chooses the proxy of each request, as http.Transport.Proxy
	// does; nil means none. The environment (HTTP_PROXY and the like) is
	// read only when Proxy is http.ProxyFromEnvironment: a proxy stands
	// between the address guard and the third party, so using one must be
	// a decision, not an accident of the environment. With a proxy, the
	// guard judges the proxy's address (and host name) only, never the
	// third party's, which the proxy resolves and connects to: Allow must
	// let a proxy on a private address through, and the proxy itself must
	// refuse what the guard would have.
	Proxy func(*http.Request) (*url.URL, error)
	// Resolver resolves host names before the guard sees their addresses
	// (nil: net.DefaultResolver); tests give one that answers from a table.
	Resolver *net.Resolver
	// DialControl, when set, is called for every connection the address
	// guard lets through, after the address is resolved and before the
	// connection is made (net.Dialer.ControlContext): address is the IP
	// and port about to be dialled. Returning an error refuses the
	// connection, and the request fails with ErrNetwork. Redirects, DNS
	// answers that change between checks and every retry dial through it
	// as they do through the guard. With a Proxy, it sees the proxy's
	// address only.
	DialControl func(ctx context.Context, network, address string, c syscall.RawConn) error
	// Timeout is the deadline of a request that sets none (default
	// DefaultTimeout).
	Timeout time.Duration
	// MaxBodyBytes caps the body of a successful answer when the request
	// sets no cap (default DefaultMaxBodyBytes).
	MaxBodyBytes int64
	// MaxRedirects is how many redirects a request that sets no limit
	// follows (default DefaultMaxRedirects; NoRedirects for none).
	MaxRedirects int
	// UserAgent is sent with every request made through Do or JSON that
	// has none; empty leaves net/http's.
	UserAgent string
	// Refused, when set, is told of every refusal of the address guard
	// and of every redirect down to http refused, as it happens (a
	// metric's count); it must return quickly. A host that resolves to
	// several refused addresses is refused once for each.
	Refused func(*RefusedError)
}

// Client holds one transport and the rules of the requests sent through
// it. It is safe for concurrent use; make one per process (or use
// Default) so that connections are pooled.
type Client struct {
	opts      Options
	transport recordingTransport // over the one pooled *http.Transport
	// policy holds RedirectPolicy(opts.MaxRedirects, crossOrigin) for
	// crossOrigin false and true, made once rather than per request.
	policy [2]func(*http.Request, []*http.Request) error
}

// NewClient builds a Client and its transport. It does no I/O.
func NewClient(o Options) *Client {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	switch {
	case o.MaxRedirects == 0:
		o.MaxRedirects = DefaultMaxRedirects
	case o.MaxRedirects < 0:
		o.MaxRedirects = NoRedirects
	}
	c := &Client{opts: o, transport: recordingTransport{newTransport(o)}}
	c.policy = [2]func(*http.Request, []*http.Request) error{
		notingRefusals(RedirectPolicy(o.MaxRedirects, false), o.Refused), notingRefusals(RedirectPolicy(o.MaxRedirects, true), o.Refused)}
	return c
}

// newTransport is the only place where Junction builds an http.Transport
// for third parties.
func newTransport(o Options) *http.Transport {
	return &http.Transport{
		Proxy:                 o.Proxy,
		DialContext:           newGuard(o).dial,
		ForceAttemptHTTP2:     true, // a custom DialContext turns HTTP/2 off unless asked
		MaxIdleConnsPerHost:   maxIdleConnsPerHost,
		IdleConnTimeout:       idleConnTimeout,
		TLSHandshakeTimeout:   tlsHandshakeTimeout,
		ExpectContinueTimeout: expectContinueTimeout,
	}
}

var defaultClient = sync.OnceValue(func() *Client { return NewClient(Options{Allow: mustParseAllow(AllowLoopback)}) })

// Default is the process's Client for callers that are given no Client (a
// connector's own default, a test): the zero Options but for Allow, which
// is AllowLoopback, so that tests reach their httptest servers on
// 127.0.0.1 while the guard refuses every other address that is not
// public. Production wiring builds its own with NewClient, whose allow
// list is the operator's (none by default), and passes it down.
func Default() *Client { return defaultClient() }

// Transport is the pooled transport, which adds no credentials: the base
// that connection credentials wrap (auth.Credentials.Transport), and what
// a redirect to another origin is sent through instead of them.
func (c *Client) Transport() http.RoundTripper { return c.transport }

// HTTPClient returns an http.Client over Transport with RedirectPolicy and
// Options.Timeout, for code that needs a plain *http.Client (an OAuth2
// library, a client's default). Prefer Do and JSON, which also cap bodies
// and scrub errors.
func (c *Client) HTTPClient() *http.Client {
	hc := c.WithTransport(nil)
	hc.Timeout = c.opts.Timeout
	return hc
}

// WithTransport returns an http.Client that sends through rt (nil: the
// Client's Transport) with RedirectPolicy: what a connector's call gets
// (connectors.Call.HTTP), rt being the connection's credentials over
// Transport. When rt has an Unwrap method (as connectors/auth's transports
// do), redirect hops to another origin go through what Unwrap returns,
// without the credentials. The client has no Timeout of its own, so that
// each request's (Request.Timeout) holds: Do and JSON bound every call;
// code that uses the client directly sets Timeout or a context deadline.
func (c *Client) WithTransport(rt http.RoundTripper) *http.Client {
	if rt == nil {
		rt = c.transport
	}
	return c.redirecting(&http.Client{Transport: rt}, c.opts.MaxRedirects)
}

// redirecting returns a shallow copy of hc (nil: a client over the
// Client's Transport; a client with a nil Transport gets the Client's too)
// that follows at most max redirects by
// RedirectPolicy, and whose own Timeout is off: the request's context
// carries the deadline (see send).
func (c *Client) redirecting(hc *http.Client, max int) *http.Client {
	var cp http.Client
	if hc != nil {
		cp = *hc
	}
	if cp.Transport == nil {
		// Never net/http's DefaultTransport, which has no address guard.
		cp.Transport = c.transport
	}
	plain, crossOrigin := PlainTransport(cp.Transport)
	_, hops := cp.Transport.(hopTransport) // already routed (a client from WithTransport)
	if _, wraps := cp.Transport.(unwrapper); wraps && !hops {
		cp.Transport = hopTransport{authed: cp.Transport, plain: plain}
	}
	if max == c.opts.MaxRedirects {
		cp.CheckRedirect = c.policy[b2i(crossOrigin)]
	} else {
		cp.CheckRedirect = notingRefusals(RedirectPolicy(max, crossOrigin), c.opts.Refused)
	}
	cp.Timeout = 0
	return &cp
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
