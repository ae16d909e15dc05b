package main

import (
	"flag"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/junction-run/junction/gateway"
	"github.com/junction-run/junction/internal/app"
)

// gatewayHTTP parses the gateway's HTTP flags of cmd from args.
func gatewayHTTP(t *testing.T, cmd *cli.Command, args ...string) (app.GatewayConfig, error) {
	t.Helper()
	set := flag.NewFlagSet(cmd.Name, flag.ContinueOnError)
	names := map[string]bool{}
	for _, f := range gatewayHTTPFlags() {
		names[f.Names()[0]] = true
	}
	for _, f := range cmd.Flags {
		if names[f.Names()[0]] {
			if err := f.Apply(set); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := set.Parse(args); err != nil {
		t.Fatal(err)
	}
	var gw app.GatewayConfig
	err := gatewayHTTPConfig(cli.NewContext(cli.NewApp(), set, nil), &gw)
	return gw, err
}

// TestGatewayHTTPFlags: `junction gateway` and `junction dev` default to
// gateway.DefaultLimits, trust no proxy and set Secure by the request;
// each flag changes its own setting, and a bad value is an error naming
// the flag.
func TestGatewayHTTPFlags(t *testing.T) {
	for _, cmd := range []*cli.Command{gatewayCommand(), devCommand()} {
		gw, err := gatewayHTTP(t, cmd)
		if err != nil {
			t.Fatal(err)
		}
		if gw.Limits != gateway.DefaultLimits || gw.TrustedProxies != nil || gw.SecureCookies != gateway.SecureCookiesAuto {
			t.Errorf("%s defaults: %+v", cmd.Name, gw)
		}
		if want := (app.HTTPLimits{ReadHeaderTimeout: app.ReadHeaderTimeout, ReadTimeout: app.ReadTimeout, WriteTimeout: app.WriteTimeout,
			IdleTimeout: app.IdleTimeout, MaxHeaderBytes: app.MaxHeaderBytes}); gw.HTTP != want {
			t.Errorf("%s HTTP server defaults: %+v, want %+v", cmd.Name, gw.HTTP, want)
		}
	}
	gw, err := gatewayHTTP(t, gatewayCommand(), "--api-key-rate-limit", "5/s", "--hooks-rate-limit", "off",
		"--oauth2-rate-limit", "30/m,burst=3", "--codec-sign-in-rate-limit", "1/h,burst=2",
		"--console-sign-in-rate-limit", "2/m,burst=4", "--auth-failure-limit", "20/m,burst=5",
		"--rate-limit-keys", "500", "--trusted-proxies", "10.0.0.0/8,192.0.2.7", "--cookie-secure", "true",
		"--http-read-header-timeout", "5s", "--http-read-timeout", "1m", "--http-write-timeout", "3m", "--http-idle-timeout", "30s",
		"--http-max-header-bytes", "32768")
	if err != nil {
		t.Fatal(err)
	}
	if want := (app.HTTPLimits{ReadHeaderTimeout: 5 * time.Second, ReadTimeout: time.Minute, WriteTimeout: 3 * time.Minute,
		IdleTimeout: 30 * time.Second, MaxHeaderBytes: 32768}); gw.HTTP != want {
		t.Errorf("HTTP server limits %+v, want %+v", gw.HTTP, want)
	}
	if srv := gw.HTTP.Server(nil); srv.ReadHeaderTimeout != 5*time.Second || srv.MaxHeaderBytes != 32768 {
		t.Errorf("the server built from them: %+v", srv)
	}
	want := gateway.Limits{APIKey: gateway.RateLimit{PerSecond: 5, Burst: 5}, Hooks: gateway.Off,
		OAuth2Callback: gateway.RateLimit{PerSecond: 0.5, Burst: 3}, CodecSignIn: gateway.RateLimit{PerSecond: 1.0 / 3600, Burst: 2},
		ConsoleSignIn: gateway.RateLimit{PerSecond: 2.0 / 60, Burst: 4}, AuthFailures: gateway.RateLimit{PerSecond: 20.0 / 60, Burst: 5}, Tracked: 500}
	if gw.Limits != want {
		t.Errorf("limits %+v, want %+v", gw.Limits, want)
	}
	if len(gw.TrustedProxies) != 2 || gw.TrustedProxies[1] != netip.MustParsePrefix("192.0.2.7/32") || gw.SecureCookies != gateway.SecureCookiesAlways {
		t.Errorf("proxies %v, cookies %v", gw.TrustedProxies, gw.SecureCookies)
	}
	t.Setenv("JUNCTION_HOOKS_RATE_LIMIT", "7/s,burst=70")
	if gw, err := gatewayHTTP(t, devCommand()); err != nil || gw.Limits.Hooks != (gateway.RateLimit{PerSecond: 7, Burst: 70}) {
		t.Errorf("JUNCTION_HOOKS_RATE_LIMIT: %+v %v", gw.Limits.Hooks, err)
	}
	for _, bad := range [][]string{
		{"--api-key-rate-limit", "fast"}, {"--auth-failure-limit", "5/s,burst=0"}, {"--rate-limit-keys", "0"},
		{"--trusted-proxies", "10.0.0.0/33"}, {"--cookie-secure", "sometimes"},
		{"--http-write-timeout", "0s"}, {"--http-max-header-bytes", "100"},
	} {
		if _, err := gatewayHTTP(t, gatewayCommand(), bad...); err == nil || !strings.Contains(err.Error(), bad[0]) {
			t.Errorf("%v: %v, want an error naming the flag", bad, err)
		}
	}
}
