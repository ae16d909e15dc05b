package devserver

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"strings"

	"go.temporal.io/server/common/config"
	tlog "go.temporal.io/server/common/log"
	"go.temporal.io/server/common/metrics"
	"go.temporal.io/server/common/persistence"
	"go.temporal.io/server/common/persistence/sql"
	"go.temporal.io/server/common/persistence/sql/sqlplugin"
	pgplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/postgresql"
	"go.temporal.io/server/common/resolver"
	dbschemas "go.temporal.io/server/schema"
	pgschema "go.temporal.io/server/schema/postgresql/v12"
)

// Postgres keeps the embedded server's workflows, histories and visibility
// in a PostgreSQL server instead of the SQLite file: the production-like
// profile, where one writer and fsync of a single file no longer bound
// throughput. The databases and Temporal's schema are created on first
// start.
type Postgres struct {
	// URL names the server and the credentials,
	// postgres://user:password@host:port/anydb?sslmode=disable; its
	// database part is ignored.
	URL string
	// Database holds workflows and histories (default "temporal");
	// VisibilityDatabase the run lists (default Database+"_visibility").
	Database           string
	VisibilityDatabase string
	// HistoryShards is fixed when the databases are created (default 1,
	// what the SQLite server uses, so that the two compare).
	HistoryShards int32
	// MaxConns bounds each database's connection pool (default 20).
	MaxConns int
}

func (p Postgres) withDefaults() Postgres {
	if p.Database == "" {
		p.Database = "temporal"
	}
	if p.VisibilityDatabase == "" {
		p.VisibilityDatabase = p.Database + "_visibility"
	}
	if p.HistoryShards <= 0 {
		p.HistoryShards = 1
	}
	if p.MaxConns <= 0 {
		p.MaxConns = 20
	}
	return p
}

// sqlConfig is the server's connection to one of the databases.
func (p Postgres) sqlConfig(database string) (*config.SQL, error) {
	u, err := url.Parse(p.URL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
		// The URL may hold a password: never quote it.
		return nil, errors.New("devserver: Postgres.URL must look like postgres://user[:password]@host:port/db")
	}
	host := u.Host
	if u.Port() == "" {
		host += ":5432"
	}
	password, _ := u.User.Password()
	attrs := map[string]string{}
	if mode := u.Query().Get("sslmode"); mode != "" {
		attrs["sslmode"] = mode
	}
	return &config.SQL{
		PluginName:        pgplugin.PluginNamePGX,
		DatabaseName:      database,
		ConnectAddr:       host,
		ConnectProtocol:   "tcp",
		User:              u.User.Username(),
		Password:          password,
		ConnectAttributes: attrs,
		MaxConns:          p.MaxConns,
		MaxIdleConns:      p.MaxConns,
	}, nil
}

// setup creates both databases and Temporal's schema in each, unless a
// schema version is already recorded there.
func (p Postgres) setup() (store, visibility *config.SQL, err error) {
	if store, err = p.sqlConfig(p.Database); err != nil {
		return nil, nil, err
	}
	if visibility, err = p.sqlConfig(p.VisibilityDatabase); err != nil {
		return nil, nil, err
	}
	for _, db := range []struct {
		conf    *config.SQL
		dir     string
		version string
	}{
		{store, "postgresql/v12/temporal", pgschema.Version},
		{visibility, "postgresql/v12/visibility", pgschema.VisibilityVersion},
	} {
		if err := createPostgresDatabase(*db.conf); err != nil {
			return nil, nil, err
		}
		if err := setupPostgresSchema(db.conf, db.dir, db.version); err != nil {
			return nil, nil, err
		}
	}
	return store, visibility, nil
}

// DropPostgres deletes both databases, for a run that must start empty
// (the benchmark). The server must not be running on them.
func DropPostgres(p Postgres) error {
	p = p.withDefaults()
	conf, err := p.sqlConfig("postgres")
	if err != nil {
		return err
	}
	db, err := adminDB(conf)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, name := range []string{p.Database, p.VisibilityDatabase} {
		if err := db.DropDatabase(name); err != nil {
			return fmt.Errorf("dropping database %s: %w", name, err)
		}
	}
	return nil
}

func createPostgresDatabase(conf config.SQL) error {
	name := conf.DatabaseName
	conf.DatabaseName = "postgres"
	db, err := adminDB(&conf)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.CreateDatabase(name); err != nil { // a no-op when it exists
		return fmt.Errorf("creating database %s: %w", name, err)
	}
	return nil
}

func setupPostgresSchema(conf *config.SQL, dir, version string) error {
	db, err := adminDB(conf)
	if err != nil {
		return err
	}
	defer db.Close()
	if v, err := db.ReadSchemaVersion(conf.DatabaseName); err == nil && v != "" {
		return nil // set up by an earlier start; the server checks the version
	}
	schema, err := fs.ReadFile(dbschemas.Assets(), dir+"/schema.sql")
	if err != nil {
		return fmt.Errorf("reading Temporal's %s schema: %w", dir, err)
	}
	statements, err := persistence.LoadAndSplitQueryFromReaders([]io.Reader{bytes.NewReader(schema)})
	if err != nil {
		return fmt.Errorf("parsing Temporal's %s schema: %w", dir, err)
	}
	if err := db.CreateSchemaVersionTables(); err != nil {
		return fmt.Errorf("creating schema version tables in %s: %w", conf.DatabaseName, err)
	}
	for _, stmt := range statements {
		if err := db.Exec(stmt); err != nil {
			return fmt.Errorf("creating Temporal's schema in %s: %q: %w", conf.DatabaseName, firstLine(stmt), err)
		}
	}
	if err := db.UpdateSchemaVersion(conf.DatabaseName, version, version); err != nil {
		return fmt.Errorf("recording schema version in %s: %w", conf.DatabaseName, err)
	}
	return db.WriteSchemaUpdateLog("0", version, "", "initial version")
}

func adminDB(conf *config.SQL) (sqlplugin.AdminDB, error) {
	db, err := sql.NewSQLAdminDB(sqlplugin.DbKindUnknown, conf, resolver.NewNoopResolver(), tlog.NewNoopLogger(), metrics.NoopMetricsHandler)
	if err != nil {
		return nil, fmt.Errorf("connecting to PostgreSQL database %s at %s: %w", conf.DatabaseName, conf.ConnectAddr, err)
	}
	return db, nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
