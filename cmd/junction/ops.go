package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/urfave/cli/v2"
	"go.uber.org/zap"
)

// Operators' endpoints of the long-running processes (worker, gateway),
// on a listener of their own so that they never share the API's address
// or its authentication: orchestrators probe them and Prometheus scrapes
// them from inside the cluster.
const (
	// PathHealthz answers 200 while the process runs (liveness).
	PathHealthz = "/healthz"
)

// Default ops addresses: loopback, one port per process so that a worker
// and a gateway run side by side on one machine.
const (
	defaultWorkerOpsAddress  = "127.0.0.1:9090"
	defaultGatewayOpsAddress = "127.0.0.1:9091"
)

func opsAddressFlag(def string) cli.Flag {
	return &cli.StringFlag{Name: "ops-address", Value: def, Usage: "listen address of " + PathHealthz + " (liveness); empty: none", EnvVars: []string{"JUNCTION_OPS_ADDRESS"}}
}

// opsMux is the handler of the ops listener.
func opsMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+PathHealthz, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	return mux
}

// serveOps serves mux on the --ops-address until ctx ends; it returns
// once listening (an address taken is an error at start, not later), and
// the returned function stops it.
func serveOps(ctx context.Context, c *cli.Context, log *zap.Logger, mux http.Handler) (stop func(), err error) {
	addr := c.String("ops-address")
	if addr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("ops listener stopped", zap.Error(err))
		}
	}()
	log.Info("ops endpoints listening", zap.String("address", ln.Addr().String()))
	return func() {
		shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}, nil
}
