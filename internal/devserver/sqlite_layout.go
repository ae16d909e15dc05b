package devserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.temporal.io/server/common/config"
	tlog "go.temporal.io/server/common/log"
	"go.temporal.io/server/common/metrics"
	"go.temporal.io/server/common/persistence/sql"
	"go.temporal.io/server/common/persistence/sql/sqlplugin"
	"go.temporal.io/server/common/resolver"
)

// SQLite shapes the SQLite persistence of a data directory. Its fields
// only apply when the directory is created: a
// directory keeps the layout it was created with (see sqliteLayout).
type SQLite struct {
	// HistoryShards for a new data directory (default DefaultSQLiteShards).
	// Temporal fixes the shard count when the database is created, so an
	// existing directory keeps its own.
	HistoryShards int32
	// SharedVisibility keeps visibility (the run lists) in the same file as
	// the histories, as directories created before the layout file did.
	// The default is a second file: SQLite has one writer per file, and
	// visibility rows are written about as often as histories.
	SharedVisibility bool
	// AllVisibilityIndexes keeps every index of Temporal's visibility
	// schema in a new separate visibility file (see trimVisibilityIndexes).
	AllVisibilityIndexes bool
}

// DefaultSQLiteShards is the history shard count of a new SQLite data
// directory. One is the fastest on SQLite: every shard's task queues and
// writes meet at the file's single writer, and on 2 cores 2 and 4 shards
// completed 15-30 % fewer runs per second than 1 (docs/benchmarks.md).
const DefaultSQLiteShards = 1

// sqliteLayout is what a data directory was created with. It is stored
// next to the database as JSON, written before the schema, and read on
// every start: a directory created by an older Junction has no layout file
// and is the legacy layout (1 shard, one file).
type sqliteLayout struct {
	HistoryShards int32 `json:"historyShards"`
	// VisibilityFile is the visibility database's file name, relative to
	// the directory; empty means the main file.
	VisibilityFile string `json:"visibilityFile,omitempty"`
}

func layoutPath(dbFile string) string { return dbFile + ".layout.json" }

// loadOrCreateLayout returns the layout of dbFile's directory, creating it
// (per opts) for a database that does not exist yet.
func loadOrCreateLayout(dbFile string, opts SQLite) (sqliteLayout, error) {
	var layout sqliteLayout
	b, err := os.ReadFile(layoutPath(dbFile))
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &layout); err != nil {
			return layout, fmt.Errorf("reading %s: %w", layoutPath(dbFile), err)
		}
		if layout.HistoryShards < 1 {
			return layout, fmt.Errorf("%s: historyShards must be at least 1", layoutPath(dbFile))
		}
		if strings.ContainsAny(layout.VisibilityFile, `/\`) {
			return layout, fmt.Errorf("%s: visibilityFile must be a file name in the same directory", layoutPath(dbFile))
		}
		return layout, nil
	case !errors.Is(err, os.ErrNotExist):
		return layout, fmt.Errorf("reading %s: %w", layoutPath(dbFile), err)
	}
	if _, err := os.Stat(dbFile); err == nil {
		// Created before layouts existed: the shard count Temporal stored
		// in the file is 1, and visibility lives in the same file.
		return sqliteLayout{HistoryShards: 1}, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return layout, err
	}
	layout.HistoryShards = opts.HistoryShards
	if layout.HistoryShards <= 0 {
		layout.HistoryShards = DefaultSQLiteShards
	}
	if !opts.SharedVisibility {
		base := strings.TrimSuffix(filepath.Base(dbFile), filepath.Ext(dbFile))
		layout.VisibilityFile = base + "-visibility" + filepath.Ext(dbFile)
	}
	b, err = json.MarshalIndent(layout, "", "  ")
	if err != nil {
		return layout, err
	}
	// Written (atomically) before the schema: a start that dies in between
	// finds the layout and creates the schema it names.
	tmp := layoutPath(dbFile) + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return layout, fmt.Errorf("writing the data directory's layout: %w", err)
	}
	if err := os.Rename(tmp, layoutPath(dbFile)); err != nil {
		return layout, fmt.Errorf("writing the data directory's layout: %w", err)
	}
	return layout, nil
}

// connectAttributes are the SQLite settings of every connection. WAL lets
// readers and the single writer overlap, which is what makes more than one
// connection safe; synchronous=normal keeps every commit across a process
// crash (only an OS crash can lose the last ones). A larger page cache,
// mmap_size and temp_store=memory were measured and did not help
// (docs/benchmarks.md).
func connectAttributes() map[string]string {
	return map[string]string{
		"mode":         "rwc",
		"journal_mode": "wal",
		"synchronous":  "normal",
		"busy_timeout": "10000",
	}
}

// unusedVisibilityIndexes are indexes of Temporal's SQLite visibility
// schema (58 in all, each ordered by close and start time) that no list
// Junction, its API or the Temporal UI's default views runs can use: sorts
// by history length or duration, parent and root run ids, schedule pause
// and namespace division, worker deployments, batcher, pause info, and
// the generic Bool, Datetime, Double and extra Int slots Junction's search
// attributes do not occupy (they take keyword slots, all ten kept, and
// Int01). Every run writes its visibility row two or three times, and each
// write updates every index: these account for most of that cost. A query
// on one of these columns still works, by scanning.
var unusedVisibilityIndexes = []string{
	"by_history_length", "by_history_size_bytes", "by_execution_duration", "by_state_transition_count",
	"by_parent_run_id", "by_root_run_id", "by_batcher_user",
	"by_temporal_schedule_paused", "by_temporal_namespace_division", "by_temporal_pause_info",
	"by_temporal_worker_deployment_version", "by_temporal_workflow_versioning_behavior", "by_temporal_worker_deployment",
	"by_bool_01", "by_bool_02", "by_bool_03",
	"by_datetime_01", "by_datetime_02", "by_datetime_03",
	"by_double_01", "by_double_02", "by_double_03",
	"by_int_02", "by_int_03",
	"by_temporal_bool_01", "by_temporal_bool_02",
	"by_temporal_datetime_01", "by_temporal_datetime_02",
	"by_temporal_double_01", "by_temporal_double_02",
	"by_temporal_int_01", "by_temporal_int_02",
	"by_temporal_low_cardinality_keyword_01",
}

// trimVisibilityIndexes drops unusedVisibilityIndexes from a visibility
// database just created. Only a file that holds nothing but visibility is
// trimmed, never a shared one, so a data directory made before this keeps
// its schema.
func trimVisibilityIndexes(conf *config.SQL) error {
	db, err := sql.NewSQLAdminDB(sqlplugin.DbKindVisibility, conf, resolver.NewNoopResolver(), tlog.NewNoopLogger(), metrics.NoopMetricsHandler)
	if err != nil {
		return fmt.Errorf("opening %s: %w", conf.DatabaseName, err)
	}
	defer func() { _ = db.Close() }()
	for _, name := range unusedVisibilityIndexes {
		if err := db.Exec("DROP INDEX IF EXISTS " + name); err != nil {
			return fmt.Errorf("dropping visibility index %s: %w", name, err)
		}
	}
	return nil
}
