package gateway_test

import (
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/junction-run/junction/gateway"
)

// tight is a budget of two requests that does not refill within a test.
var tight = gateway.RateLimit{PerSecond: 1.0 / 3600, Burst: 2}

// TestRateLimits: each limit lets its budget through, then answers 429
// with Retry-After and the error body; another key (address, connection)
// still has its own budget.
func TestRateLimits(t *testing.T) {
	for _, tc := range []struct {
		name   string
		limits gateway.Limits
		// send makes one request from peer; other is the peer or path
		// that has a budget of its own.
		method, path, key string
		other             func(e *env) string // the key of the other request, when not key
		otherPath         string
		otherPeer         string
		status            int // the answer within the budget
		message           string
	}{
		{name: "API key", limits: gateway.Limits{APIKey: tight},
			method: "GET", path: base + "/definitions", status: 200, message: "Quota exceeded. Please try again in 3600 second(s).",
			other: func(e *env) string { return e.admin }},
		{name: "hooks per connection", limits: gateway.Limits{Hooks: tight},
			method: "POST", path: "/hooks/acme/conn-1/orders_create", status: 404, message: "Too many deliveries to this connection.",
			otherPath: "/hooks/acme/conn-2/orders_create"},
		{name: "OAuth2 callback per address", limits: gateway.Limits{OAuth2Callback: tight},
			method: "GET", path: gateway.OAuth2CallbackPath, status: 400, message: "Too many OAuth2 callbacks from this address.",
			otherPeer: "198.51.100.7:1234"},
		{name: "codec sign-in per address", limits: gateway.Limits{CodecSignIn: tight},
			method: "POST", path: "/api/v1/codec/session", status: 404, message: "Too many codec sign-ins from this address.",
			otherPeer: "[2001:db8:2::1]:1234"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(cfg *gateway.Config) { cfg.Limits = tc.limits })
			key := ""
			if tc.name == "API key" {
				key = e.reader
			}
			const peer = "192.0.2.1:4711"
			for i := range 2 {
				if r := e.callFrom(peer, tc.method, tc.path, key, nil); r.status != tc.status {
					t.Fatalf("request %d: %d %s, want %d", i+1, r.status, r.body, tc.status)
				}
			}
			r := e.callFrom(peer, tc.method, tc.path, key, nil)
			if r.status != http.StatusTooManyRequests {
				t.Fatalf("over the budget: %d %s, want 429", r.status, r.body)
			}
			if secs, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || secs < 1 || secs > 3600 {
				t.Errorf("Retry-After = %q, want whole seconds until the next request fits", r.header.Get("Retry-After"))
			}
			if body := r.apiError(t); body.Code != 429 || !strings.HasPrefix(body.Message, strings.TrimSuffix(tc.message, " Please try again in 3600 second(s).")) {
				t.Errorf("body %+v, want code 429 and %q", body, tc.message)
			}
			otherKey, otherPath, otherPeer := key, tc.path, peer
			if tc.other != nil {
				otherKey = tc.other(e)
			}
			if tc.otherPath != "" {
				otherPath = tc.otherPath
			}
			if tc.otherPeer != "" {
				otherPeer = tc.otherPeer
			}
			if r := e.callFrom(otherPeer, tc.method, otherPath, otherKey, nil); r.status != tc.status {
				t.Errorf("another budget: %d %s, want %d", r.status, r.body, tc.status)
			}
		})
	}
}

// TestFailedAuthentications: an address that sent too many invalid keys
// waits, even with a correct key, so that no guess learns it was right;
// other addresses do not, and requests without a key do not count.
func TestFailedAuthentications(t *testing.T) {
	e := newEnv(t, func(cfg *gateway.Config) { cfg.Limits.AuthFailures = tight })
	const guesser, colleague = "192.0.2.1:4711", "192.0.2.2:4711"
	for range 3 {
		if r := e.callFrom(guesser, "GET", base+"/definitions", "", nil); r.status != 401 {
			t.Fatalf("no key: %d", r.status)
		}
	}
	for _, key := range []string{"jk_not_a_key", e.revoked} {
		if r := e.callFrom(guesser, "GET", base+"/definitions", key, nil); r.status != 401 {
			t.Fatalf("an invalid key within the budget: %d %s", r.status, r.body)
		}
	}
	for name, key := range map[string]string{"an invalid key": "jk_not_a_key", "a correct key": e.reader} {
		r := e.callFrom(guesser, "GET", base+"/definitions", key, nil)
		if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
			t.Fatalf("%s after the budget: %d %v %s, want 429 with Retry-After", name, r.status, r.header, r.body)
		}
		if body := r.apiError(t); body.Code != 429 || !strings.HasPrefix(body.Message, "Too many invalid API keys from this address.") {
			t.Errorf("%s: body %+v", name, body)
		}
	}
	if r := e.callFrom(colleague, "GET", base+"/definitions", e.reader, nil); r.status != 200 {
		t.Errorf("a correct key from another address: %d %s", r.status, r.body)
	}
}

// TestTrustedProxies: X-Forwarded-For changes the client address, and
// X-Forwarded-Proto and -Host the URL the gateway believes it was called
// at, only from a trusted proxy.
func TestTrustedProxies(t *testing.T) {
	proxies, err := gateway.ParseTrustedProxies("10.0.0.0/8, 2001:db8:ffff::1")
	if err != nil {
		t.Fatal(err)
	}
	e, _ := newOAuth2Env(t, func(cfg *gateway.Config) {
		cfg.Limits.AuthFailures = tight
		cfg.TrustedProxies = proxies
	})
	// Spend 192.0.2.1's failures: directly, then through the proxy.
	for _, via := range []struct{ peer, forwarded string }{{"192.0.2.1:4711", ""}, {"10.1.2.3:80", "192.0.2.1"}} {
		headers := []string{}
		if via.forwarded != "" {
			headers = []string{"X-Forwarded-For", via.forwarded}
		}
		if r := e.callFrom(via.peer, "GET", base+"/definitions", "jk_not_a_key", nil, headers...); r.status != 401 {
			t.Fatalf("failure from %s: %d %s", via.peer, r.status, r.body)
		}
	}
	for _, tc := range []struct {
		name      string
		peer, xff string
		status    int
	}{
		{"the spent address itself", "192.0.2.1:4711", "", 429},
		{"the spent address through the proxy", "10.1.2.3:80", "192.0.2.1", 429},
		{"the spent address through an IPv6 proxy", "[2001:db8:ffff::1]:80", "192.0.2.1", 429},
		{"the spent address pretending to be another", "192.0.2.1:4711", "198.51.100.9", 429},
		{"another address through the proxy", "10.1.2.3:80", "198.51.100.9", 200},
		{"an untrusted peer forwarding for another", "192.0.2.77:80", "192.0.2.1", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			headers := []string{}
			if tc.xff != "" {
				headers = []string{"X-Forwarded-For", tc.xff}
			}
			if r := e.callFrom(tc.peer, "GET", base+"/definitions", e.reader, nil, headers...); r.status != tc.status {
				t.Errorf("%d %s, want %d", r.status, r.body, tc.status)
			}
		})
	}

	// The OAuth2 redirect URL is built from the believed URL.
	for _, tc := range []struct {
		name, peer string
		want       string
	}{
		{"a trusted proxy", "10.1.2.3:80", "https://junction.example.com/api/v1/oauth2/callback"},
		{"an untrusted peer", "192.0.2.50:80", "http://gateway.test/api/v1/oauth2/callback"},
	} {
		t.Run("redirect URL from "+tc.name, func(t *testing.T) {
			got := e.redirectURLFrom(tc.peer, "X-Forwarded-Proto", "https", "X-Forwarded-Host", "junction.example.com")
			if got != tc.want {
				t.Errorf("redirect URL %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseTrustedProxies(t *testing.T) {
	got, err := gateway.ParseTrustedProxies(" 10.0.0.0/8,192.0.2.7, ::ffff:192.0.2.8 ,2001:db8::/32,10.1.2.3/8,")
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32"),
		netip.MustParsePrefix("192.0.2.8/32"), netip.MustParsePrefix("2001:db8::/32"), netip.MustParsePrefix("10.0.0.0/8")}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d: %v, want %v", i, got[i], want[i])
		}
	}
	if none, err := gateway.ParseTrustedProxies(""); err != nil || none != nil {
		t.Errorf("empty: %v %v", none, err)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.internal", "10.0.0.0/8;rm"} {
		if _, err := gateway.ParseTrustedProxies(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
