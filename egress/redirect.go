package egress

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// credentialHeaders are dropped from a redirected request that leaves the
// original origin. net/http drops most of them itself, but keeps them for
// subdomains ("example.com" to "evil.example.com") and never drops
// Referer, which carries the previous URL's query string.
var credentialHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie", "Cookie2", "Referer"}

// RedirectPolicy is the CheckRedirect of every client egress makes: follow
// at most max redirects (NoRedirects, or any negative max: none, the 3xx
// answer is the result) and never carry credentials to another origin
// (another host name or port, a subdomain included). Headers that carry
// credentials (Authorization, Cookie, Referer, any X-Api-Key-like name),
// and any header holding a secret in scope of the call (WithSecrets), are
// dropped from such a hop, and a body holding one is not sent again. A
// redirect from https down to http is refused (a *RefusedError): the
// request would travel in clear. Credentials a
// RoundTripper adds to every request are beyond a redirect policy's reach,
// so crossOrigin says whether such hops can be sent without them (see
// PlainTransport); when they cannot, the redirect is not followed and its
// 3xx answer is the result.
func RedirectPolicy(max int, crossOrigin bool) func(req *http.Request, via []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if max < 0 {
			return http.ErrUseLastResponse
		}
		if len(via) > max {
			return fmt.Errorf("%w: stopped after %d", ErrTooManyRedirects, max)
		}
		if len(via) > 0 && downgrades(via[len(via)-1].URL, req.URL) {
			return &RefusedError{Host: req.URL.Hostname(), Downgrade: true}
		}
		if leftOrigin(req.URL, via) {
			if !crossOrigin {
				return http.ErrUseLastResponse
			}
			for _, h := range credentialHeaders {
				req.Header.Del(h)
			}
			for name := range req.Header {
				if SensitiveHeader(name) {
					req.Header.Del(name)
				}
			}
			if secrets := SecretsOf(req.Context()); len(secrets) > 0 {
				return dropSecrets(req, NewScrubber(secrets...))
			}
		}
		return nil
	}
}

// downgrades reports whether a redirect from prev to next goes from https
// down to http, where everything the request carries travels in clear:
// such a redirect is refused, never followed without credentials.
func downgrades(prev, next *url.URL) bool {
	return strings.EqualFold(prev.Scheme, "https") && !strings.EqualFold(next.Scheme, "https")
}

// dropSecrets keeps the secrets in scope of a call (WithSecrets) from a
// hop to another origin: a header whose value holds one is dropped, whatever
// its name, and a 307 or 308 hop, which would send the body again, is not
// followed when the body holds one (its 3xx answer is the result).
func dropSecrets(req *http.Request, secrets *Scrubber) error {
	for name, vs := range req.Header {
		for _, v := range vs {
			if secrets.Leaks(v) {
				req.Header.Del(name)
				break
			}
		}
	}
	if req.GetBody == nil || req.ContentLength == 0 {
		return nil
	}
	body, err := req.GetBody()
	if err != nil {
		return http.ErrUseLastResponse
	}
	defer body.Close()
	raw, err := io.ReadAll(body)
	if err != nil || secrets.Leaks(string(raw)) {
		return http.ErrUseLastResponse
	}
	return nil
}

// unwrapper is implemented by RoundTrippers that add credentials to what
// another RoundTripper sends (connectors/auth's): Unwrap returns that
// other, which adds none of them.
type unwrapper interface {
	Unwrap() http.RoundTripper
}

// PlainTransport returns the transport that a redirect hop to another
// origin may be sent through, and whether there is one that adds no
// credentials: rt itself when it is nil (net/http's DefaultTransport, as
// for any http.Client) or an *http.Transport, which add none; what Unwrap
// returns when rt has that method; none otherwise, since an unknown
// RoundTripper may add credentials to every request.
func PlainTransport(rt http.RoundTripper) (http.RoundTripper, bool) {
	switch t := rt.(type) {
	case nil:
		return http.DefaultTransport, true
	case *http.Transport:
		return t, true
	case recordingTransport:
		return t, true
	case unwrapper:
		if base := t.Unwrap(); base != nil {
			return base, true
		}
		return http.DefaultTransport, true
	}
	return nil, false
}

// hopTransport sends the hops that LeftOrigin reports through plain,
// bypassing the credentials that authed adds.
type hopTransport struct {
	authed, plain http.RoundTripper
}

func (h hopTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if LeftOrigin(req) {
		return h.plain.RoundTrip(req)
	}
	return h.authed.RoundTrip(req)
}

// Unwrap returns the transport without credentials, so a client built on
// a client egress made keeps routing hops the same way.
func (h hopTransport) Unwrap() http.RoundTripper { return h.plain }

// LeftOrigin reports whether req is a redirect hop and it, or a hop before
// it, goes to an origin other than the original request's (another host
// name or port, subdomains included, or down from https to http). It
// relies on net/http's bookkeeping: a hop's req.Response is the redirect
// that caused it, and that Response.Request the hop before.
func LeftOrigin(req *http.Request) bool {
	if req == nil || req.Response == nil {
		return false
	}
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
		if !SameOrigin(origin, r.URL) {
			return true
		}
	}
	return !SameOrigin(origin, next)
}

// SameOrigin compares host names (case-insensitively) and effective
// ports. Going from https to http leaves the origin; going from http on
// port 80 to https on 443 of the same host (the usual upgrade) does not.
func SameOrigin(a, b *url.URL) bool {
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
