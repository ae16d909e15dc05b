package devstack_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/shopify/shopifytest"
	"github.com/junction-run/junction/internal/apitest"
	"github.com/junction-run/junction/internal/devstack"
	"github.com/junction-run/junction/store"
)

var recordHistories = flag.Bool("record-histories", false,
	"write the histories of runs the tests complete to workflows/testdata/histories, for the replay test")

// historyEvents reads a run's whole history (runID "" is the latest run).
func historyEvents(t *testing.T, s *devstack.Stack, workflowID, runID string) []*historypb.HistoryEvent {
	t.Helper()
	var events []*historypb.HistoryEvent
	iter := s.Client.GetWorkflowHistory(context.Background(), workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, ev)
	}
	return events
}

// eventCounts counts a run's history events by type.
func eventCounts(t *testing.T, s *devstack.Stack, workflowID, runID string) map[enumspb.EventType]int {
	t.Helper()
	counts := map[enumspb.EventType]int{}
	for _, ev := range historyEvents(t, s, workflowID, runID) {
		counts[ev.GetEventType()]++
	}
	return counts
}

// activityTypes lists the activities a run's history records: a scheduled
// activity by its type, a local one as "local:" and its type (read from
// the SDK's LocalActivity marker).
func activityTypes(t *testing.T, s *devstack.Stack, workflowID, runID string) []string {
	t.Helper()
	var types []string
	for _, ev := range historyEvents(t, s, workflowID, runID) {
		if a := ev.GetActivityTaskScheduledEventAttributes(); a != nil {
			types = append(types, a.GetActivityType().GetName())
		}
		if m := ev.GetMarkerRecordedEventAttributes(); m != nil && m.GetMarkerName() == "LocalActivity" {
			var data struct{ ActivityType string }
			payloads := m.GetDetails()["data"].GetPayloads()
			if len(payloads) != 1 || json.Unmarshal(payloads[0].GetData(), &data) != nil {
				t.Fatalf("local activity marker without its data: %v", m)
			}
			types = append(types, "local:"+data.ActivityType)
		}
	}
	return types
}

// recordHistory saves a run's history for the workflows package's replay
// test, when -record-histories is set: a closed run's whole history, or an
// open one's (the refresher's, which idles for an hour) as far as it goes.
func recordHistory(t *testing.T, s *devstack.Stack, name, workflowID, runID string) {
	t.Helper()
	if !*recordHistories {
		return
	}
	history := historypb.History{Events: historyEvents(t, s, workflowID, runID)}
	b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(&history)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "workflows", "testdata", "histories", name+".json")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %s", path)
}

// executionsOfType lists the executions of one workflow type, newest first,
// to find the ids of workflows the gateway starts (connection tests,
// OAuth2 authorizations) for recordHistory.
func executionsOfType(t *testing.T, s *devstack.Stack, workflowType string) []*workflowpb.WorkflowExecutionInfo {
	t.Helper()
	var out []*workflowpb.WorkflowExecutionInfo
	var token []byte
	for {
		page, err := s.Client.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
			Query: "WorkflowType = '" + workflowType + "'", PageSize: 200, NextPageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Executions...)
		if token = page.NextPageToken; len(token) == 0 {
			return out
		}
	}
}

// startStack starts the whole dev stack on free ports in dir.
func startStack(t *testing.T, dir string, ui bool) *devstack.Stack {
	t.Helper()
	uiAddr := "-"
	if ui {
		uiAddr = freeAddr(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := devstack.Start(ctx, devstack.Config{
		DataDir:         dir,
		TemporalAddress: "127.0.0.1:0",
		UIAddress:       uiAddr,
		HTTPAddress:     "127.0.0.1:0",
		VaultListen:     "127.0.0.1:0",
		Logger:          zaptest.NewLogger(t),
	})
	if err != nil {
		t.Fatalf("starting dev stack: %v", err)
	}
	authorize(t, s, "acme", "globex")
	return s
}

// startTestStack starts the stack with cfg, whose fields left empty get
// what a test wants: a temporary data folder, free ports for Temporal,
// the gateway and Vault, no UI, and the test's logger. It authorizes
// account acme, and the stack stops when the test ends.
func startTestStack(t *testing.T, cfg devstack.Config) *devstack.Stack {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	cfg.TemporalAddress = cmp.Or(cfg.TemporalAddress, "127.0.0.1:0")
	cfg.UIAddress = cmp.Or(cfg.UIAddress, "-")
	cfg.HTTPAddress = cmp.Or(cfg.HTTPAddress, "127.0.0.1:0")
	cfg.VaultListen = cmp.Or(cfg.VaultListen, "127.0.0.1:0")
	if cfg.Logger == nil {
		cfg.Logger = zaptest.NewLogger(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := devstack.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop(context.Background()) })
	authorize(t, s, "acme")
	return s
}

// bufferLogger logs at debug level, as JSON, into the buffer it returns,
// for tests that search every log line.
func bufferLogger() (*zap.Logger, *syncBuffer) {
	logs := &syncBuffer{}
	return zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), logs, zap.DebugLevel)), logs
}

// requireVault stops a test that needs Vault when the stack runs without
// it, as it does when the vault binary has not been built.
func requireVault(t *testing.T, s *devstack.Stack) {
	t.Helper()
	if s.Vault == nil {
		t.Fatal("no Vault: build it with make vault (CI builds it)")
	}
}

// startShopifyStack starts the stack, with Vault, on free ports with every
// connector call to *.myshopify.com going to a fake Shopify (Host header
// intact), and authorizes account acme. Both stop when the test ends.
func startShopifyStack(t *testing.T) (*devstack.Stack, *shopifytest.Server) {
	t.Helper()
	fake := shopifytest.New(t)
	base, err := url.Parse(fake.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	s := startTestStack(t, devstack.Config{ConnectorTransport: connectortest.Redirect(base, http.DefaultTransport)})
	requireVault(t, s)
	return s, fake
}

// wireHistory is a run's whole history in its wire form: payloads are raw
// bytes there, where JSON would base64 them and hide what a search for a
// secret looks for.
func wireHistory(t *testing.T, s *devstack.Stack, workflowID, runID string) string {
	t.Helper()
	var out bytes.Buffer
	for _, ev := range historyEvents(t, s, workflowID, runID) {
		b, err := proto.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		out.Write(b)
	}
	return out.String()
}

// assertNowhere fails the test when value stands in any of places (by
// what they are), or when one of them is empty, which would make the
// search prove nothing.
func assertNowhere(t *testing.T, value, name string, places map[string]string) {
	t.Helper()
	for what, text := range places {
		if text == "" {
			t.Errorf("nothing to search in the %s", what)
		}
		if strings.Contains(text, value) {
			t.Errorf("%s is in the %s", name, what)
		}
	}
}

var (
	keysMu sync.Mutex
	// testKeys holds an admin key per gateway and account; call sends it.
	testKeys = map[string]string{}
)

// authorize creates the accounts, each with an admin key that call sends
// to that gateway.
func authorize(t *testing.T, s *devstack.Stack, accounts ...string) {
	t.Helper()
	ctx := context.Background()
	for _, a := range accounts {
		if _, err := s.Store.CreateAccount(ctx, store.Account{ID: a, Name: a}); err != nil && !errors.Is(err, store.ErrConflict) {
			t.Fatal(err)
		}
		_, key, err := s.Store.CreateAPIKey(ctx, a, "test", nil)
		if err != nil {
			t.Fatal(err)
		}
		keysMu.Lock()
		testKeys[s.GatewayURL+"|"+a] = key
		keysMu.Unlock()
	}
}

// keyFor finds the key authorize made for the account a URL names.
func keyFor(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	rest, ok := strings.CutPrefix(u.Path, "/api/v1/accounts/")
	if !ok {
		return ""
	}
	account, _, _ := strings.Cut(rest, "/")
	keysMu.Lock()
	defer keysMu.Unlock()
	return testKeys[u.Scheme+"://"+u.Host+"|"+account]
}

func freeAddr(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.Listener.Addr().String()
	srv.Close()
	return addr
}

// sink is a local HTTP endpoint that records every request it receives.
type sink struct {
	*httptest.Server
	mu       sync.Mutex
	requests []sinkRequest
}

type sinkRequest struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   map[string]any
}

func newSink(t *testing.T) *sink {
	s := &sink{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var body map[string]any
		_ = json.Unmarshal(raw, &body)
		s.mu.Lock()
		s.requests = append(s.requests, sinkRequest{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body})
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"warehouseOrderId":"WH-42","accepted":true}`)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *sink) received() []sinkRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sinkRequest(nil), s.requests...)
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type apiResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r apiResponse) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.Body, err)
	}
}

var (
	validatorOnce sync.Once
	validator     *apitest.Validator
)

// uncheckedHeader marks a request whose answer is not held to the OpenAPI
// document (a route that does not exist, on purpose).
const uncheckedHeader = "X-Test-Unchecked"

// call sends one request with the account's test key and holds the answer
// to Junction's OpenAPI document: every response the end-to-end tests see
// is a conformance check.
func call(t *testing.T, method, url string, body []byte, header map[string]string) apiResponse {
	t.Helper()
	validatorOnce.Do(func() { validator = apitest.New(t) })
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if key := keyFor(url); key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if _, skip := header[uncheckedHeader]; !skip {
		validator.Check(t, req, body, resp.StatusCode, resp.Header, raw)
	}
	return apiResponse{resp.StatusCode, resp.Header, raw}
}

// orderDefinition is the README's walkthrough definition, pointed at url.
func orderDefinition(url, status string) []byte {
	return []byte(fmt.Sprintf(`{
  "trigger": "http_request",
  "status": %q,
  "definition": {
    "name": "Forward orders to the warehouse",
    "steps": [{
      "id": "create_order",
      "stepType": "HttpRequest",
      "inputs": {
        "url": %q,
        "method": "POST",
        "headers": {"X-Order-Source": "{{data.source}}"},
        "parameters": {"tenant": "{{data.accountId}}"},
        "body": {
          "orderId": "{{data.order.id}}",
          "customer": "{{'Customer ' + data.order.customer}}",
          "lines": "{{data.order.lines}}",
          "total": "{{data.order.total}}"
        }
      },
      "outputs": {"warehouseId": "{{step.responseBody.warehouseOrderId}}", "httpCode": "{{step.responseCode}}"}
    }]
  }
}`, status, url+"/orders"))
}

func createDefinition(t *testing.T, s *devstack.Stack, account string, body []byte) map[string]any {
	t.Helper()
	resp := call(t, http.MethodPost, s.GatewayURL+"/api/v1/accounts/"+account+"/definitions", body, nil)
	if resp.Status != http.StatusCreated {
		t.Fatalf("create definition: status %d, body %s", resp.Status, resp.Body)
	}
	var doc map[string]any
	resp.decode(t, &doc)
	if loc := resp.Header.Get("Location"); loc != "/api/v1/accounts/"+account+"/definitions/"+doc["id"].(string) {
		t.Fatalf("Location header %q does not name definition %v", loc, doc["id"])
	}
	return doc
}

type runRef struct {
	DefinitionID       string `json:"definitionId"`
	Version            int    `json:"version"`
	WorkflowID         string `json:"workflowId"`
	TemporalWorkflowID string `json:"temporalWorkflowId"`
	RunID              string `json:"runId"`
}

type triggerResult struct {
	EventID    string   `json:"eventId"`
	Resumed    []runRef `json:"resumed"`
	Deliveries []struct {
		SubscriptionID string `json:"subscriptionId"`
		DeliveryID     string `json:"deliveryId"`
		MessageID      string `json:"messageId"`
	} `json:"deliveries"`
	Runs []struct {
		DefinitionID       string `json:"definitionId"`
		Version            int    `json:"version"`
		WorkflowID         string `json:"workflowId"`
		TemporalWorkflowID string `json:"temporalWorkflowId"`
		RunID              string `json:"runId"`
	} `json:"runs"`
}

func trigger(t *testing.T, s *devstack.Stack, account string, payload string, header map[string]string) triggerResult {
	t.Helper()
	resp := call(t, http.MethodPost, s.GatewayURL+"/api/v1/accounts/"+account+"/triggers/http_request", []byte(payload), header)
	if resp.Status != http.StatusOK {
		t.Fatalf("trigger: status %d, body %s", resp.Status, resp.Body)
	}
	var out triggerResult
	resp.decode(t, &out)
	return out
}

const orderPayload = `{"source":"shopify","order":{"id":"1001","customer":"Ada","lines":[{"sku":"A1","qty":2}],"total":31.5}}`

func TestDevStackRunsWebhookTriggeredDefinition(t *testing.T) {
	s := startStack(t, t.TempDir(), true)
	defer s.Stop(context.Background())
	sk := newSink(t)

	t.Run("health and the OpenAPI document are served without a key", func(t *testing.T) {
		if resp := call(t, http.MethodGet, s.GatewayURL+"/healthz", nil, nil); resp.Status != http.StatusOK {
			t.Fatalf("healthz: %d", resp.Status)
		}
		resp := call(t, http.MethodGet, s.GatewayURL+"/api/v1/openapi.json", nil, nil)
		var doc struct {
			OpenAPI string         `json:"openapi"`
			Paths   map[string]any `json:"paths"`
		}
		resp.decode(t, &doc)
		if resp.Status != http.StatusOK || doc.OpenAPI == "" || len(doc.Paths) < 15 {
			t.Fatalf("openapi.json: %d, %d paths", resp.Status, len(doc.Paths))
		}
		var manifest struct {
			Connectors []struct{ ID string } `json:"connectors"`
		}
		call(t, http.MethodGet, s.GatewayURL+"/api/v1/manifest", nil, nil).decode(t, &manifest)
		if !slices.ContainsFunc(manifest.Connectors, func(c struct{ ID string }) bool { return c.ID == "http" }) {
			t.Fatalf("manifest lists %+v", manifest.Connectors)
		}
	})

	t.Run("temporal UI is served", func(t *testing.T) {
		resp := call(t, http.MethodGet, s.UIURL()+"/", nil, map[string]string{uncheckedHeader: ""})
		if resp.Status != http.StatusOK {
			t.Fatalf("UI answered %d", resp.Status)
		}
	})

	def := createDefinition(t, s, "acme", orderDefinition(sk.URL, "enabled"))
	defID := def["id"].(string)
	if inner := def["definition"].(map[string]any); inner["id"] != defID || inner["version"] != float64(1) {
		t.Fatalf("definition.id/version = %v/%v, want %s/1", inner["id"], inner["version"], defID)
	}
	// Noise that must not run: a disabled definition of the same account and
	// an enabled one of another account.
	createDefinition(t, s, "acme", orderDefinition(sk.URL+"/disabled", "disabled"))
	createDefinition(t, s, "globex", orderDefinition(sk.URL+"/other-account", "enabled"))

	t.Run("one trigger runs the definition and the sink gets the rendered request", func(t *testing.T) {
		res := trigger(t, s, "acme", orderPayload, nil)
		if len(res.Runs) != 1 || res.Runs[0].DefinitionID != defID || res.Runs[0].Version != 1 {
			t.Fatalf("trigger started %+v, want one run of %s v1", res.Runs, defID)
		}
		waitFor(t, "the sink to receive the order", time.Minute, func() bool { return len(sk.received()) >= 1 })
		got := sk.received()[0]
		if got.Method != http.MethodPost || got.Path != "/orders" || got.Query != "tenant=acme" {
			t.Errorf("sink got %s %s?%s, want POST /orders?tenant=acme", got.Method, got.Path, got.Query)
		}
		if h := got.Header.Get("X-Order-Source"); h != "shopify" {
			t.Errorf("X-Order-Source = %q, want shopify", h)
		}
		if ct := got.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q", ct)
		}
		want := map[string]any{
			"orderId":  "1001",
			"customer": "Customer Ada",
			"lines":    []any{map[string]any{"sku": "A1", "qty": float64(2)}},
			"total":    31.5,
		}
		if g, w := mustJSON(got.Body), mustJSON(want); g != w {
			t.Errorf("sink body\n got %s\nwant %s", g, w)
		}

		// The run is readable in Temporal: type, id, activity name, search
		// attributes, and its outputs saved into the context.
		run := res.Runs[0]
		if want := "acme/" + defID + "/" + res.EventID; run.TemporalWorkflowID != want {
			t.Errorf("temporal workflow id %q, want %q", run.TemporalWorkflowID, want)
		}
		ctx := context.Background()
		var out struct {
			Data map[string]any `json:"data"`
		}
		if err := s.Client.GetWorkflow(ctx, run.TemporalWorkflowID, run.RunID).Get(ctx, &out); err != nil {
			t.Fatalf("run failed: %v", err)
		}
		if out.Data["warehouseId"] != "WH-42" || out.Data["httpCode"] != float64(200) {
			t.Errorf("outputs in context: warehouseId=%v httpCode=%v", out.Data["warehouseId"], out.Data["httpCode"])
		}
		desc, err := s.Client.DescribeWorkflowExecution(ctx, run.TemporalWorkflowID, run.RunID)
		if err != nil {
			t.Fatal(err)
		}
		if typ := desc.GetWorkflowExecutionInfo().GetType().GetName(); typ != "RunDefinition" {
			t.Errorf("workflow type %q", typ)
		}
		attrs := desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()
		for _, name := range []string{"JunctionAccountId", "JunctionDefinitionId", "JunctionDefinitionVersion", "JunctionTrigger"} {
			if attrs[name] == nil {
				t.Errorf("search attribute %s missing", name)
			}
		}
		// A short HttpRequest step runs as a local activity by default.
		if got := activityTypes(t, s, run.TemporalWorkflowID, run.RunID); strings.Join(got, ",") != "local:http.request" {
			t.Errorf("activities in history: %v, want [local:http.request]", got)
		}
	})

	t.Run("a second trigger is a second run", func(t *testing.T) {
		before := len(sk.received())
		a := trigger(t, s, "acme", orderPayload, nil)
		b := trigger(t, s, "acme", orderPayload, nil)
		if a.Runs[0].TemporalWorkflowID == b.Runs[0].TemporalWorkflowID {
			t.Fatalf("two triggers share workflow id %s", a.Runs[0].TemporalWorkflowID)
		}
		waitFor(t, "two more sink requests", time.Minute, func() bool { return len(sk.received()) >= before+2 })
	})

	t.Run("a redelivered event with the same Idempotency-Key runs once", func(t *testing.T) {
		key := map[string]string{"Idempotency-Key": "evt-redelivered-1"}
		first := trigger(t, s, "acme", orderPayload, key)
		ctx := context.Background()
		if err := s.Client.GetWorkflow(ctx, first.Runs[0].TemporalWorkflowID, "").Get(ctx, nil); err != nil {
			t.Fatal(err)
		}
		before := len(sk.received())
		second := trigger(t, s, "acme", orderPayload, key) // after the first run closed
		if second.Runs[0].RunID != first.Runs[0].RunID {
			t.Fatalf("redelivery started run %s, want the existing %s", second.Runs[0].RunID, first.Runs[0].RunID)
		}
		time.Sleep(500 * time.Millisecond)
		if n := len(sk.received()); n != before {
			t.Fatalf("sink got %d more requests after a redelivery", n-before)
		}
	})

	t.Run("only enabled definitions of the account run", func(t *testing.T) {
		for _, r := range sk.received() {
			if r.Path != "/orders" && r.Path != "/test-run/orders" {
				t.Errorf("sink got a request for %s", r.Path)
			}
		}
		if n := countRuns(t, s, "JunctionAccountId = 'globex'"); n != 0 {
			t.Errorf("%d runs started for another account", n)
		}
	})

	t.Run("a test run of a disabled definition starts on demand", func(t *testing.T) {
		disabled := createDefinition(t, s, "acme", orderDefinition(sk.URL+"/test-run", "disabled"))
		resp := call(t, http.MethodPost, s.GatewayURL+"/api/v1/accounts/acme/definitions/"+disabled["id"].(string)+"/workflows?version=1",
			[]byte(orderPayload), map[string]string{"Idempotency-Key": "test-run-1"})
		if resp.Status != http.StatusCreated || resp.Header.Get("Location") != "/api/v1/accounts/acme/definitions/"+disabled["id"].(string)+"/workflows/test-run-1" {
			t.Fatalf("test start: %d %s (Location %q)", resp.Status, resp.Body, resp.Header.Get("Location"))
		}
		waitFor(t, "the test run to call the sink", time.Minute, func() bool {
			for _, r := range sk.received() {
				if r.Path == "/test-run/orders" {
					return true
				}
			}
			return false
		})
	})

	t.Run("runs are listed through the API with their logs", func(t *testing.T) {
		var runs []map[string]any
		waitFor(t, "four complete runs in visibility", 30*time.Second, func() bool {
			resp := call(t, http.MethodGet, s.GatewayURL+"/api/v1/accounts/acme/definitions/"+defID+"/workflows?status=Complete", nil, nil)
			runs = nil
			resp.decode(t, &runs)
			return len(runs) == 4
		})
		id := runs[0]["workflowId"].(string)
		resp := call(t, http.MethodGet, s.GatewayURL+"/api/v1/accounts/acme/definitions/"+defID+"/workflows/"+id+"?includeLogs=true", nil, nil)
		var inst struct {
			Status string         `json:"status"`
			Data   map[string]any `json:"data"`
			Logs   []struct {
				StepName string `json:"stepName"`
				Status   string `json:"status"`
			} `json:"logs"`
		}
		resp.decode(t, &inst)
		if inst.Status != "Complete" || inst.Data["warehouseId"] != "WH-42" || len(inst.Logs) != 1 ||
			inst.Logs[0].StepName != "create_order" || inst.Logs[0].Status != "Complete" {
			t.Fatalf("run %s: %s", id, resp.Body)
		}

		// The account's list, across definitions, finds the same runs
		// with their definition's name.
		var all []map[string]any
		call(t, http.MethodGet, s.GatewayURL+"/api/v1/accounts/acme/workflows?status=Complete&definitionId="+defID+"&version=1", nil, nil).decode(t, &all)
		if len(all) != 4 || all[0]["workflowId"] != id || all[0]["definitionName"] != "Forward orders to the warehouse" {
			t.Fatalf("account's runs: %v", all)
		}
	})
}

func countRuns(t *testing.T, s *devstack.Stack, query string) int {
	t.Helper()
	resp, err := s.Client.CountWorkflow(context.Background(), &workflowservice.CountWorkflowExecutionsRequest{
		Namespace: "default", Query: query,
	})
	if err != nil {
		t.Fatal(err)
	}
	return int(resp.GetCount())
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestDevStackKeepsDefinitionsAndRunsAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	sk := newSink(t)

	s := startStack(t, dir, false)
	def := createDefinition(t, s, "acme", orderDefinition(sk.URL, "enabled"))
	defID := def["id"].(string)
	res := trigger(t, s, "acme", orderPayload, nil)
	ctx := context.Background()
	if err := s.Client.GetWorkflow(ctx, res.Runs[0].TemporalWorkflowID, "").Get(ctx, nil); err != nil {
		t.Fatalf("run failed: %v", err)
	}
	s.Stop(ctx)

	for _, f := range []string{"temporal.db", "junction.db"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatalf("data file %s: %v", f, err)
		}
	}

	s = startStack(t, dir, false)
	defer s.Stop(ctx)

	var defs []map[string]any
	call(t, http.MethodGet, s.GatewayURL+"/api/v1/accounts/acme/definitions", nil, nil).decode(t, &defs)
	if len(defs) != 1 || defs[0]["id"] != defID {
		t.Fatalf("definitions after restart: %v", defs)
	}
	var runs []map[string]any
	waitFor(t, "the completed run to be listed after restart", 30*time.Second, func() bool {
		runs = nil
		call(t, http.MethodGet, s.GatewayURL+"/api/v1/accounts/acme/definitions/"+defID+"/workflows", nil, nil).decode(t, &runs)
		return len(runs) == 1
	})
	if runs[0]["workflowId"] != res.EventID || runs[0]["status"] != "Complete" {
		t.Fatalf("run after restart: %v", runs[0])
	}

	// The restarted stack still runs new events.
	before := len(sk.received())
	trigger(t, s, "acme", orderPayload, nil)
	waitFor(t, "a run after restart", time.Minute, func() bool { return len(sk.received()) > before })
}

func TestDevStackRejectsBadInput(t *testing.T) {
	s := startStack(t, t.TempDir(), false)
	defer s.Stop(context.Background())
	sk := newSink(t)
	createDefinition(t, s, "acme", orderDefinition(sk.URL, "enabled"))
	base := s.GatewayURL + "/api/v1/accounts/acme"

	huge := `{"pad":"` + strings.Repeat("x", 2<<20) + `"}`
	tests := []struct {
		name       string
		method     string
		url        string
		body       string
		header     map[string]string
		wantStatus int
		wantCode   int
		wantPath   string // a field the error must name
	}{
		{"malformed definition JSON", "POST", base + "/definitions", `{"trigger": "http_request",`, nil, 400, 1000, "body"},
		{"definition without trigger", "POST", base + "/definitions", `{"definition":{"name":"x","steps":[{"id":"a","stepType":"HttpRequest","inputs":{"url":"http://127.0.0.1/x","method":"GET"}}]}}`, nil, 400, 5001, "trigger"},
		{"definition without steps", "POST", base + "/definitions", `{"trigger":"http_request","definition":{"name":"x","steps":[]}}`, nil, 400, 5001, "definition.steps"},
		{"definition without name", "POST", base + "/definitions", `{"trigger":"http_request","definition":{"steps":[{"id":"a","stepType":"HttpRequest","inputs":{"url":"http://127.0.0.1/x","method":"GET"}}]}}`, nil, 400, 5001, "definition.name"},
		{"definition over the size limit", "POST", base + "/definitions", huge, nil, 413, 1010, "body"},
		{"trigger body over the size limit", "POST", base + "/triggers/http_request", huge, nil, 413, 1010, "body"},
		{"malformed trigger body", "POST", base + "/triggers/http_request", `{"order":`, nil, 400, 1000, "body"},
		{"trigger body not an object", "POST", base + "/triggers/http_request", `[1,2,3]`, nil, 400, 1000, "body"},
		{"bad idempotency key", "POST", base + "/triggers/http_request", `{}`, map[string]string{"Idempotency-Key": "has spaces/and slashes"}, 400, 1000, "header.Idempotency-Key"},
		{"definition id not a UUID", "GET", base + "/definitions/not-a-uuid", ``, nil, 400, 1000, "definitionId"},
		{"limit out of range", "GET", base + "/definitions?limit=501", ``, nil, 400, 1010, "limit"},
		{"unknown route", "GET", s.GatewayURL + "/api/v1/nope", ``, map[string]string{uncheckedHeader: ""}, 404, 1300, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := call(t, tc.method, tc.url, []byte(tc.body), tc.header)
			if resp.Status != tc.wantStatus {
				t.Fatalf("status %d, want %d; body %s", resp.Status, tc.wantStatus, resp.Body)
			}
			var e struct {
				Code      int    `json:"code"`
				Message   string `json:"message"`
				ErrorID   string `json:"errorId"`
				Timestamp string `json:"timestamp"`
				Errors    []struct {
					Path string `json:"path"`
				} `json:"errors"`
			}
			resp.decode(t, &e)
			if e.Code != tc.wantCode || e.Message == "" || e.ErrorID == "" || e.Timestamp == "" {
				t.Fatalf("error body %s, want code %d and every field set", resp.Body, tc.wantCode)
			}
			if _, err := time.Parse(time.RFC3339, e.Timestamp); err != nil {
				t.Errorf("timestamp %q: %v", e.Timestamp, err)
			}
			if tc.wantPath != "" {
				var paths []string
				for _, fe := range e.Errors {
					paths = append(paths, fe.Path)
				}
				if !strings.Contains(strings.Join(paths, " "), tc.wantPath) {
					t.Errorf("errors name %v, want %s", paths, tc.wantPath)
				}
			}
		})
	}

	// Nothing bad was stored or started: one definition (the good one), no
	// runs at all, and the sink never called.
	var defs []map[string]any
	call(t, http.MethodGet, base+"/definitions", nil, nil).decode(t, &defs)
	if len(defs) != 1 {
		t.Errorf("%d definitions stored, want only the valid one", len(defs))
	}
	if n := countRuns(t, s, "JunctionAccountId = 'acme'"); n != 0 {
		t.Errorf("%d runs started by bad input", n)
	}
	if n := len(sk.received()); n != 0 {
		t.Errorf("sink called %d times by bad input", n)
	}
}

// TestDevStackFinishesRunsInFlightAcrossRestart stops Junction while a run
// is retrying against a third party that is down, brings the third party
// back, and starts Junction again: the acknowledged event still completes,
// from the retry timer Temporal persisted, with no redelivery.
func TestDevStackFinishesRunsInFlightAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	var mu sync.Mutex
	down, attempts, succeeded := true, 0, 0
	thirdParty := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		attempts++
		if down {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		succeeded++
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	defer thirdParty.Close()
	count := func() (int, int) { mu.Lock(); defer mu.Unlock(); return attempts, succeeded }

	s := startStack(t, dir, false)
	createDefinition(t, s, "acme", orderDefinition(thirdParty.URL, "enabled"))
	res := trigger(t, s, "acme", orderPayload, nil)
	waitFor(t, "a failed attempt", time.Minute, func() bool { a, _ := count(); return a >= 1 })
	s.Stop(context.Background())

	mu.Lock()
	down = false
	mu.Unlock()

	s = startStack(t, dir, false)
	defer s.Stop(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.Client.GetWorkflow(ctx, res.Runs[0].TemporalWorkflowID, res.Runs[0].RunID).Get(ctx, nil); err != nil {
		t.Fatalf("run did not complete after restart: %v", err)
	}
	if a, ok := count(); ok != 1 || a < 2 {
		t.Fatalf("third party saw %d attempts and %d successes, want >= 2 and exactly 1", a, ok)
	}
}

// TestDevStackFinishesWaitsAcrossRestart stops Junction while a run sleeps
// in a Wait step: the timer is Temporal's, so the run wakes up and finishes
// after the restart.
func TestDevStackFinishesWaitsAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	sk := newSink(t)
	s := startStack(t, dir, false)
	createDefinition(t, s, "acme", []byte(`{"trigger":"http_request","status":"enabled","definition":{"name":"later","steps":[
	  {"id":"pause","stepType":"Wait","inputs":{"duration":"00:00:03"},"nextStepId":"notify"},
	  {"id":"notify","stepType":"HttpRequest","inputs":{"url":"`+sk.URL+`/later","method":"POST"}}]}}`))
	res := trigger(t, s, "acme", `{}`, nil)
	s.Stop(context.Background())
	if n := len(sk.received()); n != 0 {
		t.Fatalf("the step after the wait ran before the restart (%d calls)", n)
	}

	s = startStack(t, dir, false)
	defer s.Stop(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.Client.GetWorkflow(ctx, res.Runs[0].TemporalWorkflowID, "").Get(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if got := sk.received(); len(got) != 1 || got[0].Path != "/later" {
		t.Fatalf("sink got %v", got)
	}
}
