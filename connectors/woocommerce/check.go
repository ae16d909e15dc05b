package woocommerce

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/junction-run/junction/connectors"
)

// check lists one order (GET /wp-json/wc/v3/orders?per_page=1), which
// needs a consumer key with read access.
func check(ctx context.Context, call connectors.Call) error {
	c, err := newClient(call)
	if err != nil {
		return err
	}
	var out []json.RawMessage
	_, err = c.do(ctx, "listing orders", http.MethodGet, "/orders", url.Values{"per_page": {"1"}}, nil, &out)
	return err
}
