package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap/zaptest"

	"github.com/junction-run/junction/connectors/shopify"
	"github.com/junction-run/junction/internal/devserver"
	"github.com/junction-run/junction/payloadcodec"
	"github.com/junction-run/junction/store"
	"github.com/junction-run/junction/store/storetest"
	"github.com/junction-run/junction/vaultx"
	"github.com/junction-run/junction/vaultx/vaulttest"
)

// TestWorkerAndGatewayAgainstExternalTemporal runs `junction worker` and
// `junction gateway` as an operator would, configured only through
// JUNCTION_* environment variables, against a Temporal server they did not
// start, with the metadata store on PostgreSQL when the test database is
// available (SQLite otherwise) and connections' secrets in a real Vault.
func TestWorkerAndGatewayAgainstExternalTemporal(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	// The "cluster": a Temporal server whose namespace lacks Junction's
	// search attributes, so the worker must add them.
	srv, err := devserver.Start(ctx, devserver.Config{
		DBFile:          filepath.Join(t.TempDir(), "temporal.db"),
		Namespace:       "integrations",
		FrontendAddress: "127.0.0.1:0",
		Logger:          zaptest.NewLogger(t).Named("server"),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()

	dbURL := storetest.SQLiteURL(t)
	if os.Getenv(storetest.PostgresURLEnv) != "" || os.Getenv("CI") != "" {
		dbURL = storetest.PostgresURL(t)
	}
	// The operator's bootstrap: an account and its key, straight in the
	// database, before any gateway runs.
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateAccount(ctx, store.Account{ID: "ops", Name: "Operations"}); err != nil {
		t.Fatal(err)
	}
	_, apiKey, err := st.CreateAPIKey(ctx, "ops", "test", []string{store.ScopeAdmin})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	bearer = "Bearer " + apiKey

	httpAddr := freeAddr(t)
	t.Setenv("JUNCTION_TEMPORAL_ADDRESS", srv.FrontendAddress)
	t.Setenv("JUNCTION_NAMESPACE", "integrations")
	t.Setenv("JUNCTION_HTTP_ADDRESS", httpAddr)
	t.Setenv("JUNCTION_DATABASE_URL", dbURL)
	t.Setenv("JUNCTION_LOG_LEVEL", "warn")
	// The sink below listens on loopback, which the worker's egress guard
	// refuses unless allowed.
	t.Setenv("JUNCTION_EGRESS_ALLOW", "127.0.0.0/8")
	// A Vault the test stops at the end, for readiness.
	vaultServer := vaulttest.StartServer(t)
	vaultAddr, vaultToken := vaultServer.Addr, vaultServer.RootToken
	t.Setenv("JUNCTION_VAULT_ADDR", vaultAddr)
	t.Setenv("JUNCTION_VAULT_TOKEN", vaultToken)
	// Payloads encrypted with a keyring both commands read from Vault.
	vc, err := vaultx.New(ctx, vaultx.Config{Address: vaultAddr, Token: vaultx.Secret(vaultToken)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vc.Write(ctx, "junction/payload-keys", map[string]any{"keys": "k1:" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))}, 0); err != nil {
		t.Fatal(err)
	}
	vc.Close()
	t.Setenv("JUNCTION_PAYLOAD_KEYS_VAULT_PATH", "junction/payload-keys")
	// The ops account is the operators': its admin keys manage the
	// platform's apps.
	t.Setenv("JUNCTION_OPERATOR_ACCOUNTS", "ops")
	// Each process's ops endpoints on a port of its own: the defaults
	// may be taken on this machine.
	ops := map[string]string{"worker": freeAddr(t), "gateway": freeAddr(t)}

	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 2)
	for _, cmd := range []string{"worker", "gateway"} {
		go func() { done <- newApp().RunContext(runCtx, []string{"junction", cmd, "--ops-address", ops[cmd]}) }()
	}
	base := "http://" + httpAddr
	waitFor(t, "the gateway", time.Minute, func() bool {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	})

	// The sink's handler writes while the test reads: guard the body.
	var (
		gotMu sync.Mutex
		got   bytes.Buffer
	)
	received := func() string { gotMu.Lock(); defer gotMu.Unlock(); return got.String() }
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotMu.Lock()
		defer gotMu.Unlock()
		_, _ = io.Copy(&got, r.Body)
	}))
	defer sink.Close()

	def := `{"trigger":"http_request","status":"enabled","subAccountId":"eu",
	  "definition":{"name":"ping","steps":[{"id":"ping","stepType":"HttpRequest",
	  "inputs":{"url":"` + sink.URL + `","method":"POST","body":{"who":"{{data.who}}","sub":"{{data.subAccountId}}"}}}]}}`
	resp := post(t, base+"/api/v1/accounts/ops/definitions", def)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	// Wrong subaccount: nothing runs. Right one: one run.
	var none, one struct {
		Runs []struct{ TemporalWorkflowID string } `json:"runs"`
	}
	decode(t, post(t, base+"/api/v1/accounts/ops/triggers/http_request?subAccountId=us", `{"who":"nobody"}`), &none)
	decode(t, post(t, base+"/api/v1/accounts/ops/triggers/http_request?subAccountId=eu", `{"who":"ops"}`), &one)
	if len(none.Runs) != 0 || len(one.Runs) != 1 {
		t.Fatalf("runs started: us %d, eu %d; want 0 and 1", len(none.Runs), len(one.Runs))
	}
	waitFor(t, "the run", time.Minute, func() bool { return received() != "" })
	if received() != `{"sub":"eu","who":"ops"}` {
		t.Fatalf("sink got %s", received())
	}
	// What Temporal stored is ciphertext: read with a client that has no key.
	raw, err := client.Dial(client.Options{HostPort: srv.FrontendAddress, Namespace: "integrations"})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	iter := raw.GetWorkflowHistory(ctx, one.Runs[0].TemporalWorkflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	payloads := 0
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		if a := ev.GetWorkflowExecutionStartedEventAttributes(); a != nil {
			for _, p := range a.GetInput().GetPayloads() {
				payloads++
				if enc := string(p.GetMetadata()["encoding"]); enc != payloadcodec.EncodingEncrypted || bytes.Contains(p.GetData(), []byte(`"who"`)) {
					t.Errorf("the run's input is stored as %q, in clear: %v", enc, bytes.Contains(p.GetData(), []byte(`"who"`)))
				}
			}
		}
	}
	if payloads == 0 {
		t.Fatal("the run's history has no input payload to check")
	}

	// An operator's key stores a platform app, which every account can use.
	app, err := os.ReadFile(filepath.Join("..", "..", "connectors", "declarative", "testdata", "valid", "acme_crm.json"))
	if err != nil {
		t.Fatal(err)
	}
	var stored struct{ Key, Owner string }
	decode(t, post(t, base+"/api/v1/platform/apps", strings.Replace(string(app), `"key": "acme"`, `"key": "ops_crm"`, 1)), &stored)
	if stored.Key != "ops_crm" || stored.Owner != "platform" {
		t.Errorf("platform app stored as %+v", stored)
	}

	// A connection: the gateway puts its token in Vault, the worker's
	// activity reads it from there and sends it.
	const partnerToken = "tok_cmd_test_5Hq8Wd2Lr"
	var authorized atomicCount
	partner := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+partnerToken {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		authorized.add()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer partner.Close()
	var conn struct{ ID string }
	decode(t, post(t, base+"/api/v1/accounts/ops/connections",
		`{"app":"http","authKind":"bearer","fields":{"token":"`+partnerToken+`"}}`), &conn)
	resp = post(t, base+"/api/v1/accounts/ops/definitions", `{"trigger":"http_request","status":"enabled","subAccountId":"partner",
	  "definition":{"name":"notify","steps":[{"id":"notify","stepType":"http.call","connection":"`+conn.ID+`",
	  "inputs":{"method":"POST","url":"`+partner.URL+`/events","body":{"who":"{{data.who}}"}}}]}}`)
	if resp.StatusCode != http.StatusCreated {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("create the connection's definition: %d %s", resp.StatusCode, b)
	}
	decode(t, post(t, base+"/api/v1/accounts/ops/triggers/http_request?subAccountId=partner", `{"who":"ops"}`), &one)
	waitFor(t, "the authorized call", time.Minute, func() bool { return authorized.get() == 1 })

	// The gateway verifies webhooks with a connection's secret from Vault.
	var shop struct{ ID string }
	decode(t, post(t, base+"/api/v1/accounts/ops/connections", `{"app":"shopify","authKind":"api_key",
	  "fields":{"key":"shpat_ops","webhook_secret":"shpss_ops"},"properties":{"shop":"northwind.myshopify.com"}}`), &shop)
	order := `{"id":450789469,"created_at":"2026-03-02T10:15:00-05:00"}`
	req, _ := http.NewRequest(http.MethodPost, base+"/hooks/ops/"+shop.ID+"/orders_create", bytes.NewBufferString(order))
	req.Header.Set(shopify.HeaderHmac, shopify.Sign([]byte(order), "shpss_ops"))
	hook, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	hook.Body.Close()
	if hook.StatusCode != http.StatusOK {
		t.Errorf("a signed Shopify webhook: %d, want 200", hook.StatusCode)
	}

	// What operators see of both: metrics and readiness (ops_test.go).
	checkOperatorsEndpoints(t, ctx, base, raw, ops, vaultServer)

	stop()
	for range 2 {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("command returned %v on shutdown", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("a command did not stop on cancel")
		}
	}
}

// atomicCount counts from several goroutines.
type atomicCount struct{ n atomic.Int64 }

func (c *atomicCount) add()       { c.n.Add(1) }
func (c *atomicCount) get() int64 { return c.n.Load() }

// bearer authorizes post's requests.
var bearer string

func post(t *testing.T, url, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", bearer)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func decode(t *testing.T, resp *http.Response, v any) {
	t.Helper()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("%s %s: status %d: %s", resp.Request.Method, resp.Request.URL, resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
