package httpconn

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// DefaultFollowRedirects is how many redirects Do follows when
// Request.FollowRedirects is zero.
const DefaultFollowRedirects = 5

// NoRedirects, as Request.FollowRedirects, makes Do return a 3xx answer as
// it is instead of following it.
const NoRedirects = -1

// credentialHeaders are dropped from a redirected request that leaves the
// original host. net/http drops most of them itself, but keeps them for
// subdomains ("example.com" to "evil.example.com") and never drops Referer,
// which carries the previous URL's query string.
var credentialHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie", "Cookie2", "Referer"}

// checkRedirect is the client's redirect policy for a request allowed to
// follow at most max redirects (max < 0: none). crossHost says whether a hop
// to another origin can be sent without the transport's credentials (see
// crossHostTransport); when it cannot, the redirect is not followed and its
// 3xx answer is the result.
func checkRedirect(max int, crossHost bool) func(req *http.Request, via []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if max < 0 {
			return http.ErrUseLastResponse
		}
		if len(via) > max {
			return fmt.Errorf("%w: stopped after %d", ErrTooManyRedirects, max)
		}
		if leftOrigin(req.URL, via) {
			if !crossHost {
				return http.ErrUseLastResponse
			}
			for _, h := range credentialHeaders {
				req.Header.Del(h)
			}
			// Any API-key header the caller set is as much a credential.
			for name := range req.Header {
				if sensitiveHeader(name) {
					req.Header.Del(name)
				}
			}
		}
		return nil
	}
}

// unwrapper is implemented by RoundTrippers that add credentials to what
// another RoundTripper sends (connectors/auth's): Unwrap returns that
// other, which adds none of them.
type unwrapper interface {
	Unwrap() http.RoundTripper
}

// crossHostTransport returns the transport for redirect hops that leave the
// original host, and whether there is one that adds no credentials: the
// client's own when it is nil (http.DefaultTransport) or an *http.Transport,
// which add none; what Unwrap returns when the client's transport has that
// method; none otherwise, since an unknown RoundTripper may add credentials
// to every request, and a redirect policy cannot take them off again.
func crossHostTransport(rt http.RoundTripper) (http.RoundTripper, bool) {
	switch t := rt.(type) {
	case nil:
		return http.DefaultTransport, true
	case *http.Transport:
		return t, true
	case unwrapper:
		if base := t.Unwrap(); base != nil {
			return base, true
		}
		return http.DefaultTransport, true
	}
	return nil, false
}

// hopTransport sends the hops that redirectedToOtherHost reports through
// plain, bypassing the credentials that authed adds.
type hopTransport struct {
	authed, plain http.RoundTripper
}

func (h hopTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if redirectedToOtherHost(req) {
		return h.plain.RoundTrip(req)
	}
	return h.authed.RoundTrip(req)
}

// redirectedToOtherHost reports whether req is a redirect hop and it, or a
// hop before it, goes to a host other than the original request's (another
// host name or port, subdomains included), or down from https to http. It
// relies on net/http's bookkeeping: a hop's req.Response is the redirect
// that caused it, and that Response.Request the hop before.
func redirectedToOtherHost(req *http.Request) bool {
	if req == nil || req.Response == nil {
		return false
	}
	// Walk back to the original request, then replay the hops in order.
	var back []*http.Request
	for r := req.Response.Request; r != nil; {
		back = append(back, r)
		if r.Response == nil {
			break
		}
		r = r.Response.Request
	}
	via := make([]*http.Request, 0, len(back))
	for i := len(back) - 1; i >= 0; i-- {
		via = append(via, back[i])
	}
	return leftOrigin(req.URL, via)
}

// leftOrigin reports whether next, or any hop in via after the first, is
// not on the first hop's origin.
func leftOrigin(next *url.URL, via []*http.Request) bool {
	if len(via) == 0 {
		return false
	}
	origin := via[0].URL
	for _, r := range via[1:] {
		if !sameOrigin(origin, r.URL) {
			return true
		}
	}
	return !sameOrigin(origin, next)
}

// sameOrigin compares host names (case-insensitively) and effective ports.
// Going from https to http leaves; going from http on port 80 to https on
// 443 of the same host (the usual upgrade) does not.
func sameOrigin(a, b *url.URL) bool {
	if a == nil || b == nil {
		return false
	}
	as, bs := strings.ToLower(a.Scheme), strings.ToLower(b.Scheme)
	if as == "https" && bs != "https" {
		return false
	}
	if !strings.EqualFold(a.Hostname(), b.Hostname()) {
		return false
	}
	ap, bp := effectivePort(a), effectivePort(b)
	return ap == bp || (as == "http" && ap == "80" && bs == "https" && bp == "443")
}

func effectivePort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "https") {
		return "443"
	}
	return "80"
}
