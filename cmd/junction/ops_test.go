package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap/zaptest"

	"github.com/junction-run/junction/connectors/declarative/declarativetest"
	"github.com/junction-run/junction/internal/app"
	"github.com/junction-run/junction/internal/devserver"
	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store/storetest"
	"github.com/junction-run/junction/vaultx/vaulttest"
	"github.com/junction-run/junction/worker"
)

// checkOperatorsEndpoints is the end of TestWorkerAndGatewayAgainstExternalTemporal:
// with the commands still running, it makes each thing a metric counts
// happen (a delivery to a subscription, a poll of an app's polling
// trigger, a call the egress guard refuses), scrapes both processes'
// /metrics and checks the families and their values, then checks /readyz:
// ready while everything answers, and naming Vault once it is stopped.
func checkOperatorsEndpoints(t *testing.T, ctx context.Context, base string, temporal client.Client, ops map[string]string, vault *vaulttest.Server) {
	// A subscription to http_request events, delivered to a receiver.
	var delivered atomicCount
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { delivered.add() }))
	defer receiver.Close()
	decode(t, post(t, base+"/api/v1/accounts/ops/subscriptions", `{"events":["http_request"],"url":"`+receiver.URL+`/events"}`), new(map[string]any))
	// A step calling the worker's own host over IPv6, which the allow
	// list (127.0.0.0/8) does not let through: refused, nothing sent.
	resp := post(t, base+"/api/v1/accounts/ops/definitions", `{"trigger":"http_request","status":"enabled","subAccountId":"refused",
	  "definition":{"name":"refused","steps":[{"id":"call","stepType":"http.call","inputs":{"method":"GET","url":"http://[::1]:9/"}}]}}`)
	if resp.StatusCode != http.StatusCreated {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("create the refused definition: %d %s", resp.StatusCode, b)
	}
	decode(t, post(t, base+"/api/v1/accounts/ops/triggers/http_request?subAccountId=refused", `{"who":"nobody"}`), new(map[string]any))
	waitFor(t, "the delivery", time.Minute, func() bool { return delivered.get() >= 1 })

	// An app's polling trigger, polled once at the operator's request.
	feed := declarativetest.New(t, 3, 1)
	doc, err := os.ReadFile(filepath.Join("..", "..", "connectors", "declarative", "testdata", "valid", "acme_feed.json"))
	if err != nil {
		t.Fatal(err)
	}
	decode(t, post(t, base+"/api/v1/accounts/ops/apps", strings.Replace(string(doc), "https://feed.acme.example", feed.BaseURL(), 1)), new(map[string]any))
	var conn struct{ ID string }
	decode(t, post(t, base+"/api/v1/accounts/ops/connections", `{"app":"acme_feed","authKind":"bearer","fields":{"token":"`+declarativetest.Token+`"}}`), &conn)
	var def struct{ ID string }
	decode(t, post(t, base+"/api/v1/accounts/ops/definitions", `{"trigger":"acme_feed.new_item","triggerConnection":"`+conn.ID+`","status":"enabled",
	  "definition":{"name":"feed","steps":[{"id":"note","stepType":"SetVariables","inputs":{"title":"{{data.payload.title}}"}}]}}`), &def)
	if err := temporal.ScheduleClient().GetHandle(ctx, runs.PollScheduleID("ops", def.ID)).Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
		t.Fatalf("triggering the poll: %v", err)
	}
	worker, gateway := "http://"+ops["worker"], "http://"+ops["gateway"]
	waitFor(t, "the poll and the refused call to be counted", time.Minute, func() bool {
		m := scrape(t, worker+PathMetrics)
		return count(m, "junction_poll_items", nil) >= 1 && count(m, "junction_egress_refusals_total", nil) >= 1
	})

	gw := scrape(t, gateway+PathMetrics)
	wk := scrape(t, worker+PathMetrics)
	for _, c := range []struct {
		process string
		got     map[string]*dto.MetricFamily
		family  string
		labels  map[string]string
		atLeast float64
	}{
		// Gateway: requests by route template, intake, the SDK's client.
		{"gateway", gw, "junction_gateway_requests_total", map[string]string{"route": "/api/v1/accounts/:accountId/triggers/http_request", "method": "POST", "status": "200"}, 4},
		{"gateway", gw, "junction_gateway_requests_total", map[string]string{"route": "/hooks/:accountId/:connectionId/:triggerId", "status": "200"}, 1},
		{"gateway", gw, "junction_gateway_requests_total", map[string]string{"route": "/api/v1/accounts/:accountId/definitions", "status": "201"}, 3},
		{"gateway", gw, "junction_gateway_request_duration_seconds", map[string]string{"route": "/api/v1/accounts/:accountId/triggers/http_request"}, 4},
		{"gateway", gw, "junction_intake_events_total", map[string]string{"outcome": "acknowledged"}, 5},
		{"gateway", gw, "temporal_request_total", map[string]string{"operation": "StartWorkflowExecution"}, 3},
		{"gateway", gw, "go_goroutines", nil, 1},
		// Worker: connector calls (the bearer call, the refused one, the
		// poll), the poll's items and lag, the delivery, the refusal, the
		// SDK's worker.
		{"worker", wk, "junction_connector_calls_total", map[string]string{"app": "http", "action": "call", "outcome": "success", "error_kind": ""}, 1},
		{"worker", wk, "junction_connector_calls_total", map[string]string{"app": "http", "action": "call", "outcome": "failure", "error_kind": runs.ErrTypeDestinationRefused}, 1},
		{"worker", wk, "junction_connector_calls_total", map[string]string{"app": "acme_feed", "action": "new_item", "outcome": "success"}, 1},
		{"worker", wk, "junction_connector_call_duration_seconds", map[string]string{"app": "http", "action": "call"}, 2},
		{"worker", wk, "junction_poll_items", map[string]string{"app": "acme_feed", "trigger": "new_item"}, 1},
		{"worker", wk, "junction_poll_lag_seconds", map[string]string{"app": "acme_feed", "trigger": "new_item"}, 1},
		{"worker", wk, "junction_deliveries_total", map[string]string{"outcome": "delivered"}, 1},
		{"worker", wk, "junction_delivery_attempts_total", map[string]string{"outcome": "delivered"}, 1},
		{"worker", wk, "junction_egress_refusals_total", map[string]string{"reason": "loopback"}, 1},
		{"worker", wk, "temporal_workflow_completed_total", map[string]string{"workflow_type": runs.RunDefinitionWorkflow}, 2},
		{"worker", wk, "temporal_activity_execution_latency_seconds", map[string]string{"activity_type": "http.call"}, 2},
		{"worker", wk, "process_resident_memory_bytes", nil, 1},
	} {
		if got := count(c.got, c.family, c.labels); got < c.atLeast {
			t.Errorf("%s: %s%v = %v, want at least %v", c.process, c.family, c.labels, got, c.atLeast)
		}
	}
	// The poll found the feed's three items; the step's third party sent
	// nothing; no label holds an account, an id or a URL.
	if items := sum(wk, "junction_poll_items", map[string]string{"app": "acme_feed"}); items != 3 {
		t.Errorf("junction_poll_items sums %v items, want the feed's 3", items)
	}
	for process, families := range map[string]map[string]*dto.MetricFamily{"gateway": gw, "worker": wk} {
		for name, f := range families {
			if !strings.HasPrefix(name, "junction_") {
				continue
			}
			for _, s := range f.GetMetric() {
				for _, l := range s.GetLabel() {
					if v := l.GetValue(); strings.Contains(v, "/ops") || strings.Contains(v, conn.ID) || strings.Contains(v, def.ID) || strings.Contains(v, "://") {
						t.Errorf("%s: %s has %s=%q", process, name, l.GetName(), v)
					}
				}
			}
		}
	}

	// Readiness: everything answers; then Vault stops, and both say so.
	for _, addr := range []string{worker, gateway} {
		if status, ready := readyz(t, addr); status != http.StatusOK || !ready.Ready || len(ready.Checks) != 3 {
			t.Errorf("%s%s: %d %+v, want ready with temporal, database and vault up", addr, PathReadyz, status, ready)
		}
	}
	vault.Stop()
	for _, addr := range []string{worker, gateway} {
		status, ready := readyz(t, addr)
		if status != http.StatusServiceUnavailable || ready.Ready || !slices.Equal(ready.Down, []string{app.DependencyVault}) {
			t.Errorf("%s%s with Vault stopped: %d %+v, want 503 naming vault alone", addr, PathReadyz, status, ready)
		}
		if resp, err := http.Get(addr + PathHealthz); err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("%s%s with Vault stopped: %v %v, want alive", addr, PathHealthz, resp, err)
		} else {
			resp.Body.Close()
		}
	}
}

// TestReadinessNamesTheDatabase: a process whose metadata store is gone is
// alive but not ready, and /readyz names the database, and only it.
func TestReadinessNamesTheDatabase(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := devserver.Start(ctx, devserver.Config{DBFile: filepath.Join(t.TempDir(), "temporal.db"), Namespace: "default",
		FrontendAddress: "127.0.0.1:0", Logger: zaptest.NewLogger(t).Named("server")})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	a, err := app.Build(ctx, app.Config{Logger: zaptest.NewLogger(t), DatabaseURL: storetest.SQLiteURL(t),
		Temporal: worker.ClientConfig{Address: srv.FrontendAddress, Namespace: "default"}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ops := httptest.NewServer(opsMux(a))
	defer ops.Close()
	if status, ready := readyz(t, ops.URL); status != http.StatusOK || !ready.Ready || len(ready.Checks) != 2 {
		t.Fatalf("%s: %d %+v, want ready, Temporal and the database up (no Vault configured)", PathReadyz, status, ready)
	}
	if err := a.Store.Close(); err != nil {
		t.Fatal(err)
	}
	status, ready := readyz(t, ops.URL)
	if status != http.StatusServiceUnavailable || !slices.Equal(ready.Down, []string{app.DependencyDatabase}) {
		t.Fatalf("%s with the store closed: %d %+v, want 503 naming the database", PathReadyz, status, ready)
	}
	for _, c := range ready.Checks {
		if c.Name == app.DependencyDatabase && !strings.Contains(c.Error, "database is closed") {
			t.Errorf("the database's check says %q", c.Error)
		}
	}
	if resp, err := http.Get(ops.URL + PathMetrics); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("%s of a process built without metrics: %v %v, want 404", PathMetrics, resp, err)
	} else {
		resp.Body.Close()
	}
}

func readyz(t *testing.T, base string) (int, app.Readiness) {
	t.Helper()
	resp, err := http.Get(base + PathReadyz)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r app.Readiness
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("%s: %v", PathReadyz, err)
	}
	return resp.StatusCode, r
}

// scrape reads a /metrics page.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d", url, resp.StatusCode)
	}
	var p expfmt.TextParser
	families, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing %s: %v", url, err)
	}
	return families
}

// count adds up the series of family that have labels: counters' and
// gauges' values, histograms' observation counts.
func count(families map[string]*dto.MetricFamily, family string, labels map[string]string) float64 {
	var n float64
	for _, s := range matching(families, family, labels) {
		switch {
		case s.GetCounter() != nil:
			n += s.GetCounter().GetValue()
		case s.GetGauge() != nil:
			n += s.GetGauge().GetValue()
		case s.GetHistogram() != nil:
			n += float64(s.GetHistogram().GetSampleCount())
		}
	}
	return n
}

// sum adds up the histograms' sums of family's series that have labels.
func sum(families map[string]*dto.MetricFamily, family string, labels map[string]string) float64 {
	var n float64
	for _, s := range matching(families, family, labels) {
		n += s.GetHistogram().GetSampleSum()
	}
	return n
}

func matching(families map[string]*dto.MetricFamily, family string, labels map[string]string) []*dto.Metric {
	var out []*dto.Metric
	for _, s := range families[family].GetMetric() {
		has := map[string]string{}
		for _, l := range s.GetLabel() {
			has[l.GetName()] = l.GetValue()
		}
		ok := true
		for k, v := range labels {
			if has[k] != v {
				ok = false
			}
		}
		if ok {
			out = append(out, s)
		}
	}
	return out
}
