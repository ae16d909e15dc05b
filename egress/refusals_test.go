package egress_test

import (
	"errors"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/junction-run/junction/egress"
)

// TestRefusedIsToldOfEveryRefusal: Options.Refused hears of the guard's
// refusals, at dial time and after resolution, and of redirects down to
// http, each with its reason; what the guard lets through it never hears
// of.
func TestRefusedIsToldOfEveryRefusal(t *testing.T) {
	plain := newServer(t, nil)
	secure := newTLSServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL+"/landing", http.StatusFound)
	})
	var mu sync.Mutex
	var reasons []string
	c := egress.NewClient(egress.Options{
		Allow:    mustAllow("allowed.test,127.0.0.1"),
		Resolver: loopbackDNS().resolver(),
		Refused: func(e *egress.RefusedError) {
			mu.Lock()
			defer mu.Unlock()
			reasons = append(reasons, e.Reason())
		},
	})
	for _, tt := range []struct {
		send func() error
		want string // "" when let through
	}{
		{func() error { _, err := c.Do(t.Context(), nil, egress.Request{URL: "http://[::1]:9/"}); return err }, "loopback"},
		{func() error {
			_, err := c.Do(t.Context(), nil, egress.Request{URL: "http://metadata.test/"})
			return err
		}, "link-local"},
		{func() error { _, err := c.Do(t.Context(), nil, egress.Request{URL: "http://0.0.0.0:9/"}); return err }, "unspecified"},
		{func() error { _, err := c.HTTPClient().Get("http://private.test/"); return err }, "private"},
		{func() error {
			_, err := c.Do(t.Context(), c.WithTransport(secure.Client().Transport), egress.Request{URL: secure.URL})
			return err
		}, "downgrade"},
		{func() error { _, err := c.Do(t.Context(), nil, egress.Request{URL: plain.URL}); return err }, ""},
	} {
		mu.Lock()
		before := len(reasons)
		mu.Unlock()
		err := tt.send()
		mu.Lock()
		got := slices.Clone(reasons[before:])
		mu.Unlock()
		if tt.want == "" {
			if err != nil || len(got) != 0 {
				t.Errorf("allowed call: %v, refusals %q", err, got)
			}
			continue
		}
		if !errors.Is(err, egress.ErrRefused) || !slices.Equal(got, []string{tt.want}) {
			t.Errorf("refusals %q (%v), want one: %s", got, err, tt.want)
		}
	}
	if n := len(plain.requests()); n != 1 {
		t.Errorf("the plain server saw %d requests, want the allowed one", n)
	}
}
