package workflows_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/junction-run/junction/activities"
	"github.com/junction-run/junction/credentials"
	"github.com/junction-run/junction/egress"
	"github.com/junction-run/junction/outbound"
	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
	"github.com/junction-run/junction/store/storetest"
	"github.com/junction-run/junction/vaultx"
	"github.com/junction-run/junction/vaultx/vaulttest"
	"github.com/junction-run/junction/workflows"
)

// receiver is a subscriber's endpoint on loopback. It answers by the
// request's webhook-timestamp (the worker's clock, which the time-skipping
// environment drives), verifies every signature with the Standard Webhooks
// reference library, and records what it got.
type receiver struct {
	t      *testing.T
	secret string
	answer func(at time.Time, n int) (status int, header http.Header)

	mu       sync.Mutex
	requests []received
}

type received struct {
	id     string
	at     time.Time
	status int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	wh, err := standardwebhooks.NewWebhook(rc.secret)
	if err != nil {
		rc.t.Error(err)
	}
	// The timestamp is the skipped clock's, far from the wall clock the
	// library's tolerance reads.
	if err := wh.VerifyIgnoringTimestamp(body, r.Header); err != nil {
		rc.t.Errorf("signature of %s does not verify: %v", r.Header.Get("webhook-id"), err)
	}
	sec, err := strconv.ParseInt(r.Header.Get("webhook-timestamp"), 10, 64)
	if err != nil {
		rc.t.Errorf("webhook-timestamp %q: %v", r.Header.Get("webhook-timestamp"), err)
	}
	at := time.Unix(sec, 0).UTC()
	rc.mu.Lock()
	n := len(rc.requests)
	status, header := rc.answer(at, n)
	rc.requests = append(rc.requests, received{id: r.Header.Get("webhook-id"), at: at, status: status})
	rc.mu.Unlock()
	for k, v := range header {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"ok":` + strconv.FormatBool(status < 300) + `}`))
}

func (rc *receiver) byMessage() map[string][]received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := map[string][]received{}
	for _, r := range rc.requests {
		out[r.id] = append(out[r.id], r)
	}
	return out
}

// raised records the events the deliveries raise.
type raised struct {
	mu     sync.Mutex
	events []runs.RaisedEvent
}

func (r *raised) Raise(_ context.Context, ev runs.RaisedEvent) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
	return nil
}

func (r *raised) ofType(t string) []runs.RaisedEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []runs.RaisedEvent
	for _, ev := range r.events {
		if ev.Type == t {
			out = append(out, ev)
		}
	}
	return out
}

// deliveryBench is a subscription to a receiver, in a real SQLite store
// with its secrets in a real Vault, and a time-skipping environment whose
// worker runs the real delivery workflow and activities.
type deliveryBench struct {
	env    *testsuite.TestWorkflowEnvironment
	store  *store.Store
	sub    store.Subscription
	rc     *receiver
	raised *raised
}

func newDeliveryBench(t *testing.T, sub store.Subscription, answer func(at time.Time, n int) (int, http.Header)) *deliveryBench {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, storetest.SQLiteURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if _, err := st.CreateAccount(ctx, store.Account{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	addr, token := vaulttest.Start(t)
	vc, err := vaultx.New(ctx, vaultx.Config{Address: addr, Token: vaultx.Secret(token), CacheTTL: -1, Timeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	secrets := credentials.New(vc, "")
	key, err := outbound.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	rc := &receiver{t: t, secret: key.Encode(), answer: answer}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)

	sub.AccountID, sub.URL, sub.Events = "acme", srv.URL+"/hooks/junction", []string{"http_request"}
	sub.Method, sub.Format, sub.AuthKind, sub.TimeoutSeconds = "POST", "json", "none", 30
	sub.SecretFields = []string{credentials.SigningSecretField(1)}
	if sub.DisableAfter == 0 {
		sub.DisableAfter = 5 * 24 * time.Hour
	}
	sub, err = st.CreateSubscription(ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	if err := secrets.CreateSubscription(ctx, "acme", sub.ID, map[string]string{credentials.SigningSecretField(1): key.Encode()}); err != nil {
		t.Fatal(err)
	}

	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC))
	allow, err := egress.ParseAllow(egress.AllowLoopback)
	if err != nil {
		t.Fatal(err)
	}
	ev := &raised{}
	acts := &activities.Outbound{Store: st, Secrets: secrets, Egress: egress.NewClient(egress.Options{Allow: allow}),
		Events: ev, Now: env.Now}
	env.RegisterWorkflowWithOptions(workflows.Delivery, workflow.RegisterOptions{Name: runs.DeliveryWorkflow})
	env.RegisterWorkflowWithOptions(deliverAll, workflow.RegisterOptions{Name: "deliverAll"})
	env.RegisterActivityWithOptions(acts.Send, activity.RegisterOptions{Name: runs.SendDeliveryActivity})
	env.RegisterActivityWithOptions(acts.Settle, activity.RegisterOptions{Name: runs.SettleDeliveryActivity})
	return &deliveryBench{env: env, store: st, sub: sub, rc: rc, raised: ev}
}

// enqueue stores n deliveries of events of the subscription, as intake
// does.
func (b *deliveryBench) enqueue(t *testing.T, n int) []runs.DeliveryInput {
	t.Helper()
	var out []runs.DeliveryInput
	for i := range n {
		eventID := "evt-" + strconv.Itoa(i)
		msg := runs.MessageID("acme", "http_request", eventID)
		d, _, err := b.store.EnqueueDelivery(context.Background(), store.Delivery{AccountID: "acme", ID: runs.DeliveryID(b.sub.ID, msg),
			SubscriptionID: b.sub.ID, MessageID: msg, EventType: "http_request", EventID: eventID,
			Payload: []byte(`{"type":"http_request","id":"` + eventID + `","data":{"order":` + strconv.Itoa(1000+i) + `}}`)})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, runs.DeliveryInput{AccountID: "acme", SubscriptionID: b.sub.ID, DeliveryID: d.ID})
	}
	return out
}

// deliverAll runs deliveries as children, each starting after the one
// before by gap, and returns their results in order.
func deliverAll(ctx workflow.Context, ins []runs.DeliveryInput, gap time.Duration) ([]runs.DeliveryResult, error) {
	futures := make([]workflow.ChildWorkflowFuture, len(ins))
	for i, in := range ins {
		if i > 0 && gap > 0 {
			if err := workflow.Sleep(ctx, gap); err != nil {
				return nil, err
			}
		}
		// The test environment gives a child without a run timeout none of
		// its own: its activities would then expire at once.
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: runs.DeliveryWorkflowID(in.AccountID, in.DeliveryID, 0),
			WorkflowRunTimeout: 30 * 24 * time.Hour})
		futures[i] = workflow.ExecuteChildWorkflow(cctx, runs.DeliveryWorkflow, in)
	}
	out := make([]runs.DeliveryResult, len(ins))
	for i, f := range futures {
		if err := f.Get(ctx, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (b *deliveryBench) run(t *testing.T, ins []runs.DeliveryInput, gap time.Duration) []runs.DeliveryResult {
	t.Helper()
	b.env.ExecuteWorkflow("deliverAll", ins, gap)
	if !b.env.IsWorkflowCompleted() {
		t.Fatal("the deliveries did not complete")
	}
	if err := b.env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var out []runs.DeliveryResult
	if err := b.env.GetWorkflowResult(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// An outage: the receiver answers 503 for three hours, then 200. Every
// delivery arrives exactly once, its attempts fall on the schedule (30
// minutes ± 20 %), and the store records each attempt as the receiver saw
// it.
func TestDeliveriesSurviveAnOutage(t *testing.T) {
	start := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	b := newDeliveryBench(t, store.Subscription{}, func(at time.Time, _ int) (int, http.Header) {
		if at.Before(start.Add(3 * time.Hour)) {
			return http.StatusServiceUnavailable, nil
		}
		return http.StatusOK, nil
	})
	ins := b.enqueue(t, 5)
	results := b.run(t, ins, 0)

	got := b.rc.byMessage()
	if len(got) != len(ins) {
		t.Fatalf("the receiver saw %d messages, want %d", len(got), len(ins))
	}
	for i, in := range ins {
		if results[i].Status != store.DeliveryDelivered {
			t.Errorf("delivery %d: %+v", i, results[i])
		}
		d, err := b.store.Delivery(context.Background(), "acme", in.DeliveryID)
		if err != nil {
			t.Fatal(err)
		}
		reqs := got[d.MessageID]
		delivered := 0
		for j, r := range reqs {
			if r.status == http.StatusOK {
				delivered++
			}
			if j == 0 {
				if !r.at.Equal(start) {
					t.Errorf("%s: first attempt at %s, want %s", d.ID, r.at, start)
				}
				continue
			}
			gap := r.at.Sub(reqs[j-1].at)
			if gap < 24*time.Minute || gap > 36*time.Minute+time.Second {
				t.Errorf("%s: attempt %d came %s after the one before, not 30 min ± 20 %%", d.ID, j+1, gap)
			}
		}
		if delivered != 1 {
			t.Errorf("%s: delivered %d times, want exactly once", d.ID, delivered)
		}
		if last := reqs[len(reqs)-1]; last.status != http.StatusOK || last.at.Before(start.Add(3*time.Hour)) {
			t.Errorf("%s: last attempt %+v", d.ID, last)
		}
		// 30 min ± 20 % puts the end of a 3 h outage after 5 to 8 retries.
		if n := len(reqs); n < 6 || n > 9 {
			t.Errorf("%s: %d attempts for a 3 h outage", d.ID, n)
		}
		attempts, err := b.store.DeliveryAttempts(context.Background(), "acme", d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(attempts) != len(reqs) || d.Status != store.DeliveryDelivered || d.Attempts != len(reqs) {
			t.Errorf("%s: store says %d attempts (%d rows), status %s; the receiver saw %d", d.ID, d.Attempts, len(attempts), d.Status, len(reqs))
		}
		for j, a := range attempts {
			if j < len(reqs) && (!a.At.Truncate(time.Second).Equal(reqs[j].at) || a.StatusCode != reqs[j].status) {
				t.Errorf("%s attempt %d: stored %s %d, received %s %d", d.ID, j+1, a.At, a.StatusCode, reqs[j].at, reqs[j].status)
			}
		}
	}
	if evs := b.raised.events; len(evs) != 0 {
		t.Errorf("raised %v for deliveries that arrived", evs)
	}
}

// A receiver that is down for longer than the schedule: the delivery fails
// after 49 attempts over 24 hours and raises delivery.exhausted once.
func TestDeliveryExhausted(t *testing.T) {
	b := newDeliveryBench(t, store.Subscription{}, func(time.Time, int) (int, http.Header) {
		return http.StatusInternalServerError, nil
	})
	ins := b.enqueue(t, 1)
	res := b.run(t, ins, 0)
	if res[0].Status != store.DeliveryFailed || res[0].Reason != runs.ErrTypeRetriesExhausted || res[0].Attempts != 49 {
		t.Errorf("result %+v, want failed after 49 attempts", res[0])
	}
	if n := len(b.rc.requests); n != 49 {
		t.Errorf("%d requests, want 49", n)
	}
	if first, last := b.rc.requests[0].at, b.rc.requests[len(b.rc.requests)-1].at; last.Sub(first) < 19*time.Hour || last.Sub(first) > 29*time.Hour {
		t.Errorf("attempts spread over %s, want about 24 h", last.Sub(first))
	}
	if evs := b.raised.ofType(runs.EventDeliveryExhausted); len(evs) != 1 || evs[0].Payload["deliveryId"] != ins[0].DeliveryID {
		t.Errorf("delivery.exhausted raised %v", evs)
	}
}

// 410 disables the subscription at once and raises subscription.disabled;
// a delivery that comes after it sends nothing.
func TestGoneDisablesTheSubscription(t *testing.T) {
	b := newDeliveryBench(t, store.Subscription{}, func(time.Time, int) (int, http.Header) {
		return http.StatusGone, nil
	})
	ins := b.enqueue(t, 2)
	res := b.run(t, ins, time.Hour)
	if res[0].Reason != runs.ErrTypeGone || !res[0].DisabledSubscription {
		t.Errorf("first delivery %+v, want gone, disabling the subscription", res[0])
	}
	if res[1].Reason != runs.ErrTypeSubscriptionDisabled || res[1].DisabledSubscription {
		t.Errorf("second delivery %+v, want refused as disabled", res[1])
	}
	if n := len(b.rc.requests); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	sub, err := b.store.Subscription(context.Background(), "acme", b.sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sub.Status != store.SubscriptionDisabled || sub.DisabledReason == "" {
		t.Errorf("subscription %s (%q), want disabled with a reason", sub.Status, sub.DisabledReason)
	}
	if evs := b.raised.ofType(runs.EventSubscriptionDisabled); len(evs) != 1 {
		t.Errorf("subscription.disabled raised %d times, want once", len(evs))
	}
}

// Deliveries that keep failing for longer than the subscription's
// DisableAfter (5 days) disable it, once, with subscription.disabled; one
// event a day, each retried for 24 h.
func TestFiveDaysOfFailuresDisable(t *testing.T) {
	b := newDeliveryBench(t, store.Subscription{}, func(time.Time, int) (int, http.Header) {
		return http.StatusServiceUnavailable, nil
	})
	ins := b.enqueue(t, 7)
	res := b.run(t, ins, 24*time.Hour)
	disabled := 0
	for _, r := range res {
		if r.DisabledSubscription {
			disabled++
		}
	}
	if disabled != 1 {
		t.Errorf("%d deliveries disabled the subscription, want 1: %+v", disabled, res)
	}
	if evs := b.raised.ofType(runs.EventSubscriptionDisabled); len(evs) != 1 {
		t.Fatalf("subscription.disabled raised %d times, want once", len(evs))
	}
	first := b.rc.requests[0].at
	last := b.rc.requests[len(b.rc.requests)-1].at
	if d := last.Sub(first); d < 5*24*time.Hour || d > 5*24*time.Hour+time.Hour {
		t.Errorf("the last request came %s after the first, want just past 5 days", d)
	}
	if res[6].Reason != runs.ErrTypeSubscriptionDisabled {
		t.Errorf("the delivery of day 7: %+v, want refused as disabled", res[6])
	}
}

// 429 and 503 wait for Retry-After when it asks for longer than the
// schedule, capped at 24 h; other statuses ignore it.
func TestRetryAfter(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		retryAfter string
		min, max   time.Duration
	}{
		{"429 asks for 2 h", http.StatusTooManyRequests, "7200", 2 * time.Hour, 2*time.Hour + time.Second},
		{"503 asks for 30 h, capped at 24 h", http.StatusServiceUnavailable, "108000", 24 * time.Hour, 24*time.Hour + time.Second},
		{"429 asks for less than the schedule", http.StatusTooManyRequests, "60", 24 * time.Minute, 36*time.Minute + time.Second},
		{"500 is not throttling", http.StatusInternalServerError, "7200", 24 * time.Minute, 36*time.Minute + time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newDeliveryBench(t, store.Subscription{}, func(_ time.Time, n int) (int, http.Header) {
				if n == 0 {
					return tt.status, http.Header{"Retry-After": {tt.retryAfter}}
				}
				return http.StatusNoContent, nil
			})
			b.run(t, b.enqueue(t, 1), 0)
			reqs := b.rc.requests
			if len(reqs) != 2 {
				t.Fatalf("%d requests, want 2", len(reqs))
			}
			if gap := reqs[1].at.Sub(reqs[0].at); gap < tt.min || gap > tt.max {
				t.Errorf("second attempt %s after the first, want %s to %s", gap, tt.min, tt.max)
			}
		})
	}
}
