package auth

import (
	"net/http"
	"net/url"
	"strings"
)

// Basic returns HTTP Basic credentials (RFC 7617). An empty password is
// allowed: some APIs take a key as the user name and no password.
func Basic(username, password Secret) Credentials {
	return &staticCreds{printsAs: printsAs(KindBasic), apply: func(r *http.Request) {
		r.SetBasicAuth(username.Reveal(), password.Reveal())
	}, err: func() error {
		if username == "" {
			return configError("basic: no username")
		}
		return nil
	}()}
}

// Bearer returns credentials that send "Authorization: Bearer <token>"
// (RFC 6750) with every request.
func Bearer(token Secret) Credentials {
	return &staticCreds{printsAs: printsAs(KindBearer), apply: func(r *http.Request) {
		r.Header.Set("Authorization", "Bearer "+token.Reveal())
	}, err: func() error {
		if token == "" {
			return configError("bearer: no token")
		}
		return nil
	}()}
}

// Where an API key travels.
const (
	InHeader = "header"
	InQuery  = "query"
	InCookie = "cookie"
)

// APIKey returns credentials that send value as the header, query
// parameter or cookie called name, as OpenAPI's apiKey security scheme
// describes: in is "header", "query" or "cookie". A query parameter of the
// same name already on the URL is replaced.
func APIKey(in string, name string, value Secret) Credentials {
	c := &staticCreds{printsAs: printsAs(KindAPIKey), scrub: newScrubber(value.Reveal())}
	switch {
	case strings.TrimSpace(name) == "":
		c.err = configError("api_key: no parameter name")
	case value == "":
		c.err = configError("api_key: no key")
	}
	switch strings.ToLower(in) {
	case InHeader:
		c.apply = func(r *http.Request) { r.Header.Set(name, value.Reveal()) }
	case InQuery:
		c.apply = func(r *http.Request) { setQuery(r.URL, name, value.Reveal()) }
	case InCookie:
		c.apply = func(r *http.Request) { r.AddCookie(&http.Cookie{Name: name, Value: value.Reveal()}) }
	default:
		if c.err == nil {
			c.err = configError("api_key: in is %q, want header, query or cookie", in)
		}
	}
	return c
}

// setQuery adds name=value to u's query, keeping the order and encoding of
// the parameters already there (which a signature may cover).
func setQuery(u *url.URL, name, value string) {
	if q := u.Query(); q.Has(name) {
		q.Set(name, value)
		u.RawQuery = q.Encode()
		return
	}
	pair := url.QueryEscape(name) + "=" + url.QueryEscape(value)
	if u.RawQuery == "" {
		u.RawQuery = pair
	} else {
		u.RawQuery += "&" + pair
	}
	u.ForceQuery = false
}

// staticCreds put the same credential on every request.
type staticCreds struct {
	printsAs
	apply func(*http.Request)
	err   error
	// scrub holds an API key, which a transport error quoting the URL
	// could carry (headers never appear in transport errors).
	scrub scrubber
}

func (c *staticCreds) Transport(base http.RoundTripper) http.RoundTripper {
	if c.err != nil {
		return failing{c.err}
	}
	return &staticTransport{c: c, base: orDefault(base)}
}

type staticTransport struct {
	c    *staticCreds
	base http.RoundTripper
}

// Unwrap returns the transport underneath, which adds no credentials: a
// client following a redirect to another host sends that hop through it.
func (t *staticTransport) Unwrap() http.RoundTripper { return t.base }

func (t *staticTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	t.c.apply(r)
	resp, err := t.base.RoundTrip(r)
	return resp, t.c.scrub.err(err)
}
