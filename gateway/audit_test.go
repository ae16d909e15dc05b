package gateway_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// auditEvent is an audit event as a client reads it.
type auditEvent struct {
	ID, At, KeyID, Actor, Address, Action, ResourceType, ResourceID string
	Changes                                                         struct {
		Fields []string
		Diff   []struct {
			Path     string
			From, To any
		}
	}
}

type auditPage struct {
	Events     []auditEvent
	NextCursor string
}

func (e *env) audit(query string) auditPage {
	e.t.Helper()
	resp := e.call(http.MethodGet, base+"/audit"+query, e.admin, nil)
	if resp.status != http.StatusOK {
		e.t.Fatalf("GET audit%s: %d %s", query, resp.status, resp.body)
	}
	var page auditPage
	resp.decode(e.t, &page)
	return page
}

func actions(events []auditEvent) []string {
	out := []string{}
	for _, ev := range events {
		out = append(out, ev.Action)
	}
	return out
}

// TestAuditLog: management requests that succeed are events of the
// account's log, naming the key that made them and what they changed,
// never a secret; failed requests and reads are not; only admin keys read
// the log, a page at a time.
func TestAuditLog(t *testing.T) {
	e := newEnv(t)
	admin, err := e.store.AuthenticateAPIKey(context.Background(), e.admin)
	if err != nil {
		t.Fatal(err)
	}
	created := e.call(http.MethodPost, base+"/keys", e.admin, map[string]any{"name": "deploy bot", "scopes": []string{"runs"}})
	var key struct{ ID, Key string }
	created.decode(t, &key)
	rotated := e.call(http.MethodPost, base+"/keys/"+key.ID+"/rotate", e.admin, nil)
	var next struct{ ID, Key string }
	rotated.decode(t, &next)
	if created.status != http.StatusCreated || rotated.status != http.StatusCreated || key.Key == "" || next.Key == "" {
		t.Fatalf("create %d %s, rotate %d %s", created.status, created.body, rotated.status, rotated.body)
	}
	if resp := e.call(http.MethodDelete, base+"/keys/"+next.ID, e.admin, nil); resp.status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", resp.status, resp.body)
	}
	defID := e.createDefinition("notify.json")
	// Not recorded: a read, and a request that fails.
	e.call(http.MethodGet, base+"/keys", e.admin, nil)
	if resp := e.call(http.MethodPost, base+"/keys", e.admin, map[string]any{"name": "x", "scopes": []string{"root"}}); resp.status != http.StatusBadRequest {
		t.Fatalf("a bad scope: %d", resp.status)
	}

	page := e.audit("")
	if got, want := actions(page.Events), []string{"definition.create", "key.revoke", "key.rotate", "key.create"}; !slices.Equal(got, want) {
		t.Fatalf("the log, newest first: %v, want %v", got, want)
	}
	for _, ev := range page.Events {
		if ev.KeyID != admin.ID || ev.Actor != admin.Name || ev.Address != "192.0.2.1" || !strings.HasPrefix(ev.ID, "aud_") || ev.At == "" {
			t.Errorf("%s: key %s, actor %q, address %q, id %q, at %q; want the admin key %s from 192.0.2.1",
				ev.Action, ev.KeyID, ev.Actor, ev.Address, ev.ID, ev.At, admin.ID)
		}
	}
	defEvent, revoke, rotate, create := page.Events[0], page.Events[1], page.Events[2], page.Events[3]
	if defEvent.ResourceType != "definition" || defEvent.ResourceID != defID {
		t.Errorf("definition.create names %s %s, want definition %s", defEvent.ResourceType, defEvent.ResourceID, defID)
	}
	if create.ResourceType != "key" || create.ResourceID != key.ID || !slices.Equal(create.Changes.Fields, []string{"name", "scopes"}) {
		t.Errorf("key.create: %s %s, fields %v", create.ResourceType, create.ResourceID, create.Changes.Fields)
	}
	diff := map[string]any{}
	for _, d := range create.Changes.Diff {
		diff[d.Path] = d.To
	}
	if diff["name"] != "deploy bot" || diff["id"] != key.ID || len(diff["scopes"].([]any)) != 1 {
		t.Errorf("key.create diff %+v", create.Changes.Diff)
	}
	if rotate.ResourceID != key.ID || revoke.ResourceID != next.ID {
		t.Errorf("rotate names %s, revoke %s; want %s and %s", rotate.ResourceID, revoke.ResourceID, key.ID, next.ID)
	}
	revoked := false
	for _, d := range revoke.Changes.Diff {
		revoked = revoked || (d.Path == "revokedAt" && d.From == nil && d.To != nil)
	}
	if !revoked {
		t.Errorf("key.revoke diff %+v, want revokedAt set", revoke.Changes.Diff)
	}
	body := string(e.call(http.MethodGet, base+"/audit", e.admin, nil).body)
	for what, secret := range map[string]string{"the created key": key.Key, "the rotated key": next.Key, "the admin key": e.admin} {
		if strings.Contains(body, secret) || strings.Contains(body, secret[strings.LastIndex(secret, "_")+1:]) {
			t.Errorf("%s is in the audit log", what)
		}
	}

	filters := map[string][]string{
		"?action=key.rotate":                     {"key.rotate"},
		"?resource=key":                          {"key.revoke", "key.rotate", "key.create"},
		"?resource=key/" + key.ID:                {"key.rotate", "key.create"},
		"?keyId=" + admin.ID:                     {"definition.create", "key.revoke", "key.rotate", "key.create"},
		"?keyId=key_nobody":                      {},
		"?since=" + url.QueryEscape(defEvent.At): {"definition.create"},
		"?until=" + url.QueryEscape(defEvent.At): {"key.revoke", "key.rotate", "key.create"},
	}
	for query, want := range filters {
		if got := actions(e.audit(query).Events); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", query, got, want)
		}
	}
	var walked []string
	for cursor, pages := "", 0; pages < 10; pages++ {
		page := e.audit("?limit=3&cursor=" + url.QueryEscape(cursor))
		walked = append(walked, actions(page.Events)...)
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if !slices.Equal(walked, []string{"definition.create", "key.revoke", "key.rotate", "key.create"}) {
		t.Errorf("pages of 3: %v", walked)
	}

	if resp := e.call(http.MethodGet, base+"/audit", e.reader, nil); resp.status != http.StatusForbidden {
		t.Errorf("a read key: %d, want 403", resp.status)
	}
	if resp := e.call(http.MethodGet, "/api/v1/accounts/"+other+"/audit", e.admin, nil); resp.status != http.StatusNotFound {
		t.Errorf("another account's log: %d, want 404", resp.status)
	}
	for query, path := range map[string]string{"?since=yesterday": "since", "?limit=0": "limit", "?limit=501": "limit", "?cursor=bm9wZQ": "cursor"} {
		resp := e.call(http.MethodGet, base+"/audit"+query, e.admin, nil)
		if body := resp.apiError(t); resp.status != http.StatusBadRequest || !slices.Equal(body.paths(), []string{path}) {
			t.Errorf("%s: %d %s, want 400 naming %s", query, resp.status, resp.body, path)
		}
	}
}
