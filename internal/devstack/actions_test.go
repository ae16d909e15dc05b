package devstack_test

import (
	"bytes"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors/shopify"
	"github.com/junction-run/junction/connectors/shopify/shopifytest"
)

// actionRun is the answer of POST /actions/{action} and of reading its run.
type actionRun struct {
	Action             string         `json:"action"`
	WorkflowID         string         `json:"workflowId"`
	TemporalWorkflowID string         `json:"temporalWorkflowId"`
	RunID              string         `json:"runId"`
	Status             string         `json:"status"`
	Output             map[string]any `json:"output"`
	Error              *struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

// TestRunAction is the Ebbot workflow server's "run an action": Shopify's
// actions, which the manifest lists, run one at a time through the API with
// a connection whose token lives in Vault, durably (as one-step runs with a
// step's retries), answered with their output or, past the wait, with
// where to read it; a repeated Idempotency-Key finds the same run and calls
// Shopify once; bad requests name what is wrong and start nothing.
func TestRunAction(t *testing.T) {
	s, fake := startShopifyStack(t)
	api := s.GatewayURL + "/api/v1/accounts/acme"
	var answers bytes.Buffer
	keep := func(r apiResponse) apiResponse { answers.Write(r.Body); return r }

	// The manifest lists the actions this runs.
	var manifest struct {
		Connectors []struct {
			ID       string `json:"id"`
			Versions []struct {
				Actions []struct {
					ID string `json:"id"`
				} `json:"actions"`
			} `json:"versions"`
		} `json:"connectors"`
	}
	call(t, http.MethodGet, s.GatewayURL+"/api/v1/manifest", nil, nil).decode(t, &manifest)
	var listed []string
	for _, c := range manifest.Connectors {
		for _, v := range c.Versions {
			for _, a := range v.Actions {
				listed = append(listed, c.ID+"."+a.ID)
			}
		}
	}
	for _, want := range []string{"shopify.update_order", "shopify.create_order"} {
		if !slices.Contains(listed, want) {
			t.Errorf("the manifest does not list %s: %v", want, listed)
		}
	}

	created := keep(call(t, http.MethodPost, api+"/connections", []byte(`{"app":"shopify","name":"Northwind store","authKind":"api_key",
	  "fields":{"key":"`+shopifytest.Token+`"},"properties":{"shop":"northwind.myshopify.com"}}`), nil))
	if created.Status != http.StatusCreated {
		t.Fatalf("connection: %d %s", created.Status, created.Body)
	}
	var conn struct{ ID string }
	created.decode(t, &conn)
	order := strconv.Itoa(shopifytest.OrderID)
	var started []string // Temporal workflow ids of the runs
	run := func(action, body string, header map[string]string) (apiResponse, actionRun) {
		t.Helper()
		resp := keep(call(t, http.MethodPost, api+"/actions/"+action, []byte(body), header))
		var out actionRun
		if resp.Status < 300 {
			resp.decode(t, &out)
			started = append(started, out.TemporalWorkflowID)
		}
		return resp, out
	}
	requests := func(method, path string) int {
		n := 0
		for _, r := range fake.Requests() {
			if r.Method == method && strings.HasSuffix(r.Path, path) {
				n++
			}
		}
		return n
	}

	t.Run("ends within the wait: 200 with the output", func(t *testing.T) {
		// The note holds what would be an expression in a definition: an
		// action's inputs are values, so Shopify receives it as it is.
		const note = "Packed in box {{ data.box }}"
		resp, got := run("shopify.update_order", `{"connection":"`+conn.ID+`",
		  "inputs":{"id":`+order+`,"add_tags":["Ready to ship"],"note":"`+note+`"}}`, nil)
		if resp.Status != http.StatusOK || got.Status != "completed" || got.Action != "shopify.update_order" || got.Error != nil {
			t.Fatalf("%d %s", resp.Status, resp.Body)
		}
		stored, _ := fake.Order(shopifytest.OrderID)
		if !slices.Contains(shopify.SplitTags(stored.Tags), "Ready to ship") || stored.Note == nil || *stored.Note != note {
			t.Errorf("Shopify has tags %q, note %v", stored.Tags, stored.Note)
		}
		if got.Output["tags"] != stored.Tags || got.Output["note"] != note || got.Output["id"] != float64(shopifytest.OrderID) {
			t.Errorf("output %v, Shopify has tags %q", got.Output, stored.Tags)
		}
		if loc := resp.Header.Get("Location"); loc != "/api/v1/accounts/acme/actions/shopify.update_order/runs/"+got.WorkflowID {
			t.Errorf("Location %q", loc)
		}
		if !strings.HasPrefix(got.TemporalWorkflowID, "acme/action:shopify.update_order/") {
			t.Errorf("temporalWorkflowId %q", got.TemporalWorkflowID)
		}
	})

	t.Run("wait 0s: 202 at once, then read at Location", func(t *testing.T) {
		// Shopify is down once, for two seconds: the run retries as a
		// step does, so it is still running when the 202 is written.
		fake.FailNext(http.StatusServiceUnavailable, 2*time.Second)
		resp, got := run("shopify.update_order", `{"connection":"`+conn.ID+`","inputs":{"id":`+order+`,"remove_tags":["imported"]},"wait":"0s"}`,
			map[string]string{"Idempotency-Key": "untag-1001"})
		if resp.Status != http.StatusAccepted || got.Status != "running" || got.WorkflowID != "untag-1001" || got.Output != nil {
			t.Fatalf("%d %s", resp.Status, resp.Body)
		}
		read := keep(call(t, http.MethodGet, s.GatewayURL+resp.Header.Get("Location")+"?wait=60s", nil, nil))
		var done actionRun
		read.decode(t, &done)
		if read.Status != http.StatusOK || done.Status != "completed" || done.RunID != got.RunID {
			t.Fatalf("%d %s", read.Status, read.Body)
		}
		if tags, _ := done.Output["tags"].(string); slices.Contains(shopify.SplitTags(tags), "imported") {
			t.Errorf("the tag is still there: %v", done.Output)
		}
	})

	t.Run("a repeated Idempotency-Key finds the same run: Shopify is called once", func(t *testing.T) {
		body := `{"connection":"` + conn.ID + `","inputs":{"email":"ada@example.com","line_items":[{"variant_id":` +
			strconv.Itoa(shopifytest.VariantID) + `,"quantity":1}],"tags":["amazon"]}}`
		key := map[string]string{"Idempotency-Key": "amazon-order-77"}
		before := requests(http.MethodPost, "/orders.json")
		first, a := run("shopify.create_order", body, key)
		second, b := run("shopify.create_order", body, key)
		if first.Status != http.StatusOK || second.Status != http.StatusOK || a.Status != "completed" {
			t.Fatalf("%d %s / %d %s", first.Status, first.Body, second.Status, second.Body)
		}
		if a.RunID != b.RunID || a.TemporalWorkflowID != b.TemporalWorkflowID || a.Output["id"] == nil || a.Output["id"] != b.Output["id"] {
			t.Errorf("two runs: %s / %s", first.Body, second.Body)
		}
		if n := requests(http.MethodPost, "/orders.json") - before; n != 1 {
			t.Errorf("Shopify received %d orders, want 1", n)
		}
	})

	t.Run("a failed action: 200, status failed, the connector's error", func(t *testing.T) {
		resp, got := run("shopify.update_order", `{"connection":"`+conn.ID+`","inputs":{"id":1,"note":"x"}}`, nil)
		if resp.Status != http.StatusOK || got.Status != "failed" || got.Error == nil || got.Error.Type != "NotFound" || got.Output != nil {
			t.Errorf("%d %s", resp.Status, resp.Body)
		}
	})

	t.Run("bad requests name what is wrong and start nothing", func(t *testing.T) {
		other := keep(call(t, http.MethodPost, api+"/connections", []byte(`{"app":"http","name":"Partner","authKind":"bearer","fields":{"token":"t0k"}}`), nil))
		var httpConn struct{ ID string }
		other.decode(t, &httpConn)
		before := len(fake.Requests())
		for _, tc := range []struct {
			name, action, body string
			status             int
			paths              []string
		}{
			{"an unknown action", "shopify.launch_rocket", `{"connection":"` + conn.ID + `"}`, 404, []string{"action"}},
			{"an unknown app", "magento.update_order", `{}`, 404, []string{"action"}},
			{"a connection of another app", "shopify.update_order", `{"connection":"` + httpConn.ID + `","inputs":{"id":1,"note":"x"}}`, 400, []string{"connection"}},
			{"no connection", "shopify.update_order", `{"inputs":{"id":1,"note":"x"}}`, 400, []string{"connection"}},
			{"invalid inputs", "shopify.update_order", `{"connection":"` + conn.ID + `","inputs":{"id":"1001","colour":"red"}}`, 400, []string{"inputs.colour", "inputs.id"}},
			{"a wait too long", "shopify.update_order", `{"connection":"` + conn.ID + `","inputs":{"id":1},"wait":"5m"}`, 400, []string{"wait"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				resp, _ := run(tc.action, tc.body, nil)
				var e struct {
					Errors []struct{ Path string } `json:"errors"`
				}
				resp.decode(t, &e)
				var paths []string
				for _, f := range e.Errors {
					paths = append(paths, f.Path)
				}
				if resp.Status != tc.status || !slices.Equal(paths, tc.paths) {
					t.Errorf("%d %s, want %d at %q", resp.Status, resp.Body, tc.status, tc.paths)
				}
			})
		}
		if n := len(fake.Requests()) - before; n != 0 {
			t.Errorf("bad requests reached Shopify %d times", n)
		}
		if r := call(t, http.MethodGet, api+"/actions/shopify.update_order/runs/never-started", nil, nil); r.Status != http.StatusNotFound {
			t.Errorf("an unknown run: %d %s", r.Status, r.Body)
		}
	})

	// The access token reached Shopify and nothing else: no answer, no
	// history holds it.
	var history strings.Builder
	for _, r := range fake.Requests() {
		if r.Header.Get("X-Shopify-Access-Token") != shopifytest.Token {
			t.Errorf("%s %s without the token", r.Method, r.Path)
		}
	}
	for _, id := range started {
		history.WriteString(wireHistory(t, s, id, ""))
	}
	assertNowhere(t, shopifytest.Token, "the access token", map[string]string{"API answers": answers.String(), "histories": history.String()})
}
