package devserver

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"
)

func TestLoadOrCreateLayout(t *testing.T) {
	for _, tc := range []struct {
		name    string
		dbFile  bool   // the database exists
		layout  string // the layout file's content ("" = none)
		opts    SQLite
		want    sqliteLayout
		wantErr bool
	}{
		{name: "new directory", want: sqliteLayout{HistoryShards: DefaultSQLiteShards, VisibilityFile: "temporal-visibility.db"}},
		{name: "new directory, options", opts: SQLite{HistoryShards: 2, SharedVisibility: true}, want: sqliteLayout{HistoryShards: 2}},
		{name: "created before layouts", dbFile: true, opts: SQLite{HistoryShards: 8}, want: sqliteLayout{HistoryShards: 1}},
		{name: "stored layout wins over options", dbFile: true, layout: `{"historyShards":3}`, opts: SQLite{HistoryShards: 8}, want: sqliteLayout{HistoryShards: 3}},
		{name: "layout written, schema not yet", layout: `{"historyShards":2,"visibilityFile":"v.db"}`, want: sqliteLayout{HistoryShards: 2, VisibilityFile: "v.db"}},
		{name: "zero shards", layout: `{"historyShards":0}`, wantErr: true},
		{name: "visibility outside the directory", layout: `{"historyShards":1,"visibilityFile":"../v.db"}`, wantErr: true},
		{name: "not JSON", layout: `shards=4`, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dbFile := filepath.Join(t.TempDir(), "temporal.db")
			if tc.dbFile {
				if err := os.WriteFile(dbFile, nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if tc.layout != "" {
				if err := os.WriteFile(layoutPath(dbFile), []byte(tc.layout), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := loadOrCreateLayout(dbFile, tc.opts)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("got %+v, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			// What was decided is what the next start reads.
			again, err := loadOrCreateLayout(dbFile, SQLite{HistoryShards: 16})
			if err != nil {
				t.Fatal(err)
			}
			if !tc.dbFile && again != tc.want {
				t.Fatalf("second start read %+v, want %+v", again, tc.want)
			}
		})
	}
}

// TestDataDirectoryKeepsItsLayout starts the real server on a data
// directory made the way Junction made them before layouts existed (one
// shard, visibility in the same file, no layout file), restarts it with
// today's defaults, and checks that the run started before is still there,
// in its history and in the run list; then does the same for a directory
// created with today's defaults.
func TestDataDirectoryKeepsItsLayout(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the embedded Temporal server")
	}
	for _, tc := range []struct {
		name   string
		first  SQLite
		legacy bool // remove the layout file after the first start
	}{
		{name: "legacy directory", first: SQLite{HistoryShards: 1, SharedVisibility: true}, legacy: true},
		{name: "new directory", first: SQLite{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			dbFile := filepath.Join(t.TempDir(), "temporal.db")
			start := func(opts SQLite) (*Server, client.Client) {
				srv, err := Start(ctx, Config{DBFile: dbFile, FrontendAddress: "127.0.0.1:0", Logger: zap.NewNop(), SQLite: opts})
				if err != nil {
					t.Fatal(err)
				}
				c, err := client.DialContext(ctx, client.Options{HostPort: srv.FrontendAddress})
				if err != nil {
					srv.Stop()
					t.Fatal(err)
				}
				return srv, c
			}
			srv, c := start(tc.first)
			run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "kept", TaskQueue: "nobody"}, "Anything")
			if err != nil {
				t.Fatal(err)
			}
			c.Close()
			srv.Stop()
			if tc.legacy {
				if err := os.Remove(layoutPath(dbFile)); err != nil {
					t.Fatal(err)
				}
			}

			srv, c = start(SQLite{HistoryShards: 8})
			defer srv.Stop()
			defer c.Close()
			if _, err := c.DescribeWorkflowExecution(ctx, "kept", run.GetRunID()); err != nil {
				t.Fatalf("the run started before the restart: %v", err)
			}
			var listed int
			for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
				resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: "WorkflowId = 'kept'"})
				if err != nil {
					t.Fatal(err)
				}
				if listed = len(resp.GetExecutions()); listed == 1 {
					break
				}
			}
			if listed != 1 {
				t.Fatalf("run list shows %d runs with id kept, want 1", listed)
			}
			if _, err := os.Stat(layoutPath(dbFile)); tc.legacy && err == nil {
				t.Error("a legacy directory gained a layout file")
			}
		})
	}
}
