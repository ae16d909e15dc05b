package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/junction-run/junction/egress"
)

func TestParseRedirectHosts(t *testing.T) {
	for _, tt := range []struct {
		value string
		err   string
	}{
		{"myshopify.com=http://127.0.0.1:9101", ""},
		{".delhivery.com=https://127.0.0.1:9103/prefix", ""},
		{"myshopify.com", "want HOST=URL"},
		{"=http://127.0.0.1:9101", "want HOST=URL"},
		{"shop.example:443=http://127.0.0.1:1", "want HOST=URL"},
		{"myshopify.com=127.0.0.1:9101", "not an http(s) URL"},
		{"myshopify.com=http://127.0.0.1:9101/?a=b", "not an http(s) URL"},
	} {
		_, err := parseRedirectHosts([]string{tt.value})
		if (tt.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("%q: error %v, want %q", tt.value, err, tt.err)
		}
	}
}

// A listed host and its subdomains go to the stand-in with their Host
// header and path; a host that merely ends in the same letters goes where
// it was sent.
func TestHostRedirects(t *testing.T) {
	var got []string
	standIn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Host+r.URL.Path)
	}))
	t.Cleanup(standIn.Close)
	routes, err := parseRedirectHosts([]string{"shop.invalid=" + standIn.URL})
	if err != nil {
		t.Fatal(err)
	}
	allow, err := egress.ParseAllow(egress.AllowLoopback)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: hostRedirects{routes: routes, next: egress.NewClient(egress.Options{Allow: allow}).Transport()}}
	for _, u := range []string{"https://northwind.shop.invalid/admin/api/2025-01/orders.json", "https://shop.invalid/x"} {
		resp, err := client.Get(u)
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		resp.Body.Close()
	}
	if len(got) != 2 || got[0] != "northwind.shop.invalid/admin/api/2025-01/orders.json" || got[1] != "shop.invalid/x" {
		t.Errorf("the stand-in got %v", got)
	}
	// Ends in the same letters, is not a subdomain: not redirected (and
	// .invalid resolves nowhere).
	if _, err := client.Get("http://myshop.invalid/"); err == nil {
		t.Error("myshop.invalid reached somewhere")
	}
	if len(got) != 2 {
		t.Errorf("the stand-in got %v", got)
	}
}
