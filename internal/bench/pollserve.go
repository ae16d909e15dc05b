package bench

import (
	"net/http"
	"net/url"
)

// PollServe is what the system under test needs for the polling scenario
// (ServeConfig.Poll): a dev Vault for the connections' tokens, and the
// connector's calls to *.myshopify.com sent to the loopback stand-in.
type PollServe struct {
	// Vault starts the dev Vault (found as `junction dev` finds it) on a
	// free port.
	Vault bool
	// ShopifyStandIn is where https://<shop>.myshopify.com is redirected.
	ShopifyStandIn *url.URL
}

// vaultListen is where the dev Vault listens: a free port when the
// scenario asks for one ("" leaves devstack's default).
func (p PollServe) vaultListen() string {
	if p.Vault {
		return "127.0.0.1:0"
	}
	return ""
}

// connectorTransport carries connector calls; nil keeps devstack's
// default.
func (p PollServe) connectorTransport() http.RoundTripper {
	if p.ShopifyStandIn == nil {
		return nil
	}
	return shopRedirect{standIn: p.ShopifyStandIn, next: http.DefaultTransport}
}
