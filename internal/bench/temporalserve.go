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
// SIGKILL and starts it again on the same databases, or one node of the
// cluster scenario's two.
type TemporalServeConfig struct {
	// Address is the frontend's host:port. It must not change between
	// restarts: the worker and the gateway keep dialling it.
	Address  string
	Postgres devserver.Postgres
	// ClusterAddress, when set, makes the server one node of a cluster
	// whose frontends clients reach there (devserver.Cluster): the cluster
	// scenario runs two.
	ClusterAddress string
}

// ServeTemporal runs the server until ctx ends. It prints a Ready line
// once the frontend accepts connections.
func ServeTemporal(ctx context.Context, cfg TemporalServeConfig, out io.Writer, log *zap.Logger) error {
	if err := loopbackOnly("http://" + cfg.Address); err != nil {
		return fmt.Errorf("temporal address %s: %w", cfg.Address, err)
	}
	dc := devserver.Config{
		FrontendAddress:  cfg.Address,
		Postgres:         &cfg.Postgres,
		SearchAttributes: runs.SearchAttributes(),
		Logger:           log,
	}
	if cfg.ClusterAddress != "" {
		if err := loopbackOnly("http://" + cfg.ClusterAddress); err != nil {
			return fmt.Errorf("cluster address %s: %w", cfg.ClusterAddress, err)
		}
		dc.Cluster = &devserver.Cluster{Address: cfg.ClusterAddress}
	}
	srv, err := devserver.Start(ctx, dc)
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
