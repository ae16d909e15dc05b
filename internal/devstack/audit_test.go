package devstack_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/junction-run/junction/internal/devstack"
	"github.com/junction-run/junction/store"
)

// auditAnswer is a page of the audit log as a client reads it.
type auditAnswer struct {
	Events []struct {
		ID, At, KeyID, Actor, Address, Action, ResourceType, ResourceID string
		Changes                                                         struct {
			Fields []string
			Diff   []struct {
				Path     string
				From, To any
			}
		}
	}
	NextCursor string
}

// TestAuditLogOfManagementActions: creating, changing and deleting a
// connection, a definition and a key, setting a secret environment
// variable and creating a subscription and rotating its signing secret
// are events of the account's audit log, each naming the key that made it
// and what it changed; no secret of any of them is in the log, neither in
// the API's answer nor in the database.
func TestAuditLogOfManagementActions(t *testing.T) {
	s := startTestStack(t, devstack.Config{})
	requireVault(t, s)
	api := s.GatewayURL + "/api/v1/accounts/acme"
	const (
		token          = "tok_audit_connection_secret_1"
		rotatedToken   = "tok_audit_connection_secret_2"
		envSecret      = "env_audit_partner_secret"
		webhookAuthPwd = "hunter2-audit-subscription-password"
	)
	secrets := map[string]string{"the connection's token": token, "its new token": rotatedToken,
		"the secret variable": envSecret, "the subscription's password": webhookAuthPwd}
	admin, err := s.Store.AuthenticateAPIKey(context.Background(), keyFor(api+"/"))
	if err != nil {
		t.Fatal(err)
	}
	must := func(r apiResponse, status int, what string) apiResponse {
		t.Helper()
		if r.Status != status {
			t.Fatalf("%s: %d %s", what, r.Status, r.Body)
		}
		return r
	}
	decodeID := func(r apiResponse) string {
		var v struct{ ID string }
		r.decode(t, &v)
		return v.ID
	}

	connID := decodeID(must(call(t, http.MethodPost, api+"/connections",
		[]byte(`{"app":"http","name":"Partner API","authKind":"bearer","fields":{"token":"`+token+`"}}`), nil), http.StatusCreated, "create connection"))
	must(call(t, http.MethodPut, api+"/connections/"+connID,
		[]byte(`{"name":"Partner API (EU)","fields":{"token":"`+rotatedToken+`"}}`), nil), http.StatusOK, "update connection")
	must(call(t, http.MethodDelete, api+"/connections/"+connID, nil, nil), http.StatusNoContent, "delete connection")

	def := createDefinition(t, s, "acme", orderDefinition("http://127.0.0.1:1", "disabled"))
	defID := def["id"].(string)
	must(call(t, http.MethodPut, api+"/definitions/"+defID, orderDefinition("http://127.0.0.1:1", "enabled"), nil), http.StatusOK, "update definition")
	must(call(t, http.MethodDelete, api+"/definitions/"+defID, nil, nil), http.StatusAccepted, "delete definition")

	created := must(call(t, http.MethodPost, api+"/keys", []byte(`{"name":"deploy bot","scopes":["runs"]}`), nil), http.StatusCreated, "create key")
	var key struct{ ID, Key string }
	created.decode(t, &key)
	secrets["the new API key"] = key.Key
	must(call(t, http.MethodDelete, api+"/keys/"+key.ID, nil, nil), http.StatusNoContent, "revoke key")

	must(call(t, http.MethodPut, api+"/apps/http/versions/1.0.0/env",
		[]byte(`{"variables":{"PARTNER_TOKEN":{"value":"`+envSecret+`","secret":true},"REGION":{"value":"eu"}}}`), nil), http.StatusOK, "set env")
	sub, signing := createSubscription(t, s, "acme", fmt.Sprintf(`{"events": ["http_request"], "url": "https://erp.example.com/hooks",
		"auth": {"type": "basic", "username": "junction", "password": %q}}`, webhookAuthPwd))
	secrets["the signing secret"] = signing
	rotated := must(call(t, http.MethodPost, api+"/subscriptions/"+sub.ID+"/rotate-secret", []byte(`{"overlap": "1h"}`), nil), http.StatusOK, "rotate")
	var rotation subscriptionAnswer
	rotated.decode(t, &rotation)
	secrets["the rotated signing secret"] = strings.Trim(string(rotation.SigningSecret), `"`)

	var log auditAnswer
	answer := must(call(t, http.MethodGet, api+"/audit?limit=500", nil, nil), http.StatusOK, "audit")
	answer.decode(t, &log)
	var got []string
	for _, ev := range log.Events {
		got = append(got, ev.Action+" "+ev.ResourceType)
		if ev.KeyID != admin.ID || ev.Actor != admin.Name || ev.Address != "127.0.0.1" {
			t.Errorf("%s: key %s (%s) from %s, want the test's admin key %s from 127.0.0.1", ev.Action, ev.KeyID, ev.Actor, ev.Address, admin.ID)
		}
	}
	want := []string{"subscription.rotate_secret subscription", "subscription.create subscription", "env.update env",
		"key.revoke key", "key.create key", "definition.delete definition", "definition.update definition",
		"definition.create definition", "connection.delete connection", "connection.update connection", "connection.create connection"}
	if !slices.Equal(got, want) {
		t.Fatalf("the audit log, newest first:\n got %v\nwant %v", got, want)
	}

	byAction := map[string]int{}
	for i, ev := range log.Events {
		byAction[ev.Action] = i
	}
	update := log.Events[byAction["connection.update"]]
	if update.ResourceID != connID || !slices.Equal(update.Changes.Fields, []string{"fields.token", "name"}) {
		t.Errorf("connection.update: resource %q, fields %v; want %s and the fields sent", update.ResourceID, update.Changes.Fields, connID)
	}
	renamed := false
	for _, d := range update.Changes.Diff {
		renamed = renamed || (d.Path == "name" && d.From == "Partner API" && d.To == "Partner API (EU)")
	}
	if !renamed {
		t.Errorf("connection.update diff %+v, want the name from Partner API to Partner API (EU)", update.Changes.Diff)
	}
	if ev := log.Events[byAction["definition.update"]]; ev.ResourceID != defID || len(ev.Changes.Diff) == 0 {
		t.Errorf("definition.update: %+v", ev)
	}
	if ev := log.Events[byAction["definition.create"]]; ev.ResourceID != defID {
		t.Errorf("definition.create names %q, want %s", ev.ResourceID, defID)
	}
	if ev := log.Events[byAction["env.update"]]; ev.ResourceID != "http/1.0.0" ||
		!slices.Equal(ev.Changes.Fields, []string{"variables.PARTNER_TOKEN.secret", "variables.PARTNER_TOKEN.value", "variables.REGION.value"}) {
		t.Errorf("env.update: resource %q, fields %v", ev.ResourceID, ev.Changes.Fields)
	}

	// Filters, through the API.
	for query, wantN := range map[string]int{
		"?action=connection.update":                   1,
		"?resource=definition":                        3,
		"?resource=key/" + key.ID:                     2,
		"?keyId=" + admin.ID + "&limit=2":             2,
		"?since=" + url.QueryEscape(log.Events[0].At): 1,
		"?until=" + url.QueryEscape(log.Events[0].At): len(want) - 1,
	} {
		var page auditAnswer
		call(t, http.MethodGet, api+"/audit"+query, nil, nil).decode(t, &page)
		if len(page.Events) != wantN {
			t.Errorf("%s: %d events, want %d", query, len(page.Events), wantN)
		}
		if strings.Contains(query, "limit=2") && page.NextCursor == "" {
			t.Errorf("%s: no nextCursor", query)
		}
	}

	// No secret, anywhere the log is.
	rows := auditRows(t, s)
	for what, secret := range secrets {
		if secret == "" {
			t.Fatalf("%s is empty: the search would prove nothing", what)
		}
		assertNowhere(t, secret, what, map[string]string{"audit answer": string(answer.Body), "audit table": rows})
	}
}

// auditRows is every row of the audit table as text, read from the
// database behind the store.
func auditRows(t *testing.T, s *devstack.Stack) string {
	t.Helper()
	path, ok := strings.CutPrefix(s.DatabaseURL, "sqlite:")
	if !ok || s.Store.Dialect() != store.DialectSQLite {
		t.Fatalf("the dev stack's store is %s, not SQLite", s.DatabaseURL)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT account_id, id, at, key_id, actor, address, action, resource_type, resource_id, changes FROM audit_events`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out strings.Builder
	for rows.Next() {
		cols := make([]string, 10)
		ptrs := make([]any, len(cols))
		for i := range cols {
			ptrs[i] = &cols[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out.WriteString(strings.Join(cols, "|") + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out.String()
}
