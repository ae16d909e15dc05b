package gateway

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ParseTrustedProxies reads a comma-separated list of addresses and CIDR
// prefixes ("10.0.0.0/8,192.0.2.7"), the proxies whose X-Forwarded-*
// headers the gateway believes. "" is none.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			a, err := netip.ParseAddr(part)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q is neither an address nor a CIDR prefix", part)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is neither an address nor a CIDR prefix", part)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func prefixStrings(ps []netip.Prefix) []string {
	if len(ps) == 0 {
		return nil // gin: trust no one
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

// fromTrustedProxy says whether r's peer is one of the trusted proxies, so
// that its X-Forwarded-* headers are believed.
func (g *Gateway) fromTrustedProxy(r *http.Request) bool {
	if len(g.proxies) == 0 {
		return false
	}
	host, _, err := net.SplitHostPort(strings.TrimSpace(r.RemoteAddr))
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range g.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// baseURL is the scheme and host the gateway is reached at from outside:
// Config.PublicURL when configured, otherwise the request's own, or those a
// trusted proxy reports (X-Forwarded-Proto, and the first X-Forwarded-Host,
// which the proxy must set rather than pass on from the client).
func (g *Gateway) baseURL(r *http.Request) string {
	if g.publicBase != "" {
		return strings.TrimRight(g.publicBase, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if g.fromTrustedProxy(r) {
		if p := r.Header.Get("X-Forwarded-Proto"); p == "http" || p == "https" {
			scheme = p
		}
		if h := strings.TrimSpace(strings.Split(r.Header.Get("X-Forwarded-Host"), ",")[0]); h != "" {
			host = h
		}
	}
	return scheme + "://" + host
}

// SecureCookies says when the gateway marks its cookies Secure, which
// keeps browsers from sending them over plain HTTP.
type SecureCookies int

const (
	// SecureCookiesAuto marks them Secure when the browser reached the
	// gateway over HTTPS as the gateway can tell (baseURL): an https
	// PublicURL, TLS on the connection, or a trusted proxy's
	// X-Forwarded-Proto: https.
	SecureCookiesAuto SecureCookies = iota
	// SecureCookiesAlways is for TLS ending at a proxy the gateway cannot
	// see (no PublicURL, no TrustedProxies).
	SecureCookiesAlways
	// SecureCookiesNever is for plain HTTP on purpose (a laptop).
	SecureCookiesNever
)

// ParseSecureCookies reads "auto", "true" or "false".
func ParseSecureCookies(s string) (SecureCookies, error) {
	switch strings.TrimSpace(s) {
	case "", "auto":
		return SecureCookiesAuto, nil
	case "true":
		return SecureCookiesAlways, nil
	case "false":
		return SecureCookiesNever, nil
	}
	return 0, fmt.Errorf("cookie security %q: want auto, true or false", s)
}

// secureCookie says whether a cookie set in answer to r is marked Secure.
func (g *Gateway) secureCookie(r *http.Request) bool {
	switch g.secure {
	case SecureCookiesAlways:
		return true
	case SecureCookiesNever:
		return false
	}
	return strings.HasPrefix(g.baseURL(r), "https://")
}
