package devstack_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/junction-run/junction/internal/devstack"
)

// States outlive runs: 20 messages from one user sent at once, each run
// incrementing state.user.count, leave 20; runs read the account's state
// as it was when they started; the API reads, replaces and deletes both.
func TestStatesCountEveryRun(t *testing.T) {
	s := startTestStack(t, devstack.Config{})
	api := s.GatewayURL + "/api/v1/accounts/acme"
	createDefinition(t, s, "acme", []byte(`{"trigger": "inbound_sms", "status": "enabled", "definition": {"name": "counts messages", "steps": [
		{"id": "count", "stepType": "SetState", "inputs": {"scope": "user", "values": {"count": "{{ (state.user.count ?? 0) + 1 }}", "last": "{{ data.payload.body }}"}},
		 "outputs": {"seen": "{{ step.state.count }}"}, "nextStepId": "total"},
		{"id": "total", "stepType": "SetState", "inputs": {"scope": "account", "values": {"messages": "{{ (state.account.messages ?? 0) + 1 }}"}},
		 "nextStepId": "plan"},
		{"id": "plan", "stepType": "SetVariables", "inputs": {"plan": "{{ state.account.plan ?? 'free' }}"}}]}}`))
	if resp := call(t, http.MethodPut, api+"/state", []byte(`{"plan": "pro"}`), nil); resp.Status != http.StatusOK {
		t.Fatalf("put state: %d %s", resp.Status, resp.Body)
	}

	const n = 20
	var wg sync.WaitGroup
	ids := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := raise(t, s, "inbound_sms", inboundSMS(fmt.Sprintf("count-%d", i), "+6591234567", fmt.Sprintf("message %d", i)))
			if len(res.Runs) == 1 {
				ids[i] = res.Runs[0].TemporalWorkflowID
			}
		}()
	}
	wg.Wait()
	seen := map[float64]bool{}
	for i, id := range ids {
		if id == "" {
			t.Fatalf("message %d started no run", i)
		}
		data := waitRun(t, s, id)
		seen[data["seen"].(float64)] = true
		if data["plan"] != "pro" {
			t.Errorf("run %d read plan %v, want the account's pro", i, data["plan"])
		}
	}
	if len(seen) != n {
		t.Errorf("the runs saw %d distinct counts, want %d: %v", len(seen), n, seen)
	}
	var user map[string]any
	resp := call(t, http.MethodGet, api+"/users/sms:6591234567/state", nil, nil)
	resp.decode(t, &user)
	if user["count"] != float64(n) || !strings.HasPrefix(fmt.Sprint(user["last"]), "message ") {
		t.Errorf("the user's state: %s, want count %d", resp.Body, n)
	}
	var account map[string]any
	call(t, http.MethodGet, api+"/state", nil, nil).decode(t, &account)
	if account["messages"] != float64(n) || account["plan"] != "pro" {
		t.Errorf("the account's state: %v", account)
	}

	// The API replaces and deletes them; a run that then writes starts
	// from what is there.
	if resp := call(t, http.MethodPut, api+"/users/sms:6591234567/state", []byte(`{"count": 100}`), nil); resp.Status != http.StatusOK {
		t.Fatalf("put user state: %d %s", resp.Status, resp.Body)
	}
	if data := waitRun(t, s, raise(t, s, "inbound_sms", inboundSMS("count-after-put", "+6591234567", "again")).Runs[0].TemporalWorkflowID); data["seen"] != float64(101) {
		t.Errorf("after PUT count 100, the run counted %v", data["seen"])
	}
	for _, path := range []string{"/state", "/users/sms:6591234567/state"} {
		if resp := call(t, http.MethodDelete, api+path, nil, nil); resp.Status != http.StatusNoContent {
			t.Errorf("delete %s: %d %s", path, resp.Status, resp.Body)
		}
		if resp := call(t, http.MethodGet, api+path, nil, nil); string(resp.Body) != "{}" {
			t.Errorf("%s after delete: %s", path, resp.Body)
		}
	}
	if resp := call(t, http.MethodPut, api+"/state", []byte(`[1, 2]`), nil); resp.Status != http.StatusBadRequest {
		t.Errorf("a state that is not an object: %d %s", resp.Status, resp.Body)
	}
	recordHistory(t, s, "set_state_user_and_account", ids[0], "")
}
