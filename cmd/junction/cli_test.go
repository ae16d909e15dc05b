package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata")

const (
	cliTestKey = "jk_cli_test"
	cliDefID   = "3f0c4bd2-8f5e-4b8e-9c1a-0d6f4f3d2a10"
	cliDefID2  = "9a1b2c3d-0000-4000-8000-000000000002"
	cliPrefix  = "/api/v1/accounts/acme"
)

// cliExchange is one request the fake API expects and what it answers.
type cliExchange struct {
	method, path, query string // path as sent (escaped)
	body                string // JSON the request must carry, compared as JSON; "" means none
	header              map[string]string
	status              int
	respHeader          map[string]string
	resp                string
}

// cliFakeAPI plays Junction's API: it checks each request against the next
// expected exchange (method, path, query, auth header, body) and answers it.
type cliFakeAPI struct {
	t    *testing.T
	want []cliExchange
	n    int
}

func (f *cliFakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t := f.t
	if f.n >= len(f.want) {
		t.Errorf("unexpected request %s %s", r.Method, r.URL)
		http.Error(w, "unexpected", http.StatusTeapot)
		return
	}
	x := f.want[f.n]
	f.n++
	if r.Method != x.method || r.URL.EscapedPath() != x.path || r.URL.RawQuery != x.query {
		t.Errorf("request %d: %s %s?%s, want %s %s?%s", f.n, r.Method, r.URL.EscapedPath(), r.URL.RawQuery, x.method, x.path, x.query)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+cliTestKey {
		t.Errorf("request %d: Authorization %q", f.n, got)
	}
	if ua := r.Header.Get("User-Agent"); !strings.HasPrefix(ua, "junction-cli/") {
		t.Errorf("request %d: User-Agent %q", f.n, ua)
	}
	for k, v := range x.header {
		if got := r.Header.Get(k); got != v {
			t.Errorf("request %d: header %s = %q, want %q", f.n, k, got, v)
		}
	}
	body, _ := io.ReadAll(r.Body)
	if !cliSameJSON(body, x.body) {
		t.Errorf("request %d: body %s, want %s", f.n, body, x.body)
	}
	for k, v := range x.respHeader {
		w.Header().Set(k, v)
	}
	if x.resp != "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(x.status)
	_, _ = io.WriteString(w, x.resp)
}

func cliSameJSON(got []byte, want string) bool {
	if len(bytes.TrimSpace(got)) == 0 || want == "" {
		return len(bytes.TrimSpace(got)) == 0 && want == ""
	}
	var a, b any
	if json.Unmarshal(got, &a) != nil || json.Unmarshal([]byte(want), &b) != nil {
		return false
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// Fixtures, in the shapes the gateway writes.
const (
	cliDocNew = `{"trigger":"http_request","status":"enabled","definition":{"name":"Forward orders","steps":[
	  {"id":"post","stepType":"HttpRequest","inputs":{"url":"http://127.0.0.1:9000/orders","method":"POST"}}]}}`
	cliDocExisting = `{"trigger":"http_request","status":"enabled","definition":{"id":"` + cliDefID + `","name":"Forward orders","version":2,"steps":[
	  {"id":"post","stepType":"HttpRequest","inputs":{"url":"http://127.0.0.1:9000/v2/orders","method":"POST"}}]}}`
)

func cliDefinition(id, name string, version int, status, created string) string {
	return `{"accountId":"acme","trigger":"http_request","status":"` + status + `",
	  "definition":{"id":"` + id + `","name":"` + name + `","version":` + strconv.Itoa(version) + `,
	    "steps":[{"id":"post","stepType":"HttpRequest","inputs":{"url":"http://127.0.0.1:9000/orders","method":"POST"}}]},
	  "futureField":"kept",
	  "id":"` + id + `","version":` + strconv.Itoa(version) + `,"createdAt":"` + created + `"}`
}

var (
	cliDefV1 = cliDefinition(cliDefID, "Forward orders", 1, "enabled", "2026-11-24T07:41:06.22Z")
	cliDefV3 = cliDefinition(cliDefID, "Forward orders", 3, "enabled", "2026-11-25T09:00:00.50Z")
	cliDefB  = cliDefinition(cliDefID2, "Escalate urgent tickets to the on-call engineer's phone, then email", 2, "disabled", "2026-11-20T12:00:00.00Z")
)

const cliRunJSON = `{"workflowId":"order-1001","data":{"accountId":"acme","triggeredAt":"2026-11-24T07:41:06.22Z","order":{"id":"1001"}},
  "definitionId":"` + cliDefID + `","version":3,"status":"Terminated","startedAt":"2026-11-24T07:41:06.22Z","completedAt":"2026-11-24T07:45:10.00Z",
  "logs":[
    {"id":"l1","stepName":"lookup","stepType":"HttpRequest","startedAt":"2026-11-24T07:41:06.30Z","completedAt":"2026-11-24T07:41:06.90Z","status":"Complete",
     "inputs":{"url":"http://127.0.0.1:9000/customers/7"},"output":{"responseCode":200},"attempts":1,"maximumAttempts":15},
    {"id":"l2","stepName":"post","stepType":"HttpRequest","startedAt":"2026-11-24T07:41:07.00Z","completedAt":"2026-11-24T07:45:10.00Z","status":"Failed",
     "inputs":{"url":"http://127.0.0.1:9000/orders"},"attempts":5,"maximumAttempts":5,"lastFailure":"HTTP 503 from http://127.0.0.1:9000/orders","error":"HTTP 503 from http://127.0.0.1:9000/orders after 5 attempts:\n\tservice unavailable, the warehouse is down for maintenance until further notice"}],
  "temporalWorkflowId":"acme/` + cliDefID + `/order-1001","runId":"r-1","temporalStatus":"FAILED"}`

// cliUpgradeReport is a dry run's answer, for TestCLICommands.
const cliUpgradeReport = `{"app":"acme_crm","from":"1.0.0","to":"2.0.0","definitionVersion":3,
  "schemaChanges":[{"kind":"output_removed","action":"create_contact","field":"lifecycle","message":"create_contact: lifecycle is no longer declared"}],
  "runs":[{"workflowId":"first","temporalWorkflowId":"acme/` + cliDefID + `/first","recordedAt":"2026-12-07T04:16:55.24Z","steps":[
    {"step":"contact","action":"create_contact","version":"1.0.0","differences":[
      {"kind":"output_changed","action":"create_contact","field":"id","from":"ct_1","to":"C-0001","message":"create_contact: returns \"C-0001\" for id from the same answer (it was \"ct_1\")"},
      {"kind":"output_removed","action":"create_contact","field":"lifecycle","from":"lead","message":"create_contact: returns no lifecycle (it was \"lead\")"}]},
    {"step":"notify","action":"send_note","version":"1.0.0","differences":[]}]}],
  "safe":false}`

func TestCLICommands(t *testing.T) {
	acmeApp := cliAcmeApp(t)
	const (
		storedAcme   = `{"key":"acme","version":"1.0.0","name":"Acme CRM","status":"stable","owner":"account","createdAt":"2026-12-07T03:00:00.00Z"}`
		testedAction = `{"connection":"c1","inputs":{"email":"grace@example.com","name":"Grace Hopper","tags":["newsletter"]},"version":"1.0.0","wait":"30s"}`
		actionRun    = `{"action":"acme.create_contact","workflowId":"w1","temporalWorkflowId":"acme/action.acme.create_contact/w1","runId":"r1"`
	)
	tests := []struct {
		name   string
		args   []string
		stdin  string
		files  map[string]string
		api    []cliExchange
		golden string // compare stdout with testdata/cli/<golden>.golden
		out    string // or with this
		err    string // the error the command returns
	}{
		{
			name:  "apply creates a document without an id",
			args:  []string{"apply", "-f", "def.json"},
			files: map[string]string{"def.json": cliDocNew},
			api: []cliExchange{{method: "POST", path: cliPrefix + "/definitions", body: cliDocNew,
				header: map[string]string{"Content-Type": "application/json", "If-Match": ""},
				status: 201, respHeader: map[string]string{"ETag": `"v1"`}, resp: cliDefV1}},
			out: "created definition " + cliDefID + " version 1\n",
		},
		{
			name:  "apps push stores a version",
			args:  []string{"apps", "push", "app.json"},
			files: map[string]string{"app.json": `{"key":"acme_crm","version":"1.0.0"}`},
			api: []cliExchange{{method: "POST", path: cliPrefix + "/apps", body: `{"key":"acme_crm","version":"1.0.0"}`,
				status: 201, respHeader: map[string]string{"Location": cliPrefix + "/apps/acme_crm/versions/1.0.0"},
				resp: `{"key":"acme_crm","version":"1.0.0","name":"Acme CRM","status":"stable","createdAt":"2026-12-07T03:00:00.00Z"}`}},
			out: "stored app acme_crm 1.0.0\n",
		},
		{
			name:  "apps push of a version stored with the same document",
			args:  []string{"apps", "push", "-"},
			stdin: `{"key":"acme_crm","version":"1.0.0"}`,
			api: []cliExchange{{method: "POST", path: cliPrefix + "/apps", body: `{"key":"acme_crm","version":"1.0.0"}`,
				status: 200, resp: `{"key":"acme_crm","version":"1.0.0","name":"Acme CRM","status":"stable","createdAt":"2026-12-07T03:00:00.00Z"}`}},
			out: "already stored, unchanged: app acme_crm 1.0.0\n",
		},
		{
			name:  "apps push --platform stores a platform version",
			args:  []string{"apps", "push", "--platform", "app.json"},
			files: map[string]string{"app.json": `{"key":"acme_crm","version":"1.0.0"}`},
			api: []cliExchange{{method: "POST", path: "/api/v1/platform/apps", body: `{"key":"acme_crm","version":"1.0.0"}`,
				status: 201, respHeader: map[string]string{"Location": "/api/v1/platform/apps/acme_crm/versions/1.0.0"},
				resp: `{"key":"acme_crm","version":"1.0.0","name":"Acme CRM","status":"stable","owner":"platform","createdAt":"2026-12-07T03:00:00.00Z"}`}},
			out: "stored app acme_crm 1.0.0, for every account\n",
		},
		{
			name:  "apps test pushes the version and runs the action with its sample input",
			args:  []string{"apps", "test", "app.json", "--action", "create_contact", "--connection", "c1"},
			files: map[string]string{"app.json": acmeApp},
			api: []cliExchange{
				{method: "PUT", path: cliPrefix + "/apps/acme/versions/1.0.0", body: acmeApp, status: 201,
					respHeader: map[string]string{"Location": cliPrefix + "/apps/acme/versions/1.0.0"}, resp: storedAcme},
				{method: "POST", path: cliPrefix + "/actions/acme.create_contact", body: testedAction, status: 202,
					resp: actionRun + `,"status":"running"}`},
				{method: "GET", path: cliPrefix + "/actions/acme.create_contact/runs/w1", query: "wait=30s", status: 200,
					resp: actionRun + `,"status":"completed","output":{"id":"ct_1","email":"grace@example.com"}}`},
			},
			out: "stored app acme 1.0.0\nran acme.create_contact 1.0.0: completed (workflow acme/action.acme.create_contact/w1)\n" +
				"{\n  \"id\": \"ct_1\",\n  \"email\": \"grace@example.com\"\n}\n",
		},
		{
			name:  "apps test of a failing action prints the run and fails",
			args:  []string{"apps", "test", "app.json", "--action", "get_contact", "--input", `{"id":"ct_9"}`, "-o", "json"},
			files: map[string]string{"app.json": acmeApp},
			api: []cliExchange{
				{method: "PUT", path: cliPrefix + "/apps/acme/versions/1.0.0", body: acmeApp, status: 200, resp: storedAcme},
				{method: "POST", path: cliPrefix + "/actions/acme.get_contact", body: `{"inputs":{"id":"ct_9"},"version":"1.0.0","wait":"30s"}`, status: 200,
					resp: actionRun + `,"status":"failed","error":{"type":"NotFound","message":"contact ct_9 not found"}}`},
			},
			err: "acme.get_contact failed: NotFound: contact ct_9 not found",
		},
		{
			name:  "apps test of a version stored with another document",
			args:  []string{"apps", "test", "app.json", "--action", "create_contact"},
			files: map[string]string{"app.json": acmeApp},
			api: []cliExchange{{method: "PUT", path: cliPrefix + "/apps/acme/versions/1.0.0", body: acmeApp, status: 409,
				resp: `{"code":1000,"message":"App acme version 1.0.0 is already stored with another document.","errorId":"e1","timestamp":"2026-12-07T03:00:00.00Z",
				  "errors":[{"path":"version","code":"conflict","message":"already stored with another document"}]}`}},
			err: "App acme version 1.0.0 is already stored with another document. (code 1000, errorId e1)\n  version: already stored with another document\n" +
				"(a version cannot change: give the file a new \"version\" to test this document)",
		},
		{
			name:  "apps test of an action the app does not have sends nothing",
			args:  []string{"apps", "test", "app.json", "--action", "delete_contact"},
			files: map[string]string{"app.json": acmeApp},
			err:   `app acme 1.0.0 has no action "delete_contact"; it has [create_contact get_contact]`,
		},
		{
			name:  "apps test of an invalid app sends nothing",
			args:  []string{"apps", "test", "app.json", "--action", "create_contact"},
			files: map[string]string{"app.json": `{"key":"acme"}`},
			err:   "app.json has 7 problems: nothing was sent",
		},
		{
			name:  "apply updates the definition the document names, from stdin, with If-Match",
			args:  []string{"apply", "--if-match", "v2", "-f", "-"},
			stdin: cliDocExisting,
			api: []cliExchange{{method: "PUT", path: cliPrefix + "/definitions/" + cliDefID, body: cliDocExisting,
				header: map[string]string{"If-Match": `"v2"`}, status: 200, resp: cliDefV3}},
			out: "updated definition " + cliDefID + ": version 3\n",
		},
		{
			name:  "apply -o json prints the stored definition as sent",
			args:  []string{"apply", "-f", "def.json", "-o", "json"},
			files: map[string]string{"def.json": cliDocNew},
			api: []cliExchange{{method: "POST", path: cliPrefix + "/definitions", body: cliDocNew,
				status: 201, resp: cliDefV1}},
			golden: "apply-json",
		},
		{
			name:  "apply reports every problem of an invalid definition",
			args:  []string{"apply", "-f", "def.json"},
			files: map[string]string{"def.json": `{"trigger":"http_request","definition":{"steps":[{"id":"a","stepType":"Foo"}]}}`},
			api: []cliExchange{{method: "POST", path: cliPrefix + "/definitions",
				body:   `{"trigger":"http_request","definition":{"steps":[{"id":"a","stepType":"Foo"}]}}`,
				status: 400, resp: `{"code":5001,"message":"Workflow name is required.","errorId":"e-1","timestamp":"2026-11-24T07:41:06.22Z",
				  "errors":[{"path":"definition.name","code":"required","message":"is required"},
				            {"path":"definition.steps[0].stepType","code":"unknown_step_type","message":"unknown step type \"Foo\""}]}`}},
			err: "Workflow name is required. (code 5001, errorId e-1)\n" +
				"  definition.name: is required\n" +
				`  definition.steps[0].stepType: unknown step type "Foo"`,
		},
		{
			name:  "apply of a document naming a definition this server lacks",
			args:  []string{"apply", "-f", "def.json"},
			files: map[string]string{"def.json": cliDocExisting},
			api: []cliExchange{{method: "PUT", path: cliPrefix + "/definitions/" + cliDefID, body: cliDocExisting, status: 404,
				resp: `{"code":1300,"message":"Definition ` + cliDefID + ` not found.","errorId":"e-2","timestamp":"t"}`}},
			err: "Definition " + cliDefID + " not found. (code 1300, errorId e-2)\n" +
				"(def.json names definition " + cliDefID + "; remove its id to create a new definition instead)",
		},
		{
			name:  "apply refuses a document naming two ids",
			args:  []string{"apply", "-f", "def.json"},
			files: map[string]string{"def.json": `{"id":"` + cliDefID + `","definition":{"id":"` + cliDefID2 + `"}}`},
			err:   `def.json names two ids: "` + cliDefID + `" and definition.id "` + cliDefID2 + `"`,
		},
		{
			name:  "apply refuses a file that is not JSON",
			args:  []string{"apply", "-f", "def.json"},
			files: map[string]string{"def.json": `trigger: http_request`},
			err:   "def.json is not a JSON object: invalid character 'i' in literal true (expecting 'u')",
		},
		{
			name: "get definitions",
			args: []string{"get", "definitions", "--limit", "2"},
			api: []cliExchange{{method: "GET", path: cliPrefix + "/definitions", query: "limit=2",
				status: 200, resp: "[" + cliDefV3 + "," + cliDefB + "]"}},
			golden: "get-definitions",
		},
		{
			name: "get definitions -o json",
			args: []string{"get", "defs", "-o", "json"},
			api: []cliExchange{{method: "GET", path: cliPrefix + "/definitions",
				status: 200, resp: "[" + cliDefV3 + "," + cliDefB + "]"}},
			golden: "get-definitions-json",
		},
		{
			name: "get definition lists its versions",
			args: []string{"get", "definition", cliDefID},
			api: []cliExchange{{method: "GET", path: cliPrefix + "/definitions/" + cliDefID,
				status: 200, resp: "[" + cliDefV3 + "," + cliDefV1 + "]"}},
			golden: "get-definition",
		},
		{
			name: "get definition --version after the id, as JSON to edit",
			args: []string{"get", "definition", cliDefID, "--version", "1", "-o=json"},
			api: []cliExchange{{method: "GET", path: cliPrefix + "/definitions/" + cliDefID, query: "version=1",
				status: 200, resp: "[" + cliDefV1 + "]"}},
			golden: "get-definition-version-json",
		},
		{
			name: "get definition that does not exist",
			args: []string{"get", "definition", cliDefID2},
			api:  []cliExchange{{method: "GET", path: cliPrefix + "/definitions/" + cliDefID2, status: 200, resp: "[]"}},
			err:  "definition " + cliDefID2 + " not found in account acme",
		},
		{
			name: "get runs with filters",
			args: []string{"get", "runs", "--definition", cliDefID, "--version", "3", "--status", "Terminated",
				"--limit", "10", "--from", "2026-11-24T08:00:00+01:00"},
			api: []cliExchange{{method: "GET", path: cliPrefix + "/definitions/" + cliDefID + "/workflows",
				query:  "limit=10&startTimeFrom=2026-11-24T07%3A00%3A00Z&status=Terminated&version=3",
				status: 200, resp: `[` + cliRunJSON + `,{"workflowId":"order-1002","data":{},"definitionId":"` + cliDefID + `","version":3,
				  "status":"Runnable","startedAt":"2026-11-24T07:50:00.00Z","completedAt":"","temporalWorkflowId":"acme/` + cliDefID + `/order-1002",
				  "runId":"r-2","temporalStatus":"RUNNING"}]`}},
			golden: "get-runs",
		},
		{
			name: "get runs needs a definition",
			args: []string{"get", "runs"},
			err:  `Required flag "definition" not set`,
		},
		{
			name: "runs suspend by temporal workflow id",
			args: []string{"runs", "suspend", "acme/" + cliDefID + "/order-1001"},
			api: []cliExchange{{method: "PATCH", path: cliPrefix + "/definitions/" + cliDefID + "/workflows/order-1001",
				body: `{"status":"suspend"}`, status: 200}},
			out: "suspended run acme/" + cliDefID + "/order-1001\n",
		},
		{
			name: "runs resume by workflow id and --definition after it",
			args: []string{"runs", "resume", "order-1001", "--definition", cliDefID},
			api: []cliExchange{{method: "PATCH", path: cliPrefix + "/definitions/" + cliDefID + "/workflows/order-1001",
				body: `{"status":"resume"}`, status: 200}},
			out: "resumed run acme/" + cliDefID + "/order-1001\n",
		},
		{
			name: "runs terminate of a run that already ended",
			args: []string{"runs", "terminate", "acme/" + cliDefID + "/order-1001"},
			api: []cliExchange{{method: "PATCH", path: cliPrefix + "/definitions/" + cliDefID + "/workflows/order-1001",
				body: `{"status":"terminate"}`, status: 409,
				resp: `{"code":1000,"message":"The workflow is Complete; it cannot be terminated.","errorId":"e-7","timestamp":"t"}`}},
			err: "The workflow is Complete; it cannot be terminated. (code 1000, errorId e-7)",
		},
		{
			name: "runs terminate of another account's run",
			args: []string{"runs", "terminate", "globex/" + cliDefID + "/order-1001"},
			err:  "run globex/" + cliDefID + "/order-1001 is in account globex, but the CLI is using account acme (--account)",
		},
		{
			name:   "runs terminate RUN -h shows help and terminates nothing",
			args:   []string{"runs", "terminate", "acme/" + cliDefID + "/order-1001", "-h"},
			golden: "runs-terminate-help",
		},
		{
			name: "runs terminate without a definition",
			args: []string{"runs", "terminate", "order-1001"},
			err:  `run "order-1001" names no definition: pass --definition ID, or give the run as account/definitionId/workflowId`,
		},
		{
			name: "runs logs",
			args: []string{"runs", "logs", "acme/" + cliDefID + "/order-1001"},
			api: []cliExchange{{method: "GET", path: cliPrefix + "/definitions/" + cliDefID + "/workflows/order-1001",
				query: "includeLogs=true", status: 200, resp: cliRunJSON}},
			golden: "runs-logs",
		},
		{
			name: "runs logs -o json prints the run",
			args: []string{"runs", "logs", "acme/" + cliDefID + "/order-1001", "-o", "json"},
			api: []cliExchange{{method: "GET", path: cliPrefix + "/definitions/" + cliDefID + "/workflows/order-1001",
				query: "includeLogs=true", status: 200, resp: cliRunJSON}},
			golden: "runs-logs-json",
		},
		{
			name: "runs logs of a run that does not exist",
			args: []string{"runs", "logs", "--definition", cliDefID, "order-9"},
			api: []cliExchange{{method: "GET", path: cliPrefix + "/definitions/" + cliDefID + "/workflows/order-9",
				query: "includeLogs=true", status: 404,
				resp: `{"code":1300,"message":"Workflow order-9 not found.","errorId":"e-8","timestamp":"t"}`}},
			err: "Workflow order-9 not found. (code 1300, errorId e-8)",
		},
		{
			name: "runs errors",
			args: []string{"runs", "errors", "acme/" + cliDefID + "/order-1001"},
			api: []cliExchange{{method: "GET", path: cliPrefix + "/definitions/" + cliDefID + "/workflows/order-1001/errors",
				status: 200, resp: `[{"workflowId":"order-1001","step":"post","message":"HTTP 503 from http://127.0.0.1:9000/orders","errorTime":"2026-11-24T07:45:10.00Z"},
				  {"workflowId":"order-1001","step":"post","message":"Failed: activity error: HTTP 503","errorTime":"2026-11-24T07:45:10.00Z"}]`}},
			golden: "runs-errors",
		},
		{
			name: "runs start",
			args: []string{"runs", "start", "--definition", cliDefID, "--version", "1", "-d", `{"order":{"id":"7"}}`},
			api: []cliExchange{{method: "POST", path: cliPrefix + "/definitions/" + cliDefID + "/workflows", query: "version=1",
				body: `{"order":{"id":"7"}}`, status: 201,
				resp: `{"definitionId":"` + cliDefID + `","version":1,"workflowId":"e-7","temporalWorkflowId":"acme/` + cliDefID + `/e-7","runId":"r"}`}},
			out: "started run acme/" + cliDefID + "/e-7 (definition " + cliDefID + " version 1)\n",
		},
		{
			name:  "trigger http_request with a payload file",
			args:  []string{"trigger", "http_request", "-d", "@payload.json", "--sub-account", "eu", "--idempotency-key", "order-1001"},
			files: map[string]string{"payload.json": `{"order": {"id": "1001"}}`},
			api: []cliExchange{{method: "POST", path: cliPrefix + "/triggers/http_request", query: "subAccountId=eu",
				body: `{"order":{"id":"1001"}}`, header: map[string]string{"Idempotency-Key": "order-1001"}, status: 200,
				resp: `{"eventId":"order-1001",
				  "runs":[{"definitionId":"` + cliDefID + `","version":3,"workflowId":"order-1001","temporalWorkflowId":"acme/` + cliDefID + `/order-1001","runId":"r1"}],
				  "resumed":[{"definitionId":"` + cliDefID2 + `","version":2,"workflowId":"e0","temporalWorkflowId":"acme/` + cliDefID2 + `/e0","runId":"r2"}],
				  "skipped":[{"definitionId":"` + cliDefID2 + `","version":2,"reason":"conditions[0] is false"}]}`}},
			golden: "trigger",
		},
		{
			name:  "trigger with the payload on stdin, as JSON",
			args:  []string{"trigger", "http_request", "-d", "@-", "-o", "json"},
			stdin: `{"who":"ops"}`,
			api: []cliExchange{{method: "POST", path: cliPrefix + "/triggers/http_request", body: `{"who":"ops"}`, status: 200,
				resp: `{"eventId":"0190","runs":[{"definitionId":"` + cliDefID + `","version":3,"workflowId":"0190","temporalWorkflowId":"acme/` + cliDefID + `/0190","runId":"r1"}]}`}},
			golden: "trigger-json",
		},
		{
			name: "trigger that starts nothing says why",
			args: []string{"trigger", "http_request"},
			api: []cliExchange{{method: "POST", path: cliPrefix + "/triggers/http_request", status: 200,
				resp: `{"eventId":"0191","runs":[]}`}},
			out: "event 0191: no run started: account acme has no enabled http_request definition for it (a definition starts runs once its status is \"enabled\")\n",
		},
		{
			name: "trigger rate limited",
			args: []string{"trigger", "http_request", "-d", `{}`},
			api: []cliExchange{{method: "POST", path: cliPrefix + "/triggers/http_request", body: `{}`, status: 429,
				respHeader: map[string]string{"Retry-After": "7"},
				resp:       `{"code":429,"message":"Too many requests for this API key.","errorId":"e-9","timestamp":"t"}`}},
			err: "Too many requests for this API key. (code 429, errorId e-9); retry after 7s",
		},
		{
			name: "trigger with a payload that is not JSON",
			args: []string{"trigger", "http_request", "-d", `{"a":`},
			err:  "--data is not valid JSON",
		},
		{
			name: "upgrade-app --dry-run",
			args: []string{"upgrade-app", cliDefID, "--app", "acme_crm", "--version", "2.0.0", "--dry-run"},
			api: []cliExchange{{method: "POST", path: cliPrefix + "/definitions/" + cliDefID + "/upgrade-app",
				body: `{"app":"acme_crm","version":"2.0.0","dryRun":true}`, status: 200, resp: cliUpgradeReport}},
			golden: "upgrade-app-dry-run",
		},
		{
			name: "upgrade-app",
			args: []string{"upgrade-app", cliDefID, "--app", "acme_crm", "--version", "2.0.0"},
			api: []cliExchange{{method: "POST", path: cliPrefix + "/definitions/" + cliDefID + "/upgrade-app",
				body: `{"app":"acme_crm","version":"2.0.0"}`, status: 200, respHeader: map[string]string{"ETag": `"v3"`}, resp: cliDefV3}},
			out: "updated definition " + cliDefID + ": version 3, on acme_crm 2.0.0\n",
		},
		{
			name: "upgrade-app refused",
			args: []string{"upgrade-app", cliDefID, "--app", "slack", "--version", "1.0.0", "--dry-run"},
			api: []cliExchange{{method: "POST", path: cliPrefix + "/definitions/" + cliDefID + "/upgrade-app",
				body: `{"app":"slack","version":"1.0.0","dryRun":true}`, status: 400,
				resp: `{"code":1000,"message":"app: does not use slack","errors":[{"path":"app","code":"invalid_value","message":"does not use slack"}]}`}},
			err: "app: does not use slack (code 1000)\n  app: does not use slack",
		},
		{
			name: "upgrade-app without its flags",
			args: []string{"upgrade-app", cliDefID, "--app", "acme_crm"},
			err:  "usage: junction upgrade-app DEFINITION --app APP --version VERSION",
		},
		{
			name: "a missing argument",
			args: []string{"runs", "logs"},
			err:  "usage: junction runs logs " + cliRunUsage,
		},
		{
			name: "unknown output format",
			args: []string{"get", "definitions", "-o", "yaml"},
			err:  `--output must be table or json, not "yaml"`,
		},
		{
			name: "unknown flag after an argument",
			args: []string{"get", "definition", cliDefID, "--verbose"},
			err:  "flag provided but not defined: --verbose",
		},
	}
	testdata, err := filepath.Abs(filepath.Join("testdata", "cli"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &cliFakeAPI{t: t, want: tt.api}
			srv := httptest.NewServer(fake)
			defer srv.Close()
			cliTestEnv(t, srv.URL)
			for name, content := range tt.files {
				if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
			}

			out, err := cliRun(t, tt.stdin, tt.args...)
			switch {
			case tt.err != "" && err == nil:
				t.Fatalf("no error, want %q; output:\n%s", tt.err, out)
			case tt.err != "" && err.Error() != tt.err:
				t.Fatalf("error:\n%s\nwant:\n%s", err, tt.err)
			case tt.err == "" && err != nil:
				t.Fatalf("error: %v", err)
			}
			if fake.n != len(fake.want) {
				t.Errorf("the API saw %d requests, want %d", fake.n, len(fake.want))
			}
			switch {
			case tt.golden != "":
				cliCheckGolden(t, filepath.Join(testdata, tt.golden+".golden"), out)
			case tt.err == "" && out != tt.out:
				t.Errorf("output:\n%s\nwant:\n%s", out, tt.out)
			}
		})
	}
}

// cliAcmeApp is the declarative format's example app (key acme).
func cliAcmeApp(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "connectors", "declarative", "testdata", "valid", "acme_crm.json"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// cliTestEnv points the CLI at the fake API through the environment, in an
// empty working directory with no config file, so nothing on the machine
// running the tests leaks in.
func cliTestEnv(t *testing.T, server string) {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "xdg"))
	t.Setenv("JUNCTION_SERVER", server)
	t.Setenv("JUNCTION_API_KEY", cliTestKey)
	t.Setenv("JUNCTION_ACCOUNT", "acme")
	t.Setenv("JUNCTION_CONFIG", "")
	os.Unsetenv("JUNCTION_CONFIG")
}

// runCLI runs the client verbs as `junction ARGS...` would, returning what
// they print.
func cliRun(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	app := &cli.App{
		Name:      "junction",
		Commands:  clientCommands(),
		Reader:    strings.NewReader(stdin),
		Writer:    &out,
		ErrWriter: &errOut,
	}
	err := app.RunContext(context.Background(), append([]string{"junction"}, args...))
	return out.String(), err
}

func cliCheckGolden(t *testing.T, path, got string) {
	t.Helper()
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run CLI -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test -run CLI -update rewrites it):\n%s\nwant:\n%s", filepath.Base(path), got, want)
	}
}

func TestCLIUnreachableServer(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	cliTestEnv(t, url)
	_, err := cliRun(t, "", "get", "definitions")
	if err == nil || !strings.HasPrefix(err.Error(), "cannot reach the Junction API at "+url+" (is `junction dev` running?") {
		t.Fatalf("error %v", err)
	}
}

func TestCLISettingsPrecedence(t *testing.T) {
	type files struct{ config, devKey string }
	tests := []struct {
		name  string
		env   map[string]string
		flags []string
		files files
		hint  string
		want  cliSettings
		err   string
	}{
		{
			name: "nothing configured",
			err:  "no account: pass --account",
		},
		{
			name:  "dev defaults from the directory of junction dev",
			files: files{devKey: "jk_dev_123\n"},
			want:  cliSettings{Server: "http://127.0.0.1:8080", APIKey: "jk_dev_123", Account: "dev"},
		},
		{
			name:  "config file over dev defaults",
			files: files{config: `{"server":"https://junction.example.com","apiKey":"jk_cfg","account":"acme"}`, devKey: "jk_dev_123"},
			want:  cliSettings{Server: "https://junction.example.com", APIKey: "jk_cfg", Account: "acme"},
		},
		{
			name:  "env over config file, field by field",
			env:   map[string]string{"JUNCTION_SERVER": "http://10.0.0.5:8080", "JUNCTION_ACCOUNT": "globex"},
			files: files{config: `{"server":"https://junction.example.com","apiKey":"jk_cfg","account":"acme"}`},
			want:  cliSettings{Server: "http://10.0.0.5:8080", APIKey: "jk_cfg", Account: "globex"},
		},
		{
			name:  "flags over env",
			env:   map[string]string{"JUNCTION_SERVER": "http://10.0.0.5:8080", "JUNCTION_API_KEY": "jk_env", "JUNCTION_ACCOUNT": "globex"},
			flags: []string{"--server", "127.0.0.1:9090", "--api-key", "jk_flag", "--account", "initech"},
			want:  cliSettings{Server: "http://127.0.0.1:9090", APIKey: "jk_flag", Account: "initech"},
		},
		{
			name:  "config file named by env",
			env:   map[string]string{"JUNCTION_CONFIG": "other.json"},
			files: files{config: `{"account":"ignored"}`},
			err:   "reading config file: open other.json: no such file or directory",
		},
		{
			name:  "a misspelt config field is an error",
			files: files{config: `{"api_key":"jk"}`},
			err:   `json: unknown field "api_key"`,
		},
		{
			name:  "the run's account before the dev default",
			files: files{devKey: "jk_dev_123"},
			hint:  "acme",
			want:  cliSettings{Server: "http://127.0.0.1:8080", APIKey: "jk_dev_123", Account: "acme"},
		},
		{
			name:  "configured account before the run's",
			files: files{config: `{"account":"globex"}`},
			hint:  "acme",
			want:  cliSettings{Server: "http://127.0.0.1:8080", Account: "globex"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			xdg := filepath.Join(dir, "xdg")
			t.Setenv("XDG_CONFIG_HOME", xdg)
			for _, k := range []string{"JUNCTION_SERVER", "JUNCTION_API_KEY", "JUNCTION_ACCOUNT", "JUNCTION_CONFIG"} {
				t.Setenv(k, "")
				os.Unsetenv(k)
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			if tt.files.config != "" {
				cliWriteFile(t, filepath.Join(xdg, "junction", "config.json"), tt.files.config)
			}
			if tt.files.devKey != "" {
				cliWriteFile(t, filepath.Join(dir, cliDevKeyFile), tt.files.devKey)
			}
			var got cliSettings
			var gotErr error
			app := &cli.App{Commands: []*cli.Command{{
				Name:  "probe",
				Flags: cliConnectionFlags(),
				Action: func(c *cli.Context) error {
					got, gotErr = resolveCLISettings(c, tt.hint)
					return nil
				},
			}}}
			if err := app.Run(append([]string{"junction", "probe"}, tt.flags...)); err != nil {
				t.Fatal(err)
			}
			if tt.err != "" {
				if gotErr == nil || !strings.Contains(gotErr.Error(), tt.err) {
					t.Fatalf("error %v, want %q", gotErr, tt.err)
				}
				return
			}
			if gotErr != nil {
				t.Fatal(gotErr)
			}
			if got != tt.want {
				t.Errorf("settings %+v, want %+v", got, tt.want)
			}
		})
	}
}

func cliWriteFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestCLIParseRun(t *testing.T) {
	tests := []struct {
		arg, definition string
		want            cliRunRef
		err             string
	}{
		{arg: "acme/d1/e1", want: cliRunRef{account: "acme", definitionID: "d1", workflowID: "e1"}},
		{arg: "acme/d1/e1", definition: "d1", want: cliRunRef{account: "acme", definitionID: "d1", workflowID: "e1"}},
		{arg: "e1", definition: "d1", want: cliRunRef{definitionID: "d1", workflowID: "e1"}},
		{arg: "acme/d1/e1", definition: "d2", err: `run "acme/d1/e1" is of definition d1, not --definition d2`},
		{arg: "d1/e1", err: `run "d1/e1" must be a workflowId or account/definitionId/workflowId`},
		{arg: "acme//e1", err: `run "acme//e1" must be a workflowId or account/definitionId/workflowId`},
		{arg: "e1", err: `run "e1" names no definition`},
	}
	for _, tt := range tests {
		got, err := parseCLIRun(tt.arg, tt.definition)
		if tt.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
				t.Errorf("parseCLIRun(%q, %q) error %v, want %q", tt.arg, tt.definition, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("parseCLIRun(%q, %q) = %+v, %v; want %+v", tt.arg, tt.definition, got, err, tt.want)
		}
	}
}

// `junction apps validate` reads app files offline: a valid one is named,
// an invalid one lists every problem with its path, and the command fails.
func TestCLIAppsValidate(t *testing.T) {
	valid := filepath.Join("..", "..", "connectors", "declarative", "testdata", "valid", "acme_crm.json")
	invalid := filepath.Join("..", "..", "connectors", "declarative", "testdata", "invalid", "actions.json")
	out, err := cliRun(t, "", "apps", "validate", valid)
	if err != nil || !strings.Contains(out, "acme_crm.json: app acme 1.0.0 is valid") {
		t.Fatalf("valid app: %v\n%s", err, out)
	}
	out, err = cliRun(t, "", "apps", "validate", valid, invalid)
	if err == nil || !strings.Contains(err.Error(), "1 of 2 app files have problems") {
		t.Fatalf("an invalid app: error %v", err)
	}
	if !strings.Contains(out, "actions.json: ") || !strings.Contains(out, "actions[") {
		t.Errorf("the problems are not listed with their paths:\n%s", out)
	}
	if _, err := cliRun(t, "", "apps", "validate"); err == nil {
		t.Error("no file named, and no error")
	}
}
