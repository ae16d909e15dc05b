package httpconn

import (
	"net/http"
	"net/url"

	"github.com/junction-run/junction/egress"
)

// DefaultFollowRedirects is how many redirects Do follows when
// Request.FollowRedirects is zero.
const DefaultFollowRedirects = egress.DefaultMaxRedirects

// NoRedirects, as Request.FollowRedirects, makes Do return a 3xx answer as
// it is instead of following it.
const NoRedirects = egress.NoRedirects

// The redirect policy is egress's (egress.RedirectPolicy); these names
// keep its parts at hand for this package's tests.

func crossHostTransport(rt http.RoundTripper) (http.RoundTripper, bool) {
	return egress.PlainTransport(rt)
}

func redirectedToOtherHost(req *http.Request) bool { return egress.LeftOrigin(req) }

func sameOrigin(a, b *url.URL) bool { return egress.SameOrigin(a, b) }
