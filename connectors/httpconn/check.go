package httpconn

import (
	"context"
	"net/http"

	"github.com/junction-run/junction/connectors"
)

// check GETs the connection's check_url with its credentials; any 2xx
// answer passes. Without a check_url there is nothing to try.
func check(ctx context.Context, call connectors.Call) error {
	u := call.Connection.Properties[PropertyCheckURL]
	if u == "" {
		return connectors.Errorf(connectors.BadRequest, "set the connection's property %s to a URL its credentials may GET, so it can be tested", PropertyCheckURL)
	}
	_, err := Do(ctx, call.HTTP, Request{Method: http.MethodGet, URL: u, SuccessStatuses: []string{"2xx"}, FollowRedirects: -1})
	if err != nil {
		return ConnectorError(err)
	}
	return nil
}
