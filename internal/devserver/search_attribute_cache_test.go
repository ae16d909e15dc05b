package devserver

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/server/common/dynamicconfig"
	"go.uber.org/zap"
	"google.golang.org/grpc"
)

func forceRefresh(c *dynamicConfigClient) bool {
	v := c.GetValue(dynamicconfig.ForceSearchAttributesCacheRefreshOnRead.Key())
	return len(v) == 1 && v[0].Value == true
}

func TestSearchAttributeCacheRefreshesOnlyWhileAChangeSettles(t *testing.T) {
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	c := newDynamicConfigClient(dynamicconfig.StaticClient{dynamicconfig.HistoryPersistenceMaxQPS.Key(): 45000}, func() time.Time { return now })
	if forceRefresh(c) {
		t.Fatal("reads refresh before any change")
	}
	if got := c.GetValue(dynamicconfig.HistoryPersistenceMaxQPS.Key()); len(got) != 1 || got[0].Value != 45000 {
		t.Fatalf("other settings: %v, want the static 45000", got)
	}

	handled := false
	call := func(method string) {
		handled = false
		_, err := c.interceptor(context.Background(), nil, &grpc.UnaryServerInfo{FullMethod: method}, func(context.Context, any) (any, error) {
			handled = true
			return nil, nil
		})
		if err != nil || !handled {
			t.Fatalf("%s: handled %v, error %v", method, handled, err)
		}
	}
	call("/temporal.api.workflowservice.v1.WorkflowService/StartWorkflowExecution")
	if forceRefresh(c) {
		t.Fatal("a start made reads refresh")
	}
	call("/temporal.api.operatorservice.v1.OperatorService/AddSearchAttributes")
	if !forceRefresh(c) {
		t.Fatal("reads do not refresh right after a search attribute was added")
	}
	now = now.Add(searchAttributeSettle - time.Second)
	call("/temporal.api.workflowservice.v1.WorkflowService/UpdateNamespace")
	now = now.Add(searchAttributeSettle - time.Second)
	if !forceRefresh(c) {
		t.Fatal("a second change did not extend the window")
	}
	now = now.Add(time.Second)
	if forceRefresh(c) {
		t.Fatal("reads still refresh once the change settled")
	}
}

// TestSearchAttributeAddedAtRuntimeIsUsableAtOnce adds a search attribute
// to a running server, as EnsureSearchAttributes does for a data directory
// an older Junction made, and starts a run with it right away: the start
// is accepted and the run is listed by it.
func TestSearchAttributeAddedAtRuntimeIsUsableAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the embedded Temporal server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := Start(ctx, Config{DBFile: filepath.Join(t.TempDir(), "temporal.db"), FrontendAddress: "127.0.0.1:0", Logger: zap.NewNop(),
		SearchAttributes: map[string]enumspb.IndexedValueType{"Existing": enumspb.INDEXED_VALUE_TYPE_KEYWORD}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	c, err := client.DialContext(ctx, client.Options{HostPort: srv.FrontendAddress})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	existing, added := temporal.NewSearchAttributeKeyKeyword("Existing"), temporal.NewSearchAttributeKeyKeyword("AddedLater")

	// A start before the change fills every cache.
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "before", TaskQueue: "nobody",
		TypedSearchAttributes: temporal.NewSearchAttributes(existing.ValueSet("x"))}, "Anything"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: srv.Namespace, SearchAttributes: map[string]enumspb.IndexedValueType{"AddedLater": enumspb.INDEXED_VALUE_TYPE_KEYWORD},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "after", TaskQueue: "nobody",
		TypedSearchAttributes: temporal.NewSearchAttributes(added.ValueSet("y"))}, "Anything"); err != nil {
		t.Fatalf("a start with the search attribute just added: %v", err)
	}
	var listed int
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: "AddedLater = 'y'"})
		if err != nil {
			t.Fatal(err)
		}
		if listed = len(resp.GetExecutions()); listed == 1 {
			break
		}
	}
	if listed != 1 {
		t.Fatalf("runs listed by the new search attribute: %d, want 1", listed)
	}
}
