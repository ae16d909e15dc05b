package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"

	"github.com/junction-run/junction/internal/devserver"
	"github.com/junction-run/junction/store"
	"github.com/junction-run/junction/store/storetest"
)

// TestWorkerShutdownLetsActivitiesFinish: on SIGTERM (the command's
// context ends) `junction worker` stops polling and lets the activity in
// progress, an HttpRequest step waiting for its answer, finish and report
// its result, instead of cancelling it (what the SDK does with no
// --shutdown-timeout). Kubernetes' grace period is sized on this
// (deploy/k8s).
func TestWorkerShutdownLetsActivitiesFinish(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	srv, err := devserver.Start(ctx, devserver.Config{
		DBFile:          filepath.Join(t.TempDir(), "temporal.db"),
		Namespace:       "integrations",
		FrontendAddress: "127.0.0.1:0",
		Logger:          zaptest.NewLogger(t, zaptest.Level(zapcore.WarnLevel)).Named("server"),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	dbURL := storetest.SQLiteURL(t)
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
	for k, v := range map[string]string{
		"JUNCTION_TEMPORAL_ADDRESS": srv.FrontendAddress,
		"JUNCTION_NAMESPACE":        "integrations",
		"JUNCTION_HTTP_ADDRESS":     httpAddr,
		"JUNCTION_DATABASE_URL":     dbURL,
		"JUNCTION_LOG_LEVEL":        "warn",
		"JUNCTION_EGRESS_ALLOW":     "127.0.0.0/8",
		"JUNCTION_OPS_ADDRESS":      "127.0.0.1:0",
		// A regular activity, not a local one in the workflow task.
		"JUNCTION_LOCAL_HTTP_STEPS": "false",
		"JUNCTION_SHUTDOWN_TIMEOUT": "1m",
		"JUNCTION_VAULT_ADDR":       "",
	} {
		t.Setenv(k, v)
	}

	// The third party answers only when the test says so; it tells whether
	// the caller gave up first.
	arrived, release, outcome := make(chan struct{}, 1), make(chan struct{}), make(chan string, 1)
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-release:
			w.WriteHeader(http.StatusOK)
			outcome <- "answered"
		case <-r.Context().Done():
			outcome <- "cancelled by the caller"
		}
	}))
	defer sink.Close()
	defer close(release)

	workerCtx, stopWorker := context.WithCancel(ctx)
	defer stopWorker()
	gatewayCtx, stopGateway := context.WithCancel(ctx)
	defer stopGateway()
	workerDone, gatewayDone := make(chan error, 1), make(chan error, 1)
	go func() { workerDone <- newApp().RunContext(workerCtx, []string{"junction", "worker"}) }()
	go func() { gatewayDone <- newApp().RunContext(gatewayCtx, []string{"junction", "gateway"}) }()
	base := "http://" + httpAddr
	waitFor(t, "the gateway", time.Minute, func() bool {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	})

	if resp := post(t, base+"/api/v1/accounts/ops/definitions", `{"trigger":"http_request","status":"enabled",
	  "definition":{"name":"slow","steps":[{"id":"call","stepType":"HttpRequest","inputs":{"url":"`+sink.URL+`","method":"POST","body":{}}}]}}`); resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	var started struct {
		Runs []struct{ TemporalWorkflowID string } `json:"runs"`
	}
	decode(t, post(t, base+"/api/v1/accounts/ops/triggers/http_request", `{}`), &started)
	if len(started.Runs) != 1 {
		t.Fatalf("%d runs started, want 1", len(started.Runs))
	}
	select {
	case <-arrived:
	case <-ctx.Done():
		t.Fatal("the step never called")
	}

	// SIGTERM while the call waits. Without a stop timeout the SDK cancels
	// the activity as soon as the worker stops: give that the time to show
	// before the answer comes.
	stopWorker()
	time.Sleep(2 * time.Second)
	release <- struct{}{}
	if got := <-outcome; got != "answered" {
		t.Fatalf("the step in progress at shutdown was %s", got)
	}
	select {
	case err := <-workerDone:
		if err != nil {
			t.Fatalf("worker returned %v on shutdown", err)
		}
	case <-ctx.Done():
		t.Fatal("the worker did not stop")
	}

	// The activity's result reached the history before the worker left.
	c, err := client.Dial(client.Options{HostPort: srv.FrontendAddress, Namespace: "integrations"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	iter := c.GetWorkflowHistory(ctx, started.Runs[0].TemporalWorkflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	completed := false
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		completed = completed || ev.GetEventType() == enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED
	}
	if !completed {
		t.Error("no ActivityTaskCompleted in the run's history: the step's result was lost at shutdown")
	}

	stopGateway()
	if err := <-gatewayDone; err != nil {
		t.Fatalf("gateway returned %v on shutdown", err)
	}
}
