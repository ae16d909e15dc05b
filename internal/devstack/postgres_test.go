package devstack_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/junction-run/junction/internal/devserver"
	"github.com/junction-run/junction/internal/devstack"
)

// The embedded server on PostgreSQL (the benchmark's production-like
// profile) creates its databases and schema, runs a definition, lists the
// run from PostgreSQL visibility, and finds it again after a restart on
// the same databases.
func TestDevStackRunsOnTemporalPostgres(t *testing.T) {
	url := os.Getenv("JUNCTION_TEST_POSTGRES_URL")
	if url == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("JUNCTION_TEST_POSTGRES_URL is not set (scripts/testpg.sh prints one)")
		}
		t.Skip("JUNCTION_TEST_POSTGRES_URL is not set")
	}
	pg := &devserver.Postgres{URL: url, Database: fmt.Sprintf("jtest_temporal_%d", os.Getpid())}
	if err := devserver.DropPostgres(*pg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := devserver.DropPostgres(*pg); err != nil {
			t.Errorf("dropping the test databases: %v", err)
		}
	})
	dir := t.TempDir()
	start := func() *devstack.Stack {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		s, err := devstack.Start(ctx, devstack.Config{
			DataDir: dir, TemporalAddress: "127.0.0.1:0", UIAddress: "-", HTTPAddress: "127.0.0.1:0",
			VaultListen: "127.0.0.1:0", Logger: zaptest.NewLogger(t), TemporalPostgres: pg,
		})
		if err != nil {
			t.Fatalf("starting dev stack on PostgreSQL: %v", err)
		}
		authorize(t, s, "acme")
		return s
	}
	sk := newSink(t)
	ctx := context.Background()

	s := start()
	def := createDefinition(t, s, "acme", orderDefinition(sk.URL, "enabled"))
	defID := def["id"].(string)
	res := trigger(t, s, "acme", orderPayload, nil)
	if err := s.Client.GetWorkflow(ctx, res.Runs[0].TemporalWorkflowID, "").Get(ctx, nil); err != nil {
		t.Fatalf("run failed: %v", err)
	}
	if got := len(sk.received()); got != 1 {
		t.Fatalf("the sink got %d calls, want 1", got)
	}
	s.Stop(ctx)
	if _, err := os.Stat(dir + "/temporal.db"); err == nil {
		t.Error("a SQLite temporal.db was written although Temporal runs on PostgreSQL")
	}

	s = start()
	defer s.Stop(ctx)
	waitFor(t, "the completed run to be listed after restart", 30*time.Second, func() bool {
		var runs []map[string]any
		call(t, http.MethodGet, s.GatewayURL+"/api/v1/accounts/acme/definitions/"+defID+"/workflows", nil, nil).decode(t, &runs)
		return len(runs) == 1 && runs[0]["workflowId"] == res.EventID && runs[0]["status"] == "Complete"
	})
}
