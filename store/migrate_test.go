package store

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"testing"
	"testing/fstest"
)

func TestLoadMigrations(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	tests := []struct {
		name     string
		fsys     fs.FS
		want     []int // versions in order
		wantFail bool
	}{
		{
			name: "numeric, not lexical, order",
			fsys: fstest.MapFS{"10_c.sql": file("c"), "2_b.sql": file("b"), "0001_a.sql": file("a")},
			want: []int{1, 2, 10},
		},
		{name: "embedded", fsys: migrationFiles(), want: []int{1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}},
		{name: "bad name", fsys: fstest.MapFS{"0001_a.sql": file("a"), "create.sql": file("b")}, wantFail: true},
		{name: "zero version", fsys: fstest.MapFS{"0000_a.sql": file("a")}, wantFail: true},
		{name: "duplicate version", fsys: fstest.MapFS{"0001_a.sql": file("a"), "1_b.sql": file("b")}, wantFail: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, err := loadMigrations(tt.fsys)
			if tt.wantFail {
				if err == nil {
					t.Fatalf("loadMigrations succeeded with %d migrations, want an error", len(ms))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, m := range ms {
				got = append(got, m.version)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("versions = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestMigrate checks that migrations are applied once each, in version order, and that a failing
// migration leaves nothing behind.
func TestMigrate(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, err := open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
		// Re-running 1 would fail (the table exists); 2 depends on 1 and 10 on 2.
		v1 := fstest.MapFS{
			"1_t.sql": file("CREATE TABLE t (x INTEGER NOT NULL);\nINSERT INTO t (x) VALUES (1);"),
		}
		v10 := fstest.MapFS{
			"1_t.sql":  v1["1_t.sql"],
			"10_c.sql": file("INSERT INTO t (x) SELECT x + 10 FROM t WHERE x = 2;"),
			"2_b.sql":  file("INSERT INTO t (x) VALUES (2);"),
		}
		bad := fstest.MapFS{
			"1_t.sql":   v1["1_t.sql"],
			"10_c.sql":  v10["10_c.sql"],
			"2_b.sql":   v10["2_b.sql"],
			"11_u.sql":  file("CREATE TABLE u (x INTEGER);\nINSERT INTO t (x) VALUES (99);\nINSERT INTO no_such_table VALUES (1);"),
			"12_ok.sql": file("INSERT INTO t (x) VALUES (100);"),
		}

		steps := []struct {
			name     string
			fsys     fs.FS
			wantErr  bool
			wantRows []int
			wantDone []int
		}{
			{name: "first", fsys: v1, wantRows: []int{1}, wantDone: []int{1}},
			{name: "again", fsys: v1, wantRows: []int{1}, wantDone: []int{1}},
			{name: "new ones in order", fsys: v10, wantRows: []int{1, 2, 12}, wantDone: []int{1, 2, 10}},
			{name: "failing one rolls back and stops", fsys: bad, wantErr: true, wantRows: []int{1, 2, 12}, wantDone: []int{1, 2, 10}},
		}
		for _, st := range steps {
			err := s.migrate(ctx, st.fsys)
			if (err != nil) != st.wantErr {
				t.Fatalf("%s: migrate error = %v, want error %v", st.name, err, st.wantErr)
			}
			if got := queryInts(t, s, "SELECT x FROM t ORDER BY x"); !slices.Equal(got, st.wantRows) {
				t.Errorf("%s: rows of t = %v, want %v", st.name, got, st.wantRows)
			}
			if got := queryInts(t, s, "SELECT version FROM schema_migrations ORDER BY version"); !slices.Equal(got, st.wantDone) {
				t.Errorf("%s: schema_migrations = %v, want %v", st.name, got, st.wantDone)
			}
		}
		if _, err := s.db.ExecContext(ctx, "SELECT * FROM u"); err == nil {
			t.Error("table u of the failed migration exists; the migration was not rolled back")
		}
	})
}

func queryInts(t *testing.T, s *Store, query string) []int {
	t.Helper()
	rows, err := s.db.QueryContext(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []int
	for rows.Next() {
		var x int
		if err := rows.Scan(&x); err != nil {
			t.Fatal(err)
		}
		got = append(got, x)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}

// TestReopen checks that reopening a database keeps its data and does not apply migrations again.
func TestReopen(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, err := Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		d, err := s.CreateDefinition(ctx, Definition{AccountID: "acme", Status: StatusEnabled, Name: "kept"})
		if err != nil {
			t.Fatal(err)
		}
		var appliedAt string
		if err := s.db.QueryRowContext(ctx, "SELECT MAX(applied_at) FROM schema_migrations").Scan(&appliedAt); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}

		s = openStore(t, url)
		got, err := s.Definition(ctx, "acme", d.ID, 0)
		if err != nil {
			t.Fatalf("Definition after reopen: %v", err)
		}
		if got.Name != "kept" {
			t.Errorf("Name after reopen = %q, want kept", got.Name)
		}
		var n int
		var appliedAgain string
		if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*), MAX(applied_at) FROM schema_migrations").Scan(&n, &appliedAgain); err != nil {
			t.Fatal(err)
		}
		want, err := loadMigrations(migrationFiles())
		if err != nil {
			t.Fatal(err)
		}
		if n != len(want) || appliedAgain != appliedAt {
			t.Errorf("schema_migrations has %d rows, latest applied %s; want %d rows applied at %s", n, appliedAgain, len(want), appliedAt)
		}
	})
}

// TestMigrationsTracked checks that every embedded migration is recorded after Open.
func TestMigrationsTracked(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		s := openStore(t, url)
		ms, err := loadMigrations(migrationFiles())
		if err != nil {
			t.Fatal(err)
		}
		var want []int
		for _, m := range ms {
			want = append(want, m.version)
		}
		if got := queryInts(t, s, "SELECT version FROM schema_migrations ORDER BY version"); !slices.Equal(got, want) {
			t.Errorf("schema_migrations = %v, want %v", got, want)
		}
		if err := s.migrate(context.Background(), brokenFS{}); !errors.Is(err, errBrokenFS) {
			t.Errorf("migrate with an unreadable directory: error = %v, want %v", err, errBrokenFS)
		}
	})
}

var errBrokenFS = errors.New("broken fs")

type brokenFS struct{}

func (brokenFS) Open(string) (fs.File, error) { return nil, errBrokenFS }
