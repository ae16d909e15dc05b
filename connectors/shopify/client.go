package shopify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/egress"
)

// maxBody bounds how much of an answer is read.
const maxBody = 8 << 20

var (
	shopPattern    = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}\.myshopify\.com$`)
	handlePattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	versionPattern = regexp.MustCompile(`^(\d{4}-(0[1-9]|1[0-2])|unstable)$`)
)

// ShopDomain returns the myshopify.com domain a connection's shop
// property names; a bare handle ("northwind") gets .myshopify.com added.
func ShopDomain(shop string) (string, error) {
	s := strings.ToLower(strings.TrimSpace(shop))
	s = strings.TrimPrefix(s, "https://")
	s = strings.TrimSuffix(s, "/")
	if handlePattern.MatchString(s) {
		s += ".myshopify.com"
	}
	if !shopPattern.MatchString(s) {
		return "", connectors.Errorf(connectors.BadRequest, "shop %q is not a <shop>.myshopify.com domain", shop)
	}
	return s, nil
}

// client calls one shop's Admin API.
type client struct {
	http *http.Client
	host string // northwind.myshopify.com
	base string // https://northwind.myshopify.com/admin/api/2025-01
}

func newClient(call connectors.Call) (*client, error) {
	host, err := ShopDomain(call.Connection.Properties[PropShop])
	if err != nil {
		return nil, err
	}
	version := strings.TrimSpace(call.Connection.Properties[PropAPIVersion])
	if version == "" {
		version = DefaultAPIVersion
	}
	if !versionPattern.MatchString(version) {
		return nil, connectors.Errorf(connectors.BadRequest, "api_version %q is not an Admin API version such as %s", version, DefaultAPIVersion)
	}
	hc := call.HTTP
	if hc == nil {
		return nil, connectors.Errorf(connectors.BadRequest, "no HTTP client: the connection is not authenticated")
	}
	return &client{http: hc, host: host, base: "https://" + host + "/admin/api/" + version}, nil
}

// url is the address of an API path such as /orders.json.
func (c *client) url(path string, query url.Values) string {
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	return u
}

// do sends a request to the absolute URL u with in (if not nil) as its JSON
// body, decodes the answer into out (if not nil) and returns its headers.
// what names the operation in errors.
func (c *client) do(ctx context.Context, what, method, u string, in, out any) (http.Header, error) {
	resp, err := egress.JSON(ctx, c.http, egress.Request{Method: method, URL: u, JSON: in, MaxBodyBytes: maxBody}, out)
	if err != nil {
		return nil, fmt.Errorf("shopify: %s: %w", what, connectors.HTTPError(err, nil))
	}
	return resp.Header, nil
}

// nextPage returns the URL of the next page that a Link header names, or
// "" when there is none. A next page on another host, or outside the
// Admin API, is refused: the token must not travel there.
func (c *client) nextPage(h http.Header) (string, error) {
	next := NextLink(h)
	if next == "" {
		return "", nil
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "https" || !strings.EqualFold(u.Host, c.host) || !strings.HasPrefix(u.Path, "/admin/api/") {
		return "", connectors.Errorf(connectors.BadRequest, "shopify: the next page %q is not on %s's Admin API", next, c.host)
	}
	return next, nil
}

// NextLink returns the URL of the Link header's rel="next" entry, or "".
func NextLink(h http.Header) string {
	for _, value := range h.Values("Link") {
		for part := range strings.SplitSeq(value, ",") {
			target, params, ok := strings.Cut(strings.TrimSpace(part), ";")
			target = strings.TrimSpace(target)
			if !ok || !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
				continue
			}
			for p := range strings.SplitSeq(params, ";") {
				k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
				if strings.EqualFold(strings.TrimSpace(k), "rel") && slicesContainsFold(strings.Fields(strings.Trim(strings.TrimSpace(v), `"`)), "next") {
					return target[1 : len(target)-1]
				}
			}
		}
	}
	return ""
}

func slicesContainsFold(list []string, want string) bool {
	for _, s := range list {
		if strings.EqualFold(s, want) {
			return true
		}
	}
	return false
}

// pageInfo is the page_info parameter of a page's URL.
func pageInfo(next string) string {
	u, err := url.Parse(next)
	if err != nil {
		return ""
	}
	return u.Query().Get("page_info")
}

// Paging defaults and bounds.
const (
	defaultLimit    = 50
	maxLimit        = 250
	defaultMaxPages = 1
	maxMaxPages     = 100
)

func checkPaging(limit, maxPages int) error {
	if limit < 0 || limit > maxLimit {
		return connectors.Errorf(connectors.BadRequest, "limit %d is not between 1 and %d", limit, maxLimit)
	}
	if maxPages < 0 || maxPages > maxMaxPages {
		return connectors.Errorf(connectors.BadRequest, "max_pages %d is not between 1 and %d", maxPages, maxMaxPages)
	}
	return nil
}

// list fetches up to maxPages pages starting at first, appending each
// page's items (decoded by decode) and returning the next page's
// page_info, if any.
func (c *client) list(ctx context.Context, what, first string, maxPages int, decode func(raw []byte) error) (pages int, next string, err error) {
	if maxPages == 0 {
		maxPages = defaultMaxPages
	}
	u := first
	for u != "" && pages < maxPages {
		var raw json.RawMessage
		h, err := c.do(ctx, what, http.MethodGet, u, nil, &raw)
		if err != nil {
			return pages, "", err
		}
		if err := decode(raw); err != nil {
			return pages, "", fmt.Errorf("shopify: decoding %s: %w", what, err)
		}
		pages++
		if u, err = c.nextPage(h); err != nil {
			return pages, "", err
		}
	}
	return pages, pageInfo(u), nil
}
