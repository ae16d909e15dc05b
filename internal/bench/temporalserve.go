package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"go.uber.org/zap"

	"github.com/junction-run/junction/internal/devserver"
	"github.com/junction-run/junction/runs"
)

// TemporalServeConfig is a Temporal server alone in its process, on
// PostgreSQL: the cluster of the chaos scenario, which kills it with
// SIGKILL and starts it again on the same databases.
type TemporalServeConfig struct {
	// Address is the frontend's host:port. It must not change between
	// restarts: the worker and the gateway keep dialling it.
	Address  string
	Postgres devserver.Postgres
}

// ServeTemporal runs the server until ctx ends. It prints a Ready line
// once the frontend accepts connections.
func ServeTemporal(ctx context.Context, cfg TemporalServeConfig, out io.Writer, log *zap.Logger) error {
	if err := loopbackOnly("http://" + cfg.Address); err != nil {
		return fmt.Errorf("temporal address %s: %w", cfg.Address, err)
	}
	srv, err := devserver.Start(ctx, devserver.Config{
		FrontendAddress:  cfg.Address,
		Postgres:         &cfg.Postgres,
		SearchAttributes: runs.SearchAttributes(),
		Logger:           log,
	})
	if err != nil {
		return fmt.Errorf("starting the Temporal server: %w", err)
	}
	defer srv.Stop()
	ready := Ready{PID: os.Getpid(), TemporalAddress: srv.FrontendAddress, Namespace: srv.Namespace}
	if err := json.NewEncoder(out).Encode(ready); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}
