package app_test

import (
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/junction-run/junction/internal/app"
)

// TestHTTPServerLimits serves through the gateway's server on loopback: a
// header block over MaxHeaderBytes is refused with 431 before any handler
// runs, and an ordinary request is served.
func TestHTTPServerLimits(t *testing.T) {
	var served int
	srv := app.NewHTTPServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { served++ }))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	url := "http://" + ln.Addr().String() + "/healthz"

	for _, tc := range []struct {
		name   string
		header int // bytes of one header's value
		want   int
	}{
		{"ordinary headers", 100, http.StatusOK},
		{"headers over the cap", app.MaxHeaderBytes + 8<<10, http.StatusRequestHeaderFieldsTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, url, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("X-Padding", strings.Repeat("a", tc.header))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
	if served != 1 {
		t.Errorf("the handler ran %d times, want once", served)
	}
	if srv.ReadTimeout == 0 || srv.WriteTimeout == 0 || srv.IdleTimeout == 0 || srv.ReadHeaderTimeout == 0 {
		t.Error("a timeout of the gateway's server is off")
	}
}
