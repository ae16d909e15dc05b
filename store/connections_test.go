package store

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func mustCreateConnection(t *testing.T, s *Store, c Connection) Connection {
	t.Helper()
	got, err := s.CreateConnection(context.Background(), c)
	if err != nil {
		t.Fatalf("CreateConnection(%s): %v", c.Name, err)
	}
	return got
}

func connectionNames(cs []Connection) []string {
	return pluck(cs, func(c Connection) string { return c.Name })
}

func TestCreateConnection(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, clock := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")

		t.Run("stores and returns the connection", func(t *testing.T) {
			want := clock.t.Add(time.Second + time.Nanosecond) // the next tick
			in := Connection{
				AccountID: "acme", App: "shopify", AppVersion: "1.2.0", Name: "Main shop", AuthKind: "basic",
				Fields:       map[string]string{"username": "ann", "note": "ünïcode ✓"},
				Properties:   map[string]string{"shop": "acme.myshopify.com"},
				SecretFields: []string{"password", "token", "password"},
				CreatedAt:    time.Unix(1, 0), UpdatedAt: time.Unix(2, 0), Version: 7,
			}
			got, err := s.CreateConnection(ctx, in)
			if err != nil {
				t.Fatalf("CreateConnection: %v", err)
			}
			if len(got.ID) != 36 {
				t.Errorf("ID = %q, want a generated UUID", got.ID)
			}
			if got.Version != 1 || !got.CreatedAt.Equal(want) || !got.UpdatedAt.Equal(want) || got.CreatedAt.Location() != time.UTC {
				t.Errorf("Version, CreatedAt, UpdatedAt = %d, %v, %v; want 1, %v (UTC) twice", got.Version, got.CreatedAt, got.UpdatedAt, want)
			}
			if !reflect.DeepEqual(got.SecretFields, []string{"password", "token"}) {
				t.Errorf("SecretFields = %q, want sorted without duplicates", got.SecretFields)
			}
			read, err := s.Connection(ctx, "acme", got.ID)
			if err != nil {
				t.Fatalf("Connection: %v", err)
			}
			if !reflect.DeepEqual(read, got) {
				t.Errorf("Connection =\n%+v\nwant what CreateConnection returned\n%+v", read, got)
			}
		})

		t.Run("keeps a given ID and gives empty maps for none", func(t *testing.T) {
			const id = "0b9c5f0e-8a3d-4c59-9d6e-2f1c7a4b8e10"
			got := mustCreateConnection(t, s, Connection{AccountID: "acme", ID: id, App: "http", AuthKind: "none"})
			read, err := s.Connection(ctx, "acme", id)
			if err != nil {
				t.Fatalf("Connection: %v", err)
			}
			if got.ID != id || read.Fields == nil || read.Properties == nil || read.SecretFields == nil {
				t.Errorf("got %+v, want ID %s and non-nil empty maps and slice", read, id)
			}
			if !reflect.DeepEqual(read, got) {
				t.Errorf("Connection = %+v, want %+v", read, got)
			}
			if _, err := s.CreateConnection(ctx, Connection{AccountID: "acme", ID: id, App: "http", AuthKind: "none"}); !errors.Is(err, ErrConflict) {
				t.Errorf("creating it again: %v, want ErrConflict", err)
			}
		})

		t.Run("an unknown account", func(t *testing.T) {
			_, err := s.CreateConnection(ctx, Connection{AccountID: "nobody", App: "http", AuthKind: "none"})
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("err = %v, want ErrNotFound", err)
			}
		})
	})
}

func TestCreateConnectionInvalid(t *testing.T) {
	s := openStore(t, "sqlite::memory:")
	mustCreateAccount(t, s, "acme")
	valid := Connection{AccountID: "acme", App: "http", AuthKind: "basic"}
	tests := []struct {
		name   string
		change func(*Connection)
	}{
		{"no account", func(c *Connection) { c.AccountID = "" }},
		{"ID not a UUID", func(c *Connection) { c.ID = "conn-1" }},
		{"ID in upper case", func(c *Connection) { c.ID = "0B9C5F0E-8A3D-4C59-9D6E-2F1C7A4B8E10" }},
		{"no app", func(c *Connection) { c.App = "" }},
		{"no auth kind", func(c *Connection) { c.AuthKind = "" }},
		{"name too long", func(c *Connection) { c.Name = strings.Repeat("n", maxNameLen+1) }},
		{"NUL in a field value", func(c *Connection) { c.Fields = map[string]string{"username": "a\x00b"} }},
		{"invalid UTF-8 in a property", func(c *Connection) { c.Properties = map[string]string{"p": "\xff"} }},
		{"empty field name", func(c *Connection) { c.Fields = map[string]string{"": "x"} }},
		{"empty secret field name", func(c *Connection) { c.SecretFields = []string{""} }},
		{"a field both secret and not", func(c *Connection) {
			c.Fields = map[string]string{"password": "hunter2"}
			c.SecretFields = []string{"password"}
		}},
		{"fields too long", func(c *Connection) {
			c.Fields = map[string]string{"big": strings.Repeat("x", maxConnectionTextLen)}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid
			tt.change(&c)
			_, err := s.CreateConnection(context.Background(), c)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q quotes a field value", err)
			}
		})
	}
}

func TestConnectionsAreAccountScoped(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		mustCreateAccount(t, s, "globex")
		c := mustCreateConnection(t, s, Connection{AccountID: "acme", App: "slack", Name: "acme's", AuthKind: "bearer", SecretFields: []string{"token"}})

		if _, err := s.Connection(ctx, "globex", c.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("Connection from another account: %v, want ErrNotFound", err)
		}
		if cs, err := s.ListConnections(ctx, "globex", "", Page{}); err != nil || len(cs) != 0 {
			t.Errorf("ListConnections of another account = %v, %v; want none", connectionNames(cs), err)
		}
		other := c
		other.AccountID, other.Name = "globex", "stolen"
		if _, err := s.UpdateConnection(ctx, other, c.Version); !errors.Is(err, ErrNotFound) {
			t.Errorf("UpdateConnection from another account: %v, want ErrNotFound", err)
		}
		if err := s.DeleteConnection(ctx, "globex", c.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("DeleteConnection from another account: %v, want ErrNotFound", err)
		}
		if got, err := s.Connection(ctx, "acme", c.ID); err != nil || !reflect.DeepEqual(got, c) {
			t.Errorf("after the other account's attempts, Connection = %+v, %v; want it unchanged", got, err)
		}
	})
}

func TestListConnections(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		mustCreateAccount(t, s, "globex")
		for _, c := range []Connection{
			{AccountID: "acme", App: "slack", Name: "s1", AuthKind: "bearer"},
			{AccountID: "acme", App: "shopify", Name: "p1", AuthKind: "api_key"},
			{AccountID: "globex", App: "slack", Name: "g1", AuthKind: "bearer"},
			{AccountID: "acme", App: "slack", Name: "s2", AuthKind: "bearer"},
			{AccountID: "acme", App: "slack", Name: "s3", AuthKind: "oauth2_authorization_code"},
		} {
			mustCreateConnection(t, s, c)
		}
		tests := []struct {
			app  string
			page Page
			want []string
		}{
			{"", Page{}, []string{"s1", "p1", "s2", "s3"}},
			{"slack", Page{}, []string{"s1", "s2", "s3"}},
			{"shopify", Page{}, []string{"p1"}},
			{"jira", Page{}, []string{}},
			{"slack", Page{Limit: 2}, []string{"s1", "s2"}},
			{"slack", Page{Limit: 2, Offset: 2}, []string{"s3"}},
			{"", Page{Offset: 10}, []string{}},
		}
		for _, tt := range tests {
			got, err := s.ListConnections(ctx, "acme", tt.app, tt.page)
			if err != nil {
				t.Fatalf("ListConnections(%q, %+v): %v", tt.app, tt.page, err)
			}
			if names := connectionNames(got); !reflect.DeepEqual(names, tt.want) {
				t.Errorf("ListConnections(%q, %+v) = %q, want %q", tt.app, tt.page, names, tt.want)
			}
		}
		if _, err := s.ListConnections(ctx, "acme", "", Page{Limit: -1}); !errors.Is(err, ErrInvalid) {
			t.Errorf("negative limit: %v, want ErrInvalid", err)
		}
	})
}

func TestUpdateConnection(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		c := mustCreateConnection(t, s, Connection{
			AccountID: "acme", App: "jira", AppVersion: "1.0.0", Name: "Jira", AuthKind: "basic",
			Fields: map[string]string{"username": "ann"}, SecretFields: []string{"password"},
		})

		change := c
		change.AppVersion, change.Name, change.AuthKind = "2.0.0", "Jira cloud", "bearer"
		change.Fields = nil
		change.Properties = map[string]string{"site": "acme.atlassian.net"}
		change.SecretFields = []string{"token"}
		change.CreatedAt, change.Version = time.Unix(1, 0), 42 // ignored
		got, err := s.UpdateConnection(ctx, change, 1)
		if err != nil {
			t.Fatalf("UpdateConnection: %v", err)
		}
		if got.Version != 2 || !got.CreatedAt.Equal(c.CreatedAt) || !got.UpdatedAt.After(c.UpdatedAt) {
			t.Errorf("Version %d, CreatedAt %v, UpdatedAt %v; want 2, %v, after %v", got.Version, got.CreatedAt, got.UpdatedAt, c.CreatedAt, c.UpdatedAt)
		}
		read, err := s.Connection(ctx, "acme", c.ID)
		if err != nil {
			t.Fatalf("Connection: %v", err)
		}
		if !reflect.DeepEqual(read, got) {
			t.Errorf("Connection =\n%+v\nwant what UpdateConnection returned\n%+v", read, got)
		}
		if read.AuthKind != "bearer" || len(read.Fields) != 0 || read.Properties["site"] != "acme.atlassian.net" ||
			!reflect.DeepEqual(read.SecretFields, []string{"token"}) {
			t.Errorf("Connection = %+v, want the update's values", read)
		}

		t.Run("a stale version is a conflict and changes nothing", func(t *testing.T) {
			stale := change
			stale.Name = "lost update"
			if _, err := s.UpdateConnection(ctx, stale, 1); !errors.Is(err, ErrConflict) {
				t.Errorf("err = %v, want ErrConflict", err)
			}
			if now, _ := s.Connection(ctx, "acme", c.ID); now.Name != "Jira cloud" || now.Version != 2 {
				t.Errorf("after the conflict: name %q version %d, want unchanged", now.Name, now.Version)
			}
		})
		t.Run("an unknown connection", func(t *testing.T) {
			missing := change
			missing.ID = "0b9c5f0e-8a3d-4c59-9d6e-2f1c7a4b8e10"
			if _, err := s.UpdateConnection(ctx, missing, 1); !errors.Is(err, ErrNotFound) {
				t.Errorf("err = %v, want ErrNotFound", err)
			}
		})
		t.Run("invalid", func(t *testing.T) {
			if _, err := s.UpdateConnection(ctx, change, 0); !errors.Is(err, ErrInvalid) {
				t.Errorf("expected version 0: %v, want ErrInvalid", err)
			}
			bad := change
			bad.App = ""
			if _, err := s.UpdateConnection(ctx, bad, 2); !errors.Is(err, ErrInvalid) {
				t.Errorf("no app: %v, want ErrInvalid", err)
			}
		})
	})
}

func TestUpdateConnectionConcurrently(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		c := mustCreateConnection(t, s, Connection{AccountID: "acme", App: "jira", Name: "v1", AuthKind: "none"})

		const writers = 8
		errs := make(chan error, writers)
		for i := range writers {
			go func() {
				u := c
				u.Name = "writer " + string(rune('a'+i))
				_, err := s.UpdateConnection(ctx, u, c.Version)
				errs <- err
			}()
		}
		var ok, conflicts int
		for range writers {
			switch err := <-errs; {
			case err == nil:
				ok++
			case errors.Is(err, ErrConflict):
				conflicts++
			default:
				t.Errorf("UpdateConnection: %v", err)
			}
		}
		if ok != 1 || conflicts != writers-1 {
			t.Errorf("%d updates succeeded and %d conflicted, want 1 and %d", ok, conflicts, writers-1)
		}
		if got, _ := s.Connection(ctx, "acme", c.ID); got.Version != 2 {
			t.Errorf("Version = %d, want 2", got.Version)
		}
	})
}

func TestDeleteConnection(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		c := mustCreateConnection(t, s, Connection{AccountID: "acme", App: "jira", AuthKind: "none"})
		if err := s.DeleteConnection(ctx, "acme", c.ID); err != nil {
			t.Fatalf("DeleteConnection: %v", err)
		}
		if _, err := s.Connection(ctx, "acme", c.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("Connection after delete: %v, want ErrNotFound", err)
		}
		if err := s.DeleteConnection(ctx, "acme", c.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("deleting again: %v, want ErrNotFound", err)
		}
	})
}
