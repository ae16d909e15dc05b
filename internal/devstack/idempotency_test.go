package devstack_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/junction-run/junction/internal/devstack"
)

// TestOutboundIdempotencyKeys runs steps against a partner that records the
// Idempotency-Key of every request: a retried HttpRequest (a local
// activity, as shipped) and a retried http.call send the same key on
// every attempt; two steps, and two iterations of a loop, send different
// keys; a step can rename the header or send none.
func TestOutboundIdempotencyKeys(t *testing.T) {
	var (
		mu   sync.Mutex
		keys = map[string][]string{} // path -> key of each request
	)
	partner := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		key := r.Header.Get("Idempotency-Key")
		if r.URL.Path == "/renamed" {
			key = r.Header.Get("X-Request-Key") + "|" + key
		}
		keys[r.URL.Path] = append(keys[r.URL.Path], key)
		n := len(keys[r.URL.Path])
		mu.Unlock()
		if (r.URL.Path == "/a" || r.URL.Path == "/b") && n == 1 {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer partner.Close()

	s := startTestStack(t, devstack.Config{})
	createDefinition(t, s, "acme", []byte(`{"trigger":"http_request","status":"enabled","definition":{"name":"Keys","steps":[
	  {"id":"a","stepType":"HttpRequest","inputs":{"url":"`+partner.URL+`/a","method":"POST"},"nextStepId":"b"},
	  {"id":"b","stepType":"http.call","inputs":{"method":"POST","url":"`+partner.URL+`/b"},"nextStepId":"each"},
	  {"id":"each","stepType":"ForEach","inputs":{"items":[1,2]},"do":[[
	    {"id":"item","stepType":"HttpRequest","inputs":{"url":"`+partner.URL+`/loop","method":"POST"}}]],"nextStepId":"renamed"},
	  {"id":"renamed","stepType":"HttpRequest","inputs":{"url":"`+partner.URL+`/renamed","method":"POST","idempotencyHeader":"X-Request-Key"},"nextStepId":"none"},
	  {"id":"none","stepType":"HttpRequest","inputs":{"url":"`+partner.URL+`/none","method":"POST","idempotencyHeader":""}}]}}`))
	res := trigger(t, s, "acme", `{}`, nil)
	waitRun(t, s, res.Runs[0].TemporalWorkflowID)

	mu.Lock()
	defer mu.Unlock()
	for _, path := range []string{"/a", "/b"} {
		k := keys[path]
		if len(k) != 2 || len(k[0]) != 32 || k[0] != k[1] {
			t.Errorf("%s: keys %q, want the same 32-character key on both attempts", path, k)
		}
	}
	if keys["/a"][0] == keys["/b"][0] {
		t.Error("two steps sent the same key")
	}
	if l := keys["/loop"]; len(l) != 2 || l[0] == "" || l[0] == l[1] {
		t.Errorf("loop iterations: keys %q, want two different ones", l)
	}
	if r := keys["/renamed"]; len(r) != 1 || len(r[0]) != 33 || r[0][32] != '|' {
		t.Errorf("renamed header: %q, want the key in X-Request-Key and no Idempotency-Key", r)
	}
	if n := keys["/none"]; len(n) != 1 || n[0] != "" {
		t.Errorf("idempotencyHeader \"\": %q, want no key", n)
	}
}
