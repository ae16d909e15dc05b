package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func testAudit(action, resourceType, resourceID, keyID string) AuditEvent {
	return AuditEvent{AccountID: "acme", KeyID: keyID, Actor: "ci " + keyID, Address: "192.0.2.7", Action: action,
		ResourceType: resourceType, ResourceID: resourceID, Changes: []byte(`{"fields":["name"]}`)}
}

func mustAudit(t *testing.T, s *Store, e AuditEvent) AuditEvent {
	t.Helper()
	got, err := s.RecordAudit(context.Background(), e)
	if err != nil {
		t.Fatalf("RecordAudit(%s): %v", e.Action, err)
	}
	return got
}

func auditActions(es []AuditEvent) []string {
	return pluck(es, func(e AuditEvent) string { return e.Action + " " + e.ResourceID })
}

func TestAuditEvents(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		mustCreateAccount(t, s, "globex")

		// The fake clock moves one second a call: the events are a second apart, in this order.
		first := mustAudit(t, s, testAudit("connection.create", "connection", "c1", "key_a"))
		mustAudit(t, s, testAudit("connection.update", "connection", "c1", "key_b"))
		third := mustAudit(t, s, testAudit("definition.create", "definition", "d1", "key_a"))
		mustAudit(t, s, testAudit("connection.delete", "connection", "c1", "key_a"))
		other := testAudit("connection.create", "connection", "c9", "key_z")
		other.AccountID = "globex"
		mustAudit(t, s, other)

		if !strings.HasPrefix(first.ID, "aud_") || first.At.IsZero() || first.At.Location() != time.UTC {
			t.Errorf("recorded event: id %q, at %v", first.ID, first.At)
		}
		all, next, err := s.AuditEvents(ctx, "acme", AuditFilter{}, 0, "")
		if err != nil || next != "" {
			t.Fatalf("AuditEvents = %v, next %q, %v", all, next, err)
		}
		want := []string{"connection.delete c1", "definition.create d1", "connection.update c1", "connection.create c1"}
		if got := auditActions(all); !slices.Equal(got, want) {
			t.Fatalf("the log, newest first: %v, want %v", got, want)
		}
		if e := all[3]; e.KeyID != "key_a" || e.Actor != "ci key_a" || e.Address != "192.0.2.7" || e.ResourceType != "connection" ||
			string(e.Changes) != `{"fields":["name"]}` || !e.At.Equal(first.At) || e.ID != first.ID {
			t.Errorf("the first event reads %+v", e)
		}

		filters := []struct {
			name   string
			filter AuditFilter
			want   []string
		}{
			{"action", AuditFilter{Action: "connection.update"}, []string{"connection.update c1"}},
			{"resource type", AuditFilter{ResourceType: "connection"}, []string{"connection.delete c1", "connection.update c1", "connection.create c1"}},
			{"resource", AuditFilter{ResourceType: "definition", ResourceID: "d1"}, []string{"definition.create d1"}},
			{"key", AuditFilter{KeyID: "key_b"}, []string{"connection.update c1"}},
			{"since, included", AuditFilter{Since: third.At}, []string{"connection.delete c1", "definition.create d1"}},
			{"until, excluded", AuditFilter{Until: third.At}, []string{"connection.update c1", "connection.create c1"}},
			{"nothing", AuditFilter{KeyID: "key_z"}, []string{}},
		}
		for _, f := range filters {
			got, _, err := s.AuditEvents(ctx, "acme", f.filter, 0, "")
			if err != nil || !slices.Equal(auditActions(got), f.want) {
				t.Errorf("%s: %v, %v; want %v", f.name, auditActions(got), err, f.want)
			}
		}

		// Pages of one, by cursor, walk the whole log once.
		var walked []string
		cursor := ""
		for range 10 {
			page, next, err := s.AuditEvents(ctx, "acme", AuditFilter{ResourceType: "connection"}, 1, cursor)
			if err != nil {
				t.Fatal(err)
			}
			walked = append(walked, auditActions(page)...)
			if next == "" {
				break
			}
			cursor = next
		}
		if want := []string{"connection.delete c1", "connection.update c1", "connection.create c1"}; !slices.Equal(walked, want) {
			t.Errorf("paging: %v, want %v", walked, want)
		}

		for _, bad := range []struct {
			name   string
			limit  int
			cursor string
		}{{"limit over the maximum", MaxAuditLimit + 1, ""}, {"negative limit", -1, ""}, {"not a cursor", 1, "!!"},
			{"a cursor not given out", 1, "Zm9vIGJhcg"}} {
			if _, _, err := s.AuditEvents(ctx, "acme", AuditFilter{}, bad.limit, bad.cursor); !errors.Is(err, ErrInvalid) {
				t.Errorf("%s: %v, want ErrInvalid", bad.name, err)
			}
		}

		invalid := []struct {
			name string
			e    AuditEvent
			want error
		}{
			{"no such account", func() AuditEvent { e := testAudit("a.b", "a", "", "k"); e.AccountID = "nobody"; return e }(), ErrNotFound},
			{"no action", testAudit("", "connection", "c1", "k"), ErrInvalid},
			{"no resource type", testAudit("a.b", "", "c1", "k"), ErrInvalid},
			{"no key", testAudit("a.b", "a", "", ""), ErrInvalid},
			{"changes not an object", func() AuditEvent { e := testAudit("a.b", "a", "", "k"); e.Changes = []byte(`[1]`); return e }(), ErrInvalid},
			{"changes not JSON", func() AuditEvent { e := testAudit("a.b", "a", "", "k"); e.Changes = []byte(`{`); return e }(), ErrInvalid},
			{"NUL in the actor", func() AuditEvent { e := testAudit("a.b", "a", "", "k"); e.Actor = "a\x00b"; return e }(), ErrInvalid},
		}
		for _, tc := range invalid {
			if _, err := s.RecordAudit(ctx, tc.e); !errors.Is(err, tc.want) {
				t.Errorf("%s: RecordAudit = %v, want %v", tc.name, err, tc.want)
			}
		}
		noChanges := testAudit("key.revoke", "key", "key_a", "key_a")
		noChanges.Changes = nil
		if e := mustAudit(t, s, noChanges); string(e.Changes) != `{}` {
			t.Errorf("empty changes recorded as %s, want {}", e.Changes)
		}
	})
}
