package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

// newTestStore opens a fresh store at url with a fake clock.
func newTestStore(t *testing.T, url string) (*Store, *fakeClock) {
	t.Helper()
	s := openStore(t, url)
	clock := newFakeClock()
	s.now = clock.Now
	return s, clock
}

func mustCreate(t *testing.T, s *Store, d Definition) Definition {
	t.Helper()
	got, err := s.CreateDefinition(context.Background(), d)
	if err != nil {
		t.Fatalf("CreateDefinition(%s): %v", d.ID, err)
	}
	return got
}

func mustUpdate(t *testing.T, s *Store, d Definition) Definition {
	t.Helper()
	got, err := s.UpdateDefinition(context.Background(), d)
	if err != nil {
		t.Fatalf("UpdateDefinition(%s): %v", d.ID, err)
	}
	return got
}

// assertSame fails unless got and want are the same version with the same content. It compares
// field by field (time.Time with Equal and the location) so failures say what differs.
func assertSame(t *testing.T, got, want Definition) {
	t.Helper()
	if got.AccountID != want.AccountID || got.ID != want.ID || got.Version != want.Version ||
		got.SubAccountID != want.SubAccountID || got.Trigger != want.Trigger || got.Status != want.Status ||
		got.Name != want.Name || string(got.Body) != string(want.Body) {
		t.Errorf("definition = %+v\nwant %+v", got, want)
	}
	if !got.CreatedAt.Equal(want.CreatedAt) || got.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt = %v (%v), want %v in UTC", got.CreatedAt, got.CreatedAt.Location(), want.CreatedAt)
	}
}

// versionsOf returns the version numbers of ds, in order.
func versionsOf(ds []Definition) []int { return pluck(ds, func(d Definition) int { return d.Version }) }

// idsOf returns the IDs of ds, in order.
func idsOf(ds []Definition) []string { return pluck(ds, func(d Definition) string { return d.ID }) }

func TestCreateDefinition(t *testing.T) {
	body, err := os.ReadFile("testdata/http_definition.json")
	if err != nil {
		t.Fatal(err)
	}
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, clock := newTestStore(t, url)

		t.Run("generates a UUID, version 1, UTC time", func(t *testing.T) {
			in := Definition{AccountID: "acme", SubAccountID: "eu", Trigger: "http_request",
				Status: StatusEnabled, Name: "leads", Body: body, Version: 7}
			want := clock.t.Add(time.Second + time.Nanosecond) // the next tick
			got, err := s.CreateDefinition(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			id, err := uuid.Parse(got.ID)
			if err != nil || id.Version() != 4 {
				t.Errorf("ID = %q, want a generated version 4 UUID (%v)", got.ID, err)
			}
			if got.Version != 1 {
				t.Errorf("Version = %d, want 1 (the input's 7 is ignored)", got.Version)
			}
			if !got.CreatedAt.Equal(want) || got.CreatedAt.Location() != time.UTC || got.CreatedAt.Nanosecond() != want.Nanosecond() {
				t.Errorf("CreatedAt = %v, want %v in UTC", got.CreatedAt, want.UTC())
			}
			stored, err := s.Definition(ctx, "acme", got.ID, 0)
			if err != nil {
				t.Fatal(err)
			}
			assertSame(t, stored, got)
			if stored.CreatedAt != got.CreatedAt {
				t.Errorf("stored CreatedAt %#v differs from returned %#v", stored.CreatedAt, got.CreatedAt)
			}
		})

		t.Run("keeps a given ID; a second create with it conflicts", func(t *testing.T) {
			id := uuid.NewString()
			got := mustCreate(t, s, Definition{AccountID: "acme", ID: id, Status: StatusDisabled})
			if got.ID != id {
				t.Errorf("ID = %q, want %q", got.ID, id)
			}
			_, err := s.CreateDefinition(ctx, Definition{AccountID: "acme", ID: id, Status: StatusEnabled})
			if !errors.Is(err, ErrConflict) {
				t.Errorf("second create: error = %v, want ErrConflict", err)
			}
			// IDs are per account: another account may use the same one.
			mustCreate(t, s, Definition{AccountID: "globex", ID: id, Status: StatusEnabled})
			d, err := s.Definition(ctx, "acme", id, 0)
			if err != nil || d.Status != StatusDisabled {
				t.Errorf("acme's definition after globex's create = %+v, %v; want it unchanged", d, err)
			}
		})

		t.Run("empty body round-trips as empty", func(t *testing.T) {
			got := mustCreate(t, s, Definition{AccountID: "acme", Status: StatusEnabled})
			stored, err := s.Definition(ctx, "acme", got.ID, 1)
			if err != nil {
				t.Fatal(err)
			}
			if len(stored.Body) != 0 {
				t.Errorf("Body = %q, want empty", stored.Body)
			}
		})

		t.Run("real clock", func(t *testing.T) {
			s.now = time.Now
			defer func() { s.now = clock.Now }()
			before := time.Now()
			got := mustCreate(t, s, Definition{AccountID: "acme", Status: StatusEnabled})
			after := time.Now()
			stored, err := s.Definition(ctx, "acme", got.ID, 0)
			if err != nil {
				t.Fatal(err)
			}
			if stored.CreatedAt.Before(before) || stored.CreatedAt.After(after) || stored.CreatedAt != got.CreatedAt {
				t.Errorf("CreatedAt = %v (returned %v), want within [%v, %v]", stored.CreatedAt, got.CreatedAt, before, after)
			}
		})

		invalid := []struct {
			name string
			d    Definition
		}{
			{"no account", Definition{Status: StatusEnabled}},
			{"no status", Definition{AccountID: "acme"}},
			{"unknown status", Definition{AccountID: "acme", Status: "paused"}},
			{"body not JSON", Definition{AccountID: "acme", Status: StatusEnabled, Body: json.RawMessage(`{"a":`)}},
			{"NUL in name", Definition{AccountID: "acme", Status: StatusEnabled, Name: "a\x00b"}},
			{"invalid UTF-8 in trigger", Definition{AccountID: "acme", Status: StatusEnabled, Trigger: "\xff"}},
		}
		for _, tt := range invalid {
			t.Run("invalid: "+tt.name, func(t *testing.T) {
				if _, err := s.CreateDefinition(ctx, tt.d); !errors.Is(err, ErrInvalid) {
					t.Errorf("error = %v, want ErrInvalid", err)
				}
			})
		}
	})
}

func TestUpdateDefinition(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		v1 := mustCreate(t, s, Definition{AccountID: "acme", Trigger: "http_request", Status: StatusEnabled,
			Name: "one", Body: json.RawMessage(`{"n":1}`)})
		v2 := mustUpdate(t, s, Definition{AccountID: "acme", ID: v1.ID, SubAccountID: "eu", Trigger: "schedule",
			Status: StatusDisabled, Name: "two", Body: json.RawMessage(`{"n":2}`)})
		v3 := mustUpdate(t, s, Definition{AccountID: "acme", ID: v1.ID, Trigger: "http_request", Status: StatusEnabled,
			Name: "three", Body: json.RawMessage(`{"n":3}`), Version: 1})

		if v2.Version != 2 || v3.Version != 3 {
			t.Fatalf("versions = %d, %d; want 2, 3", v2.Version, v3.Version)
		}
		if !v2.CreatedAt.After(v1.CreatedAt) || !v3.CreatedAt.After(v2.CreatedAt) {
			t.Errorf("CreatedAt not increasing: %v, %v, %v", v1.CreatedAt, v2.CreatedAt, v3.CreatedAt)
		}

		gets := []struct {
			name    string
			version int
			want    Definition
		}{
			{"latest", 0, v3},
			{"version 1", 1, v1},
			{"version 2", 2, v2},
			{"version 3", 3, v3},
		}
		for _, tt := range gets {
			t.Run("get "+tt.name, func(t *testing.T) {
				got, err := s.Definition(ctx, "acme", v1.ID, tt.version)
				if err != nil {
					t.Fatal(err)
				}
				assertSame(t, got, tt.want)
			})
		}

		pages := []struct {
			name string
			page Page
			want []Definition
		}{
			{"all, newest first", Page{}, []Definition{v3, v2, v1}},
			{"limit", Page{Limit: 2}, []Definition{v3, v2}},
			{"limit and offset", Page{Limit: 2, Offset: 1}, []Definition{v2, v1}},
			{"offset past the end", Page{Offset: 3}, []Definition{}},
		}
		for _, tt := range pages {
			t.Run("versions "+tt.name, func(t *testing.T) {
				got, err := s.DefinitionVersions(ctx, "acme", v1.ID, tt.page)
				if err != nil {
					t.Fatal(err)
				}
				if got == nil {
					t.Fatal("DefinitionVersions returned nil, want an empty slice")
				}
				if len(got) != len(tt.want) {
					t.Fatalf("versions = %v, want %v", versionsOf(got), versionsOf(tt.want))
				}
				for i := range got {
					assertSame(t, got[i], tt.want[i])
				}
			})
		}

		t.Run("unknown definition", func(t *testing.T) {
			_, err := s.UpdateDefinition(ctx, Definition{AccountID: "acme", ID: uuid.NewString(), Status: StatusEnabled})
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("update: error = %v, want ErrNotFound", err)
			}
			if _, err := s.Definition(ctx, "acme", v1.ID, 4); !errors.Is(err, ErrNotFound) {
				t.Errorf("get version 4: error = %v, want ErrNotFound", err)
			}
			got, err := s.DefinitionVersions(ctx, "acme", uuid.NewString(), Page{})
			if err != nil || got == nil || len(got) != 0 {
				t.Errorf("versions of unknown definition = %v, %v; want an empty slice", got, err)
			}
		})

		t.Run("invalid", func(t *testing.T) {
			if _, err := s.UpdateDefinition(ctx, Definition{AccountID: "acme", ID: v1.ID, Status: "on"}); !errors.Is(err, ErrInvalid) {
				t.Errorf("update with bad status: error = %v, want ErrInvalid", err)
			}
			if _, err := s.UpdateDefinition(ctx, Definition{AccountID: "acme", Status: StatusEnabled}); !errors.Is(err, ErrInvalid) {
				t.Errorf("update without ID: error = %v, want ErrInvalid", err)
			}
			if _, err := s.Definition(ctx, "acme", v1.ID, -1); !errors.Is(err, ErrInvalid) {
				t.Errorf("get version -1: error = %v, want ErrInvalid", err)
			}
			if _, err := s.DefinitionVersions(ctx, "acme", v1.ID, Page{Limit: -1}); !errors.Is(err, ErrInvalid) {
				t.Errorf("negative limit: error = %v, want ErrInvalid", err)
			}
			if got, _ := s.Definition(ctx, "acme", v1.ID, 0); got.Version != 3 {
				t.Errorf("latest version after rejected updates = %d, want 3", got.Version)
			}
		})
	})
}

func TestListDefinitions(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		// IDs in the reverse of creation order, so ordering by ID would give the wrong answer.
		a := mustCreate(t, s, Definition{AccountID: "acme", ID: "cccccccc-0000-4000-8000-000000000000", Status: StatusEnabled, Name: "a"})
		b := mustCreate(t, s, Definition{AccountID: "acme", ID: "bbbbbbbb-0000-4000-8000-000000000000", Status: StatusEnabled, Name: "b"})
		c := mustCreate(t, s, Definition{AccountID: "acme", ID: "aaaaaaaa-0000-4000-8000-000000000000", Status: StatusEnabled, Name: "c"})
		gone := mustCreate(t, s, Definition{AccountID: "acme", Status: StatusEnabled, Name: "gone"})
		mustCreate(t, s, Definition{AccountID: "globex", Status: StatusEnabled, Name: "other account"})
		a2 := mustUpdate(t, s, Definition{AccountID: "acme", ID: a.ID, Status: StatusDisabled, Name: "a2"})
		b2 := mustUpdate(t, s, Definition{AccountID: "acme", ID: b.ID, Status: StatusEnabled, Name: "b2"})
		b3 := mustUpdate(t, s, Definition{AccountID: "acme", ID: b.ID, Status: StatusEnabled, Name: "b3"})
		if err := s.DeleteDefinition(ctx, "acme", b.ID, b3.Version); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteDefinition(ctx, "acme", gone.ID, 0); err != nil {
			t.Fatal(err)
		}

		tests := []struct {
			name    string
			account string
			page    Page
			want    []Definition
		}{
			// Newest-created first, each at its latest remaining version (b3 was deleted).
			{"all", "acme", Page{}, []Definition{c, b2, a2}},
			{"first page", "acme", Page{Limit: 2}, []Definition{c, b2}},
			{"second page", "acme", Page{Limit: 2, Offset: 2}, []Definition{a2}},
			{"past the end", "acme", Page{Limit: 2, Offset: 4}, []Definition{}},
			{"unknown account", "initech", Page{}, []Definition{}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.ListDefinitions(ctx, tt.account, tt.page)
				if err != nil {
					t.Fatal(err)
				}
				if got == nil {
					t.Fatal("ListDefinitions returned nil, want an empty slice")
				}
				if len(got) != len(tt.want) {
					t.Fatalf("IDs = %v, want %v", idsOf(got), idsOf(tt.want))
				}
				for i := range got {
					assertSame(t, got[i], tt.want[i])
				}
			})
		}
		if _, err := s.ListDefinitions(ctx, "acme", Page{Offset: -1}); !errors.Is(err, ErrInvalid) {
			t.Errorf("negative offset: error = %v, want ErrInvalid", err)
		}
	})
}

func TestListDefinitionsDefaultLimit(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		for i := range defaultPageLimit + 1 {
			mustCreate(t, s, Definition{AccountID: "acme", Status: StatusEnabled, Name: fmt.Sprint(i)})
		}
		got, err := s.ListDefinitions(ctx, "acme", Page{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != defaultPageLimit {
			t.Errorf("len = %d, want %d", len(got), defaultPageLimit)
		}
		if got[0].Name != fmt.Sprint(defaultPageLimit) {
			t.Errorf("first = %q, want the newest, %d", got[0].Name, defaultPageLimit)
		}
		got, err = s.ListDefinitions(ctx, "acme", Page{Limit: 1000})
		if err != nil || len(got) != defaultPageLimit+1 {
			t.Errorf("with Limit 1000: len = %d, %v; want %d", len(got), err, defaultPageLimit+1)
		}
	})
}

func TestDeleteDefinition(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		create3 := func(t *testing.T) string {
			d := mustCreate(t, s, Definition{AccountID: "acme", Trigger: "http_request", Status: StatusEnabled, Name: "v1"})
			mustUpdate(t, s, Definition{AccountID: "acme", ID: d.ID, Trigger: "http_request", Status: StatusEnabled, Name: "v2"})
			mustUpdate(t, s, Definition{AccountID: "acme", ID: d.ID, Trigger: "http_request", Status: StatusEnabled, Name: "v3"})
			return d.ID
		}
		versions := func(t *testing.T, id string) []int {
			t.Helper()
			ds, err := s.DefinitionVersions(ctx, "acme", id, Page{})
			if err != nil {
				t.Fatal(err)
			}
			return versionsOf(ds)
		}
		latest := func(t *testing.T, id string) int {
			t.Helper()
			d, err := s.Definition(ctx, "acme", id, 0)
			if errors.Is(err, ErrNotFound) {
				return 0
			}
			if err != nil {
				t.Fatal(err)
			}
			return d.Version
		}

		t.Run("one version", func(t *testing.T) {
			id := create3(t)
			if err := s.DeleteDefinition(ctx, "acme", id, 2); err != nil {
				t.Fatal(err)
			}
			if got := versions(t, id); !slices.Equal(got, []int{3, 1}) {
				t.Errorf("versions = %v, want [3 1]", got)
			}
			if _, err := s.Definition(ctx, "acme", id, 2); !errors.Is(err, ErrNotFound) {
				t.Errorf("get deleted version: error = %v, want ErrNotFound", err)
			}
			if err := s.DeleteDefinition(ctx, "acme", id, 2); !errors.Is(err, ErrNotFound) {
				t.Errorf("delete it again: error = %v, want ErrNotFound", err)
			}
			if err := s.DeleteDefinition(ctx, "acme", id, 9); !errors.Is(err, ErrNotFound) {
				t.Errorf("delete version 9: error = %v, want ErrNotFound", err)
			}
		})

		t.Run("latest version: the previous one becomes latest; numbers are not reused", func(t *testing.T) {
			id := create3(t)
			if err := s.DeleteDefinition(ctx, "acme", id, 3); err != nil {
				t.Fatal(err)
			}
			if got := latest(t, id); got != 2 {
				t.Errorf("latest = %d, want 2", got)
			}
			d := mustUpdate(t, s, Definition{AccountID: "acme", ID: id, Status: StatusEnabled, Name: "v4"})
			if d.Version != 4 {
				t.Errorf("version after deleting 3 = %d, want 4", d.Version)
			}
			if got := versions(t, id); !slices.Equal(got, []int{4, 2, 1}) {
				t.Errorf("versions = %v, want [4 2 1]", got)
			}
		})

		t.Run("every version one by one deletes the definition", func(t *testing.T) {
			id := create3(t)
			for _, v := range []int{1, 3, 2} {
				if err := s.DeleteDefinition(ctx, "acme", id, v); err != nil {
					t.Fatalf("delete version %d: %v", v, err)
				}
			}
			assertGone(t, s, id)
		})

		t.Run("all versions", func(t *testing.T) {
			id := create3(t)
			if err := s.DeleteDefinition(ctx, "acme", id, 0); err != nil {
				t.Fatal(err)
			}
			assertGone(t, s, id)
			if err := s.DeleteDefinition(ctx, "acme", id, 0); !errors.Is(err, ErrNotFound) {
				t.Errorf("delete again: error = %v, want ErrNotFound", err)
			}
			if err := s.DeleteDefinition(ctx, "acme", id, 1); !errors.Is(err, ErrNotFound) {
				t.Errorf("delete a version of it: error = %v, want ErrNotFound", err)
			}
		})

		t.Run("unknown definition", func(t *testing.T) {
			if err := s.DeleteDefinition(ctx, "acme", uuid.NewString(), 0); !errors.Is(err, ErrNotFound) {
				t.Errorf("error = %v, want ErrNotFound", err)
			}
			if err := s.DeleteDefinition(ctx, "acme", "x", -1); !errors.Is(err, ErrInvalid) {
				t.Errorf("version -1: error = %v, want ErrInvalid", err)
			}
		})
	})
}

// assertGone checks that a deleted definition of account acme is invisible everywhere and that
// its ID cannot be reused.
func assertGone(t *testing.T, s *Store, id string) {
	t.Helper()
	ctx := context.Background()
	for _, v := range []int{0, 1, 2, 3} {
		if _, err := s.Definition(ctx, "acme", id, v); !errors.Is(err, ErrNotFound) {
			t.Errorf("get version %d: error = %v, want ErrNotFound", v, err)
		}
	}
	if ds, err := s.DefinitionVersions(ctx, "acme", id, Page{}); err != nil || len(ds) != 0 {
		t.Errorf("versions = %v, %v; want none", versionsOf(ds), err)
	}
	ds, err := s.ListDefinitions(ctx, "acme", Page{Limit: 1000})
	if err != nil || slices.Contains(idsOf(ds), id) {
		t.Errorf("ListDefinitions = %v, %v; want it without %s", idsOf(ds), err, id)
	}
	ds, err = s.EnabledDefinitions(ctx, "acme", "http_request", "")
	if err != nil || slices.Contains(idsOf(ds), id) {
		t.Errorf("EnabledDefinitions = %v, %v; want it without %s", idsOf(ds), err, id)
	}
	_, err = s.UpdateDefinition(ctx, Definition{AccountID: "acme", ID: id, Trigger: "http_request", Status: StatusEnabled})
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("update: error = %v, want ErrNotFound", err)
	}
	_, err = s.CreateDefinition(ctx, Definition{AccountID: "acme", ID: id, Trigger: "http_request", Status: StatusEnabled})
	if !errors.Is(err, ErrConflict) {
		t.Errorf("create with the deleted ID: error = %v, want ErrConflict", err)
	}
}

// TestAccountIsolation checks that no operation of one account reaches another account's data.
func TestAccountIsolation(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mine := mustCreate(t, s, Definition{AccountID: "acme", Trigger: "http_request", Status: StatusEnabled, Name: "mine"})
		mustUpdate(t, s, Definition{AccountID: "acme", ID: mine.ID, Trigger: "http_request", Status: StatusEnabled, Name: "mine v2"})

		tests := []struct {
			name string
			op   func() error
		}{
			{"get latest", func() error { _, err := s.Definition(ctx, "globex", mine.ID, 0); return err }},
			{"get version", func() error { _, err := s.Definition(ctx, "globex", mine.ID, 1); return err }},
			{"update", func() error {
				_, err := s.UpdateDefinition(ctx, Definition{AccountID: "globex", ID: mine.ID, Trigger: "http_request", Status: StatusDisabled, Name: "stolen"})
				return err
			}},
			{"delete all", func() error { return s.DeleteDefinition(ctx, "globex", mine.ID, 0) }},
			{"delete version", func() error { return s.DeleteDefinition(ctx, "globex", mine.ID, 1) }},
			{"versions", func() error { return emptyOrErr(s.DefinitionVersions(ctx, "globex", mine.ID, Page{})) }},
			{"list", func() error { return emptyOrErr(s.ListDefinitions(ctx, "globex", Page{})) }},
			{"enabled", func() error { return emptyOrErr(s.EnabledDefinitions(ctx, "globex", "http_request", "")) }},
			{"account ID empty", func() error { _, err := s.Definition(ctx, "", mine.ID, 0); return err }},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if err := tt.op(); !errors.Is(err, ErrNotFound) {
					t.Errorf("error = %v, want ErrNotFound", err)
				}
			})
		}

		// Nothing the other account did changed anything.
		got, err := s.DefinitionVersions(ctx, "acme", mine.ID, Page{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(versionsOf(got), []int{2, 1}) || got[0].Name != "mine v2" || got[0].Status != StatusEnabled {
			t.Errorf("owner's versions = %+v, want v2 %q enabled and v1", got, "mine v2")
		}
	})
}

// emptyOrErr maps a list result to ErrNotFound when empty, so list operations fit the table.
func emptyOrErr(ds []Definition, err error) error {
	if err != nil {
		return err
	}
	if len(ds) == 0 {
		return ErrNotFound
	}
	return fmt.Errorf("got %d definitions: %v", len(ds), idsOf(ds))
}

func TestEnabledDefinitions(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		const http, sched = "http_request", "schedule"
		type version struct {
			trigger, status, sub string
		}
		// Each definition is a list of versions written in order, then optionally deleted.
		// Names are IDs; they are created in an order different from ID order.
		defs := []struct {
			id            string
			account       string
			versions      []version
			deleteVersion int // delete this version after writing them; -1 deletes the definition
		}{
			{id: "d09", account: "acme", versions: []version{{http, StatusEnabled, ""}}},
			{id: "d02", account: "acme", versions: []version{{http, StatusEnabled, "sa1"}}},
			{id: "d03", account: "acme", versions: []version{{http, StatusEnabled, "sa2"}}},
			{id: "d04", account: "acme", versions: []version{{http, StatusDisabled, ""}}},
			{id: "d05", account: "acme", versions: []version{{sched, StatusEnabled, ""}}},
			// Disabled in v2: out, although v1 was enabled.
			{id: "d06", account: "acme", versions: []version{{http, StatusEnabled, ""}, {http, StatusDisabled, ""}}},
			// Enabled in v2: in, although v1 was disabled.
			{id: "d07", account: "acme", versions: []version{{http, StatusDisabled, ""}, {http, StatusEnabled, ""}}},
			// Deleted: out.
			{id: "d08", account: "acme", versions: []version{{http, StatusEnabled, ""}}, deleteVersion: -1},
			// Trigger changed in v2: only under the new trigger.
			{id: "d01", account: "acme", versions: []version{{http, StatusEnabled, ""}, {sched, StatusEnabled, ""}}},
			// Another account: never.
			{id: "d10", account: "globex", versions: []version{{http, StatusEnabled, ""}}},
			// Disabled in v2, then v2 deleted: v1 is latest again, so in.
			{id: "d11", account: "acme", versions: []version{{http, StatusEnabled, ""}, {http, StatusDisabled, ""}}, deleteVersion: 2},
			// Moved to a subaccount in v2: only for that subaccount.
			{id: "d12", account: "acme", versions: []version{{http, StatusEnabled, ""}, {http, StatusEnabled, "sa2"}}},
		}
		latest := map[string]int{}
		for _, d := range defs {
			for i, v := range d.versions {
				in := Definition{AccountID: d.account, ID: d.id, Trigger: v.trigger, Status: v.status, SubAccountID: v.sub, Name: d.id}
				if i == 0 {
					mustCreate(t, s, in)
				} else {
					mustUpdate(t, s, in)
				}
				latest[d.id] = i + 1
			}
			if d.deleteVersion != 0 {
				v := max(d.deleteVersion, 0)
				if err := s.DeleteDefinition(ctx, d.account, d.id, v); err != nil {
					t.Fatal(err)
				}
				latest[d.id] = v - 1
			}
		}

		tests := []struct {
			name             string
			account, trigger string
			sub              string
			want             []string
		}{
			{"no subaccount", "acme", http, "", []string{"d07", "d09", "d11"}},
			{"subaccount sa1", "acme", http, "sa1", []string{"d02", "d07", "d09", "d11"}},
			{"subaccount sa2", "acme", http, "sa2", []string{"d03", "d07", "d09", "d11", "d12"}},
			{"unknown subaccount", "acme", http, "sa9", []string{"d07", "d09", "d11"}},
			{"other trigger", "acme", sched, "", []string{"d01", "d05"}},
			{"unknown trigger", "acme", "email", "", []string{}},
			{"other account", "globex", http, "", []string{"d10"}},
			{"unknown account", "initech", http, "", []string{}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.EnabledDefinitions(ctx, tt.account, tt.trigger, tt.sub)
				if err != nil {
					t.Fatal(err)
				}
				if got == nil {
					t.Fatal("EnabledDefinitions returned nil, want an empty slice")
				}
				if !slices.Equal(idsOf(got), tt.want) {
					t.Fatalf("IDs = %v, want %v", idsOf(got), tt.want)
				}
				for _, d := range got {
					if d.Version != latest[d.ID] || d.Status != StatusEnabled || d.Trigger != tt.trigger || d.AccountID != tt.account {
						t.Errorf("%s: got %+v, want its latest version %d", d.ID, d, latest[d.ID])
					}
				}
			})
		}
	})
}

// TestConcurrentUpdates checks that concurrent updates of one definition get distinct,
// consecutive version numbers, each stored with the content of the update that got it.
func TestConcurrentUpdates(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s := openStore(t, url) // the real clock: the fake one is not the point here
		d := mustCreate(t, s, Definition{AccountID: "acme", Status: StatusEnabled, Name: "start"})

		const n = 10
		var wg sync.WaitGroup
		results := make([]Definition, n)
		errs := make([]error, n)
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				results[i], errs[i] = s.UpdateDefinition(ctx, Definition{AccountID: "acme", ID: d.ID,
					Status: StatusEnabled, Name: fmt.Sprintf("writer %d", i)})
			})
		}
		// Readers alongside the writers: with SQLite they use the read pool and must never see
		// SQLITE_BUSY or a half-written version.
		readErrs := make(chan error, n)
		for range n {
			wg.Go(func() {
				<-start
				for range 5 {
					got, err := s.Definition(ctx, "acme", d.ID, 0)
					if err == nil && (got.Version < 1 || got.Version > n+1 || got.Name == "") {
						err = fmt.Errorf("read version %d named %q", got.Version, got.Name)
					}
					if err != nil {
						readErrs <- err
						return
					}
				}
			})
		}
		close(start)
		wg.Wait()
		close(readErrs)
		for err := range readErrs {
			t.Errorf("concurrent read: %v", err)
		}

		// Every update must succeed: the definition row serialises them. (A clean ErrConflict
		// would be acceptable to callers, but this store is designed never to need it.)
		nameOf := map[int]string{1: "start"}
		for i := range n {
			if errs[i] != nil {
				t.Errorf("writer %d: %v", i, errs[i])
				continue
			}
			if prev, dup := nameOf[results[i].Version]; dup {
				t.Errorf("writer %d and %q both got version %d", i, prev, results[i].Version)
			}
			nameOf[results[i].Version] = fmt.Sprintf("writer %d", i)
		}

		stored, err := s.DefinitionVersions(ctx, "acme", d.ID, Page{})
		if err != nil {
			t.Fatal(err)
		}
		var want []int
		for v := n + 1; v >= 1; v-- {
			want = append(want, v)
		}
		if got := versionsOf(stored); !slices.Equal(got, want) {
			t.Fatalf("stored versions = %v, want %v", got, want)
		}
		for _, v := range stored {
			if v.Name != nameOf[v.Version] {
				t.Errorf("version %d has name %q, want %q", v.Version, v.Name, nameOf[v.Version])
			}
		}
	})
}
