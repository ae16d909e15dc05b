package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/junction-run/junction/internal/devserver"
)

// runJunction runs `junction ARGS...` as the binary would and returns what
// it printed.
func runJunction(ctx context.Context, args ...string) (string, error) {
	var out bytes.Buffer
	app := newApp()
	app.Writer, app.ErrWriter = &out, &out
	err := app.RunContext(ctx, append([]string{"junction"}, args...))
	return out.String(), err
}

// A versioned `junction worker` and the operator's `junction
// worker-deployment` commands against a Temporal server they did not
// start: the worker joins the deployment under its build id, set-current
// routes new runs to it, describe shows it current.
func TestWorkerDeploymentCommands(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	srv, err := devserver.Start(ctx, devserver.Config{
		DBFile:          filepath.Join(t.TempDir(), "temporal.db"),
		FrontendAddress: "127.0.0.1:0",
		Logger:          zaptest.NewLogger(t).Named("server"),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	t.Setenv("JUNCTION_TEMPORAL_ADDRESS", srv.FrontendAddress)
	t.Setenv("JUNCTION_LOG_LEVEL", "warn")
	t.Setenv("JUNCTION_OPS_ADDRESS", "127.0.0.1:0")
	t.Setenv("JUNCTION_DATABASE_URL", "sqlite:"+filepath.Join(t.TempDir(), "junction.db"))

	t.Run("half a deployment stops the worker before it connects", func(t *testing.T) {
		for _, args := range [][]string{
			{"worker", "--deployment-name", "junction"},
			{"worker", "--build-id", "b1"},
			{"worker", "--deployment-name", "junction.prod", "--build-id", "b1"},
		} {
			if _, err := runJunction(ctx, args...); err == nil || !strings.Contains(err.Error(), "--deployment-name, --build-id") {
				t.Errorf("junction %s: %v, want a flag error", strings.Join(args, " "), err)
			}
		}
	})
	t.Run("the commands name what is missing", func(t *testing.T) {
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"worker-deployment", "describe"}, "--deployment-name is required"},
			{[]string{"worker-deployment", "set-current", "--deployment-name", "junction"}, "--build-id is required"},
			{[]string{"worker-deployment", "describe", "--deployment-name", "junction", "-o", "yaml"}, `--output "yaml"`},
			{[]string{"worker-deployment", "describe", "--deployment-name", "nobody"}, `no worker deployment "nobody" in namespace default`},
		} {
			if _, err := runJunction(ctx, tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("junction %s: %v, want an error containing %q", strings.Join(tc.args, " "), err, tc.want)
			}
		}
	})

	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := runJunction(runCtx, "worker", "--deployment-name", "junction", "--build-id", "b1")
		done <- err
	}()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("the worker returned %v on shutdown", err)
		}
	}()

	// Temporal refuses a build until one of its workers has polled.
	var out string
	deadline := time.Now().Add(time.Minute)
	for {
		out, err = runJunction(ctx, "worker-deployment", "set-current", "--deployment-name", "junction", "--build-id", "b1")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("set-current: %v", err)
		}
		time.Sleep(250 * time.Millisecond)
	}
	if want := "Build b1 is the current version of deployment junction (was unversioned workers): new runs go to it.\n"; out != want {
		t.Errorf("set-current printed %q, want %q", out, want)
	}
	if _, err := runJunction(ctx, "worker-deployment", "set-current", "--deployment-name", "junction", "--build-id", "b9"); err == nil ||
		!strings.Contains(err.Error(), `build "b9" is not in worker deployment "junction": start a worker with --build-id b9`) {
		t.Errorf("set-current to a build no worker runs: %v", err)
	}

	out, err = runJunction(ctx, "worker-deployment", "describe", "--deployment-name", "junction", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var got deploymentJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("describe -o json printed %q: %v", out, err)
	}
	if got.Name != "junction" || got.CurrentBuildID != "b1" || len(got.Versions) != 1 || got.Versions[0].BuildID != "b1" || got.Versions[0].Status != "current" {
		t.Errorf("describe: %+v", got)
	}
	out, err = runJunction(ctx, "worker-deployment", "describe", "--deployment-name", "junction")
	if err != nil {
		t.Fatal(err)
	}
	rows := tableRows(t, out)
	if len(rows) != 2 || strings.Join(rows[0], "|") != "BUILD ID|STATUS|CREATED" || rows[1][0] != "b1" || rows[1][1] != "current" {
		t.Errorf("describe printed\n%s", out)
	}
}
