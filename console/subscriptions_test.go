package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/junction-run/junction/gateway"
	"github.com/junction-run/junction/store"
	"github.com/junction-run/junction/vaultx"
	"github.com/junction-run/junction/vaultx/vaulttest"
)

// vaultOption gives the gateway a real, throwaway Vault: subscriptions keep
// their signing secrets there.
func vaultOption(t *testing.T) func(*gateway.Config) {
	t.Helper()
	addr, token := vaulttest.Start(t)
	vc, err := vaultx.New(context.Background(), vaultx.Config{Address: addr, Token: vaultx.Secret(token), CacheTTL: -1, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = vc.Close() })
	return func(cfg *gateway.Config) { cfg.Secrets = vc }
}

// getPage gets path as the browser and answers its status and HTML.
func (s *site) getPage(path string) (int, string) {
	s.t.Helper()
	res := s.do(http.MethodGet, path, nil)
	return res.StatusCode, readAll(s.t, res)
}

// postForm sends a console form and answers its status, where it redirects and
// the page drawn (when it is not a redirect).
func (s *site) postForm(path string, form url.Values) (int, string, string) {
	s.t.Helper()
	res := s.do(http.MethodPost, path, form)
	return res.StatusCode, res.Header.Get("Location"), readAll(s.t, res)
}

// subscriptionFixture is a subscription made through the API, its signing
// secret, and three deliveries recorded as the worker records them.
type subscriptionFixture struct {
	id, secret, password                   string
	pending, delivered, failed, otherEvent string // delivery ids
}

const subscriptionsAPI = "/api/v1/accounts/acme/subscriptions"

func makeSubscription(t *testing.T, s *site) subscriptionFixture {
	t.Helper()
	ctx := context.Background()
	f := subscriptionFixture{password: "pw-hunter2-Zq9"}
	var created struct {
		ID            string `json:"id"`
		SigningSecret string `json:"signingSecret"`
	}
	if code := s.apiAnswer(s.admin, http.MethodPost, subscriptionsAPI, map[string]any{
		"name": "orders to the ERP", "events": []string{"http_request", "run.failed"},
		"url": "https://erp.example.com/orders", "headers": map[string]string{"X-Source": "junction"},
		"auth": map[string]any{"type": "basic", "username": "junction", "password": f.password},
	}, &created); code != http.StatusCreated || !strings.HasPrefix(created.SigningSecret, "whsec_") {
		t.Fatalf("creating a subscription: %d %+v", code, created)
	}
	f.id, f.secret = created.ID, created.SigningSecret

	enqueue := func(id, eventType string) {
		t.Helper()
		if _, _, err := s.store.EnqueueDelivery(ctx, store.Delivery{AccountID: "acme", ID: id, SubscriptionID: f.id,
			MessageID: "msg_" + id, EventType: eventType, EventID: "evt-" + id, Payload: []byte(`{"type":"` + eventType + `"}`)}); err != nil {
			t.Fatal(err)
		}
	}
	record := func(id string, a store.DeliveryAttempt, status string, next time.Time) {
		t.Helper()
		if _, err := s.store.RecordAttempt(ctx, "acme", id, a, status, next); err != nil {
			t.Fatal(err)
		}
	}
	f.pending, f.delivered, f.failed, f.otherEvent = "dlv_pending", "dlv_delivered", "dlv_failed", "dlv_run_failed"
	enqueue(f.pending, "http_request")
	record(f.pending, store.DeliveryAttempt{StatusCode: 503, DurationMs: 12, ResponseHeaders: map[string]string{"Retry-After": "3600"},
		ResponseBody: "receiver busy"}, store.DeliveryPending, time.Now().Add(time.Hour))
	enqueue(f.delivered, "http_request")
	record(f.delivered, store.DeliveryAttempt{StatusCode: 0, DurationMs: 30000, Error: "timeout awaiting the answer"}, store.DeliveryPending, time.Now().Add(time.Minute))
	record(f.delivered, store.DeliveryAttempt{StatusCode: 200, DurationMs: 35, ResponseBody: `{"ok":true}`}, store.DeliveryDelivered, time.Time{})
	enqueue(f.failed, "http_request")
	record(f.failed, store.DeliveryAttempt{StatusCode: 500, DurationMs: 8, ResponseBody: "boom"}, store.DeliveryFailed, time.Time{})
	enqueue(f.otherEvent, "run.failed")
	return f
}

// noSecrets fails the test when page shows a secret of f, or any signing
// secret.
func noSecrets(t *testing.T, what, page string, f subscriptionFixture) {
	t.Helper()
	for _, secret := range []string{f.secret, strings.TrimPrefix(f.secret, "whsec_"), f.password, "whsec_"} {
		if strings.Contains(page, secret) {
			t.Errorf("%s shows the secret %q", what, secret)
		}
	}
}

// idsIn are the delivery ids page links to, in order.
func idsIn(page string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`/deliveries/(dlv_[a-z_]+)"`).FindAllStringSubmatch(page, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestSubscriptionPages: an admin key's console lists, shows, creates,
// edits, disables and enables, rotates, recovers and deletes a subscription
// through the API, shows its deliveries as the API lists them, with their
// attempts, and no page shows a signing secret or a password.
func TestSubscriptionPages(t *testing.T) {
	s := newSite(t, vaultOption(t))
	f := makeSubscription(t, s)
	s.signIn(s.admin)
	detail := "/console/subscriptions/" + f.id
	var pages []string // every page drawn, searched for secrets at the end
	get := func(path string, want ...string) string {
		t.Helper()
		code, page := s.getPage(path)
		if code != http.StatusOK {
			t.Fatalf("GET %s: %d\n%s", path, code, page)
		}
		for _, w := range want {
			if !strings.Contains(page, w) {
				t.Errorf("GET %s does not show %q", path, w)
			}
		}
		pages = append(pages, page)
		return page
	}

	get("/console/subscriptions", "https://erp.example.com/orders", "orders to the ERP", "http_request, run.failed", ">enabled<",
		`href="/console/subscriptions/new"`, `href="/console/subscriptions/`+f.id+`"`)

	page := get(detail, "orders to the ERP", "POST https://erp.example.com/orders", "X-Source: junction",
		"basic, user <span class=\"mono\">junction</span>, password set", "the default schedule",
		`href="/console/subscriptions/`+f.id+`/edit"`, ">Disable</button>", ">Rotate secret</button>",
		`type="datetime-local"`, ">Delete</button>", `data-confirm="Delete this subscription`,
		"POST /api/v1/accounts/acme/subscriptions/"+f.id+"/rotate-secret")
	var listed []struct{ ID string }
	if code := s.apiAnswer(s.reader, http.MethodGet, subscriptionsAPI+"/"+f.id+"/deliveries", nil, &listed); code != http.StatusOK {
		t.Fatalf("listing deliveries: %d", code)
	}
	var want []string
	for _, d := range listed {
		want = append(want, d.ID)
	}
	if got := idsIn(page); len(want) != 4 || !slices.Equal(got, want) {
		t.Errorf("the page lists deliveries %v; the API %v", got, want)
	}
	if got := idsIn(get(detail + "?status=failed")); !slices.Equal(got, []string{f.failed}) {
		t.Errorf("failed deliveries: %v", got)
	}
	if got := idsIn(get(detail + "?status=pending")); !slices.Equal(got, []string{f.otherEvent, f.pending}) && !slices.Equal(got, []string{f.pending, f.otherEvent}) {
		t.Errorf("pending deliveries: %v", got)
	}

	t.Run("a delivery being tried refreshes its attempts", func(t *testing.T) {
		page := get(detail+"/deliveries/"+f.pending, "503", "12 ms", "Retry-After: 3600", "receiver busy", "next attempt",
			`aria-live="polite"`, `data-refresh="2"`, `id="delivery-attempts"`)
		if strings.Contains(page, ">Redeliver</button>") {
			t.Error("a pending delivery offers Redeliver: the API refuses it")
		}
	})
	t.Run("a delivered one shows every attempt and does not refresh", func(t *testing.T) {
		page := get(detail+"/deliveries/"+f.delivered, "no answer", "timeout awaiting the answer", "30000 ms", "200",
			"{&#34;ok&#34;:true}", ">delivered<", ">Redeliver</button>", `aria-live="polite"`)
		if strings.Contains(page, "data-refresh") {
			t.Error("a delivered delivery still refreshes")
		}
	})
	t.Run("redelivering a pending delivery shows the API's 409", func(t *testing.T) {
		code, _, page := s.postForm(detail+"/deliveries/"+f.pending+"/redeliver", url.Values{})
		if code != http.StatusConflict || !strings.Contains(page, "still pending") {
			t.Errorf("%d\n%s", code, page)
		}
	})
	t.Run("a delivery of another subscription is the API's 404", func(t *testing.T) {
		if code, _ := s.getPage("/console/subscriptions/nope/deliveries/" + f.pending); code != http.StatusNotFound {
			t.Errorf("%d", code)
		}
	})

	t.Run("create", func(t *testing.T) {
		get("/console/subscriptions/new", `name="event" value="http_request"`, `name="event" value="delivery.exhausted"`, `for="appEvents"`)
		form := url.Values{"name": {"to the CRM"}, "url": {"https://crm.example.com/hook"}, "event": {"inbound_sms", "run.completed"},
			"method": {"PUT"}, "format": {"json"}, "headers": {"X-One: 1\nX-Two: two"}, "body": {`{"id": "{{ data.id }}"}`},
			"authType": {"bearer"}, "token": {"tok-SECRET-77"}, "retryMode": {"custom"}, "retrySchedule": {"1m, 10m"},
			"timeoutSeconds": {"10"}, "disableAfter": {"48h"}, "status": {"enabled"}}
		code, to, page := s.postForm("/console/subscriptions", form)
		if code != http.StatusSeeOther || !strings.HasPrefix(to, "/console/subscriptions/") {
			t.Fatalf("%d to %q\n%s", code, to, page)
		}
		page = get(to, "Subscription created", "to the CRM", "PUT https://crm.example.com/hook", "inbound_sms, run.completed",
			"X-Two: two", "bearer", "token set", "after 1m0s, 10m0s", "10 s", "48h0m0s")
		if strings.Contains(page, "tok-SECRET-77") {
			t.Error("the page shows the token")
		}
	})

	t.Run("the API's problems, by path, on the form", func(t *testing.T) {
		code, _, page := s.postForm("/console/subscriptions", url.Values{"url": {"ftp://nowhere"}, "authType": {"basic"}, "username": {"a:b"},
			"retryMode": {"default"}, "format": {"json"}, "method": {"POST"}, "status": {"enabled"}, "name": {"kept as typed"}})
		if code != http.StatusBadRequest {
			t.Fatalf("%d\n%s", code, page)
		}
		for _, path := range []string{"<code>events</code>", "<code>url</code>", "<code>auth.username</code>", "<code>auth.password</code>"} {
			if !strings.Contains(page, path) {
				t.Errorf("the page does not name %s\n%s", path, page)
			}
		}
		if !strings.Contains(page, `value="kept as typed"`) {
			t.Error("the form lost what was typed")
		}
		code, _, page = s.postForm("/console/subscriptions", url.Values{"url": {"https://x.example"}, "event": {"http_request"},
			"body": {"{not json"}, "timeoutSeconds": {"ten"}, "headers": {"no colon"}})
		if code != http.StatusBadRequest || !strings.Contains(page, "<code>body</code>") || !strings.Contains(page, "<code>timeoutSeconds</code>") ||
			!strings.Contains(page, "<code>headers</code>") {
			t.Errorf("a form the console cannot send: %d\n%s", code, page)
		}
		pages = append(pages, page)
	})

	t.Run("edit keeps the password", func(t *testing.T) {
		page := get(detail+"/edit", `value="orders to the ERP"`, `value="https://erp.example.com/orders"`, "X-Source: junction",
			"Password (basic): set; leave empty to keep it", `name="version" value="1"`)
		if !strings.Contains(page, `value="http_request" checked`) || strings.Contains(page, `value="inbound_sms" checked`) {
			t.Error("the events' boxes are not as stored")
		}
		form := url.Values{"version": {"1"}, "name": {"orders, renamed"}, "url": {"https://erp.example.com/orders"},
			"event": {"http_request"}, "appEvents": {"run.failed"}, "method": {"POST"}, "format": {"json"}, "headers": {"X-Source: junction"},
			"authType": {"basic"}, "username": {"junction"}, "retryMode": {"default"}, "status": {"enabled"}}
		if code, to, page := s.postForm(detail, form); code != http.StatusSeeOther || to != detail+"?notice=saved" {
			t.Fatalf("%d to %q\n%s", code, to, page)
		}
		get(detail+"?notice=saved", "Subscription saved.", "orders, renamed", "password set", "version 2")
		// Saving again from the form read at version 1 is the API's conflict.
		if code, _, page := s.postForm(detail, form); code != http.StatusConflict || !strings.Contains(page, "<code>version</code>") {
			t.Errorf("a stale edit: %d\n%s", code, page)
		}
	})

	t.Run("disable and enable", func(t *testing.T) {
		if code, to, _ := s.postForm(detail+"/status", url.Values{"status": {"disabled"}}); code != http.StatusSeeOther || to != detail+"?notice=disabled" {
			t.Fatalf("%d to %q", code, to)
		}
		get(detail+"?notice=disabled", "Subscription disabled.", ">disabled<", "disabled through the API", ">Enable</button>")
		if code, _, _ := s.postForm(detail+"/status", url.Values{"status": {"enabled"}}); code != http.StatusSeeOther {
			t.Fatalf("%d", code)
		}
		get(detail, ">enabled<", ">Disable</button>", "password set")
	})

	t.Run("rotate, without showing the new secret", func(t *testing.T) {
		if code, _, page := s.postForm(detail+"/rotate-secret", url.Values{"overlap": {"soon"}}); code != http.StatusBadRequest || !strings.Contains(page, "<code>overlap</code>") {
			t.Errorf("a bad overlap: %d\n%s", code, page)
		}
		code, to, page := s.postForm(detail+"/rotate-secret", url.Values{"overlap": {"2h"}})
		if code != http.StatusSeeOther || to != detail+"?notice=rotated" {
			t.Fatalf("%d to %q\n%s", code, to, page)
		}
		get(to, "Signing secret rotated", "the previous secret also signs until")
	})

	t.Run("recover", func(t *testing.T) {
		// A window with no failed delivery: sending one again needs Temporal,
		// which the browser suite has.
		code, to, page := s.postForm(detail+"/recover", url.Values{"since": {"2020-01-01T00:00"}, "until": {"2020-01-02T00:00"}})
		if code != http.StatusSeeOther {
			t.Fatalf("%d\n%s", code, page)
		}
		get(to, "0 failed deliveries sent again.")
		if code, _, page := s.postForm(detail+"/recover", url.Values{"since": {"yesterday"}}); code != http.StatusBadRequest || !strings.Contains(page, "<code>since</code>") {
			t.Errorf("a bad time: %d\n%s", code, page)
		}
		if code, _, page := s.postForm(detail+"/recover", url.Values{"since": {"2020-01-02T00:00"}, "until": {"2020-01-01T00:00"}}); code != http.StatusBadRequest || !strings.Contains(page, "<code>until</code>") {
			t.Errorf("until before since: %d\n%s", code, page)
		}
	})

	t.Run("delete", func(t *testing.T) {
		code, to, _ := s.postForm(detail+"/delete", url.Values{})
		if code != http.StatusSeeOther || to != "/console/subscriptions?notice=deleted" {
			t.Fatalf("%d to %q", code, to)
		}
		if page := get(to, "Subscription deleted."); strings.Contains(page, f.id) {
			t.Error("the list still shows the deleted subscription")
		}
		if code, _ := s.getPage(detail); code != http.StatusNotFound {
			t.Errorf("the deleted subscription's page: %d", code)
		}
	})

	for i, page := range pages {
		noSecrets(t, fmt.Sprintf("page %d", i), page, f)
	}
}

// TestSubscriptionPagesForAReadKey: a read key sees the subscription and
// its deliveries with no button to change them, and a change forged past
// the missing buttons gets the API's 403, changing nothing.
func TestSubscriptionPagesForAReadKey(t *testing.T) {
	s := newSite(t, vaultOption(t))
	f := makeSubscription(t, s)
	s.signIn(s.reader)
	detail := "/console/subscriptions/" + f.id
	for _, path := range []string{"/console/subscriptions", detail, detail + "/deliveries/" + f.delivered, detail + "/deliveries/" + f.pending} {
		code, page := s.getPage(path)
		if code != http.StatusOK {
			t.Fatalf("GET %s: %d", path, code)
		}
		for _, button := range []string{"/console/subscriptions/new", "/edit", ">Disable<", ">Enable<", ">Rotate secret<", ">Recover", ">Delete<", ">Redeliver<", `method="post" action="/console/subscriptions`} {
			if strings.Contains(page, button) {
				t.Errorf("GET %s shows %q to a read key", path, button)
			}
		}
		noSecrets(t, path, page, f)
	}
	if !strings.Contains(func() string { _, p := s.getPage(detail); return p }(), f.delivered) {
		t.Error("a read key does not see the deliveries")
	}
	for _, tc := range []struct {
		path string
		form url.Values
	}{
		{"/console/subscriptions", url.Values{"url": {"https://x.example"}, "event": {"http_request"}}},
		{detail, url.Values{"url": {"https://x.example"}, "event": {"http_request"}}},
		{detail + "/status", url.Values{"status": {"disabled"}}},
		{detail + "/rotate-secret", url.Values{}},
		{detail + "/recover", url.Values{"since": {"2020-01-01T00:00"}}},
		{detail + "/delete", url.Values{}},
		{detail + "/deliveries/" + f.failed + "/redeliver", url.Values{}},
	} {
		code, _, page := s.postForm(tc.path, tc.form)
		if code != http.StatusForbidden || !strings.Contains(page, "this request needs admin") {
			t.Errorf("POST %s: %d\n%s", tc.path, code, page)
		}
	}
	var sub struct {
		Status  string `json:"status"`
		Version int    `json:"version"`
	}
	if code := s.apiAnswer(s.reader, http.MethodGet, subscriptionsAPI+"/"+f.id, nil, &sub); code != http.StatusOK || sub.Status != "enabled" || sub.Version != 1 {
		t.Errorf("after the forged posts: %d %+v", code, sub)
	}
}
