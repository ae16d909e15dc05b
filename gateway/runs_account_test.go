package gateway_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/junction-run/junction/internal/historytest"
	enumspb "go.temporal.io/api/enums/v1"
)

// TestListAccountRuns: the account's list of runs asks visibility for the
// account's runs of every definition, narrowed by each filter given, and
// names each run's definition.
func TestListAccountRuns(t *testing.T) {
	e := newEnv(t)
	defID := e.createDefinition("notify.json")
	const account = "JunctionAccountId = 'acme'"

	for _, tc := range []struct {
		name, query, want string
	}{
		{"all", "", account},
		{"one definition", "?definitionId=" + defID, account + " AND JunctionDefinitionId = '" + defID + "'"},
		{"one version of one definition", "?definitionId=" + defID + "&version=2",
			account + " AND JunctionDefinitionId = '" + defID + "' AND JunctionDefinitionVersion = 2"},
		{"a version of any definition", "?version=3", account + " AND JunctionDefinitionVersion = 3"},
		{"Suspended", "?status=Suspended", account + " AND ExecutionStatus = 'Running' AND JunctionRunStatus = 'Suspended'"},
		{"started between", "?status=Complete&startTimeFrom=2026-07-01T00:00:00Z&startTimeTo=2026-07-02T12:00:00%2B02:00",
			account + " AND ExecutionStatus = 'Completed' AND StartTime >= '2026-07-01T00:00:00Z' AND StartTime <= '2026-07-02T10:00:00Z'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			query := e.expectList()
			resp := e.call(http.MethodGet, base+"/workflows"+tc.query, e.reader, nil)
			if resp.status != http.StatusOK || string(resp.body) != "[]" {
				t.Fatalf("%d %s", resp.status, resp.body)
			}
			if *query != tc.want {
				t.Errorf("query\n\t%s\nwant\n\t%s", *query, tc.want)
			}
		})
	}

	t.Run("each run names its definition; a deleted one's has no name", func(t *testing.T) {
		const gone = "0b0e7a4c-5d2f-4e8a-9c1b-2f3a4b5c6d7e"
		e.expectList(
			historytest.Execution(t, acme, defID, "order-1", enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, started, time.Time{}),
			historytest.Execution(t, acme, gone, "order-2", enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, started, closed),
			historytest.Execution(t, acme, defID, "order-3", enumspb.WORKFLOW_EXECUTION_STATUS_FAILED, started, closed),
		)
		resp := e.call(http.MethodGet, base+"/workflows?limit=3", e.reader, nil)
		var got []map[string]any
		resp.decode(t, &got)
		want := []struct{ id, definitionID, name, status string }{
			{"order-1", defID, "Notify the shop", "Runnable"},
			{"order-2", gone, "", "Complete"},
			{"order-3", defID, "Notify the shop", "Terminated"},
		}
		if len(got) != len(want) {
			t.Fatalf("%s", resp.body)
		}
		for i, w := range want {
			name, has := got[i]["definitionName"]
			if got[i]["workflowId"] != w.id || got[i]["definitionId"] != w.definitionID || got[i]["status"] != w.status ||
				(w.name == "") == has || (has && name != w.name) {
				t.Errorf("run %d = %v, want %+v", i, got[i], w)
			}
		}
	})

	t.Run("a per-definition list names no definition", func(t *testing.T) {
		e.expectList(historytest.Execution(t, acme, defID, "order-1", enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, started, time.Time{}))
		resp := e.call(http.MethodGet, base+"/definitions/"+defID+"/workflows", e.reader, nil)
		var got []map[string]any
		resp.decode(t, &got)
		if _, has := got[0]["definitionName"]; len(got) != 1 || has {
			t.Errorf("%s", resp.body)
		}
	})

	for _, tc := range []struct{ name, query, path string }{
		{"a definition id that is no UUID", "?definitionId=notify", "definitionId"},
		{"version 0", "?version=0", "version"},
		{"an unknown status", "?status=Running", "status"},
		{"a start time that is no time", "?startTimeFrom=yesterday", "startTimeFrom"},
		{"a limit over 500", "?limit=501", "limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := e.call(http.MethodGet, base+"/workflows"+tc.query, e.reader, nil)
			if resp.status != http.StatusBadRequest {
				t.Fatalf("%d %s", resp.status, resp.body)
			}
			if paths := resp.apiError(t).paths(); !slices.Contains(paths, tc.path) {
				t.Errorf("error paths %v, want %s", paths, tc.path)
			}
		})
	}

	t.Run("another account's key", func(t *testing.T) {
		if resp := e.call(http.MethodGet, base+"/workflows", e.foreign, nil); resp.status != http.StatusForbidden && resp.status != http.StatusNotFound {
			t.Errorf("%d %s", resp.status, resp.body)
		}
	})
}
