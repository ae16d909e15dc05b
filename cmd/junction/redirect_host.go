package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/junction-run/junction/connectors/connectortest"
)

// redirectHostFlag lets `junction dev` send connectors' calls to a third
// party's hosts to a stand-in, such as `junction fakes`.
func redirectHostFlag() cli.Flag {
	return &cli.StringSliceFlag{
		Name: "redirect-host",
		Usage: "HOST=URL: send connector calls to HOST and its subdomains to URL instead, keeping the Host header and path " +
			"(myshopify.com=http://127.0.0.1:9101 sends https://northwind.myshopify.com/admin/... to the fake); repeatable. " +
			"The egress guard still checks URL's address. For `junction fakes`, which prints the flags to use",
		EnvVars: []string{"JUNCTION_REDIRECT_HOSTS"},
	}
}

// hostRoute sends one host and its subdomains to a stand-in.
type hostRoute struct {
	host   string
	target *url.URL
}

// parseRedirectHosts reads --redirect-host values.
func parseRedirectHosts(values []string) ([]hostRoute, error) {
	var out []hostRoute
	for _, v := range values {
		host, target, ok := strings.Cut(v, "=")
		host = strings.ToLower(strings.TrimSpace(host))
		u, err := url.Parse(strings.TrimSpace(target))
		switch {
		case !ok || host == "" || strings.ContainsAny(host, "/:@ "):
			return nil, fmt.Errorf("--redirect-host %q: want HOST=URL, e.g. myshopify.com=http://127.0.0.1:9101", v)
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "":
			return nil, fmt.Errorf("--redirect-host %q: %q is not an http(s) URL without a query", v, target)
		}
		out = append(out, hostRoute{host: strings.TrimPrefix(host, "."), target: u})
	}
	return out, nil
}

// hostRedirects is the connectors' transport under `junction dev
// --redirect-host`: a request to a listed host goes to its stand-in,
// every request through next, the egress guard's transport.
type hostRedirects struct {
	routes []hostRoute
	next   http.RoundTripper
}

func (h hostRedirects) RoundTrip(req *http.Request) (*http.Response, error) {
	host := strings.ToLower(req.URL.Hostname())
	for _, r := range h.routes {
		if host == r.host || strings.HasSuffix(host, "."+r.host) {
			return connectortest.Redirect(r.target, h.next).RoundTrip(req)
		}
	}
	return h.next.RoundTrip(req)
}
