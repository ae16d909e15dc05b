package control_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/internal/fakes/control"
)

func TestCheckLoopback(t *testing.T) {
	for _, tt := range []struct {
		url string
		ok  bool
	}{
		{"http://127.0.0.1:8080/hooks/dev/c/t", true},
		{"https://localhost/x", true},
		{"http://[::1]:9000/", true},
		{"http://10.0.0.5/hooks", false},
		{"https://example.com/hooks", false},
		{"ftp://127.0.0.1/", false},
		{"127.0.0.1:8080", false},
	} {
		if err := control.CheckLoopback(tt.url); (err == nil) != tt.ok {
			t.Errorf("CheckLoopback(%q) = %v, want ok %v", tt.url, err, tt.ok)
		}
	}
}

// DeliverLater keeps trying a subscriber that fails until it answers 2xx,
// with the subscription's headers on every attempt.
func TestDeliverLaterRetriesUntilAnswered(t *testing.T) {
	old := control.Retry
	control.Retry.First = time.Millisecond
	t.Cleanup(func() { control.Retry = old })
	var calls atomic.Int32
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("x-api-key") != "k" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if calls.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(receiver.Close)
	h := control.NewHooks()
	if err := h.Subscribe(control.Subscription{Event: "e", URL: receiver.URL, Headers: map[string]string{"x-api-key": "k"}}); err != nil {
		t.Fatal(err)
	}
	h.DeliverLater("e", []byte(`{}`), nil)
	h.DeliverLater("other", []byte(`{}`), nil)
	// Wait for the third attempt to be recorded, not merely received:
	// closing while its answer is on the way cancels it.
	deadline := time.Now().Add(10 * time.Second)
	for len(h.Deliveries()) < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	h.Close()
	got := h.Deliveries()
	if len(got) != 3 || got[0].Status != http.StatusServiceUnavailable || !got[2].OK() || got[2].Attempt != 3 {
		t.Errorf("deliveries %+v", got)
	}
}

func TestControlRoutes(t *testing.T) {
	var failures connectortest.Failures
	api := httptest.NewServer(control.NewAPI(control.NewHooks(), &failures))
	t.Cleanup(api.Close)
	for _, tt := range []struct {
		path, body string
		status     int
	}{
		{"/_fake/webhooks", `{"event": "e", "url": "http://127.0.0.1:1/h"}`, http.StatusCreated},
		{"/_fake/webhooks", `{"event": "e", "url": "https://example.com/h"}`, http.StatusBadRequest},
		{"/_fake/webhooks", `{"url": "http://127.0.0.1:1/h"}`, http.StatusBadRequest},
		{"/_fake/webhooks", `{"event": "e", "nope": 1}`, http.StatusBadRequest},
		{"/_fake/fail", `{"status": 200}`, http.StatusBadRequest},
		{"/_fake/fail", `{"status": 429, "retryAfterSeconds": 3, "count": 2}`, http.StatusOK},
		{"/_fake/nothing", `{}`, http.StatusNotFound},
	} {
		resp, err := http.Post(api.URL+tt.path, "application/json", bytes.NewReader([]byte(tt.body)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("POST %s %s: %d, want %d", tt.path, tt.body, resp.StatusCode, tt.status)
		}
	}
	for range 2 {
		if f := failures.Next(); f == nil || f.Status != http.StatusTooManyRequests || f.RetryAfter != 3*time.Second {
			t.Errorf("queued failure %+v", f)
		}
	}
	if f := failures.Next(); f != nil {
		t.Errorf("a third failure %+v", f)
	}
}
