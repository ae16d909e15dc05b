package shopify

import (
	"context"
	"net/http"

	"github.com/junction-run/junction/connectors"
)

// check reads the shop (GET /admin/api/<version>/shop.json), which every
// valid Admin API token may do.
func check(ctx context.Context, call connectors.Call) error {
	c, err := newClient(call)
	if err != nil {
		return err
	}
	var out struct {
		Shop struct {
			ID int64 `json:"id"`
		} `json:"shop"`
	}
	_, err = c.do(ctx, "reading the shop", http.MethodGet, c.url("/shop.json", nil), nil, &out)
	return err
}
