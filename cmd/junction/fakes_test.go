package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/junction-run/junction/connectors/shopify/shopifytest"
)

// The example apps of examples/apps pass `junction apps validate`.
func TestExampleAppsValidate(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "examples", "apps", "*", "app.json"))
	if err != nil || len(files) < 3 {
		t.Fatalf("example apps %v: %v", files, err)
	}
	out, err := cliRun(t, "", append([]string{"apps", "validate"}, files...)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if n := strings.Count(out, " is valid"); n != len(files) {
		t.Errorf("%d of %d valid:\n%s", n, len(files), out)
	}
}

// junction fakes serves each fake on its loopback address, prints where
// and the flags for junction dev, answers the third party's API and the
// control API, and stops when its context ends.
func TestFakesCommand(t *testing.T) {
	run := func(ctx context.Context, w io.Writer, args ...string) error {
		app := &cli.App{Name: "junction", Commands: []*cli.Command{fakesCommand()}, Writer: w, ErrWriter: io.Discard}
		return app.RunContext(ctx, append([]string{"junction", "fakes"}, args...))
	}
	if err := run(t.Context(), io.Discard, "--eshopbox-address", "0.0.0.0:0"); err == nil || !strings.Contains(err.Error(), "not a loopback address") {
		t.Errorf("a fake on every interface: %v", err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, pw, "--shopify-address", "127.0.0.1:0", "--eshopbox-address", "127.0.0.1:0",
			"--delhivery-address", "127.0.0.1:0", "--shiprocket-address", "127.0.0.1:0")
		pw.Close()
	}()
	urls := map[string]string{}
	var flags string
	lines := bufio.NewScanner(pr)
	for lines.Scan() {
		f := strings.Fields(lines.Text())
		if len(f) >= 2 && strings.HasPrefix(f[1], "http://127.0.0.1:") {
			urls[f[0]] = f[1]
		}
		if len(f) > 0 && f[0] == "junction" {
			flags = lines.Text()
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if len(urls) != 4 || !strings.Contains(flags, "--redirect-host myshopify.com="+urls["shopify"]) {
		t.Fatalf("printed %v and %q", urls, flags)
	}
	for name, u := range urls {
		resp, err := http.Get(u + "/_fake/deliveries")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s's control API: %d", name, resp.StatusCode)
		}
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, urls["shopify"]+"/admin/api/2025-01/shop.json", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "northwind.myshopify.com"
	req.Header.Set("X-Shopify-Access-Token", shopifytest.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("Shopify's shop.json: %d", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("stopping: %v", err)
	}
}
