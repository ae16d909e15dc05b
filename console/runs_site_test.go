package console_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/mock"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"

	"github.com/junction-run/junction/gateway"
	"github.com/junction-run/junction/internal/historytest"
	"github.com/junction-run/junction/runs"
)

// withTemporal gives the site's gateway temporal for its runs, and the
// Temporal UI at ui for their history links.
func withTemporal(temporal *mocks.Client, ui string) func(*gateway.Config) {
	return func(cfg *gateway.Config) {
		cfg.Temporal = temporal
		cfg.TemporalUIURL = ui
	}
}

// expectList makes every ListWorkflow answer execs, and returns where the
// last query it was sent will be.
func expectList(temporal *mocks.Client, execs ...*workflowpb.WorkflowExecutionInfo) *string {
	var query string
	temporal.On("ListWorkflow", mock.Anything, mock.Anything).Return(
		func(_ context.Context, req *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
			query = req.GetQuery()
			return &workflowservice.ListWorkflowExecutionsResponse{Executions: execs}, nil
		})
	return &query
}

// expectRun makes Temporal describe info whenever asked, and answer the
// open run's state query with state; its history has no call.
func expectRun(t *testing.T, temporal *mocks.Client, info *workflowpb.WorkflowExecutionInfo, state runs.RunState) {
	expectRunCalls(t, temporal, info, state, nil, nil)
}

// expectRunCalls is expectRun whose history holds events, and whose
// description lists pending activities.
func expectRunCalls(t *testing.T, temporal *mocks.Client, info *workflowpb.WorkflowExecutionInfo, state runs.RunState,
	events []*historypb.HistoryEvent, pending []*workflowpb.PendingActivityInfo) {
	exec := info.GetExecution()
	temporal.On("DescribeWorkflowExecution", mock.Anything, exec.GetWorkflowId(), "").
		Return(&workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: info, PendingActivities: pending}, nil).Maybe()
	temporal.On("GetWorkflowHistory", mock.Anything, exec.GetWorkflowId(), exec.GetRunId(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT).
		Return(func(context.Context, string, string, bool, enumspb.HistoryEventFilterType) client.HistoryEventIterator {
			return historytest.Iterator(nil, events...)
		}).Maybe()
	value := &mocks.Value{}
	value.Test(t)
	value.On("Get", mock.Anything).Return(func(ptr any) error {
		b, _ := json.Marshal(state)
		return json.Unmarshal(b, ptr)
	}).Maybe()
	temporal.On("QueryWorkflow", mock.Anything, exec.GetWorkflowId(), exec.GetRunId(), runs.StateQuery).Return(value, nil).Maybe()
}
