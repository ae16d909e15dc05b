package devstack_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestEveryRouteRejectsInvalidInput sends each route of the account API the
// invalid requests that apply to it (a malformed id, an out-of-range
// limit, an oversized body, a wrong type, an unknown field) and requires a
// 4xx in the error schema every time: never a 5xx, never an empty body.
func TestEveryRouteRejectsInvalidInput(t *testing.T) {
	s := startStack(t, t.TempDir(), false)
	defer s.Stop(context.Background())
	sk := newSink(t)
	def := createDefinition(t, s, "acme", orderDefinition(sk.URL, "enabled"))
	defID := def["id"].(string)
	trigger(t, s, "acme", orderPayload, map[string]string{"Idempotency-Key": "known-run"})

	huge := `{"pad":"` + strings.Repeat("x", 2<<20) + `"}`
	good := strings.NewReplacer(":accountId", "acme", ":definitionId", defID, ":workflowId", "known-run",
		":keyId", "key_unknown", ":subAccountId", "nosuch", ":app", "http", ":version", "1.0.0")

	type attempt struct {
		name, path, query, body string
	}
	var walked int
	for _, r := range s.Gateway.Routes() {
		method, route := r[0], r[1]
		if !strings.HasPrefix(route, "/api/v1/accounts/") {
			continue
		}
		walked++
		var attempts []attempt
		if strings.Contains(route, ":definitionId") {
			attempts = append(attempts, attempt{"definition id not a UUID", strings.Replace(route, ":definitionId", "not-a-uuid", 1), "", "{}"})
		}
		if strings.Contains(route, ":workflowId") {
			attempts = append(attempts, attempt{"run id with bad characters", strings.Replace(route, ":workflowId", "bad%20id", 1), "", `{"status":"suspend"}`})
		}
		if method == http.MethodGet && (strings.HasSuffix(route, "/definitions") || strings.HasSuffix(route, "/workflows") ||
			strings.HasSuffix(route, "/keys") || strings.HasSuffix(route, "/subaccounts") || strings.HasSuffix(route, "/:definitionId")) {
			attempts = append(attempts,
				attempt{"limit out of range", route, "?limit=0", ""},
				attempt{"limit not a number", route, "?limit=ten", ""},
				attempt{"negative offset", route, "?offset=-1", ""})
		}
		if strings.HasSuffix(route, "/workflows") || (method != http.MethodPost && strings.HasSuffix(route, "/:definitionId")) {
			attempts = append(attempts, attempt{"version zero", route, "?version=0", "{}"})
		}
		if method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch {
			attempts = append(attempts,
				attempt{"oversized body", route, "", huge},
				attempt{"malformed JSON", route, "", `{"unterminated": `})
		}
		if method == http.MethodPatch {
			attempts = append(attempts,
				attempt{"status of the wrong type", route, "", `{"status": 5}`},
				attempt{"unknown field", route, "", `{"status":"suspend","reason":"x"}`},
				attempt{"unknown action", route, "", `{"status":"explode"}`})
		}
		if method == http.MethodPost && (strings.HasSuffix(route, "/keys") || strings.HasSuffix(route, "/subaccounts")) {
			attempts = append(attempts,
				attempt{"unknown field", route, "", `{"id":"ok_id","nmae":"typo"}`},
				attempt{"field of the wrong type", route, "", `{"id":["list"],"name":5,"scopes":"admin"}`})
		}
		if method == http.MethodPost && strings.HasSuffix(route, "/keys") {
			attempts = append(attempts, attempt{"unknown scope", route, "", `{"name":"x","scopes":["root"]}`})
		}
		if (method == http.MethodPost && strings.HasSuffix(route, "/definitions")) || (method == http.MethodPut && strings.HasSuffix(route, "/:definitionId")) {
			attempts = append(attempts,
				attempt{"trigger of the wrong type", route, "", `{"trigger":5,"definition":{"name":"x","steps":[]}}`},
				attempt{"unknown step type", route, "", `{"trigger":"http_request","definition":{"name":"x","steps":[{"id":"a","stepType":"Teleport"}]}}`})
		}
		if strings.Contains(route, ":app") {
			attempts = append(attempts,
				attempt{"app id with bad characters", strings.Replace(route, ":app", "Bad%20App", 1), "", ""},
				attempt{"version not semantic", strings.Replace(route, ":version", "latest", 1), "", ""})
		}
		if strings.Contains(route, "/triggers/") {
			attempts = append(attempts, attempt{"body not an object", route, "", `"just a string"`})
		}
		if strings.HasSuffix(route, "/triggers/inbound_sms") || strings.HasSuffix(route, "/triggers/inbound_chat_apps") {
			attempts = append(attempts, attempt{"envelope without payload", route, "", `{"namespace":"SMS"}`})
		}
		if method == http.MethodDelete && (strings.Contains(route, ":keyId") || strings.Contains(route, ":subAccountId")) ||
			strings.HasSuffix(route, "/rotate") {
			attempts = append(attempts, attempt{"unknown resource", route, "", ""})
		}
		if len(attempts) == 0 {
			continue
		}
		for _, a := range attempts {
			t.Run(method+" "+route+": "+a.name, func(t *testing.T) {
				resp := call(t, method, s.GatewayURL+good.Replace(a.path)+a.query, []byte(a.body), nil)
				if resp.Status < 400 || resp.Status >= 500 {
					t.Fatalf("status %d, want a 4xx: %s", resp.Status, truncate(resp.Body))
				}
				var e struct {
					Code      int    `json:"code"`
					Message   string `json:"message"`
					ErrorID   string `json:"errorId"`
					Timestamp string `json:"timestamp"`
				}
				if err := json.Unmarshal(resp.Body, &e); err != nil || e.Code == 0 || e.Message == "" || e.ErrorID == "" || e.Timestamp == "" {
					t.Fatalf("not the error schema: %s", truncate(resp.Body))
				}
			})
		}
	}
	if walked < 20 {
		t.Fatalf("walked only %d routes", walked)
	}
}

func truncate(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}
