package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/junction-run/junction/connectors/shopify/shopifytest"
	"github.com/junction-run/junction/internal/fakes"
	"github.com/junction-run/junction/internal/fakes/delhivery"
	"github.com/junction-run/junction/internal/fakes/eshopbox"
	"github.com/junction-run/junction/internal/fakes/shiprocket"
)

// fakePorts are the default ports of `junction fakes`, one per fake, in
// the order of fakes.Set.Fakes.
var fakePorts = map[string]int{"shopify": 9101, "eshopbox": 9102, "delhivery": 9103, "shiprocket": 9104}

// fakesCommand serves the fakes of package internal/fakes on loopback
// ports, for running the e-commerce examples without accounts.
func fakesCommand() *cli.Command {
	var flags []cli.Flag
	for _, f := range fakes.ThirdParties {
		flags = append(flags, &cli.StringFlag{
			Name:    f.Name + "-address",
			Value:   fmt.Sprintf("127.0.0.1:%d", fakePorts[f.Name]),
			Usage:   fmt.Sprintf("where the %s fake listens: a loopback address (port 0 picks a free one)", f.Name),
			EnvVars: []string{"JUNCTION_FAKES_" + strings.ToUpper(f.Name) + "_ADDRESS"},
		})
	}
	return &cli.Command{
		Name:  "fakes",
		Usage: "serve in-memory fakes of Shopify, Eshopbox, Delhivery and Shiprocket on loopback ports (to run the e-commerce examples without accounts)",
		Flags: flags,
		Action: func(c *cli.Context) error {
			set := fakes.New()
			defer set.Close()
			var servers []*http.Server
			var lines []string
			var redirects []string
			for _, f := range set.Fakes() {
				ln, err := listenLoopback(c.String(f.Name + "-address"))
				if err != nil {
					return fmt.Errorf("--%s-address: %w", f.Name, err)
				}
				url := "http://" + ln.Addr().String()
				f.Handler.SetBaseURL(url)
				srv := &http.Server{Handler: f.Handler, ReadHeaderTimeout: 10 * time.Second}
				servers = append(servers, srv)
				go func() { _ = srv.Serve(ln) }()
				lines = append(lines, fmt.Sprintf("  %-11s %-24s for %s", f.Name, url, strings.Join(f.Hosts, ", ")))
				for _, h := range f.Hosts {
					redirects = append(redirects, "--redirect-host "+h+"="+url)
				}
			}
			printFakes(c.App.Writer, lines, redirects)
			<-c.Context.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			for _, srv := range servers {
				_ = srv.Shutdown(ctx)
			}
			return nil
		},
	}
}

// listenLoopback listens on address, which must be on a loopback
// address: the fakes accept any caller and post webhooks to this machine
// only, so they must not be reachable from elsewhere.
func listenLoopback(address string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("%q is not host:port", address)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("%q is not a loopback address (127.0.0.1, ::1, localhost)", address)
	}
	return net.Listen("tcp", address)
}

func printFakes(w io.Writer, lines, redirects []string) {
	fmt.Fprintf(w, `Fakes are running (state in memory; Ctrl-C stops them):
%s

Credentials they accept:
  Shopify     X-Shopify-Access-Token: %s
  Eshopbox    Authorization: Bearer %s   (sales channel %s)
  Delhivery   Authorization: Token %s
  Shiprocket  login %s / %s (POST /v1/external/auth/login answers the Bearer token)

Control API on each: POST /_fake/webhooks, GET /_fake/deliveries, POST /_fake/fail, and the
fake's own routes (docs/cli.md#junction-fakes). Run the connectors against them with:
  junction dev %s
`, strings.Join(lines, "\n"), shopifytest.Token, eshopbox.AccessToken, eshopbox.Channel, delhivery.Token,
		shiprocket.Email, shiprocket.Password, strings.Join(redirects, " "))
}
