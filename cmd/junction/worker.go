package main

import (
	"errors"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/urfave/cli/v2"
	"go.uber.org/zap"

	"github.com/junction-run/junction/connectors/httpconn"
	"github.com/junction-run/junction/internal/app"
	"github.com/junction-run/junction/worker"
)

func workerCommand() *cli.Command {
	return &cli.Command{
		Name:  "worker",
		Usage: "run the Temporal worker (workflows and activities) against a Temporal cluster",
		Flags: append(append(append(append(temporalFlags(), eightByEightFlags()...), vaultFlags()...),
			&cli.StringFlag{Name: "database-url", Value: "sqlite:.junction/junction.db", Usage: "metadata store (connections, environment variables): sqlite:PATH or postgres://...", EnvVars: []string{"JUNCTION_DATABASE_URL"}},
			&cli.IntFlag{Name: "max-concurrent-activities", Usage: "activity slots (0: SDK default)", EnvVars: []string{"JUNCTION_MAX_CONCURRENT_ACTIVITIES"}},
			&cli.IntFlag{Name: "workflow-cache-size", Usage: "runs kept in memory between workflow tasks, about 40 KB each (0: the SDK's 10,000); evicted runs are replayed from history when they next have work", EnvVars: []string{"JUNCTION_WORKFLOW_CACHE_SIZE"}},
			&cli.DurationFlag{Name: "shutdown-timeout", Value: defaultWorkerShutdownTimeout, Usage: "on SIGTERM the worker stops polling at once and gives the activities in progress this long to finish before cancelling them (keep it under the orchestrator's grace period)", EnvVars: []string{"JUNCTION_SHUTDOWN_TIMEOUT"}},
			&cli.BoolFlag{Name: "register-search-attributes", Value: true, Usage: "add Junction's search attributes to the namespace if missing (needs operator rights)", EnvVars: []string{"JUNCTION_REGISTER_SEARCH_ATTRIBUTES"}},
			egressAllowFlag("none"),
			egressProxyFlag(),
			maxResponseBytesFlag(),
			opsAddressFlag(defaultWorkerOpsAddress),
		), deploymentFlags()...),
		Action: func(c *cli.Context) error {
			if err := checkMaxResponseBytes(c); err != nil {
				return err
			}
			host, _ := os.Hostname()
			allow, err := egressAllow(c)
			if err != nil {
				return err
			}
			proxy, err := egressProxy(c)
			if err != nil {
				return err
			}
			deployment, err := deploymentOf(c)
			if err != nil {
				return err
			}
			a, done, err := build(c, func(cfg *app.Config) {
				cfg.RegisterSearchAttributes = c.Bool("register-search-attributes")
				cfg.Worker = &app.WorkerConfig{
					Options: worker.Options{
						MaxConcurrentActivities: c.Int("max-concurrent-activities"),
						WorkflowCacheSize:       c.Int("workflow-cache-size"),
						StopTimeout:             c.Duration("shutdown-timeout"),
						Identity:                "junction-worker@" + host + "/" + strconv.Itoa(os.Getpid()),
						Deployment:              deployment,
					},
					EightByEight:     eightByEightConfig(c),
					EgressAllow:      allow,
					EgressProxy:      proxy,
					MaxResponseBytes: c.Int64("max-response-bytes"),
				}
			})
			if err != nil {
				return err
			}
			defer done()
			stopOps, err := serveOps(c.Context, c, a.Log, opsMux(a))
			if err != nil {
				return err
			}
			defer stopOps()
			a.Log.Info("worker started", zap.String("temporal", c.String("temporal-address")), zap.String("namespace", c.String("namespace")),
				zap.String("deploymentName", deployment.Name), zap.String("buildId", deployment.BuildID))
			// Run blocks until the context is cancelled (Ctrl-C, SIGTERM),
			// then stops polling and lets running activities finish for up
			// to --shutdown-timeout.
			return exitOnSignal(a.Worker.Run(stopOn(c)))
		},
	}
}

// defaultWorkerShutdownTimeout fits in Kubernetes' default grace period
// (30 s) with time left to close connections and flush logs.
const defaultWorkerShutdownTimeout = 20 * time.Second

func clientConfig(c *cli.Context) worker.ClientConfig {
	return worker.ClientConfig{
		Address:       c.String("temporal-address"),
		Namespace:     c.String("namespace"),
		TLS:           c.Bool("tls"),
		TLSCertFile:   c.String("tls-cert"),
		TLSKeyFile:    c.String("tls-key"),
		TLSCAFile:     c.String("tls-ca"),
		TLSServerName: c.String("tls-server-name"),
	}
}

// stopOn adapts the command's context to the SDK's interrupt channel.
func stopOn(c *cli.Context) <-chan any {
	ch := make(chan any)
	go func() {
		<-c.Context.Done()
		close(ch)
	}()
	return ch
}

// redactURL hides a database password before the URL is printed.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// maxResponseBytesFlag is the operator's maximum of what one step reads of
// an answer, on junction worker and junction dev.
func maxResponseBytesFlag() cli.Flag {
	return &cli.Int64Flag{Name: "max-response-bytes", Value: httpconn.DefaultMaxResponseBytesLimit, EnvVars: []string{"JUNCTION_MAX_RESPONSE_BYTES"},
		Usage: "the most of one answer a step reads: http.call's maxResponseBytes cannot exceed it, HttpRequest reads the lower of it and 1 MiB (keep it under Temporal's blob size limit, 2 MiB by default)"}
}

func checkMaxResponseBytes(c *cli.Context) error {
	if c.Int64("max-response-bytes") <= 0 {
		return errors.New("--max-response-bytes: want a positive number of bytes")
	}
	return nil
}
