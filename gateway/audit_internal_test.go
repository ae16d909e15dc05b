package gateway

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestEveryChangingRouteIsAuditedOrSaysWhyNot holds the audit table to the
// router: a new route that changes something is audited, or says in
// notAudited why it is not; neither list names a route that is gone.
func TestEveryChangingRouteIsAuditedOrSaysWhyNot(t *testing.T) {
	routed := map[string]bool{}
	for _, r := range New(Config{}).Routes() {
		route := r[0] + " " + r[1]
		routed[route] = true
		if r[0] == http.MethodGet || r[0] == http.MethodHead || r[0] == http.MethodOptions {
			continue
		}
		if !strings.HasPrefix(r[1], accountRoutes+"/") && !strings.HasPrefix(r[1], platformRoutes) {
			continue // not behind an API key: webhooks, OAuth2 callbacks, the codec
		}
		_, audited := auditedRoutes[route]
		_, excused := notAudited[route]
		if audited == excused {
			t.Errorf("%s: audited %v, in notAudited %v; want exactly one", route, audited, excused)
		}
	}
	for route := range auditedRoutes {
		if !routed[route] {
			t.Errorf("auditedRoutes names %s, which the gateway does not route", route)
		}
	}
	for route := range notAudited {
		if !routed[route] {
			t.Errorf("notAudited names %s, which the gateway does not route", route)
		}
	}
}

func TestFieldPaths(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       []string
	}{
		{"names, never values", `{"name":"CRM","fields":{"apiKey":"sk_live_1","region":"eu"},"scopes":["read","admin"]}`,
			[]string{"fields.apiKey", "fields.region", "name", "scopes"}},
		{"an empty object is a field", `{"properties":{}}`, []string{"properties"}},
		{"deep objects stop at a depth", `{"a":{"b":{"c":{"d":{"e":1}}}}}`, []string{"a.b.c.d"}},
		{"no body", ``, nil},
		{"not JSON", `name=CRM`, nil},
		{"not an object", `[1,2]`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, truncated := fieldPaths([]byte(tc.body))
			if !slices.Equal(got, tc.want) || truncated {
				t.Errorf("fieldPaths = %v (truncated %v), want %v", got, truncated, tc.want)
			}
		})
	}
	var many strings.Builder
	many.WriteString(`{"f0":0`)
	for i := 1; i <= maxAuditFields; i++ {
		many.WriteString(`,"f` + strings.Repeat("x", i) + `":0`)
	}
	many.WriteString("}")
	if got, truncated := fieldPaths([]byte(many.String())); len(got) != maxAuditFields || !truncated {
		t.Errorf("%d fields: kept %d, truncated %v", maxAuditFields+1, len(got), truncated)
	}
}

func TestDiffViews(t *testing.T) {
	type view struct {
		Name   string         `json:"name"`
		Fields map[string]any `json:"fields"`
		Scopes []string       `json:"scopes,omitempty"`
		Note   string         `json:"note,omitempty"`
	}
	before := view{Name: "CRM", Fields: map[string]any{"region": "eu", "apiKey": map[string]bool{"set": true}}, Scopes: []string{"read"}}
	after := view{Name: "CRM (EU)", Fields: map[string]any{"region": "eu", "apiKey": map[string]bool{"set": true}, "tenant": "t1"},
		Note: strings.Repeat("n", maxAuditValueBytes)}
	diff, truncated := diffViews(before, after)
	got, _ := json.Marshal(diff)
	want := `[{"path":"fields.tenant","to":"t1"},{"path":"name","from":"CRM","to":"CRM (EU)"},` +
		`{"path":"note","to":"(1026 bytes)"},{"path":"scopes","from":["read"]}]`
	if string(got) != want || truncated {
		t.Errorf("diff\n got %s\nwant %s", got, want)
	}
	if diff, _ := diffViews(nil, view{Name: "new", Fields: map[string]any{}}); len(diff) != 2 || diff[1].Path != "name" || diff[0].Path != "fields" {
		t.Errorf("creation: %+v, want every path of the new view", diff)
	}
}
