package devstack_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors/shopify/shopifytest"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/junction-run/junction/internal/devstack"
	"github.com/junction-run/junction/runs"
)

// hookReceiver is a subscriber's endpoint: it records each request as it
// came and answers with status (200 unless set).
type hookReceiver struct {
	*httptest.Server
	mu       sync.Mutex
	status   int
	requests []hookRequest
}

type hookRequest struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   []byte
}

func newHookReceiver(t *testing.T) *hookReceiver {
	t.Helper()
	rc := &hookReceiver{status: http.StatusOK}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.requests = append(rc.requests, hookRequest{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body})
		status := rc.status
		rc.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Receipt", "r-"+r.Header.Get("webhook-id"))
		w.WriteHeader(status)
		_, _ = fmt.Fprintf(w, `{"received":%q}`, r.Header.Get("webhook-id"))
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *hookReceiver) setStatus(status int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.status = status
}

func (rc *hookReceiver) received() []hookRequest {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]hookRequest(nil), rc.requests...)
}

// waitRequests waits until the receiver has n requests and returns them.
func (rc *hookReceiver) waitRequests(t *testing.T, n int) []hookRequest {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d requests at the receiver", n), time.Minute, func() bool { return len(rc.received()) >= n })
	return rc.received()
}

type subscriptionAnswer struct {
	ID            string          `json:"id"`
	Status        string          `json:"status"`
	SigningSecret json.RawMessage `json:"signingSecret"`
	Auth          map[string]any  `json:"auth"`
	Version       int             `json:"version"`
	Raw           []byte          `json:"-"`
}

func createSubscription(t *testing.T, s *devstack.Stack, account, body string) (subscriptionAnswer, string) {
	t.Helper()
	resp := call(t, http.MethodPost, s.GatewayURL+"/api/v1/accounts/"+account+"/subscriptions", []byte(body), nil)
	if resp.Status != http.StatusCreated {
		t.Fatalf("create subscription: %d %s", resp.Status, resp.Body)
	}
	var sub subscriptionAnswer
	resp.decode(t, &sub)
	sub.Raw = resp.Body
	var secret string
	if err := json.Unmarshal(sub.SigningSecret, &secret); err != nil || !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("signingSecret %s: want the whsec_ secret, once", sub.SigningSecret)
	}
	return sub, secret
}

type deliveryAnswer struct {
	ID            string `json:"id"`
	MessageID     string `json:"messageId"`
	Status        string `json:"status"`
	Generation    int    `json:"generation"`
	NextAttemptAt string `json:"nextAttemptAt"`
	Attempts      []struct {
		N          int               `json:"n"`
		StatusCode int               `json:"statusCode"`
		DurationMs int64             `json:"durationMs"`
		Error      string            `json:"error"`
		Headers    map[string]string `json:"headers"`
		Body       string            `json:"body"`
	} `json:"attempts"`
}

func deliveries(t *testing.T, s *devstack.Stack, account, subID, query string) []deliveryAnswer {
	t.Helper()
	resp := call(t, http.MethodGet, s.GatewayURL+"/api/v1/accounts/"+account+"/subscriptions/"+subID+"/deliveries"+query, nil, nil)
	if resp.Status != http.StatusOK {
		t.Fatalf("deliveries: %d %s", resp.Status, resp.Body)
	}
	var out []deliveryAnswer
	resp.decode(t, &out)
	return out
}

// waitDelivery waits until the subscription's only delivery has status.
func waitDelivery(t *testing.T, s *devstack.Stack, account, subID, status string) deliveryAnswer {
	t.Helper()
	var d deliveryAnswer
	waitFor(t, "a delivery "+status, time.Minute, func() bool {
		ds := deliveries(t, s, account, subID, "")
		if len(ds) == 0 {
			return false
		}
		d = ds[0]
		return d.Status == status
	})
	return d
}

func verifies(t *testing.T, secret string, r hookRequest) bool {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	return wh.Verify(r.Body, r.Header) == nil
}

// A subscription receives each event once, signed, with its URL's tags
// filled in and its auth; the answer is recorded; a redelivery sends the
// same webhook-id; a rotated secret signs beside the old one; and neither
// the password nor a signing secret appears in a history, a log line, an
// answer or a console page.
func TestSubscriptionDeliversSignedEvents(t *testing.T) {
	log, logs := bufferLogger()
	s := startTestStack(t, devstack.Config{Logger: log})
	requireVault(t, s)
	rc := newHookReceiver(t)
	const password = "hunter2-subscription-password"
	sub, secret := createSubscription(t, s, "acme", fmt.Sprintf(`{
		"name": "orders to the ERP",
		"events": ["http_request"],
		"url": %q,
		"method": "PUT",
		"headers": {"X-Source": "{{ data.data.source }}"},
		"auth": {"type": "basic", "username": "junction", "password": %q}
	}`, rc.URL+"/orders/{{ data.data.order.id }}?event={{ data.type }}", password))
	if sub.Auth["password"] == nil || fmt.Sprint(sub.Auth["password"]) != "map[set:true]" {
		t.Errorf("auth shows %v, want the password as {\"set\": true}", sub.Auth)
	}

	res := trigger(t, s, "acme", orderPayload, map[string]string{"Idempotency-Key": "order-1001"})
	again := trigger(t, s, "acme", orderPayload, map[string]string{"Idempotency-Key": "order-1001"})
	if len(res.Deliveries) != 1 || len(again.Deliveries) != 1 || again.Deliveries[0].DeliveryID != res.Deliveries[0].DeliveryID {
		t.Errorf("deliveries of the event %+v, of its redelivery %+v: want the same one", res.Deliveries, again.Deliveries)
	}
	rc.waitRequests(t, 1)
	d := waitDelivery(t, s, "acme", sub.ID, "delivered")
	time.Sleep(500 * time.Millisecond) // room for a second delivery, which must not come
	reqs := rc.received()
	if len(reqs) != 1 {
		t.Fatalf("the receiver got %d requests for one event sent twice, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodPut || r.Path != "/orders/1001" || r.Query != "event=http_request" || r.Header.Get("X-Source") != "shopify" {
		t.Errorf("request %s %s?%s X-Source=%q", r.Method, r.Path, r.Query, r.Header.Get("X-Source"))
	}
	if user, pass, ok := (&http.Request{Header: r.Header}).BasicAuth(); !ok || user != "junction" || pass != password {
		t.Errorf("basic auth %q/%q", user, pass)
	}
	if !verifies(t, secret, r) {
		t.Errorf("the signature does not verify with the subscription's secret: %v", r.Header)
	}
	if r.Header.Get("webhook-id") != d.MessageID || !strings.HasPrefix(d.MessageID, "msg_") {
		t.Errorf("webhook-id %q, delivery's message %q", r.Header.Get("webhook-id"), d.MessageID)
	}
	var event map[string]any
	if err := json.Unmarshal(r.Body, &event); err != nil {
		t.Fatal(err)
	}
	if event["type"] != "http_request" || event["id"] != res.EventID || event["data"].(map[string]any)["source"] != "shopify" {
		t.Errorf("body %s: want the event with its payload under data", r.Body)
	}
	if len(d.Attempts) != 1 || d.Attempts[0].StatusCode != 200 || d.Attempts[0].Headers["X-Receipt"] != "r-"+d.MessageID ||
		!strings.Contains(d.Attempts[0].Body, d.MessageID) {
		t.Errorf("delivery %+v: want one attempt with the answer recorded", d)
	}

	// Redeliver: the same webhook-id again, as generation 1.
	resp := call(t, http.MethodPost, s.GatewayURL+"/api/v1/accounts/acme/subscriptions/"+sub.ID+"/deliveries/"+d.ID+"/redeliver", nil, nil)
	if resp.Status != http.StatusAccepted {
		t.Fatalf("redeliver: %d %s", resp.Status, resp.Body)
	}
	reqs = rc.waitRequests(t, 2)
	if reqs[1].Header.Get("webhook-id") != d.MessageID || !verifies(t, secret, reqs[1]) {
		t.Errorf("redelivery webhook-id %q, want %q, signed", reqs[1].Header.Get("webhook-id"), d.MessageID)
	}

	// Rotate: the next delivery carries two signatures, each verifying.
	resp = call(t, http.MethodPost, s.GatewayURL+"/api/v1/accounts/acme/subscriptions/"+sub.ID+"/rotate-secret", []byte(`{"overlap": "1h"}`), nil)
	if resp.Status != http.StatusOK {
		t.Fatalf("rotate: %d %s", resp.Status, resp.Body)
	}
	var rotated subscriptionAnswer
	resp.decode(t, &rotated)
	var newSecret string
	if err := json.Unmarshal(rotated.SigningSecret, &newSecret); err != nil || newSecret == secret || !strings.HasPrefix(newSecret, "whsec_") {
		t.Fatalf("rotation answered signingSecret %s", rotated.SigningSecret)
	}
	trigger(t, s, "acme", orderPayload, map[string]string{"Idempotency-Key": "order-1001-b"})
	reqs = rc.waitRequests(t, 3)
	if sigs := strings.Fields(reqs[2].Header.Get("webhook-signature")); len(sigs) != 2 {
		t.Errorf("signatures during the overlap: %v, want 2", sigs)
	}
	if !verifies(t, secret, reqs[2]) || !verifies(t, newSecret, reqs[2]) {
		t.Error("during the overlap, both the old and the new secret must verify")
	}

	// Secrets in no answer, history, log line or console page.
	get := call(t, http.MethodGet, s.GatewayURL+"/api/v1/accounts/acme/subscriptions/"+sub.ID, nil, nil)
	list := call(t, http.MethodGet, s.GatewayURL+"/api/v1/accounts/acme/subscriptions/"+sub.ID+"/deliveries", nil, nil)
	var histories strings.Builder
	for _, e := range executionsOfType(t, s, "outbound.delivery") {
		histories.WriteString(wireHistory(t, s, e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId()))
	}
	// The console's pages of the subscription, its deliveries and the one
	// delivered (its attempts, the receiver's answer among them).
	pages := consolePages(t, s, "acme", "/console/subscriptions", "/console/subscriptions/"+sub.ID,
		"/console/subscriptions/"+sub.ID+"/edit", "/console/subscriptions/"+sub.ID+"/deliveries/"+d.ID)
	if !strings.Contains(pages, d.MessageID) {
		t.Fatalf("the console's delivery page does not show the delivery %s: the search below proves nothing", d.MessageID)
	}
	places := map[string]string{"answers": string(get.Body) + string(list.Body), "histories": histories.String(), "logs": logs.String(),
		"console pages": pages}
	for name, value := range map[string]string{"the password": password, "the first signing secret": secret, "the second signing secret": newSecret,
		"the signing key": strings.TrimPrefix(secret, "whsec_")} {
		assertNowhere(t, value, name, places)
	}
}

// Bad subscriptions are refused with the field named.
func TestSubscriptionsRefuseBadInput(t *testing.T) {
	s := startTestStack(t, devstack.Config{})
	requireVault(t, s)
	tests := []struct {
		name, body, field string
	}{
		{"no events", `{"url": "https://example.com/h"}`, "events"},
		{"unknown event", `{"events": ["order.shipped"], "url": "https://example.com/h"}`, "events[0]"},
		{"bad method", `{"events": ["http_request"], "url": "https://example.com/h", "method": "TRACE"}`, "method"},
		{"bad format", `{"events": ["http_request"], "url": "https://example.com/h", "format": "yaml"}`, "format"},
		{"bad url", `{"events": ["http_request"], "url": "ftp://example.com/h"}`, "url"},
		{"timeout over 30 s", `{"events": ["http_request"], "url": "https://example.com/h", "timeoutSeconds": 31}`, "timeoutSeconds"},
		{"bad schedule", `{"events": ["http_request"], "url": "https://example.com/h", "retry": {"schedule": ["0s"]}}`, "retry.schedule"},
		{"basic without password", `{"events": ["http_request"], "url": "https://example.com/h", "auth": {"type": "basic", "username": "u"}}`, "auth.password"},
		{"unknown auth", `{"events": ["http_request"], "url": "https://example.com/h", "auth": {"type": "digest"}}`, "auth.type"},
		{"unknown field", `{"events": ["http_request"], "url": "https://example.com/h", "secret": "x"}`, "secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := call(t, http.MethodPost, s.GatewayURL+"/api/v1/accounts/acme/subscriptions", []byte(tt.body), nil)
			if resp.Status != http.StatusBadRequest {
				t.Fatalf("status %d %s, want 400", resp.Status, resp.Body)
			}
			if !strings.Contains(string(resp.Body), `"`+tt.field) {
				t.Errorf("answer %s does not name %s", resp.Body, tt.field)
			}
		})
	}
}

// Run events reach their subscribers: a run that completes raises
// run.completed with its data; a subscription whose receiver answers 410
// is disabled, which raises subscription.disabled to another subscriber.
func TestSubscriptionsToJunctionsOwnEvents(t *testing.T) {
	s := startTestStack(t, devstack.Config{})
	requireVault(t, s)
	runEnds, gone, ops := newHookReceiver(t), newHookReceiver(t), newHookReceiver(t)
	gone.setStatus(http.StatusGone)
	runSub, runSecret := createSubscription(t, s, "acme", fmt.Sprintf(`{"events": ["run.completed", "run.failed"], "url": %q}`, runEnds.URL+"/runs"))
	goneSub, _ := createSubscription(t, s, "acme", fmt.Sprintf(`{"events": ["http_request"], "url": %q}`, gone.URL+"/old"))
	createSubscription(t, s, "acme", fmt.Sprintf(`{"events": ["subscription.disabled", "delivery.exhausted"], "url": %q, "format": "form",
		"body": {"what": "{{ data.type }}", "subscription": "{{ data.data.subscriptionId }}"}}`, ops.URL+"/ops"))
	def := createDefinition(t, s, "acme", []byte(`{"trigger": "http_request", "status": "enabled", "definition": {"name": "Tag orders",
		"steps": [{"id": "tag", "stepType": "SetVariables", "inputs": {"tagged": "{{ data.order.id }}"}}]}}`))

	res := trigger(t, s, "acme", orderPayload, map[string]string{"Idempotency-Key": "order-run-1"})
	if len(res.Runs) != 1 {
		t.Fatalf("runs %+v", res.Runs)
	}
	got := runEnds.waitRequests(t, 1)[0]
	if !verifies(t, runSecret, got) {
		t.Error("run.completed is not signed with its subscription's secret")
	}
	var ev struct {
		Type string         `json:"type"`
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(got.Body, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Type != "run.completed" || ev.Data["definitionId"] != def["id"] || ev.Data["status"] != "completed" ||
		ev.Data["data"].(map[string]any)["tagged"] != "1001" {
		t.Errorf("run.completed: %s", got.Body)
	}

	// The 410 disabled goneSub; ops hears of it, once, as a form.
	opsReq := ops.waitRequests(t, 1)[0]
	if want := "subscription=" + goneSub.ID + "&what=subscription.disabled"; string(opsReq.Body) != want {
		t.Errorf("ops got %q, want %q", opsReq.Body, want)
	}
	resp := call(t, http.MethodGet, s.GatewayURL+"/api/v1/accounts/acme/subscriptions/"+goneSub.ID, nil, nil)
	var sub struct {
		Status, DisabledReason string
	}
	resp.decode(t, &sub)
	if sub.Status != "disabled" || !strings.Contains(sub.DisabledReason, "410") {
		t.Errorf("after a 410: %s", resp.Body)
	}
	// A disabled subscription receives nothing more.
	trigger(t, s, "acme", orderPayload, map[string]string{"Idempotency-Key": "order-run-2"})
	runEnds.waitRequests(t, 2)
	if n := len(gone.received()); n != 1 {
		t.Errorf("the disabled subscription's receiver got %d requests, want 1", n)
	}
	if n := len(ops.received()); n != 1 {
		t.Errorf("ops got %d events, want 1", n)
	}
	if ds := deliveries(t, s, "acme", runSub.ID, ""); len(ds) != 2 || ds[0].Status != "delivered" {
		t.Errorf("run events' deliveries: %+v", ds)
	}
	goneDeliveries := deliveries(t, s, "acme", goneSub.ID, "")
	if len(goneDeliveries) != 1 || goneDeliveries[0].Status != "failed" {
		t.Fatalf("the 410's deliveries: %+v", goneDeliveries)
	}
	goneWorkflow := runs.DeliveryWorkflowID("acme", goneDeliveries[0].ID, 0)
	var result runs.DeliveryResult
	if err := s.Client.GetWorkflow(context.Background(), goneWorkflow, "").Get(context.Background(), &result); err != nil {
		t.Fatal(err)
	}
	if result.Reason != runs.ErrTypeGone || !result.DisabledSubscription {
		t.Errorf("the 410 delivery ended %+v", result)
	}
	recordHistory(t, s, "delivery_gone_disables", goneWorkflow, "")
	recordHistory(t, s, "run_raises_run_completed", res.Runs[0].TemporalWorkflowID, res.Runs[0].RunID)
}

// Recover sends again every failed delivery of a window; deliveries
// filter by status.
func TestRecoverFailedDeliveries(t *testing.T) {
	s := startTestStack(t, devstack.Config{})
	requireVault(t, s)
	rc := newHookReceiver(t)
	rc.setStatus(http.StatusInternalServerError)
	sub, _ := createSubscription(t, s, "acme", fmt.Sprintf(`{"events": ["http_request"], "url": %q, "retry": {"schedule": ["1s"]}}`, rc.URL+"/h"))
	since := time.Now().UTC().Add(-time.Minute)
	trigger(t, s, "acme", orderPayload, map[string]string{"Idempotency-Key": "recover-1"})
	trigger(t, s, "acme", orderPayload, map[string]string{"Idempotency-Key": "recover-2"})
	waitFor(t, "two failed deliveries", time.Minute, func() bool {
		return len(deliveries(t, s, "acme", sub.ID, "?status=failed")) == 2
	})
	if n := len(rc.received()); n != 4 {
		t.Errorf("%d requests for two deliveries of two attempts each", n)
	}
	failed := deliveries(t, s, "acme", sub.ID, "?status=failed")
	if failed[0].NextAttemptAt != "" || len(failed[0].Attempts) != 2 || failed[0].Attempts[1].StatusCode != 500 {
		t.Errorf("failed delivery: %+v", failed[0])
	}
	if n := len(deliveries(t, s, "acme", sub.ID, "?status=delivered")); n != 0 {
		t.Errorf("%d delivered", n)
	}
	rc.setStatus(http.StatusAccepted)
	body := fmt.Sprintf(`{"since": %q}`, since.Format(time.RFC3339))
	resp := call(t, http.MethodPost, s.GatewayURL+"/api/v1/accounts/acme/subscriptions/"+sub.ID+"/recover", []byte(body), nil)
	if resp.Status != http.StatusAccepted || !strings.Contains(string(resp.Body), `"redelivered":2`) {
		t.Fatalf("recover: %d %s", resp.Status, resp.Body)
	}
	waitFor(t, "two delivered", time.Minute, func() bool {
		return len(deliveries(t, s, "acme", sub.ID, "?status=delivered")) == 2
	})
	reqs := rc.received()
	if len(reqs) != 6 || reqs[4].Header.Get("webhook-id") == reqs[5].Header.Get("webhook-id") {
		t.Errorf("%d requests after recover", len(reqs))
	}
	// A window that holds none recovers none.
	resp = call(t, http.MethodPost, s.GatewayURL+"/api/v1/accounts/acme/subscriptions/"+sub.ID+"/recover",
		[]byte(`{"since": "2020-01-01T00:00:00Z", "until": "2020-02-01T00:00:00Z"}`), nil)
	if resp.Status != http.StatusAccepted || !strings.Contains(string(resp.Body), `"redelivered":0`) {
		t.Errorf("recover of an empty window: %d %s", resp.Status, resp.Body)
	}
	// A pending redelivery is refused: it is being tried.
	rc.setStatus(http.StatusInternalServerError)
	resp = call(t, http.MethodPost, s.GatewayURL+"/api/v1/accounts/acme/subscriptions/"+sub.ID+"/deliveries/"+failed[0].ID+"/redeliver", nil, nil)
	if resp.Status != http.StatusAccepted {
		t.Fatalf("redeliver: %d %s", resp.Status, resp.Body)
	}
	again := call(t, http.MethodPost, s.GatewayURL+"/api/v1/accounts/acme/subscriptions/"+sub.ID+"/deliveries/"+failed[0].ID+"/redeliver", nil, nil)
	if again.Status != http.StatusConflict {
		t.Errorf("redeliver while pending: %d %s, want 409", again.Status, again.Body)
	}
}

// A Webhook step in a definition: each method and format, bearer auth from
// a secret environment variable, the answer mapped into the run; the token
// is in no history or log.
func TestWebhookStepEndToEnd(t *testing.T) {
	log, logs := bufferLogger()
	s := startTestStack(t, devstack.Config{Logger: log})
	requireVault(t, s)
	rc := newHookReceiver(t)
	const token = "erp-token-0123456789"
	resp := call(t, http.MethodPut, s.GatewayURL+"/api/v1/accounts/acme/apps/http/versions/1.0.0/env",
		[]byte(`{"variables": {"ERP_TOKEN": {"value": "`+token+`", "secret": true}}}`), nil)
	if resp.Status != http.StatusOK {
		t.Fatalf("env: %d %s", resp.Status, resp.Body)
	}
	steps := []string{}
	methods := []struct{ method, format, body string }{
		{"POST", "json", `{"order": "{{ data.order.id }}", "total": "{{ data.order.total }}"}`},
		{"PUT", "xml", `{"order": {"id": "{{ data.order.id }}"}}`},
		{"PATCH", "form", `{"order": "{{ data.order.id }}", "customer": {"name": "{{ data.order.customer }}"}}`},
		{"DELETE", "json", `null`},
		{"GET", "json", `null`},
		{"POST", "json", `{"later": true}`}, // "wait": false
	}
	for i, m := range methods {
		next := ""
		if i+1 < len(methods) {
			next = fmt.Sprintf(`, "nextStepId": "s%d"`, i+1)
		}
		body := ""
		if m.body != "null" {
			body = `, "body": ` + m.body
		}
		if i == len(methods)-1 {
			body += `, "wait": false`
		}
		steps = append(steps, fmt.Sprintf(`{"id": "s%d", "stepType": "Webhook", "inputs": {"method": %q, "format": %q,
			"url": %q, "auth": {"type": "bearer", "token": "{{env.ERP_TOKEN}}"}%s},
			"outputs": {"code%d": "{{ step.statusCode }}", "echo%d": "{{ step.body.received }}"}%s}`,
			i, m.method, m.format, rc.URL+"/orders/{{ data.order.id }}", body, i, i, next))
	}
	createDefinition(t, s, "acme", []byte(`{"trigger": "http_request", "status": "enabled", "definition": {"name": "ERP webhooks",
		"steps": [`+strings.Join(steps, ",")+`]}}`))
	res := trigger(t, s, "acme", orderPayload, map[string]string{"Idempotency-Key": "webhook-step-1"})
	data := waitRun(t, s, res.Runs[0].TemporalWorkflowID)
	// The last step's webhook goes on in a workflow of its own: the run
	// ends without its answer.
	reqs := rc.waitRequests(t, len(methods))
	if len(reqs) != len(methods) {
		t.Fatalf("%d requests, want %d", len(reqs), len(methods))
	}
	wantBodies := []string{`{"order":"1001","total":31.5}`,
		`<?xml version="1.0" encoding="UTF-8"?><event><order><id>1001</id></order></event>`,
		`customer%5Bname%5D=Ada&order=1001`, ``, ``, `{"later":true}`}
	for i, m := range methods {
		if i == len(methods)-1 {
			if r := reqs[i]; string(r.Body) != wantBodies[i] || data["code5"] != nil {
				t.Errorf("the step that does not wait: %q, code %v", r.Body, data["code5"])
			}
			continue
		}
		r := reqs[i]
		if r.Method != m.method || r.Path != "/orders/1001" || string(r.Body) != wantBodies[i] || r.Header.Get("Authorization") != "Bearer "+token {
			t.Errorf("step %d: %s %s %q auth=%t", i, r.Method, r.Path, r.Body, r.Header.Get("Authorization") == "Bearer "+token)
		}
		if data[fmt.Sprintf("code%d", i)] != float64(200) || data[fmt.Sprintf("echo%d", i)] != "" {
			t.Errorf("step %d outputs: code %v echo %v", i, data[fmt.Sprintf("code%d", i)], data[fmt.Sprintf("echo%d", i)])
		}
	}
	history := wireHistory(t, s, res.Runs[0].TemporalWorkflowID, res.Runs[0].RunID)
	assertNowhere(t, token, "the ERP token", map[string]string{"history": history, "logs": logs.String()})
	recordHistory(t, s, "webhook_steps", res.Runs[0].TemporalWorkflowID, res.Runs[0].RunID)
	if e := executionsOfType(t, s, "webhook.delivery"); len(e) != 1 {
		t.Errorf("%d webhook.delivery workflows, want 1", len(e))
	} else {
		id := e[0].GetExecution().GetWorkflowId()
		if err := s.Client.GetWorkflow(context.Background(), id, "").Get(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		recordHistory(t, s, "webhook_without_waiting", id, "")
	}
}

// Subscriptions are listed, replaced (keeping the status and secrets an
// edit does not name), and deleted with their deliveries; one delivery
// reads alone.
func TestSubscriptionLifecycle(t *testing.T) {
	s := startTestStack(t, devstack.Config{})
	requireVault(t, s)
	rc := newHookReceiver(t)
	base := s.GatewayURL + "/api/v1/accounts/acme/subscriptions"
	sub, secret := createSubscription(t, s, "acme", fmt.Sprintf(`{"name": "first", "events": ["http_request"], "url": %q,
		"auth": {"type": "bearer", "token": "tok-first-1234"}}`, rc.URL+"/a"))
	createSubscription(t, s, "acme", fmt.Sprintf(`{"name": "second", "events": ["inbound_sms"], "url": %q}`, rc.URL+"/b"))

	list := call(t, http.MethodGet, base+"?limit=1", nil, nil)
	var page []subscriptionAnswer
	list.decode(t, &page)
	if list.Status != http.StatusOK || len(page) != 1 || page[0].ID != sub.ID {
		t.Errorf("first page: %d %s", list.Status, list.Body)
	}
	if strings.Contains(string(list.Body), secret) || strings.Contains(string(list.Body), "tok-first-1234") {
		t.Error("a list shows a secret")
	}

	// Disable through a PUT; a later PUT without status keeps it disabled
	// and keeps the token ({"set": true} sent back).
	put := func(body string) apiResponse {
		return call(t, http.MethodPut, base+"/"+sub.ID, []byte(body), nil)
	}
	resp := put(fmt.Sprintf(`{"events": ["http_request"], "url": %q, "status": "disabled", "auth": {"type": "bearer", "token": {"set": true}}, "version": 1}`, rc.URL+"/a"))
	if resp.Status != http.StatusOK {
		t.Fatalf("put: %d %s", resp.Status, resp.Body)
	}
	resp = put(fmt.Sprintf(`{"events": ["http_request"], "url": %q, "method": "PATCH", "auth": {"type": "bearer", "token": {"set": true}}}`, rc.URL+"/a2"))
	var got struct {
		Status  string         `json:"status"`
		Method  string         `json:"method"`
		Auth    map[string]any `json:"auth"`
		Version int            `json:"version"`
	}
	resp.decode(t, &got)
	if got.Status != "disabled" || got.Method != "PATCH" || got.Version != 3 {
		t.Errorf("after two edits: %s", resp.Body)
	}
	if stale := put(fmt.Sprintf(`{"events": ["http_request"], "url": %q, "version": 1, "auth": {"type": "bearer", "token": {"set": true}}}`, rc.URL+"/a")); stale.Status != http.StatusConflict {
		t.Errorf("a PUT of version 1 at version 3: %d %s, want 409", stale.Status, stale.Body)
	}
	if noToken := put(fmt.Sprintf(`{"events": ["http_request"], "url": %q, "auth": {"type": "basic", "username": "u"}}`, rc.URL+"/a")); noToken.Status != http.StatusBadRequest {
		t.Errorf("switching to basic without a password: %d %s, want 400", noToken.Status, noToken.Body)
	}
	// Enabled again, it delivers with the kept token.
	resp = put(fmt.Sprintf(`{"events": ["http_request"], "url": %q, "status": "enabled", "auth": {"type": "bearer", "token": {"set": true}}}`, rc.URL+"/a"))
	if resp.Status != http.StatusOK {
		t.Fatalf("enable: %d %s", resp.Status, resp.Body)
	}
	trigger(t, s, "acme", orderPayload, map[string]string{"Idempotency-Key": "lifecycle-1"})
	r := rc.waitRequests(t, 1)[0]
	if r.Header.Get("Authorization") != "Bearer tok-first-1234" || !verifies(t, secret, r) {
		t.Errorf("after the edits: auth %q", r.Header.Get("Authorization"))
	}
	d := waitDelivery(t, s, "acme", sub.ID, "delivered")
	one := call(t, http.MethodGet, base+"/"+sub.ID+"/deliveries/"+d.ID, nil, nil)
	if one.Status != http.StatusOK || !strings.Contains(string(one.Body), d.MessageID) {
		t.Errorf("one delivery: %d %s", one.Status, one.Body)
	}
	if other := call(t, http.MethodGet, base+"/"+sub.ID+"/deliveries/dlv_0000", nil, nil); other.Status != http.StatusNotFound {
		t.Errorf("an unknown delivery: %d", other.Status)
	}

	if del := call(t, http.MethodDelete, base+"/"+sub.ID, nil, nil); del.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", del.Status, del.Body)
	}
	if gone := call(t, http.MethodGet, base+"/"+sub.ID, nil, nil); gone.Status != http.StatusNotFound {
		t.Errorf("after delete: %d", gone.Status)
	}
	if gone := call(t, http.MethodGet, base+"/"+sub.ID+"/deliveries/"+d.ID, nil, nil); gone.Status != http.StatusNotFound {
		t.Errorf("a deleted subscription's delivery: %d", gone.Status)
	}
	trigger(t, s, "acme", orderPayload, map[string]string{"Idempotency-Key": "lifecycle-2"})
	time.Sleep(300 * time.Millisecond)
	if n := len(rc.received()); n != 1 {
		t.Errorf("a deleted subscription received %d requests", n-1)
	}
}

// An outside platform subscribes to a connector's webhook trigger on one
// connection, with no definition: each delivery Shopify makes reaches it
// once, with the payload the trigger documents; events of another
// connection do not.
func TestSubscriptionToAConnectorTrigger(t *testing.T) {
	s, fake := startShopifyStack(t)
	api := s.GatewayURL + "/api/v1/accounts/acme"
	const secret = "shpss_northwind_webhooks"
	northwind := createConnection(t, api, `{"app":"shopify","name":"Northwind","authKind":"api_key",
	  "fields":{"key":"`+shopifytest.Token+`","webhook_secret":"`+secret+`"},"properties":{"shop":"northwind.myshopify.com"}}`)
	southwind := createConnection(t, api, `{"app":"shopify","name":"Southwind","authKind":"api_key",
	  "fields":{"key":"`+shopifytest.Token+`","webhook_secret":"`+secret+`"},"properties":{"shop":"southwind.myshopify.com"}}`)
	rc := newHookReceiver(t)
	sub, signing := createSubscription(t, s, "acme", fmt.Sprintf(`{"events": ["shopify.orders_create"], "triggerConnection": %q, "url": %q}`,
		northwind, rc.URL+"/orders"))

	// A polling trigger, or a connection filter mixed with other events,
	// is refused.
	for body, field := range map[string]string{
		fmt.Sprintf(`{"events": ["shopify.new_orders"], "url": %q}`, rc.URL):                                                      "events[0]",
		fmt.Sprintf(`{"events": ["shopify.orders_create", "run.failed"], "triggerConnection": %q, "url": %q}`, northwind, rc.URL): "triggerConnection",
	} {
		resp := call(t, http.MethodPost, api+"/subscriptions", []byte(body), nil)
		if resp.Status != http.StatusBadRequest || !strings.Contains(string(resp.Body), `"`+field+`"`) {
			t.Errorf("%s: %d %s, want 400 naming %s", body, resp.Status, resp.Body, field)
		}
	}

	order := []byte(`{"id":` + strconv.Itoa(shopifytest.OrderID) + `,"name":"#1001","email":"bob@example.com","created_at":"2026-03-02T10:15:00-05:00"}`)
	for _, conn := range []string{northwind, southwind, northwind} {
		hookURL := s.GatewayURL + "/hooks/acme/" + conn + "/orders_create"
		if resp := deliver(t, hookURL, fake.SignWebhook("orders_create", order, secret, hookURL, time.Now())); resp.Status != http.StatusOK {
			t.Fatalf("delivery: %d %s", resp.Status, resp.Body)
		}
	}
	rc.waitRequests(t, 1)
	time.Sleep(500 * time.Millisecond) // room for a second request, which must not come
	got := rc.received()
	if len(got) != 1 {
		t.Fatalf("the subscriber got %d requests, want 1 (Northwind's order, delivered twice)", len(got))
	}
	var ev struct {
		Type string         `json:"type"`
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(got[0].Body, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Type != "shopify.orders_create" || !verifies(t, signing, got[0]) {
		t.Errorf("event %s", got[0].Body)
	}
	if p, _ := ev.Data["payload"].(map[string]any); p == nil || p["name"] != "#1001" {
		t.Errorf("payload %v", ev.Data)
	}
	waitDelivery(t, s, "acme", sub.ID, "delivered")
}

// The hygiene test of outbound webhooks on their failure paths: a
// receiver that answers 500 repeating the request (its Authorization
// included), for a subscription with basic auth, one with bearer auth and
// a Webhook step whose token is a secret environment variable. No
// password, token or signing secret in any history (wire form), log line
// or API answer, while a canary the echo repeats is found in the recorded
// answers, so the search can fail.
func TestSubscriptionSecretsOnFailurePaths(t *testing.T) {
	const (
		password = "pw-sub-fail-Qe93"
		token    = "tok-sub-fail-Mv28"
		envToken = "tok-step-fail-Hd57"
		canary   = "canary-outbound-7b2e"
	)
	log, logs := bufferLogger()
	s := startTestStack(t, devstack.Config{Logger: log})
	requireVault(t, s)
	echo := httptest.NewServer(http.HandlerFunc(echoRequest))
	t.Cleanup(echo.Close)
	api := s.GatewayURL + "/api/v1/accounts/acme"
	basic, basicSecret := createSubscription(t, s, "acme", fmt.Sprintf(`{"events": ["http_request"], "url": %q, "headers": {"X-Canary": %q},
		"auth": {"type": "basic", "username": "u", "password": %q}, "retry": {"schedule": ["1s"]}}`, echo.URL+"/basic", canary, password))
	bearer, bearerSecret := createSubscription(t, s, "acme", fmt.Sprintf(`{"events": ["http_request"], "url": %q, "headers": {"X-Canary": %q},
		"auth": {"type": "bearer", "token": %q}, "retry": {"schedule": ["1s"]}}`, echo.URL+"/bearer", canary, token))
	if resp := call(t, http.MethodPut, api+"/apps/http/versions/1.0.0/env",
		[]byte(`{"variables": {"STEP_TOKEN": {"value": "`+envToken+`", "secret": true}}}`), nil); resp.Status != http.StatusOK {
		t.Fatalf("env: %d %s", resp.Status, resp.Body)
	}
	createDefinition(t, s, "acme", []byte(fmt.Sprintf(`{"trigger": "http_request", "status": "enabled", "definition": {"name": "failing webhook",
		"steps": [{"id": "notify", "stepType": "Webhook", "inputs": {"url": %q, "headers": {"X-Canary": %q},
		"auth": {"type": "bearer", "token": "{{env.STEP_TOKEN}}"}, "body": {"n": 1}, "retry": {"schedule": ["1s"]}}}]}}`, echo.URL+"/step", canary)))

	res := trigger(t, s, "acme", orderPayload, map[string]string{"Idempotency-Key": "hygiene-out-1"})
	for _, sub := range []subscriptionAnswer{basic, bearer} {
		waitDelivery(t, s, "acme", sub.ID, "failed")
	}
	ctx := context.Background()
	if err := s.Client.GetWorkflow(ctx, res.Runs[0].TemporalWorkflowID, "").Get(ctx, nil); err == nil {
		t.Error("the run whose webhook kept failing completed")
	}

	var answers strings.Builder
	for _, sub := range []subscriptionAnswer{basic, bearer} {
		for _, path := range []string{"", "/deliveries"} {
			answers.Write(call(t, http.MethodGet, api+"/subscriptions/"+sub.ID+path, nil, nil).Body)
		}
	}
	answers.Write(call(t, http.MethodGet, api+"/definitions/"+res.Runs[0].DefinitionID+"/workflows/"+res.Runs[0].WorkflowID, nil, nil).Body)
	answers.Write(call(t, http.MethodGet, api+"/definitions/"+res.Runs[0].DefinitionID+"/workflows/"+res.Runs[0].WorkflowID+"/errors", nil, nil).Body)
	var histories strings.Builder
	histories.WriteString(wireHistory(t, s, res.Runs[0].TemporalWorkflowID, res.Runs[0].RunID))
	for _, e := range executionsOfType(t, s, "outbound.delivery") {
		histories.WriteString(wireHistory(t, s, e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId()))
	}
	if !strings.Contains(answers.String(), canary) || !strings.Contains(histories.String(), canary) {
		t.Fatal("the canary the receiver echoes is not in the answers or the histories: the search proves nothing")
	}
	if !strings.Contains(answers.String(), "auth=") {
		t.Error("the recorded answers lack the echoed auth field")
	}
	places := map[string]string{"answers": answers.String(), "histories": histories.String(), "logs": logs.String()}
	for name, value := range map[string]string{"the basic password": password, "the encoded basic credentials": base64.StdEncoding.EncodeToString([]byte("u:" + password)),
		"the bearer token": token, "the step's token": envToken,
		"a signing secret": strings.TrimPrefix(basicSecret, "whsec_"), "another signing secret": strings.TrimPrefix(bearerSecret, "whsec_")} {
		assertNowhere(t, value, name, places)
	}
}
