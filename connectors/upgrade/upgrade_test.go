package upgrade_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/auth"
	"github.com/junction-run/junction/connectors/declarative"
	"github.com/junction-run/junction/connectors/upgrade"
	"github.com/junction-run/junction/egress"
)

// The secrets of the recorded call: the connection's token and the app's
// partner id.
const (
	token     = "tok-9f8e7d6c5b4a"
	partnerID = "partner-31415926"
)

func app(t *testing.T, file string) connectors.Connector {
	t.Helper()
	data, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	a, err := declarative.Parse(data)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	c, err := a.Connector()
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return c
}

func action(t *testing.T, c connectors.Connector, id string) connectors.Action {
	t.Helper()
	for _, a := range c.Actions() {
		if a.Spec().ID == id {
			return a
		}
	}
	t.Fatalf("%s %s has no action %s", c.Spec().ID, c.Spec().Version, id)
	return nil
}

// summary is a change as the tests compare it.
func summary(cs []upgrade.Change) []string {
	out := []string{}
	for _, c := range cs {
		s := c.Kind + " " + c.Action + " " + c.Field
		if c.From != nil || c.To != nil {
			s += fmt.Sprintf(" %v -> %v", c.From, c.To)
		}
		out = append(out, strings.Join(strings.Fields(s), " "))
	}
	return out
}

func TestDiffOfTwoAppVersions(t *testing.T) {
	v1, v2 := app(t, "acme_v1.json"), app(t, "acme_v2.json")
	tests := []struct {
		name string
		uses upgrade.Uses
		want []string
	}{
		{name: "create_contact and the trigger", uses: upgrade.Uses{Actions: []string{"create_contact"}, Trigger: "contact_created"}, want: []string{
			"input_retyped create_contact score integer -> number",
			"input_removed create_contact tags",
			"input_required create_contact name",
			"output_removed create_contact lifecycle",
			"payload_retyped contact_created contact.email string -> null|string",
			"payload_removed contact_created contact.lifecycle",
			"property_needed region",
			"auth_removed bearer",
		}},
		{name: "a renamed action", uses: upgrade.Uses{Actions: []string{"get_contact"}}, want: []string{
			"action_removed get_contact get_contact -> fetch_contact",
			"property_needed region",
			"auth_removed bearer",
		}},
		{name: "no change from a version to itself", uses: upgrade.Uses{Actions: []string{"create_contact", "get_contact"}, Trigger: "contact_created"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			to := v2
			if tt.want == nil {
				to, tt.want = v1, []string{}
			}
			got := summary(upgrade.Diff(v1.Spec(), to.Spec(), tt.uses))
			if !slices.Equal(got, tt.want) {
				t.Errorf("Diff =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestDiffOfSchemas compares input and output schemas field by field:
// nested objects, array items, types and what is required.
func TestDiffOfSchemas(t *testing.T) {
	tests := []struct {
		name     string
		from, to string // the input schema; the output is the same
		want     []string
	}{
		{name: "nested field removed", from: `{"type":"object","properties":{"address":{"type":"object","properties":{"city":{"type":"string"},"zip":{"type":"string"}}}}}`,
			to:   `{"type":"object","properties":{"address":{"type":"object","properties":{"city":{"type":"string"}}}}}`,
			want: []string{"input_removed a address.zip", "output_removed a address.zip"}},
		{name: "a removed object is one change", from: `{"type":"object","properties":{"address":{"type":"object","properties":{"city":{"type":"string"}}}}}`,
			to:   `{"type":"object","properties":{}}`,
			want: []string{"input_removed a address", "output_removed a address"}},
		{name: "array items retyped", from: `{"type":"object","properties":{"tags":{"type":"array","items":{"type":"string"}}}}`,
			to:   `{"type":"object","properties":{"tags":{"type":"array","items":{"type":"integer"}}}}`,
			want: []string{"input_retyped a tags[] string -> integer", "output_retyped a tags[] string -> integer"}},
		{name: "fields of array items", from: `{"type":"object","properties":{"lines":{"type":"array","items":{"type":"object","properties":{"sku":{"type":"string"},"qty":{"type":"integer"}}}}}}`,
			to:   `{"type":"object","properties":{"lines":{"type":"array","items":{"type":"object","properties":{"sku":{"type":"string"}},"required":["sku"]}}}}`,
			want: []string{"input_removed a lines[].qty", "input_required a lines[].sku", "output_removed a lines[].qty"}},
		{name: "a type made nullable", from: `{"type":"object","properties":{"n":{"type":"integer"}}}`, to: `{"type":"object","properties":{"n":{"type":["null","integer"]}}}`,
			want: []string{"input_retyped a n integer -> integer|null", "output_retyped a n integer -> integer|null"}},
		{name: "a new required field", from: `{"type":"object","properties":{}}`, to: `{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]}`,
			want: []string{"input_required a n"}},
		{name: "a new optional field is no change", from: `{"type":"object","properties":{}}`, to: `{"type":"object","properties":{"n":{"type":"integer"}}}`,
			want: []string{}},
	}
	spec := func(schema string) connectors.Spec {
		s, err := connectors.ParseSchema([]byte(schema))
		if err != nil {
			t.Fatal(err)
		}
		return connectors.Spec{ID: "x", Version: "1.0.0", Actions: []connectors.ActionSpec{{ID: "a", Name: "A", Input: s, Output: s}}}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summary(upgrade.Diff(spec(tt.from), spec(tt.to), upgrade.Uses{Actions: []string{"a"}}))
			if !slices.Equal(got, tt.want) {
				t.Errorf("Diff =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// acmeFake is the third party: it creates contacts and counts requests.
type acmeFake struct {
	*httptest.Server
	mu       sync.Mutex
	requests []*http.Request
	bodies   []string
}

func newAcmeFake(t *testing.T) *acmeFake {
	f := &acmeFake{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.requests = append(f.requests, r)
		f.bodies = append(f.bodies, string(body))
		f.mu.Unlock()
		var in map[string]any
		_ = json.Unmarshal(body, &in)
		w.Header().Set("Content-Type", "application/json")
		if r.Method != http.MethodPost || r.URL.Path != "/v1/contacts" {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error": "no such route"}`))
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{"id": "ct_1", "contact_id": "C-0001", "email": in["email"], "lifecycle": "lead",
			"echo": r.Header.Get("X-Acme-Partner")})
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *acmeFake) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

// record runs create_contact of v1 against the fake through a Recorder
// around the connection's credentials, as the worker does, and returns
// the call as the worker keeps it.
func record(t *testing.T, fake *acmeFake, input map[string]any) upgrade.Call {
	t.Helper()
	rec := upgrade.NewRecorder(auth.Bearer(token).Transport(egress.Default().Transport()))
	conn := connectors.Connection{AuthKind: connectors.AuthBearer, Properties: map[string]string{"base_url": fake.URL},
		Secrets: connectors.SecretValues{connectors.FieldToken: token}}
	env := connectors.EnvVars{"ACME_PARTNER_ID": partnerID}
	raw, _ := json.Marshal(input)
	out, err := action(t, app(t, "acme_v1.json"), "create_contact").Run(t.Context(), connectors.Call{
		Input: raw, Connection: conn, Env: env, HTTP: egress.Default().WithTransport(rec.Transport()), IdempotencyKey: "key-1"})
	if err != nil {
		t.Fatalf("create_contact: %v", err)
	}
	exchanges, omitted := rec.Exchanges()
	call := upgrade.Call{Input: input, AuthKind: conn.AuthKind, Properties: conn.Properties, Env: env,
		Exchanges: exchanges, ExchangesOmitted: omitted, Output: out}
	call.Scrub(egress.NewScrubber(token, partnerID).Replace)
	return call
}

func TestRecorderKeepsNoSecret(t *testing.T) {
	fake := newAcmeFake(t)
	call := record(t, fake, map[string]any{"email": "grace@example.com", "name": "Grace Hopper"})
	if fake.count() != 1 || fake.requests[0].Header.Get("X-Acme-Partner") != partnerID {
		t.Fatalf("the fake got %d requests; the call did not go as it would", fake.count())
	}
	if len(call.Exchanges) != 1 || call.ExchangesOmitted {
		t.Fatalf("recorded %+v", call.Exchanges)
	}
	ex := call.Exchanges[0]
	if ex.Request.Method != http.MethodPost || ex.Request.URL != fake.URL+"/v1/contacts" || ex.Answer == nil || ex.Answer.Status != http.StatusCreated ||
		ex.Answer.ContentType != "application/json" || !strings.Contains(ex.Answer.Body, `"contact_id":"C-0001"`) ||
		ex.Request.Body != fake.bodies[0] {
		t.Errorf("recorded %+v, answer %+v", ex.Request, ex.Answer)
	}
	if _, ok := ex.Request.Header["Authorization"]; ok {
		t.Errorf("the recorder saw the credentials: %v", ex.Request.Header)
	}
	if ex.Request.Header["X-Acme-Partner"] != egress.Redacted || ex.Request.Header["Idempotency-Key"] != egress.Redacted {
		t.Errorf("headers %v: the partner id is scrubbed, a header named like a key redacted", ex.Request.Header)
	}
	raw, err := json.Marshal(call)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{token, partnerID} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("the record holds a secret: %s", raw)
		}
	}
}

func TestReplay(t *testing.T) {
	fake := newAcmeFake(t)
	v1, v2 := app(t, "acme_v1.json"), app(t, "acme_v2.json")
	tests := []struct {
		name  string
		input map[string]any
		want  []string // Compare of v1's and v2's replays
	}{
		{name: "a removed output and a changed answer mapping", input: map[string]any{"email": "grace@example.com", "name": "Grace Hopper"}, want: []string{
			"request_changed create_contact url " + fake.URL + "/v1/contacts -> " + fake.URL + "/v2/contacts",
			"request_changed create_contact body.source <nil> -> junction",
			"output_changed create_contact id ct_1 -> C-0001",
			"output_removed create_contact lifecycle lead -> <nil>",
		}},
		{name: "an input the new version drops", input: map[string]any{"email": "ada@example.com", "name": "Ada", "tags": []any{"vip"}}, want: []string{
			"input_invalid create_contact tags",
		}},
		{name: "an input the new version requires", input: map[string]any{"email": "ada@example.com"}, want: []string{
			"input_invalid create_contact name",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			call := record(t, fake, tt.input)
			sent := fake.count()
			if why := call.Replayable(); why != "" {
				t.Fatal(why)
			}
			old := upgrade.Replay(t.Context(), action(t, v1, "create_contact"), call)
			// The old version replayed is the call as it ran.
			if diff := upgrade.Compare("create_contact", upgrade.Recorded(call), old); len(diff) != 0 {
				t.Errorf("v1's replay differs from the record: %v", summary(diff))
			}
			got := upgrade.CheckInput(action(t, v2, "create_contact").Spec(), call.Input)
			if len(got) == 0 {
				got = upgrade.Compare("create_contact", old, upgrade.Replay(t.Context(), action(t, v2, "create_contact"), call))
			}
			if s := summary(got); !slices.Equal(s, tt.want) {
				t.Errorf("differences =\n%s\nwant\n%s", strings.Join(s, "\n"), strings.Join(tt.want, "\n"))
			}
			if fake.count() != sent {
				t.Errorf("replays sent %d requests to the third party", fake.count()-sent)
			}
		})
	}
}

// TestReplayOfAFailure replays a call whose answer was an error: the same
// answer fails the same way on both versions.
func TestReplayOfAFailure(t *testing.T) {
	v1 := app(t, "acme_v1.json")
	call := upgrade.Call{Input: map[string]any{"email": "grace@example.com"}, Properties: map[string]string{"base_url": "https://acme.example"},
		Exchanges: []upgrade.Exchange{{Request: upgrade.Request{Method: "POST", URL: "https://acme.example/v1/contacts"},
			Answer: &upgrade.Answer{Status: 422, ContentType: "application/json", Body: `{"error": "email taken"}`}}}}
	got := upgrade.Replay(t.Context(), action(t, v1, "create_contact"), call)
	if got.Error == "" || !strings.Contains(got.Error, "email taken") || len(got.Requests) != 1 {
		t.Errorf("replay %+v, want the 422 as an error", got)
	}
	// No answer for a second request: a replay fails, it never sends.
	call.Exchanges[0].Answer = nil
	if got := upgrade.Replay(t.Context(), action(t, v1, "create_contact"), call); got.Error == "" {
		t.Errorf("a replay without an answer: %+v", got)
	}
}
