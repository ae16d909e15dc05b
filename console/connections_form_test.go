package console

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/junction-run/junction/connectors"
)

// Each field type of the manifest gets its input; a secret never carries
// a value, even a default's.
func TestInputFor(t *testing.T) {
	for _, tc := range []struct {
		name  string
		field connectors.Field
		value string
		want  formInput
	}{
		{"string", connectors.Field{Name: "user", Type: connectors.FieldString, Required: true}, "ann",
			formInput{Kind: "text", Required: true, Value: "ann"}},
		{"secret", connectors.Field{Name: "token", Type: connectors.FieldString, Secret: true, Required: true}, "tok-1",
			formInput{Kind: "password", Required: true, Secret: true}},
		{"enum", connectors.Field{Name: "in", Type: connectors.FieldString, Enum: []string{"header", "query"}}, "query",
			formInput{Kind: "select", Options: []string{"header", "query"}, Value: "query"}},
		{"boolean", connectors.Field{Name: "sandbox", Type: connectors.FieldBoolean, Required: true}, "true",
			formInput{Kind: "checkbox", Value: "true"}},
		{"integer", connectors.Field{Name: "port", Type: connectors.FieldInteger}, "8080",
			formInput{Kind: "number", Step: "1", Value: "8080"}},
		{"number", connectors.Field{Name: "ratio", Type: connectors.FieldNumber}, "0.5",
			formInput{Kind: "number", Step: "any", Value: "0.5"}},
		{"url", connectors.Field{Name: "base", Type: connectors.FieldURL}, "https://x.example",
			formInput{Kind: "url", Value: "https://x.example"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := inputFor("fields."+tc.field.Name, tc.field, tc.value)
			tc.want.Path, tc.want.Label = "fields."+tc.field.Name, tc.field.Name
			if got.Kind != tc.want.Kind || got.Step != tc.want.Step || got.Required != tc.want.Required || got.Secret != tc.want.Secret ||
				got.Value != tc.want.Value || got.Path != tc.want.Path || got.Label != tc.want.Label || len(got.Options) != len(tc.want.Options) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// The page shows a test's answer: ok, or the failure the API reports.
func TestConnectionPageShowsTheTestResult(t *testing.T) {
	c := Handler(Config{API: http.NotFoundHandler()}).(*Console)
	s := &Session{AccountID: "acme"}
	s.Key.Scopes = []string{"admin"}
	for _, tc := range []struct {
		test *connectionTest
		want string
	}{
		{&connectionTest{OK: true}, "The test passed"},
		{&connectionTest{Error: "unauthorized (HTTP 401): bad token"}, "The test failed: unauthorized (HTTP 401): bad token"},
		{&connectionTest{}, "The test failed: the app gave no reason."},
	} {
		rec := httptest.NewRecorder()
		c.render(rec, httptest.NewRequest(http.MethodPost, "/console/connections/c1/test", nil), http.StatusOK, "connection", s,
			pageData{Title: "c1", Data: connectionDetail{Conn: connection{ID: "c1", App: "http", AuthKind: "bearer"}, Test: tc.test}})
		if !strings.Contains(rec.Body.String(), tc.want) {
			t.Errorf("the page lacks %q:\n%s", tc.want, rec.Body.String())
		}
	}
}
