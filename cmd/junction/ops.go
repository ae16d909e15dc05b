package main

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/urfave/cli/v2"
	"go.uber.org/zap"

	"github.com/junction-run/junction/internal/app"
)

// Operators' endpoints of the long-running processes (worker, gateway),
// on a listener of their own so that they never share the API's address
// or its authentication: orchestrators probe them and Prometheus scrapes
// them from inside the cluster.
const (
	// PathHealthz answers 200 while the process runs (liveness).
	PathHealthz = "/healthz"
	// PathReadyz answers 200 when Temporal, the metadata database and
	// Vault (when configured) answer, and 503 naming those that do not
	// (readiness), in JSON (app.Readiness).
	PathReadyz = "/readyz"
	// PathMetrics serves the process's Prometheus metrics, Junction's and
	// the Temporal SDK's (package metrics).
	PathMetrics = "/metrics"
)

// Default ops addresses: loopback, one port per process so that a worker
// and a gateway run side by side on one machine.
const (
	defaultWorkerOpsAddress  = "127.0.0.1:9090"
	defaultGatewayOpsAddress = "127.0.0.1:9091"
)

func opsAddressFlag(def string) cli.Flag {
	return &cli.StringFlag{Name: "ops-address", Value: def, Usage: "listen address of " + PathHealthz + " (liveness), " + PathReadyz + " (readiness) and " + PathMetrics + " (Prometheus); empty: none", EnvVars: []string{"JUNCTION_OPS_ADDRESS"}}
}

// opsMux is the handler of the ops listener of process a.
func opsMux(a *app.App) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+PathHealthz, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET "+PathReadyz, func(w http.ResponseWriter, r *http.Request) {
		ready := a.Ready(r.Context())
		status := http.StatusOK
		if !ready.Ready {
			status = http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(ready)
	})
	if a.Metrics != nil {
		mux.Handle("GET "+PathMetrics, a.Metrics.Handler())
	}
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
