package gateway_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/mocks"

	"github.com/junction-run/junction/internal/historytest"
	"github.com/junction-run/junction/runs"
)

// TestDefinitionVersions: every save is a new version, named by an ETag
// that makes the next save conditional.
func TestDefinitionVersions(t *testing.T) {
	e := newEnv(t)
	resp := e.call(http.MethodPost, base+"/definitions", e.admin, testdata(t, "notify.json"))
	var doc struct {
		ID, AccountID, CreatedAt string
		Version                  int
		Definition               struct {
			ID      string
			Version int
		}
	}
	resp.decode(t, &doc)
	if resp.status != 201 || resp.header.Get("ETag") != `"v1"` || resp.header.Get("Location") != base+"/definitions/"+doc.ID ||
		doc.AccountID != acme || doc.Version != 1 || doc.Definition.ID != doc.ID || doc.CreatedAt == "" {
		t.Fatalf("%d %v %s", resp.status, resp.header, resp.body)
	}
	path := base + "/definitions/" + doc.ID

	e.expectScheduleDeleted(doc.ID) // an http_request definition has no poll schedule
	if resp := e.call(http.MethodPut, path, e.admin, testdata(t, "notify.json"), "If-Match", `"v1"`); resp.status != 200 || resp.header.Get("ETag") != `"v2"` {
		t.Fatalf("update: %d %v %s", resp.status, resp.header, resp.body)
	}
	resp = e.call(http.MethodPut, path, e.admin, testdata(t, "notify.json"), "If-Match", `"v1"`)
	if body := resp.apiError(t); resp.status != http.StatusPreconditionFailed || strings.Join(body.paths(), ",") != "header.If-Match" {
		t.Errorf("stale If-Match: %d %s", resp.status, resp.body)
	}

	resp = e.call(http.MethodGet, path, e.reader, nil)
	var versions []struct{ Version int }
	resp.decode(t, &versions)
	if len(versions) != 2 || versions[0].Version != 2 || resp.header.Get("ETag") != `"v2"` {
		t.Errorf("versions: %v %s", resp.header, resp.body)
	}
	resp = e.call(http.MethodGet, path+"?version=1", e.reader, nil)
	resp.decode(t, &versions)
	if len(versions) != 1 || versions[0].Version != 1 || resp.header.Get("ETag") != `"v1"` {
		t.Errorf("version 1: %v %s", resp.header, resp.body)
	}
}

// TestDeleteDefinition: the poll schedule goes, then the definition's open
// runs are terminated, then the definition; a failure on the way deletes
// nothing.
func TestDeleteDefinition(t *testing.T) {
	e := newEnv(t)
	defID := e.createDefinition("notify.json")
	path := base + "/definitions/" + defID

	e.expectScheduleDeleted(defID)
	e.temporal.On("ListWorkflow", mock.Anything, mock.Anything).Return(nil, errors.New("visibility unavailable")).Once()
	resp := e.call(http.MethodDelete, path, e.admin, nil)
	if body := resp.apiError(t); resp.status != 503 || body.Message != "Could not list the definition's runs; nothing was lost, retry the request." {
		t.Fatalf("%d %s", resp.status, resp.body)
	}

	e.expectScheduleDeleted(defID)
	query := e.expectList(historytest.Execution(t, acme, defID, "order-1", enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, started, time.Time{}))
	e.temporal.On("TerminateWorkflow", mock.Anything, runs.RunWorkflowID(acme, defID, "order-1"), "run-order-1", "definition deleted").Return(nil).Once()
	if resp := e.call(http.MethodDelete, path, e.admin, nil); resp.status != http.StatusAccepted || len(resp.body) != 0 {
		t.Fatalf("%d %s", resp.status, resp.body)
	}
	if want := "JunctionAccountId = 'acme' AND JunctionDefinitionId = '" + defID + "' AND ExecutionStatus = 'Running'"; *query != want {
		t.Errorf("runs to terminate found with %q, want %q", *query, want)
	}
	if resp := e.call(http.MethodGet, path, e.reader, nil); string(resp.body) != "[]" {
		t.Errorf("after delete: %s", resp.body)
	}
}

// TestPollScheduleFailure: a definition saved while its poll schedule
// could not follow is saved, and the 503 says so.
func TestPollScheduleFailure(t *testing.T) {
	e := newEnv(t)
	defID := e.createDefinition("notify.json")
	sc, handle := mocks.NewScheduleClient(t), mocks.NewScheduleHandle(t)
	e.temporal.On("ScheduleClient").Return(sc).Once()
	sc.On("GetHandle", mock.Anything, runs.PollScheduleID(acme, defID)).Return(handle).Once()
	handle.On("Delete", mock.Anything).Return(context.DeadlineExceeded).Once()
	resp := e.call(http.MethodPut, base+"/definitions/"+defID, e.admin, testdata(t, "notify.json"))
	body := resp.apiError(t)
	if resp.status != 503 || body.Message != "Definition "+defID+" was saved as version 2, but its poll schedule could not be updated (save it again to retry); nothing was lost, retry the request." {
		t.Errorf("%d %s", resp.status, resp.body)
	}
}
