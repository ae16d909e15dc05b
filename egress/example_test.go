package egress_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/junction-run/junction/egress"
)

// A worker builds one Client, hands its Transport to credentials, and
// calls third parties through the client that results.
func ExampleClient_JSON() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer s3cr3t-token" {
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprintf(w, `{"error": "slow down, %s"}`, r.Header.Get("Authorization"))
			return
		}
		fmt.Fprint(w, `{"id": 1001, "status": "paid"}`)
	}))
	defer api.Close()

	// The fake API listens on 127.0.0.1, which the address guard refuses
	// unless allowed.
	allow, _ := egress.ParseAllow(egress.AllowLoopback)
	eg := egress.NewClient(egress.Options{Allow: allow, UserAgent: "Junction/1"})
	// In the worker, a connection's credentials wrap eg.Transport().
	hc := eg.WithTransport(bearer{"s3cr3t-token", eg.Transport()})

	var order struct {
		ID     int    `json:"id"`
		Status string `json:"status"`
	}
	if _, err := eg.JSON(context.Background(), hc, egress.Request{URL: api.URL + "/orders/1001"}, &order); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(order.ID, order.Status)

	_, err := eg.JSON(context.Background(), nil, egress.Request{
		URL:    api.URL + "/orders/1001",
		Header: http.Header{"Authorization": {"Bearer wrong-token"}},
	}, &order)
	var refused *egress.StatusError
	if errors.As(err, &refused) {
		fmt.Println(refused.Status, refused.RetryAfter, refused.Retryable(), refused.Body)
	}
	// Output:
	// 1001 paid
	// 429 30s true {"error": "slow down, [redacted]"}
}

type bearer struct {
	token string
	base  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.base.RoundTrip(r)
}

func (b bearer) Unwrap() http.RoundTripper { return b.base }
